// Happens-before that ThreadSanitizer cannot see by itself. Internal to the engine.
//
// Under the strict baton every step of an execution follows the previous one, but when the baton
// passes through another process (a forked worker, or the harness), the threads of this process
// are ordered only through that process, where this process's ThreadSanitizer cannot look. Every
// baton transfer therefore releases, and every baton receipt acquires, one process-local sync
// object. Without ThreadSanitizer these compile to nothing.
#pragma once

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INTERLEAVE_TSAN_ANNOTATIONS 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define INTERLEAVE_TSAN_ANNOTATIONS 1
#endif

#ifdef INTERLEAVE_TSAN_ANNOTATIONS
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace interleave::detail {

#ifdef INTERLEAVE_TSAN_ANNOTATIONS
inline char baton_sync;
inline void baton_released() { __tsan_release(&baton_sync); }
inline void baton_acquired() { __tsan_acquire(&baton_sync); }
#else
inline void baton_released() {}
inline void baton_acquired() {}
#endif

}  // namespace interleave::detail
