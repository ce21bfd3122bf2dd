// The C library's synchronization of in-process actors as scheduler decisions: a store linked into
// the harness (or its forked workers) that locks with std::mutex, std::shared_mutex,
// std::condition_variable or their pthread_* calls runs under control unchanged. The harness
// defines pthread_mutex_lock and the others (shim/sync.c, built into it with
// INTERLEAVE_SYNC_IN_PROCESS); this file is that model's port over the calling actor's runtime.
// Every other thread (the engine's, the judge's, a thread the store starts itself) goes straight to
// the C library, or to ThreadSanitizer's interceptor when there is one.
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include "harness/backends/actor_runtime.h"
#include "harness/seam.h"
#include "harness/trace.h"
#include "harness/tsan.h"
#include "shim/sync_port.h"

namespace interleave::detail {
namespace {

// The runtime of the actor whose body runs on this thread (or fiber), or nullptr.
ActorRuntime* running_actor() {
  Controller* c = current_controller;
  return c == nullptr ? nullptr : dynamic_cast<ActorRuntime*>(c);
}

// The mutex a condition wait of this thread gave up and has not taken back.
thread_local pthread_mutex_t* released_for_wait = nullptr;

// The locks this thread goes on as if it held them after a stop (il_sync_pretend): a few at most.
struct Pretences {
  static constexpr int kCapacity = 16;
  void* objects[kCapacity] = {};
  int count = 0;
};
thread_local Pretences pretences;

std::atomic<unsigned> noted{0};

}  // namespace
}  // namespace interleave::detail

using interleave::detail::ActorRuntime;
using interleave::detail::running_actor;

extern "C" {

int il_sync_controlled(void) {
  const ActorRuntime* self = running_actor();
  return self != nullptr && self->controls_sync() ? 1 : 0;
}

void il_sync_post(int event, int kind, const char* space, const char* label, const char* name,
                  int access, uint64_t lock, int flags) {
  ActorRuntime* self = running_actor();
  interleave::detail::Pending p;
  {
    interleave::detail::HarnessRegion harness;  // interning takes a lock of the harness's own
    p.label = interleave::intern_label(label);
    p.space = interleave::intern_label(space);
  }
  p.event = static_cast<interleave::detail::Event>(event);
  p.kind = static_cast<interleave::ObjectKind>(kind);
  p.name = name;
  p.access = access == IL_WRITE ? interleave::Access::kWrite : interleave::Access::kRead;
  p.lock = lock;
  p.timed = (flags & (POST_TIMED | POST_UNTIL_STUCK)) != 0;
  p.until_stuck = (flags & POST_UNTIL_STUCK) != 0;
  p.keep_last = (flags & POST_KEEP_LAST) != 0;
  struct Relock {
    // Unwinding out of a condition wait: the caller's unique_lock believes it holds the mutex
    // again, and will unlock it. (Uncontrolled by then: the execution is being stopped.)
    const int before = std::uncaught_exceptions();
    ~Relock() {
      if (std::uncaught_exceptions() == before) return;
      if (pthread_mutex_t* m = std::exchange(interleave::detail::released_for_wait, nullptr)) {
        if (pthread_mutex_trylock(m) != 0) il_sync_pretend(m);
      }
    }
  } relock;
  if (self->post_sync(p)) return;
  // Stopped. A decision before an attempt, or a release, goes on uncontrolled (the caller may be a
  // destructor, which must not throw; the attempt of a lock no parked actor holds succeeds), and so
  // does a lock's wait (the model then goes on as if it held the lock). A condition or semaphore
  // wait unwinds the actor.
  if ((flags & POST_MAY_UNWIND) == 0) return;
  if (std::uncaught_exceptions() > 0) self->park();  // cannot throw either
  self->unwind();
}

int il_sync_touch(const char* name, int access, uint64_t wakes) {
  return running_actor()->touch_sync(
             name, access == IL_WRITE ? interleave::Access::kWrite : interleave::Access::kRead,
             wakes)
             ? 1
             : 0;
}

int il_sync_deciding(void) { return running_actor()->has_siblings() ? 1 : 0; }

int il_sync_process(void) { return running_actor()->process(); }

void il_sync_note(unsigned bit, const char* what, const char* name) {
  if ((interleave::detail::noted.fetch_or(bit) & bit) != 0) return;
  std::fprintf(stderr, "interleave: not controlled: %s%s%s\n", what, name != nullptr ? " " : "",
               name != nullptr ? name : "");
}

void il_sync_pretend(void* object) {
  interleave::detail::Pretences& p = interleave::detail::pretences;
  if (p.count < interleave::detail::Pretences::kCapacity) p.objects[p.count++] = object;
}

int il_sync_pretended(void* object) {
  interleave::detail::Pretences& p = interleave::detail::pretences;
  for (int i = 0; i < p.count; ++i) {
    if (p.objects[i] == object) {
      p.objects[i] = p.objects[--p.count];
      return 1;
    }
  }
  return 0;
}

void il_sync_forget_pretences(void) { interleave::detail::pretences.count = 0; }

struct il_sync_table* il_sync_actor_table(void) {
  return running_actor()->sync_table();
}

void il_sync_cond_released(void* mutex) {
  interleave::detail::released_for_wait = static_cast<pthread_mutex_t*>(mutex);
}

}  // extern "C"
