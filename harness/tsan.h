// What ThreadSanitizer sees of the baton. Internal to the engine (and the history recorder).
//
// Default: every baton transfer releases, and every receipt acquires, one process-local sync
// object. Under the strict baton every step follows the previous one, but when the baton passes
// through another process (a forked worker, or the harness) the threads of this process are
// ordered only through that process, where this process's ThreadSanitizer cannot look; the
// annotation restores the order, so TSan runs of the harness are clean.
//
// Race mode (INTERLEAVE_TSAN_RACES=1 in a ThreadSanitizer build): the opposite. The harness's own
// work on actor threads runs in HarnessRegions, where TSan neither checks memory accesses nor
// records synchronization, so handing over the baton orders nothing. Only the actors' start and end
// (with the scheduler) and interleave::Mutex / FileLock order actors, as they would in production;
// TSan then reports the real data races of the store under test, and none that its locks prevent.
//
// Without ThreadSanitizer all of this compiles to nothing.
#pragma once

#include <atomic>

#include "harness/seam.h"

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
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
extern "C" void AnnotateIgnoreSyncBegin(const char* file, int line);
extern "C" void AnnotateIgnoreSyncEnd(const char* file, int line);
#endif

namespace interleave::detail {

#ifdef INTERLEAVE_TSAN_ANNOTATIONS
// Process-wide: set by the first Engine when INTERLEAVE_TSAN_RACES=1 (a debugging mode).
inline std::atomic<bool> tsan_races{false};
inline char baton_sync;
inline char start_sync;  // scheduler -> actors at the start of an execution
inline char end_sync;    // actors -> scheduler at its end

inline void baton_released() { __tsan_release(&baton_sync); }
inline void baton_acquired() { __tsan_acquire(&baton_sync); }
inline void sync_release(void* object) { __tsan_release(object); }
inline void sync_acquire(void* object) { __tsan_acquire(object); }

// Scope of harness work on an actor thread: no actor runs there (the seam and the C library's
// locks, harness/backends/std_sync.cc, see the controller hidden), and TSan in race mode sees
// nothing.
class HarnessRegion {
 public:
  HarnessRegion() : active_(tsan_races.load(std::memory_order_relaxed)) {
    if (active_) {
      __tsan_ignore_thread_begin();
      AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    }
  }
  ~HarnessRegion() {
    if (active_) {
      AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
      __tsan_ignore_thread_end();
    }
  }
  HarnessRegion(const HarnessRegion&) = delete;
  HarnessRegion& operator=(const HarnessRegion&) = delete;

 private:
  EnvironmentScope scope_;  // declared first: hidden before TSan is told
  bool active_;
};
#else
inline char start_sync;
inline char end_sync;
inline void baton_released() {}
inline void baton_acquired() {}
inline void sync_release(void*) {}
inline void sync_acquire(void*) {}
// Scope of harness work on an actor thread: no actor runs there (the seam and the C library's
// locks, harness/backends/std_sync.cc, see the controller hidden).
using HarnessRegion = EnvironmentScope;
#endif

}  // namespace interleave::detail
