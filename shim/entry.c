/* libinterleave_shim.so: preloaded into the workers of `interleave run`, it turns an unmodified
 * program's file system calls on paths under the data directory (and on descriptors opened there)
 * into yield points of the controlled scheduler, file locks into scheduler resources, and time,
 * randomness and sleeps into fixed inputs of the execution (shim/shim.h lists the parts). It takes
 * part through the C client of the control block (harness/backends/client.h), found through
 * $INTERLEAVE_CONTROL_FD and $INTERLEAVE_ACTOR.
 *
 * Environment (set by `interleave run`):
 *   INTERLEAVE_DATA_DIR   the data directory (absolute); the worker's working directory
 *   INTERLEAVE_NOTES      a file the shim writes "attached" and one "escape: ..." line per kind of
 *                         call it could not control (read by the harness after the execution)
 *   INTERLEAVE_HISTORY    the worker's history file: every line written to it is prefixed with the
 *                         number of decisions made so far ("<step> <line>")
 *   INTERLEAVE_SEED       the seed of the fixed clock and random bytes
 * Without INTERLEAVE_CONTROL_FD the shim does nothing (every call passes through).
 *
 * This file: attaching, posting steps, the end of the body, fork and exit. Plain C, no exceptions;
 * the interposed functions call the real ones through dlsym(RTLD_NEXT). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

__thread il_client client __attribute__((tls_model("initial-exec")));
struct il_control* control_block;
int first_actor;
int controlled;
int observer;
pid_t main_pid;
int worker = -1;
int spurious_wakeups;
__thread int inside __attribute__((tls_model("initial-exec")));
static int notes_fd = -1;
static unsigned escapes; /* bit per kind of escape already noted */

/* What `interleave run` looks for to tell the shim from another library (--shim), and the version
 * of the protocol between them. */
__attribute__((used)) const char interleave_shim_marker[] = "INTERLEAVE_SHIM_PROTOCOL=3";

/* The worker took its first grant. Until then it runs its start-up uncontrolled, beside the other
 * workers: nothing it does before its first controlled call is a step of the execution (its clock
 * and random bytes are the execution's fixed ones either way), so the schedule is the same. */
static int started;

/* Waits for the worker's first grant, once; says so to the harness and to an image the worker
 * execs ($INTERLEAVE_SHIM_STARTED). */
static void start_body(void) {
  if (started) return;
  started = 1;
  setenv("INTERLEAVE_SHIM_STARTED", "1", 1);
  if (shim_wait() != IL_GO_RUN) stop_now();
  __atomic_store_n(&worker_slot()->started, 1, __ATOMIC_RELEASE);
}

long raw_write(int fd, const void* buf, size_t n) { return syscall(SYS_write, fd, buf, n); }

void note(unsigned bit, const char* what, const char* name) {
  char line[512];
  int n;
  if (notes_fd < 0 || (escapes & bit) != 0) return;
  escapes |= bit;
  n = snprintf(line, sizeof line, "escape: %s%s%s\n", what, name ? " " : "", name ? name : "");
  if (n <= 0) return;
  if (raw_write(notes_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
    environment_error("write its notes file", "", errno);
  }
}

struct il_actor* worker_slot(void) {
  return &control_block->actor[first_actor];
}

void environment_error(const char* call, const char* name, int err) {
  struct il_actor* slot;
  if (control_block == NULL || !is_environment_errno(err) || !in_worker()) return;
  slot = worker_slot();
  if (__atomic_load_n(&slot->env_errno, __ATOMIC_ACQUIRE) != 0) return; /* the first one stands */
  snprintf(slot->env_what, sizeof slot->env_what, "%s%s%s", call, name[0] ? " " : "", name);
  __atomic_store_n(&slot->env_errno, err, __ATOMIC_RELEASE);
}

int is_environment_errno(int err) {
  return err == ENOSPC || err == EDQUOT || err == EFBIG || err == EMFILE || err == ENFILE ||
         err == ENOMEM || err == EIO || err == EROFS;
}

int in_worker(void) { return main_pid != 0 && (pid_t)syscall(SYS_getpid) == main_pid; }

int controlled_call(const char* call, const char* name) {
  if (inside) return 0;
  /* A child made by vfork shares the worker's memory until it execs: only its pid tells it apart
   * (one system call, paid by calls on the data directory only). */
  if (observer || (controlled && name != NULL && !in_worker())) {
    /* A process the worker started (forked, or between vfork and exec): it runs uncontrolled. */
    if (name != NULL) note(1u << 3, "a child process of the worker (not controlled) called", call);
    return 0;
  }
  if (!controlled) return 0;
  if (client.control == NULL) {
    /* A thread the scheduler does not control (beyond --threads, or ended its body). */
    if (name != NULL) note(1u << 0, "a thread the scheduler does not control called", call);
    return 0;
  }
  return 1;
}

void stop_now(void) {
  controlled = 0;
  if (client.control != NULL) {
    struct il_pending* p = &client.control->actor[client.actor].pending;
    p->event = IL_EVENT_EXIT;
    p->lock = 0;
    p->message[0] = '\0';
    il_finish_posted(&client);
  }
  syscall(SYS_exit_group, 0);
}

/* The client's own calls (the spin's sched_yield, the futex it sleeps on) are no calls of the
 * program: `inside` lets them through. */
int shim_wait(void) {
  int go;
  ++inside;
  go = il_wait(&client);
  --inside;
  return go;
}

int post(int event, int kind, const char* space, const char* label, const char* name, int access,
         uint64_t lock, int flags) {
  struct il_pending* p;
  if (!started) start_body();
  p = &client.control->actor[client.actor].pending;
  p->event = (uint8_t)event;
  p->kind = (uint8_t)kind;
  p->access = (uint8_t)access;
  p->await = 0;
  p->timed = (flags & POST_UNTIL_STUCK) ? IL_TIMED_UNTIL_STUCK
             : (flags & POST_TIMED)     ? IL_TIMED
                                        : 0;
  p->keep_last = (flags & POST_KEEP_LAST) != 0;
  p->lock = lock;
  p->description = 0;
  il_copy(p->label, IL_LABEL_CAPACITY, label);
  il_copy(p->space, IL_SPACE_CAPACITY, space);
  il_copy(p->name, IL_NAME_CAPACITY, name);
  p->message[0] = '\0';
  ++inside;
  const int go = il_post(&client);
  --inside;
  if (go != IL_GO_RUN) stop_now();
  return 0;
}

static const char* space_of(int kind) {
  switch (kind) {
    case IL_KIND_FILE:
      return "file";
    case IL_KIND_FILE_LOCK:
      return "file-lock";
    case IL_KIND_LOCK:
      return "lock";
    default:
      return "";
  }
}

int touch_last_step(const char* name, int access, uint64_t wakes) {
  struct il_actor* slot = &client.control->actor[client.actor];
  struct il_touch* t;
  if (slot->touches >= IL_MAX_TOUCHES) return 0;
  t = &slot->touch[slot->touches];
  t->wakes = wakes;
  t->kind = IL_KIND_LOCK;
  t->access = (uint8_t)access;
  il_copy(t->space, sizeof t->space, "lock");
  il_copy(t->name, sizeof t->name, name);
  ++slot->touches;
  return 1;
}

void post_step(const char* call, int kind, const char* name, int access) {
  char label[IL_LABEL_CAPACITY];
  snprintf(label, sizeof label, "%s%s%s", call, name[0] ? " " : "", name);
  post(IL_EVENT_YIELD, kind, space_of(kind), label, name, access, 0, 0);
}

static void finish_body(int status, void* arg) {
  struct il_pending* p;
  if (!controlled || !in_worker() || client.control == NULL) return;
  if (!started) start_body(); /* it ends with no controlled call: at its turn */
  fflush(NULL);
  for (int i = 0; i < MAX_LOCKS; ++i) {
    if (!locks[i].used) continue;
    /* Released in the kernel too before the body ends: the next worker tries it at once. */
    struct held_lock copy = locks[i];
    controlled_release(&locks[i], "exit releases");
    kernel_unlock(&copy);
  }
  controlled = 0;
  /* The process ends: every thread of it with it. */
  p = &client.control->actor[client.actor].pending;
  p->event = IL_EVENT_EXIT;
  p->lock = 0;
  p->message[0] = '\0';
  if (status != 0) {
    snprintf(p->message, sizeof p->message, "worker %d exited with status %d", worker, status);
  }
  il_finish_posted(&client);
}

/* A child of a worker is no worker: it runs uncontrolled, and its calls on the data directory are
 * noted as escapes. */
static void after_fork_in_child(void) {
  controlled = 0;
  observer = 1;
  client.control = NULL;
}

/* Maps the control block without closing its descriptor: an image the worker execs (a wrapper
 * script that execs the interpreter) attaches through it again. */
static int attach(void) {
  const char* fd_text = getenv("INTERLEAVE_CONTROL_FD");
  const char* actor_text = getenv("INTERLEAVE_ACTOR");
  if (fd_text == NULL || actor_text == NULL) return -1;
  const int fd = atoi(fd_text);
  const int actor = atoi(actor_text);
  void* map = mmap(NULL, sizeof(struct il_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return -1;
  control_block = (struct il_control*)map;
  first_actor = actor;
  if (control_block->magic != IL_CONTROL_MAGIC || actor < 0 ||
      actor >= (int)control_block->actors) {
    control_block = NULL;
    return -1;
  }
  il_client_init(&client, control_block, actor);
  return 0;
}

/* The data directory, history and notes the harness named. */
static void read_environment(void) {
  const char* history = getenv("INTERLEAVE_HISTORY");
  const char* notes = getenv("INTERLEAVE_NOTES");
  const char* worker_text = getenv("INTERLEAVE_WORKER");
  il_copy(data_dir, sizeof data_dir, getenv("INTERLEAVE_DATA_DIR"));
  data_dir_len = strlen(data_dir);
  while (data_dir_len > 1 && data_dir[data_dir_len - 1] == '/') data_dir[--data_dir_len] = '\0';
  if (history != NULL) il_copy(history_path, sizeof history_path, history);
  if (worker_text != NULL) worker = atoi(worker_text);
  spurious_wakeups = getenv("INTERLEAVE_SPURIOUS_WAKEUPS") != NULL &&
                     strcmp(getenv("INTERLEAVE_SPURIOUS_WAKEUPS"), "1") == 0;
  if (notes != NULL) {
    notes_fd =
        (int)syscall(SYS_openat, AT_FDCWD, notes, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
}

__attribute__((constructor)) static void shim_attach(void) {
  const char* worker_pid = getenv("INTERLEAVE_SHIM_PID");
  char pid_text[24];
  if (getenv("INTERLEAVE_CONTROL_FD") == NULL || getenv("INTERLEAVE_DATA_DIR") == NULL) return;
  main_pid = getpid();
  if (worker_pid != NULL) {
    /* Set by the worker's first image: this is the worker after an exec (it holds the baton
     * already if it started before), or a process the worker started, which is no worker: it only
     * notes escapes. */
    if (atoi(worker_pid) != (int)main_pid) {
      observer = 1;
      read_environment();
      return;
    }
    started = getenv("INTERLEAVE_SHIM_STARTED") != NULL;
  }
  if (attach() != 0) return;
  snprintf(pid_text, sizeof pid_text, "%d", (int)main_pid);
  setenv("INTERLEAVE_SHIM_PID", pid_text, 1);
  read_environment();
  __atomic_store_n(&worker_slot()->attached, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&worker_slot()->tid, (int32_t)main_pid, __ATOMIC_RELAXED);
  start_threads(getenv("INTERLEAVE_ACTORS"));
  if (notes_fd < 0 && getenv("INTERLEAVE_NOTES") != NULL) {
    environment_error("open its notes file", "", errno);
  }
  start_clock(getenv("INTERLEAVE_SEED"), client.actor);
  on_exit(finish_body, NULL);
  pthread_atfork(NULL, NULL, after_fork_in_child);
  controlled = 1;
}

void _exit(int status) {
  finish_body(status, NULL);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}
void _Exit(int status) { _exit(status); }
