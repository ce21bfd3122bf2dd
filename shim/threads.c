/* Threads of a worker as actors. The worker's main thread is its first actor; each thread it
 * creates (itself, through its interpreter or a library) is the next of its actors, in the order
 * of creation, so that it is named the same in every execution ("thread#2"). Creating a thread is
 * a step of its creator (IL_EVENT_SPAWN), after which the scheduler may run the new thread; the new
 * thread waits for its first grant before it runs any of its own code. A thread's end is a step
 * that wakes the threads joining it. A thread created beyond the worker's actors (--threads) runs
 * uncontrolled, which is noted as an escape.
 *
 * Each function mimics the C library's: pthread_create returns what the real one returns and
 * creates the thread with the caller's attributes; pthread_join and pthread_exit behave as the
 * real ones once the scheduler lets them. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

int live_threads = 1;
static int actors = 1;     /* the worker's actors: its main thread and the threads it may create */
static int next_actor = 1; /* the slot of the next thread created */

struct thread_record {
  pthread_t id;
  void* (*start)(void*);
  void* arg;
  int used;
  int finished; /* its body ended: a join need not wait */
};
static struct thread_record threads[IL_MAX_ACTORS];

void start_threads(const char* text) {
  const int n = text != NULL ? atoi(text) : 1;
  actors = n < 1 ? 1 : n > IL_MAX_ACTORS ? IL_MAX_ACTORS : n;
}

/* The scheduler's id of thread `slot`'s object (what its joiners wait for). */
static uint64_t thread_id(int slot) {
  return (1ull << 62) | ((uint64_t)(worker < 0 ? 0 : worker) << 40) | (7ull << 32) | (uint64_t)slot;
}

/* The calling controlled thread's body ended: wake its joiners, and run on uncontrolled. */
static void end_thread(int slot) {
  struct il_pending* p;
  if (client.control == NULL) return;
  threads[slot].finished = 1;
  --live_threads;
  p = &client.control->actor[client.actor].pending;
  p->event = IL_EVENT_FINISH;
  p->lock = thread_id(slot);
  p->message[0] = '\0';
  il_finish_posted(&client);
  client.control = NULL;
}

static void* run_thread(void* arg) {
  struct thread_record* t = (struct thread_record*)arg;
  const int slot = (int)(t - threads);
  void* result;
  il_client_init(&client, control_block, first_actor + slot);
  __atomic_store_n(&control_block->actor[client.actor].tid, (int32_t)syscall(SYS_gettid),
                   __ATOMIC_RELAXED);
  if (shim_wait() != IL_GO_RUN) stop_now();
  result = t->start(t->arg);
  end_thread(slot);
  return result;
}

/* The slot of a thread the worker created under control, or -1. */
static int slot_of(pthread_t id) {
  for (int s = 1; s < next_actor && s < IL_MAX_ACTORS; ++s) {
    if (threads[s].used && pthread_equal(threads[s].id, id)) return s;
  }
  return -1;
}

/* pthread_create(3). */
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                   void* arg) {
  REAL(int, pthread_create, pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  char label[IL_LABEL_CAPACITY];
  char name[IL_NAME_CAPACITY];
  int slot, rc;
  if (!controlled_call("pthread_create", NULL))
    return real_pthread_create(thread, attr, start, arg);
  if (next_actor >= actors) {
    note(1u << 4, "a thread beyond the worker's actors (raise --threads): it ran uncontrolled",
         NULL);
    return real_pthread_create(thread, attr, start, arg);
  }
  python_calls_before_thread();
  slot = next_actor++;
  snprintf(name, sizeof name, "thread#%d", slot);
  snprintf(label, sizeof label, "%s create", name);
  post(IL_EVENT_SPAWN, IL_KIND_LOCK, "lock", label, name, IL_WRITE, (uint64_t)(first_actor + slot),
       0);
  threads[slot].start = start;
  threads[slot].arg = arg;
  threads[slot].used = 1;
  threads[slot].finished = 0;
  ++live_threads;
  rc = real_pthread_create(thread, attr, run_thread, &threads[slot]);
  if (rc != 0) {
    /* The scheduler takes the thread for created: the execution cannot go on as scheduled. */
    --live_threads;
    threads[slot].used = 0;
    environment_error("pthread_create", name, rc == EAGAIN ? ENOMEM : rc);
    return rc;
  }
  threads[slot].id = *thread;
  return 0;
}

/* pthread_join(3): waits, as a scheduler decision, for the thread's body to end. */
int pthread_join(pthread_t thread, void** result) {
  REAL(int, pthread_join, pthread_t, void**);
  char label[IL_LABEL_CAPACITY];
  char name[IL_NAME_CAPACITY];
  const int slot = slot_of(thread);
  if (slot < 0 || !controlled_call("pthread_join", NULL)) return real_pthread_join(thread, result);
  snprintf(name, sizeof name, "thread#%d", slot);
  snprintf(label, sizeof label, "%s join", name);
  post(IL_EVENT_YIELD, IL_KIND_LOCK, "lock", label, name, IL_READ, 0, 0);
  while (!threads[slot].finished) {
    post(IL_EVENT_WAIT, IL_KIND_LOCK, "lock", label, name, IL_READ, thread_id(slot), 0);
  }
  return real_pthread_join(thread, result);
}

/* pthread_exit(3): the body of the calling thread ends here. */
void pthread_exit(void* result) {
  REAL(void, pthread_exit, void*);
  if (controlled && in_worker() && client.control != NULL) {
    end_thread(client.actor - first_actor);
  }
  real_pthread_exit(result);
  __builtin_unreachable();
}
