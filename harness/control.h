/* The control block: what the scheduler and the actors of an engine share. A C header, so that an
 * actor in any program (forked from the harness, or exec'd from another binary, through the C
 * client in harness/backends/client.h) can take part.
 *
 * It holds no pointers: labels and object names are copied strings. Every word below that two
 * processes touch is accessed with the __atomic builtins; everything else in a slot is written only
 * by the side that owns it at the time (the actor while it holds the baton, the scheduler while the
 * actor waits), and the baton passes through release/acquire operations on `go` and `posted`.
 *
 * Protocol for an actor outside the harness process (il_client):
 *   1. wait until `go` is IL_GO_RUN (or IL_GO_ABORT / IL_GO_EXIT) and reset it to IL_GO_WAIT;
 *   2. run to the next yield point, write its step into `pending`, then increment `posted` and
 *      wake the harness (increment `harness`, futex-wake it if `harness_sleeping`);
 *   3. back to 1. A finished actor posts IL_EVENT_FINISH and waits for the next execution.
 */
#ifndef INTERLEAVE_HARNESS_CONTROL_H_
#define INTERLEAVE_HARNESS_CONTROL_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IL_CONTROL_MAGIC 0x31434c49u /* "ILC1" */
#define IL_MAX_ACTORS 52
#define IL_LABEL_CAPACITY 48
#define IL_SPACE_CAPACITY 24
#define IL_NAME_CAPACITY 48
#define IL_MESSAGE_CAPACITY 512
#define IL_SPEC_CAPACITY 4096

/* Grants, written by the scheduler into an actor's `go`. */
/* IL_GO_CRASH: the strategy crashed the actor's process (processes mode, --crashes): the actor
 * stops where it is and its process restarts (interleave::ProcessCrashed). */
enum { IL_GO_WAIT = 0, IL_GO_RUN = 1, IL_GO_ABORT = 2, IL_GO_EXIT = 3, IL_GO_CRASH = 4 };

/* What an actor posts. */
enum {
  IL_EVENT_YIELD = 0,   /* an ordinary yield point: the next step touches `kind`/`space`/`name` */
  IL_EVENT_ACQUIRE = 1, /* the next step takes lock `lock` through `description` */
  IL_EVENT_RELEASE = 2, /* the next step releases lock `lock` */
  IL_EVENT_BLOCKED = 3, /* the lock the last step took was refused natively: wait for a release */
  IL_EVENT_FINISH = 4,  /* the body ended; `message` is set when it failed (a crash); a `lock` other
                           than 0 is released (the threads that join this one) */
  IL_EVENT_WAIT = 5,    /* the step just run found `lock` held (it only read it): wait until a
                           release of `lock`, then run the next step as an ordinary one (a retry).
                           With `timed`, the wait may also end as a decision (virtual time) */
  IL_EVENT_SPAWN = 6,   /* an ordinary yield point whose step creates the thread of actor `lock`
                           (of the poster's group): that actor is runnable after it */
  IL_EVENT_EXIT = 7,    /* the process ends: every actor of the poster's group is finished */
};

/* Object kinds (interleave::ObjectKind). */
enum {
  IL_KIND_NONE = 0,
  IL_KIND_MEMORY = 1,
  IL_KIND_FILE = 2,
  IL_KIND_LOCK = 3,
  IL_KIND_FILE_LOCK = 4
};
enum { IL_READ = 0, IL_WRITE = 1 };
enum { IL_TIMED = 1, IL_TIMED_UNTIL_STUCK = 2 };

struct il_pending {
  uint8_t event;
  uint8_t kind;
  uint8_t access;
  uint8_t await;
  uint8_t timed;     /* WAIT: the wait may end by a timeout, as a decision (IL_TIMED_UNTIL_STUCK:
                        only when no other actor can run) */
  uint8_t keep_last; /* BLOCKED, WAIT: the step before was no failed attempt (it did what it
                        declared), so it stays as recorded rather than becoming a read */
  uint8_t reserved[2];
  uint64_t lock;        /* ACQUIRE, RELEASE, BLOCKED, WAIT: the lock's id; SPAWN: the actor;
                           FINISH: what to release, or 0 */
  uint64_t description; /* ACQUIRE of a file lock: the open file description taking it */
  char label[IL_LABEL_CAPACITY];
  char space[IL_SPACE_CAPACITY];
  char name[IL_NAME_CAPACITY];
  char message[IL_MESSAGE_CAPACITY]; /* FINISH: why the body failed, or empty */
};

#define IL_ENV_CAPACITY 160
#define IL_MAX_TOUCHES 8

/* What the running step of an exec'd program's actor did besides what its yield point declared,
 * without a decision of its own (the release of a mutex, a semaphore's post, a signal): recorded
 * by the actor, applied by the harness when it next posts, before it decides. */
struct il_touch {
  uint64_t wakes; /* the lock whose waiters the release wakes, or 0 */
  uint8_t kind;   /* IL_KIND_* of the object touched */
  uint8_t access; /* IL_READ or IL_WRITE */
  uint8_t reserved[6];
  char space[IL_SPACE_CAPACITY];
  char name[IL_NAME_CAPACITY];
};

struct il_actor {
  uint32_t go;       /* futex word: IL_GO_* */
  uint32_t sleeping; /* 1 while the actor sleeps on `go` */
  uint32_t posted;   /* incremented by every post */
  int32_t tid;       /* the thread that runs the actor (gettid), 0 until it starts: the harness
                        reads what it is blocked in from /proc/<tid>/syscall */
  /* Reports of an exec'd program's actor, cleared by the harness before the program starts: */
  uint32_t attached;   /* its shim attached to the control block */
  uint32_t started;    /* it took its first grant: its start-up (up to its first controlled call,
                          run before the grant, beside the other workers) is over */
  int32_t self_signal; /* a signal its process sent itself (kill, raise), so that a death by it
                          is the program's own doing, not a kill from outside */
  int32_t env_errno;   /* a call failed for a reason of the machine's (ENOSPC, EMFILE, ...): the
                          execution says nothing about the program (`env_what` names the call) */
  char env_what[IL_ENV_CAPACITY];
  uint32_t touches; /* the entries of `touch` recorded since the actor's last post */
  uint32_t reserved_touches;
  struct il_touch touch[IL_MAX_TOUCHES];
  struct il_pending pending;
} __attribute__((aligned(64)));

/* Per forked worker process: its main thread obeys `command` and answers on `done`. */
enum { IL_CMD_NONE = 0, IL_CMD_PREPARE = 1, IL_CMD_CLEANUP = 2, IL_CMD_EXIT = 3 };

struct il_process {
  uint32_t command;
  uint32_t done; /* the sequence number of the last command carried out */
  uint32_t sequence;
  int32_t error_errno; /* prepare failed for a reason of the environment: its errno, or -1 */
  char error[IL_MESSAGE_CAPACITY];
} __attribute__((aligned(64)));

struct il_control {
  uint32_t magic;
  uint32_t actors;
  uint32_t harness;          /* futex word the harness sleeps on: incremented by every post */
  uint32_t harness_sleeping; /* 1 while the harness sleeps on `harness` */
  uint32_t steps;            /* decisions made so far in this execution */
  uint32_t aborting;         /* 1 once the execution is being stopped */
  int32_t spins;             /* how long an actor spins on `go` before it sleeps */
  int32_t harness_pid;
  uint32_t spec_size;
  char spec[IL_SPEC_CAPACITY];
  struct il_process processes[IL_MAX_ACTORS];
  struct il_actor actor[IL_MAX_ACTORS];
};

#ifdef __cplusplus
}
#endif

#endif /* INTERLEAVE_HARNESS_CONTROL_H_ */
