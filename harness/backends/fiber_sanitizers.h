// What the sanitizers must be told about a fiber switch (Boost.Context 1.74's fcontext fibers do
// not tell them): ThreadSanitizer keeps a state per fiber, AddressSanitizer the bounds of the
// stack in use. Without a sanitizer all of this compiles to nothing.
#pragma once

#include <cstddef>

#include "harness/tsan.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INTERLEAVE_ASAN_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define INTERLEAVE_ASAN_FIBERS 1
#endif

#ifdef INTERLEAVE_TSAN_ANNOTATIONS
extern "C" void* __tsan_get_current_fiber();
extern "C" void* __tsan_create_fiber(unsigned flags);
extern "C" void __tsan_destroy_fiber(void* fiber);
extern "C" void __tsan_switch_to_fiber(void* fiber, unsigned flags);
#endif
#ifdef INTERLEAVE_ASAN_FIBERS
extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom,
                                               std::size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old,
                                                std::size_t* size_old);
#endif

namespace interleave::detail {

// One context (the engine's thread, or a fiber) as the sanitizers know it.
struct SanitizerContext {
  void* tsan = nullptr;                // ThreadSanitizer's fiber
  const void* stack_bottom = nullptr;  // AddressSanitizer: the stack's lowest address and size
  std::size_t stack_size = 0;
};

// Call right before switching from `from` to `to`; finish_switch() right after arriving.
inline void start_switch(const SanitizerContext& to, void** fake_stack) {
#ifdef INTERLEAVE_TSAN_ANNOTATIONS
  if (to.tsan != nullptr) __tsan_switch_to_fiber(to.tsan, 0);
#endif
#ifdef INTERLEAVE_ASAN_FIBERS
  __sanitizer_start_switch_fiber(fake_stack, to.stack_bottom, to.stack_size);
#endif
  (void)to;
  (void)fake_stack;
}

// `came_from` (if not null) learns the bounds of the stack just left (how the engine's own thread
// stack becomes known).
inline void finish_switch(void* fake_stack, SanitizerContext* came_from) {
#ifdef INTERLEAVE_ASAN_FIBERS
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  if (came_from != nullptr) {
    came_from->stack_bottom = bottom;
    came_from->stack_size = size;
  }
#endif
  (void)fake_stack;
  (void)came_from;
}

}  // namespace interleave::detail
