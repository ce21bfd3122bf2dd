/* Synchronization between a worker's threads as scheduler decisions, never blocking in the kernel.
 *
 * Mutexes, reader-writer locks and semaphores keep their real state (the C library's own object):
 * every attempt is a non-blocking one (trylock, sem_trywait) made when the scheduler lets the
 * thread run; an attempt that finds the object taken waits (IL_EVENT_WAIT) until a release of it,
 * then tries again. Condition variables, barriers and futex words are modelled here: a waiter
 * holds a ticket, and a signal wakes one of the waiters that were waiting when it was sent (which
 * one is the scheduler's choice: the first of them to be run takes it), a broadcast all of them;
 * a signal with no waiter is lost. A timed wait times out only as a decision (virtual time: it may
 * end once another actor made a step since it began, and does when nothing else can run), and the
 * deadline it was given is not looked at. While the worker has one thread, none of this is a
 * decision point (nothing could interleave), only a wait is.
 *
 * Objects are named by the order of their first use in the worker ("mutex#3"), never by address,
 * so that traces and tokens are the same in every run. Each function mimics the C library's own:
 * its return value and errno (EBUSY from trylock, ETIMEDOUT from a timed wait that timed out,
 * EDEADLK from an error-checking mutex its owner locks again, EAGAIN from a futex word that
 * changed), and what it releases or wakes. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim/sync_port.h"

enum { OBJ_MUTEX = 1, OBJ_COND, OBJ_RWLOCK, OBJ_SEM, OBJ_BARRIER, OBJ_FUTEX };
static const char* const kKindNames[] = {"", "mutex", "cond", "rwlock", "sem", "barrier", "futex"};

#define MAX_OBJECTS 4096
#define MAX_WAKES 16

struct wake {
  uint64_t limit; /* the waiters with a ticket below this may take it */
  uint32_t count; /* how many may still take it */
};

struct object {
  const void* addr; /* NULL, or a slot of an older era (see il_sync_table): free */
  uint32_t era;
  uint8_t kind;
  uint32_t index;
  /* cond and futex: waiters hold tickets; wakes are what signals left for them. */
  uint64_t next_ticket;
  uint32_t waiting;
  uint32_t nwakes;
  struct wake wakes[MAX_WAKES];
  /* barrier */
  uint32_t count, arrived, generation;
};

/* The objects a process's actors use (sync_table()): the shim's one, or the engine's or worker's
 * in the harness. Only the baton holder reads or writes it. */
struct il_sync_table {
  struct object objects[MAX_OBJECTS];
  uint32_t next_index[7];
  uint32_t era; /* a reset starts a new era: every slot of an older one is free */
};

#ifndef INTERLEAVE_SYNC_IN_PROCESS
static struct il_sync_table the_table;
#define sync_table() (&the_table)
#endif

/* The address `o` holds in the table's era, or NULL when the slot is free. */
static const void* held(const struct il_sync_table* t, const struct object* o) {
  return o->era == t->era ? o->addr : NULL;
}

/* The object at `addr`, made on its first use (or when the memory now holds another kind). */
static struct object* object_of(const void* addr, int kind) {
  struct il_sync_table* t = sync_table();
  size_t h = ((uintptr_t)addr >> 3) * 0x9e3779b97f4a7c15ull % MAX_OBJECTS;
  for (size_t i = 0; i < MAX_OBJECTS; ++i, h = (h + 1) % MAX_OBJECTS) {
    struct object* o = &t->objects[h];
    const void* at = held(t, o);
    if (at == addr && o->kind == kind) return o;
    if (at == NULL || at == addr) {
      memset(o, 0, sizeof *o);
      o->addr = addr;
      o->era = t->era;
      o->kind = (uint8_t)kind;
      o->index = ++t->next_index[kind];
      return o;
    }
  }
  sync_note(1u << 5,
            "more synchronization objects than the shim keeps (4096): some ran uncontrolled", NULL);
  return NULL;
}

static void forget(const void* addr) {
  size_t h;
  if (!SYNC_MAY_FORGET()) return;
  h = ((uintptr_t)addr >> 3) * 0x9e3779b97f4a7c15ull % MAX_OBJECTS;
  for (size_t i = 0; i < MAX_OBJECTS; ++i, h = (h + 1) % MAX_OBJECTS) {
    struct object* o = &sync_table()->objects[h];
    const void* at = held(sync_table(), o);
    if (at == NULL) return;
    /* Keep the slot taken (a probe sequence runs through it); a new object reuses it. */
    if (at == addr) o->kind = 0;
  }
}

static uint64_t id_of(const struct object* o) {
  return (1ull << 62) | ((uint64_t)sync_process() << 40) | ((uint64_t)o->kind << 32) | o->index;
}

static void name_of(const struct object* o, char* name, size_t size) {
  snprintf(name, size, "%s#%u", kKindNames[o->kind], o->index);
}

/* Posts a step "<object> <verb>" touching the object (an IL_EVENT_*; RELEASE wakes its waiters). */
static void step(const struct object* o, const char* verb, int event, int access, int flags) {
  char name[IL_NAME_CAPACITY];
  char label[IL_LABEL_CAPACITY];
  name_of(o, name, sizeof name);
  snprintf(label, sizeof label, "%s %s", name, verb);
  /* A condition or semaphore wait may unwind the caller when the execution is being stopped (they
   * are cancellation points, never noexcept); a lock or barrier wait returns instead. */
  if (event == IL_EVENT_WAIT && (o->kind == OBJ_COND || o->kind == OBJ_SEM)) {
    flags |= POST_MAY_UNWIND;
  }
  sync_post(event, IL_KIND_LOCK, "lock", label, name, access,
            event == IL_EVENT_YIELD ? 0 : id_of(o), flags);
}

/* A decision point before an attempt or a release: only while the worker has other threads. */
static int deciding(void) { return sync_deciding(); }

/* Adds to this thread's last step that it touched `o` (touch_last_step). */
static int add_touch(const struct object* o, int access, int wakes) {
  char name[IL_NAME_CAPACITY];
  name_of(o, name, sizeof name);
  return sync_touch(name, access, wakes ? id_of(o) : 0);
}

/* After `attempt` (0, or the errno of a non-blocking try: EBUSY or EAGAIN when taken, anything
 * else is returned as it is) returned `rc`: waits for a release and attempts again until `o` is
 * taken. Timed: one wait at most, then ETIMEDOUT if still taken. */
static int retry(struct object* o, const char* verb, int (*attempt)(void*), void* target, int timed,
                 int rc) {
  for (;;) {
    if (rc != EBUSY && rc != EAGAIN) return rc;
    step(o, verb, IL_EVENT_WAIT, IL_WRITE, timed ? POST_TIMED : 0);
    /* Stopped while waiting: the holder will never release it in this execution, and the caller
     * (pthread_mutex_lock is noexcept in C++) cannot be unwound from here. It goes on as if it
     * held the object, uncontrolled, to its next yield point, where it unwinds. */
    if (sync_stopped()) {
      if (timed) return ETIMEDOUT;
      sync_pretend(target); /* its unlock is then no real one */
      return 0;
    }
    rc = attempt(target);
    if (timed) {
      return rc == EBUSY || rc == EAGAIN ? ETIMEDOUT : rc;
    }
  }
}

/* Takes `o` through `attempt` after a decision. */
static int acquire(struct object* o, const char* verb, int (*attempt)(void*), void* target,
                   int timed) {
  if (deciding()) step(o, verb, IL_EVENT_YIELD, IL_WRITE, 0);
  return retry(o, verb, attempt, target, timed, attempt(target));
}

/* Takes `o` through `attempt` with no decision first: right after a decision of this thread's (the
 * end of a wait), where one more would reach no order that one did not. The first attempt is a
 * touch of that step (a step of its own if there is no room). */
static int take(struct object* o, const char* verb, int (*attempt)(void*), void* target) {
  const int rc = attempt(target);
  if (deciding() && !add_touch(o, rc == EBUSY || rc == EAGAIN ? IL_READ : IL_WRITE, 0)) {
    step(o, verb, IL_EVENT_YIELD, IL_WRITE, 0);
  }
  return retry(o, verb, attempt, target, 0, rc);
}

/* The release of `o` (made before the real one): no decision of its own. A preemption just before
 * a release reaches nothing a preemption just after it does not (the object is still held, so no
 * other thread can do what depends on it), so the release only belongs to the step that runs it
 * (a touch, il_touch: what it touches, and whose waiters it wakes), which the harness applies when
 * this thread next posts, before it decides. */
static void release(struct object* o, const char* verb) {
  if (!deciding() && o->waiting == 0) return;
  if (!add_touch(o, IL_WRITE, 1)) step(o, verb, IL_EVENT_RELEASE, IL_WRITE, 0); /* no room */
}

/* A wake left for `ticket` (a waiter's), taken; 0 when there is none. */
static int take_wake(struct object* o, uint64_t ticket) {
  for (uint32_t i = 0; i < o->nwakes; ++i) {
    struct wake* w = &o->wakes[i];
    if (w->limit <= ticket || w->count == 0) continue;
    if (--w->count == 0) o->wakes[i] = o->wakes[--o->nwakes];
    return 1;
  }
  return 0;
}

/* Leaves `n` wakes for the waiters waiting now (those not already woken). */
static uint32_t leave_wakes(struct object* o, uint32_t n) {
  uint32_t pending = 0;
  for (uint32_t i = 0; i < o->nwakes; ++i) pending += o->wakes[i].count;
  const uint32_t asleep = o->waiting > pending ? o->waiting - pending : 0;
  if (n > asleep) n = asleep;
  if (n == 0 || o->nwakes == MAX_WAKES) return 0;
  o->wakes[o->nwakes++] = (struct wake){o->next_ticket, n};
  return n;
}

/* Waits on `o` (a cond or a futex) with a ticket until a wake is left for it; timed: or until the
 * wait times out. Returns 0 (woken) or ETIMEDOUT. With spurious wakeups, an untimed wait may end
 * with no wake, as a timed one times out (a decision), and returns 0. The step before was a
 * release or a check that did what it declared. */
static int wait_for_wake(struct object* o, const char* verb, int timed) {
  const uint64_t ticket = o->next_ticket++;
  const int spurious = !timed && sync_spurious_wakeups();
  ++o->waiting;
  for (;;) {
    step(o, verb, IL_EVENT_WAIT, IL_READ, POST_KEEP_LAST | (timed || spurious ? POST_TIMED : 0));
    if (sync_stopped()) break; /* as a spurious wakeup */
    if (take_wake(o, ticket)) {
      /* Taking the wake writes the object: two waiters one signal could wake are ordered. */
      if (deciding()) add_touch(o, IL_WRITE, 0);
      break;
    }
    if (timed || spurious) {
      --o->waiting;
      return timed ? ETIMEDOUT : 0;
    }
  }
  --o->waiting;
  return 0;
}

#define CONTROLLED(call) SYNC_CONTROLLED(call)

/* Objects shared with other processes are not the worker's own: their waiters could be woken by
 * another worker, which a per-process model cannot see. They run uncontrolled, noted. */
static int process_shared(int shared, const char* what) {
  if (shared) sync_note(1u << 7, "an object shared between processes (left to the kernel):", what);
  return shared;
}

/* glibc 2.36's sem_t: { uint64_t data; int private; int pad; }, `private` 0 for a semaphore of one
 * process and 128 for a shared one (measured on this machine: sem_init(&s, 1, 1) sets it). */
static int sem_shared(sem_t* s) {
  return process_shared(((const int*)s)[2] != 0, "a semaphore (sem_init pshared, sem_open)");
}

/* ------------------------------------------------------------------------------------ mutexes */

static int mutex_try(void* m) {
  REAL(int, pthread_mutex_trylock, pthread_mutex_t*);
  pthread_mutex_t* mutex = (pthread_mutex_t*)m;
  const int rc = real_pthread_mutex_trylock(mutex);
  /* An error-checking mutex its owner locks again: EDEADLK, as pthread_mutex_lock says. */
  if (rc == EBUSY && (mutex->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK &&
      mutex->__data.__owner == (int)syscall(SYS_gettid)) {
    return EDEADLK;
  }
  return rc;
}

static int mutex_shared(pthread_mutex_t* m) {
  return process_shared((m->__data.__kind & 128) != 0, "a mutex (PTHREAD_PROCESS_SHARED)");
}

static int lock_mutex(pthread_mutex_t* m, int timed) {
  struct object* o = object_of(m, OBJ_MUTEX);
  return o == NULL ? mutex_try(m) : acquire(o, timed ? "timedlock" : "lock", mutex_try, m, timed);
}

/* pthread_mutex_lock(3). */
int pthread_mutex_lock(pthread_mutex_t* m) {
  REAL(int, pthread_mutex_lock, pthread_mutex_t*);
  if (!CONTROLLED("pthread_mutex_lock") || mutex_shared(m)) return real_pthread_mutex_lock(m);
  return lock_mutex(m, 0);
}

/* pthread_mutex_trylock(3): one attempt, EBUSY when taken. */
int pthread_mutex_trylock(pthread_mutex_t* m) {
  REAL(int, pthread_mutex_trylock, pthread_mutex_t*);
  struct object* o;
  if (!CONTROLLED("pthread_mutex_trylock") || mutex_shared(m)) {
    return real_pthread_mutex_trylock(m);
  }
  o = object_of(m, OBJ_MUTEX);
  if (o != NULL && deciding()) step(o, "trylock", IL_EVENT_YIELD, IL_WRITE, 0);
  return real_pthread_mutex_trylock(m);
}

/* pthread_mutex_timedlock(3) and pthread_mutex_clocklock(3): ETIMEDOUT as a decision. */
int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* deadline) {
  REAL(int, pthread_mutex_timedlock, pthread_mutex_t*, const struct timespec*);
  if (!CONTROLLED("pthread_mutex_timedlock") || mutex_shared(m)) {
    return real_pthread_mutex_timedlock(m, deadline);
  }
  return lock_mutex(m, 1);
}
int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* deadline) {
  REAL(int, pthread_mutex_clocklock, pthread_mutex_t*, clockid_t, const struct timespec*);
  if (!CONTROLLED("pthread_mutex_clocklock") || mutex_shared(m)) {
    return real_pthread_mutex_clocklock(m, clock, deadline);
  }
  return lock_mutex(m, 1);
}

/* pthread_mutex_unlock(3): the release wakes the threads waiting to take the mutex. */
int pthread_mutex_unlock(pthread_mutex_t* m) {
  REAL(int, pthread_mutex_unlock, pthread_mutex_t*);
  struct object* o;
  if (sync_pretended(m)) return 0;
  if (CONTROLLED("pthread_mutex_unlock") && !mutex_shared(m) &&
      (o = object_of(m, OBJ_MUTEX)) != NULL) {
    release(o, "unlock");
  }
  return real_pthread_mutex_unlock(m);
}

int pthread_mutex_destroy(pthread_mutex_t* m) {
  REAL(int, pthread_mutex_destroy, pthread_mutex_t*);
  forget(m);
  return real_pthread_mutex_destroy(m);
}

/* -------------------------------------------------------------------- reader-writer locks */

static int rd_try(void* l) {
  REAL(int, pthread_rwlock_tryrdlock, pthread_rwlock_t*);
  return real_pthread_rwlock_tryrdlock((pthread_rwlock_t*)l);
}
static int wr_try(void* l) {
  REAL(int, pthread_rwlock_trywrlock, pthread_rwlock_t*);
  return real_pthread_rwlock_trywrlock((pthread_rwlock_t*)l);
}

/* The attempts of the blocking forms: the thread that holds the write lock gets EDEADLK, as
 * pthread_rwlock_rdlock and pthread_rwlock_wrlock (and their timed forms) say; the try forms say
 * EBUSY to it. */
static int owner_deadlock(pthread_rwlock_t* l, int rc) {
  return rc == EBUSY && l->__data.__cur_writer == (int)syscall(SYS_gettid) ? EDEADLK : rc;
}
static int rd_attempt(void* l) { return owner_deadlock((pthread_rwlock_t*)l, rd_try(l)); }
static int wr_attempt(void* l) { return owner_deadlock((pthread_rwlock_t*)l, wr_try(l)); }

static int lock_rw(pthread_rwlock_t* l, int write, int timed, int blocking) {
  struct object* o = object_of(l, OBJ_RWLOCK);
  int (*attempt)(void*) = write ? wr_try : rd_try;
  const char* verb = write ? "wrlock" : "rdlock";
  if (o == NULL) return attempt(l);
  if (!blocking) {
    if (deciding()) step(o, write ? "trywrlock" : "tryrdlock", IL_EVENT_YIELD, IL_WRITE, 0);
    return attempt(l);
  }
  return acquire(o, verb, write ? wr_attempt : rd_attempt, l, timed);
}

/* pthread_rwlock_rdlock(3) and the others: shared and exclusive holders as the C library allows. */
int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  REAL(int, pthread_rwlock_rdlock, pthread_rwlock_t*);
  if (!CONTROLLED("pthread_rwlock_rdlock")) return real_pthread_rwlock_rdlock(l);
  return lock_rw(l, 0, 0, 1);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  REAL(int, pthread_rwlock_wrlock, pthread_rwlock_t*);
  if (!CONTROLLED("pthread_rwlock_wrlock")) return real_pthread_rwlock_wrlock(l);
  return lock_rw(l, 1, 0, 1);
}
int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
  if (!CONTROLLED("pthread_rwlock_tryrdlock")) return rd_try(l);
  return lock_rw(l, 0, 0, 0);
}
int pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
  if (!CONTROLLED("pthread_rwlock_trywrlock")) return wr_try(l);
  return lock_rw(l, 1, 0, 0);
}
int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const struct timespec* deadline) {
  REAL(int, pthread_rwlock_timedrdlock, pthread_rwlock_t*, const struct timespec*);
  if (!CONTROLLED("pthread_rwlock_timedrdlock"))
    return real_pthread_rwlock_timedrdlock(l, deadline);
  return lock_rw(l, 0, 1, 1);
}
int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const struct timespec* deadline) {
  REAL(int, pthread_rwlock_timedwrlock, pthread_rwlock_t*, const struct timespec*);
  if (!CONTROLLED("pthread_rwlock_timedwrlock"))
    return real_pthread_rwlock_timedwrlock(l, deadline);
  return lock_rw(l, 1, 1, 1);
}
int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* deadline) {
  REAL(int, pthread_rwlock_clockrdlock, pthread_rwlock_t*, clockid_t, const struct timespec*);
  if (!CONTROLLED("pthread_rwlock_clockrdlock")) {
    return real_pthread_rwlock_clockrdlock(l, c, deadline);
  }
  return lock_rw(l, 0, 1, 1);
}
int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* deadline) {
  REAL(int, pthread_rwlock_clockwrlock, pthread_rwlock_t*, clockid_t, const struct timespec*);
  if (!CONTROLLED("pthread_rwlock_clockwrlock")) {
    return real_pthread_rwlock_clockwrlock(l, c, deadline);
  }
  return lock_rw(l, 1, 1, 1);
}
int pthread_rwlock_unlock(pthread_rwlock_t* l) {
  REAL(int, pthread_rwlock_unlock, pthread_rwlock_t*);
  struct object* o;
  if (sync_pretended(l)) return 0;
  if (CONTROLLED("pthread_rwlock_unlock") && (o = object_of(l, OBJ_RWLOCK)) != NULL) {
    release(o, "unlock");
  }
  return real_pthread_rwlock_unlock(l);
}
int pthread_rwlock_destroy(pthread_rwlock_t* l) {
  REAL(int, pthread_rwlock_destroy, pthread_rwlock_t*);
  forget(l);
  return real_pthread_rwlock_destroy(l);
}

/* ------------------------------------------------------------------------------ semaphores */

static int sem_try(void* s) {
  REAL(int, sem_trywait, sem_t*);
  return real_sem_trywait((sem_t*)s) == 0 ? 0 : errno;
}

/* sem_wait(3) and the others return -1 with errno, not the error. */
static int sem_result(int rc) {
  if (rc == 0) return 0;
  errno = rc;
  return -1;
}

static int wait_sem(sem_t* s, int timed) {
  struct object* o = object_of(s, OBJ_SEM);
  return sem_result(o == NULL ? sem_try(s) : acquire(o, "wait", sem_try, s, timed));
}

int sem_wait(sem_t* s) {
  REAL(int, sem_wait, sem_t*);
  if (!CONTROLLED("sem_wait") || sem_shared(s)) return real_sem_wait(s);
  return wait_sem(s, 0);
}
int sem_trywait(sem_t* s) {
  REAL(int, sem_trywait, sem_t*);
  struct object* o;
  if (!CONTROLLED("sem_trywait") || sem_shared(s)) return real_sem_trywait(s);
  o = object_of(s, OBJ_SEM);
  if (o != NULL && deciding()) step(o, "trywait", IL_EVENT_YIELD, IL_WRITE, 0);
  return real_sem_trywait(s);
}
int sem_timedwait(sem_t* s, const struct timespec* deadline) {
  REAL(int, sem_timedwait, sem_t*, const struct timespec*);
  if (!CONTROLLED("sem_timedwait") || sem_shared(s)) return real_sem_timedwait(s, deadline);
  return wait_sem(s, 1);
}
int sem_clockwait(sem_t* s, clockid_t clock, const struct timespec* deadline) {
  REAL(int, sem_clockwait, sem_t*, clockid_t, const struct timespec*);
  if (!CONTROLLED("sem_clockwait") || sem_shared(s)) {
    return real_sem_clockwait(s, clock, deadline);
  }
  return wait_sem(s, 1);
}
int sem_post(sem_t* s) {
  REAL(int, sem_post, sem_t*);
  struct object* o;
  if (CONTROLLED("sem_post") && !sem_shared(s) && (o = object_of(s, OBJ_SEM)) != NULL) {
    release(o, "post");
  }
  return real_sem_post(s);
}
int sem_destroy(sem_t* s) {
  REAL(int, sem_destroy, sem_t*);
  forget(s);
  return real_sem_destroy(s);
}

/* --------------------------------------------------------------------- condition variables */

/* Waits on `c`: the release of `m` is the decision, then the wait for a wake, then `m` again. */
static int wait_cond(pthread_cond_t* c, pthread_mutex_t* m, int timed) {
  REAL(int, pthread_mutex_unlock, pthread_mutex_t*);
  struct object* o = object_of(c, OBJ_COND);
  struct object* mo = object_of(m, OBJ_MUTEX);
  int rc, relock;
  if (o == NULL || mo == NULL) return EINVAL;
  release(mo, "unlock (cond wait)");
  rc = real_pthread_mutex_unlock(m);
  if (rc != 0) return rc; /* EPERM: not the owner */
  sync_cond_released(m);
  rc = wait_for_wake(o, timed ? "timedwait" : "wait", timed);
  /* The end of the wait (woken or timed out) was the decision: the relock follows at once. */
  relock = take(mo, "lock (cond wait)", mutex_try, m);
  sync_cond_released(NULL);
  return relock != 0 ? relock : rc;
}

/* pthread_cond_wait(3), pthread_cond_timedwait(3), pthread_cond_clockwait(3). */
int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  if (!CONTROLLED("pthread_cond_wait")) {
    REAL(int, pthread_cond_wait, pthread_cond_t*, pthread_mutex_t*);
    return real_pthread_cond_wait(c, m);
  }
  return wait_cond(c, m, 0);
}
int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* deadline) {
  if (!CONTROLLED("pthread_cond_timedwait")) {
    REAL(int, pthread_cond_timedwait, pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
    return real_pthread_cond_timedwait(c, m, deadline);
  }
  return wait_cond(c, m, 1);
}
int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                           const struct timespec* deadline) {
  if (!CONTROLLED("pthread_cond_clockwait")) {
    REAL(int, pthread_cond_clockwait, pthread_cond_t*, pthread_mutex_t*, clockid_t,
         const struct timespec*);
    return real_pthread_cond_clockwait(c, m, clock, deadline);
  }
  return wait_cond(c, m, 1);
}

/* pthread_cond_signal(3) wakes one waiter, pthread_cond_broadcast(3) every one waiting now. */
static int signal_cond(pthread_cond_t* c, int all) {
  struct object* o = object_of(c, OBJ_COND);
  if (o == NULL) return 0;
  release(o, all ? "broadcast" : "signal");
  leave_wakes(o, all ? UINT32_MAX : 1);
  return 0;
}
int pthread_cond_signal(pthread_cond_t* c) {
  if (!CONTROLLED("pthread_cond_signal")) {
    REAL(int, pthread_cond_signal, pthread_cond_t*);
    return real_pthread_cond_signal(c);
  }
  return signal_cond(c, 0);
}
int pthread_cond_broadcast(pthread_cond_t* c) {
  if (!CONTROLLED("pthread_cond_broadcast")) {
    REAL(int, pthread_cond_broadcast, pthread_cond_t*);
    return real_pthread_cond_broadcast(c);
  }
  return signal_cond(c, 1);
}
int pthread_cond_destroy(pthread_cond_t* c) {
  REAL(int, pthread_cond_destroy, pthread_cond_t*);
  forget(c);
  return real_pthread_cond_destroy(c);
}

/* ------------------------------------------------------------------------------- barriers */

int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* attr, unsigned n) {
  REAL(int, pthread_barrier_init, pthread_barrier_t*, const pthread_barrierattr_t*, unsigned);
  const int rc = real_pthread_barrier_init(b, attr, n);
  struct object* o;
  if (rc == 0 && SYNC_ATTACHED() && (o = object_of(b, OBJ_BARRIER)) != NULL) {
    o->count = n;
    o->arrived = 0;
  }
  return rc;
}

/* pthread_barrier_wait(3): the last of `count` arrivals wakes the others and is the serial one. */
int pthread_barrier_wait(pthread_barrier_t* b) {
  REAL(int, pthread_barrier_wait, pthread_barrier_t*);
  struct object* o;
  uint32_t generation;
  if (!CONTROLLED("pthread_barrier_wait") || (o = object_of(b, OBJ_BARRIER)) == NULL ||
      o->count == 0) {
    return real_pthread_barrier_wait(b);
  }
  /* The decision comes before the count is read: threads that arrive at once are counted in the
   * order they run, so the last of them is the one that finds the others all there. */
  if (deciding()) step(o, "wait", IL_EVENT_YIELD, IL_WRITE, 0);
  if (o->arrived + 1 == o->count) {
    release(o, "wait (last)");
    o->arrived = 0;
    ++o->generation;
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  ++o->arrived;
  generation = o->generation;
  while (o->generation == generation && !sync_stopped()) {
    step(o, "wait", IL_EVENT_WAIT, IL_READ, POST_KEEP_LAST);
  }
  return 0;
}

int pthread_barrier_destroy(pthread_barrier_t* b) {
  REAL(int, pthread_barrier_destroy, pthread_barrier_t*);
  forget(b);
  return real_pthread_barrier_destroy(b);
}

/* ------------------------------------------------------------------------ yield and futexes */

/* sched_yield(2): a decision point while the worker has other threads. */
int sched_yield(void) {
  REAL(int, sched_yield, void);
  if (CONTROLLED("sched_yield") && deciding()) {
    sync_post(IL_EVENT_YIELD, IL_KIND_NONE, "", "sched_yield", "", IL_READ, 0, 0);
  }
  return real_sched_yield();
}

#ifndef INTERLEAVE_SYNC_IN_PROCESS
int futex_call(uint32_t* word, int op, uint32_t value, const struct timespec* timeout,
               long* result) {
  struct object* o;
  const int command = op & FUTEX_CMD_MASK;
  if (!CONTROLLED("futex")) return 0;
  if (command != FUTEX_WAIT && command != FUTEX_WAIT_BITSET && command != FUTEX_WAKE &&
      command != FUTEX_WAKE_BITSET) {
    note(1u << 6, "a futex operation other than wait and wake (requeue, PI): it ran uncontrolled",
         NULL);
    return 0;
  }
  if ((o = object_of(word, OBJ_FUTEX)) == NULL) return 0;
  if (command == FUTEX_WAKE || command == FUTEX_WAKE_BITSET) {
    release(o, "wake");
    *result = leave_wakes(o, value > INT_MAX ? INT_MAX : value);
    return 1;
  }
  if (deciding()) step(o, "wait", IL_EVENT_YIELD, IL_READ, 0);
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != value) {
    errno = EAGAIN;
    *result = -1;
    return 1;
  }
  if (wait_for_wake(o, "wait", timeout != NULL) == ETIMEDOUT) {
    errno = ETIMEDOUT;
    *result = -1;
    return 1;
  }
  *result = 0;
  return 1;
}
#else
struct il_sync_table* il_sync_new_table(void) {
  return calloc(1, sizeof(struct il_sync_table));
}
void il_sync_free_table(struct il_sync_table* table) { free(table); }
void il_sync_reset(struct il_sync_table* table) {
  memset(table->next_index, 0, sizeof table->next_index);
  ++table->era;
}
#endif
