/* What the model of synchronization in shim/sync.c needs from the process it runs in. It runs in
 * two:
 *
 *   the shim (the default): the threads of a program exec'd by `interleave run`, which reach the
 *       scheduler through the control block (shim/shim.h);
 *   the harness (built with INTERLEAVE_SYNC_IN_PROCESS): the actors of a store linked into the
 *       harness process or its forked workers, whose std::mutex, std::shared_mutex and
 *       std::condition_variable are pthread objects; harness/backends/std_sync.cc implements the
 *       port there over the actor's runtime.
 *
 * Either way the model is the same code: what each call does, how it is labelled, when it is a
 * decision. */
#ifndef INTERLEAVE_SHIM_SYNC_PORT_H_
#define INTERLEAVE_SHIM_SYNC_PORT_H_

#ifdef INTERLEAVE_SYNC_IN_PROCESS

#include <dlfcn.h>
#include <stdint.h>

#include "harness/backends/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of sync_post(), as the shim's post() takes them; POST_MAY_UNWIND: see il_sync_post(). */
enum { POST_TIMED = 1, POST_KEEP_LAST = 2, POST_UNTIL_STUCK = 4, POST_MAY_UNWIND = 8 };

/* Whether the calling thread is an actor whose synchronization is the scheduler's: an actor's body
 * is running on it (not the harness's own work), in threads or processes mode (on an event loop,
 * whose handlers share one thread, the C library's locks are left alone), and the execution is not
 * being stopped. */
int il_sync_controlled(void);
/* Posts the calling actor's step and returns once it is granted. When the execution is being
 * stopped instead (sync_stopped() is then true), returns at once, except from a wait posted with
 * POST_MAY_UNWIND: then it re-takes the mutex a condition wait of this thread gave up (if it can)
 * and throws the actor's unwinding exception (the caller's state is dropped with the execution). */
void il_sync_post(int event, int kind, const char* space, const char* label, const char* name,
                  int access, uint64_t lock, int flags);
/* Adds to the calling actor's running step that it touched the lock-space object `name` and woke
 * the waiters of `wakes` (0: none); 1, or 0 when the caller is to post a step instead. */
int il_sync_touch(const char* name, int access, uint64_t wakes);
/* Whether the calling actor's process has other actors (else nothing could interleave). */
int il_sync_deciding(void);
/* The number of the calling actor's process. */
int il_sync_process(void);
/* Says once per kind (`bit`) on stderr what ran uncontrolled. */
void il_sync_note(unsigned bit, const char* what, const char* name);
/* After a stop, the calling thread goes on as if it held `object` (a lock it was waiting for):
 * its next unlock of it is to be no real one. */
void il_sync_pretend(void* object);
/* Whether `object` is one the calling thread only pretends to hold (and forgets it if so). */
int il_sync_pretended(void* object);
/* A condition wait of the calling thread gave up `mutex` (NULL: took it back). */
void il_sync_cond_released(void* mutex);
/* The calling actor's process's table of objects (shim/sync.c; std_sync.h makes and resets them).
 */
struct il_sync_table* il_sync_actor_table(void);

#ifdef __cplusplus
}
#endif

/* The function the C library (or, under ThreadSanitizer, its interceptor, which must see every
 * lock and unlock) has under `name`, resolved once into real_<name>. */
#define REAL(ret, name, ...)                                                                \
  static ret (*real_##name##_slot)(__VA_ARGS__);                                            \
  extern ret __interceptor_##name(__VA_ARGS__) __attribute__((weak));                       \
  ret (*real_##name)(__VA_ARGS__) = __atomic_load_n(&real_##name##_slot, __ATOMIC_RELAXED); \
  if (real_##name == NULL) {                                                                \
    real_##name = __interceptor_##name;                                                     \
    if (real_##name == NULL) *(void**)(&real_##name) = dlsym(RTLD_NEXT, #name);             \
    __atomic_store_n(&real_##name##_slot, real_##name, __ATOMIC_RELAXED);                   \
  }

#ifndef __cplusplus /* the model's own names, for shim/sync.c */
#define SYNC_CONTROLLED(call) il_sync_controlled()
#define SYNC_ATTACHED() il_sync_controlled()
/* Only an actor forgets an object: the table is the baton holder's. */
#define SYNC_MAY_FORGET() il_sync_controlled()
#define sync_post il_sync_post
#define sync_touch il_sync_touch
#define sync_deciding il_sync_deciding
#define sync_process il_sync_process
#define sync_note il_sync_note
#define sync_cond_released il_sync_cond_released
#define sync_table il_sync_actor_table
#define sync_spurious_wakeups() 0 /* a choice of `interleave run` only */
#define sync_stopped() (!il_sync_controlled())
#define sync_pretend il_sync_pretend
#define sync_pretended il_sync_pretended
#endif

#else /* the shim */

#include "shim/shim.h"

#define SYNC_CONTROLLED(call) controlled_call(call, NULL)
#define SYNC_ATTACHED() controlled
#define SYNC_MAY_FORGET() 1
#define sync_post(...) ((void)post(__VA_ARGS__))
#define sync_touch touch_last_step
#define sync_deciding() (live_threads > 1)
#define sync_process() (worker < 0 ? 0 : worker)
#define sync_note note
#define sync_cond_released(mutex) ((void)(mutex))
#define sync_stopped() 0 /* post() never returns from a stop: the process ends */
#define sync_spurious_wakeups() spurious_wakeups
#define sync_pretend(object) ((void)(object))
#define sync_pretended(object) 0
enum { POST_MAY_UNWIND = 8 };

#endif

#endif /* INTERLEAVE_SHIM_SYNC_PORT_H_ */
