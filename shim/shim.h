/* The shim's own header: the state every part of libinterleave_shim.so shares, and the helpers its
 * parts call across files. Nothing here is exported from the library (SHIM_HIDDEN): a program sees
 * only the C library functions the parts interpose.
 *
 * The parts, one concern each: entry.c (attaching to the control block, posting steps, the end of
 * the body, fork and exit), files.c (descriptors and paths under the data directory, the history
 * file), locks.c (flock, fcntl and lockf locks as scheduler resources), time.c (clocks, sleeps,
 * polls and random bytes as inputs of the execution), escapes.c (what the shim cannot control and
 * reports), signals.c (a SIGKILL a worker sends itself), threads.c (a worker's threads as actors:
 * creation, exit, join), sync.c (mutexes, reader-writer locks, condition variables, semaphores,
 * barriers, futexes and sched_yield between them as scheduler decisions, with virtual time),
 * channels.c (blocking reads of pipes, sockets and eventfds between threads), python.c (CPython's
 * calls and returns as decision points). */
#ifndef INTERLEAVE_SHIM_SHIM_H_
#define INTERLEAVE_SHIM_SHIM_H_

#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "harness/backends/client.h"

#define SHIM_HIDDEN __attribute__((visibility("hidden")))

#define MAX_FDS 4096
#define MAX_LOCKS 64

enum { FD_NONE = 0, FD_DATA = 1, FD_HISTORY = 2, FD_RANDOM = 3 };
enum { LK_FLOCK = 1, LK_POSIX = 2, LK_OFD = 3 };

struct held_lock {
  int used;
  int type; /* LK_* */
  int fd;   /* flock, OFD: the descriptor that took it */
  uint64_t id;
  char name[IL_NAME_CAPACITY];
};

/* Resolves the C library's own `name` once, into real_<name>. */
#define REAL(ret, name, ...)              \
  static ret (*real_##name)(__VA_ARGS__); \
  if (real_##name == NULL) *(void**)(&real_##name) = dlsym(RTLD_NEXT, #name)

/* entry.c: the worker's link to the scheduler. */
/* The calling thread's link: its actor, or control NULL for a thread the scheduler does not
 * control (one created beyond the worker's actors, one that ended its body, a forked child's). */
SHIM_HIDDEN extern __thread il_client client __attribute__((tls_model("initial-exec")));
SHIM_HIDDEN extern struct il_control* control_block; /* mapped at attach, or NULL */
SHIM_HIDDEN extern int first_actor; /* the worker's main thread's actor; its threads follow */
SHIM_HIDDEN extern int controlled;  /* attached, and the body has not finished */
SHIM_HIDDEN extern int observer;    /* a process the worker started: notes escapes only */
SHIM_HIDDEN extern pid_t main_pid;  /* the worker's pid (its main thread's tid) */
SHIM_HIDDEN extern int worker;      /* the worker's number ($INTERLEAVE_WORKER) */
/* A condition or futex wait may end with no wake, as a decision ($INTERLEAVE_SPURIOUS_WAKEUPS). */
SHIM_HIDDEN extern int spurious_wakeups;
/* The shim is calling the real function itself. */
SHIM_HIDDEN extern __thread int inside __attribute__((tls_model("initial-exec")));
SHIM_HIDDEN long raw_write(int fd, const void* buf, size_t n);
/* Writes "escape: <what> <name>" to the notes file, once per kind (`bit`). */
SHIM_HIDDEN void note(unsigned bit, const char* what, const char* name);
/* Whether the caller is the worker's own process: not a child of it, which between vfork and exec
 * shares the worker's memory (so `controlled` reads 1 there too). One getpid system call. */
SHIM_HIDDEN int in_worker(void);
/* Whether a call is to be a scheduler decision: attached and the body running, not the shim's own
 * call, the worker's process and a thread the scheduler controls. Else, when `name` is set (the
 * call touches the data directory), notes the escape of the thread or child process that made it.
 */
SHIM_HIDDEN int controlled_call(const char* call, const char* name);
/* The worker's slot of the control block (its main thread's), where it reports to the harness. */
SHIM_HIDDEN struct il_actor* worker_slot(void);
/* Reports, once per execution, that `call` on `name` failed with `err` for a reason of the
 * machine's (is_environment_errno): the harness then takes the execution for an error of the
 * environment, never a verdict. */
SHIM_HIDDEN void environment_error(const char* call, const char* name, int err);
/* ENOSPC, EDQUOT, EFBIG, EMFILE, ENFILE, ENOMEM, EIO, EROFS. */
SHIM_HIDDEN int is_environment_errno(int err);
/* The execution is being stopped: end the process (the harness is told its threads all ended). */
SHIM_HIDDEN void stop_now(void);
/* Flags of post(): the wait may end by a timeout (virtual time), the step before a wait did what
 * it declared (no failed attempt, which would be recorded as a read), the wait ends by a timeout
 * only when no other actor can run. */
enum { POST_TIMED = 1, POST_KEEP_LAST = 2, POST_UNTIL_STUCK = 4 };
/* Posts the calling thread's pending step (IL_EVENT_*, what it touches, the lock or actor it names,
 * POST_* flags) and waits for its grant; a grant other than IL_GO_RUN ends the process
 * (stop_now). */
SHIM_HIDDEN int post(int event, int kind, const char* space, const char* label, const char* name,
                     int access, uint64_t lock, int flags);
/* Waits for the calling thread's grant (il_wait, its own calls let through); returns IL_GO_*. */
SHIM_HIDDEN int shim_wait(void);
/* Adds to this thread's last step that it touched the lock-space object `name` (IL_READ or
 * IL_WRITE; `wakes`: the id of a lock whose waiters it wakes, or 0), applied by the harness when
 * the thread next posts. 0 when there is no room (then the caller posts a step of its own). */
SHIM_HIDDEN int touch_last_step(const char* name, int access, uint64_t wakes);
/* Posts a yield point labelled "<call> <name>" that touches `name` (kind IL_KIND_*). */
SHIM_HIDDEN void post_step(const char* call, int kind, const char* name, int access);

/* threads.c: threads as actors. */
/* Reads the worker's actor count ($INTERLEAVE_ACTORS) at attach. */
SHIM_HIDDEN void start_threads(const char* actors);
/* How many controlled threads of the worker are running their bodies (1: only the main one, and
 * synchronization between threads is no decision). */
SHIM_HIDDEN extern int live_threads;

/* python.c: CPython's calls and returns as decision points. */
/* Before a thread is created: in CPython, with the GIL held, installs the profile callback (once).
 */
SHIM_HIDDEN void python_calls_before_thread(void);

/* channels.c: blocking reads between threads (pipes, sockets, eventfds). */
/* Before a read of `fd` that may block: a decision, then a wait for another thread's write while
 * nothing is there to read (left to the kernel once no other actor can run). */
SHIM_HIDDEN void channel_before_read(int fd, const char* call);
/* Whether `fd` is a channel while the worker has threads: open, no data file, no regular file or
 * folder (which never block). */
SHIM_HIDDEN int channel(int fd);
/* Before a write of `fd` that may block: while there is no room, a wait for another thread's read
 * (left to the kernel once no other actor can run). No decision of its own. */
SHIM_HIDDEN void channel_before_write(int fd, const char* call);
/* A read of `fd` by this thread returned `rc`: wakes the threads waiting for room to write (errno
 * kept); returns `rc`. */
SHIM_HIDDEN ssize_t channel_after_read(int fd, ssize_t rc);
/* A write or send of `fd` by this thread returned `rc`: wakes the threads waiting to read (errno
 * kept); returns `rc`. */
SHIM_HIDDEN ssize_t channel_after_write(int fd, ssize_t rc);
/* After a write, send or close of a channel by this thread: wakes the threads waiting to read. */
SHIM_HIDDEN void channel_wake(void);
/* channel_wake() when `fd` is a channel. */
SHIM_HIDDEN void channel_written(int fd);
/* A decision before a poll of channels (`call` its label) while the worker has threads: 1, else 0
 * (no decision: the caller polls as it would alone). */
SHIM_HIDDEN int channel_deciding(const char* call);
/* With nothing ready, waits labelled `label` for another thread's write to a channel: 1 when one
 * came (look again), 0 when the wait ended without one (timed: a timeout, chosen; else: no other
 * actor could run, and the kernel is to decide). */
SHIM_HIDDEN int channel_wait(const char* label, int timed);

/* files.c: descriptors and paths. */
SHIM_HIDDEN extern char data_dir[PATH_MAX];
SHIM_HIDDEN extern size_t data_dir_len;
SHIM_HIDDEN extern char history_path[PATH_MAX];
SHIM_HIDDEN extern unsigned char fd_kind[MAX_FDS];
SHIM_HIDDEN extern char fd_name[MAX_FDS][IL_NAME_CAPACITY];
SHIM_HIDDEN extern dev_t fd_dev[MAX_FDS];
SHIM_HIDDEN extern ino_t fd_ino[MAX_FDS];
/* Whether a call on `fd` is to be controlled; notes an escape from another thread. */
SHIM_HIDDEN int data_fd(int fd, const char* call);
/* The path relative to the data directory when the call is to be controlled, else NULL. */
SHIM_HIDDEN const char* data_path(int dirfd, const char* path, const char* call);
/* Writes out the history lines buffered (all: the last one too, unterminated). */
SHIM_HIDDEN void flush_history(int fd, int all);

/* locks.c: file locks held by this worker. */
SHIM_HIDDEN extern struct held_lock locks[MAX_LOCKS];
SHIM_HIDDEN uint64_t lock_id(int fd, int type);
/* The lock `fd` holds (flock, OFD), or that the process holds on its file (POSIX), or NULL. */
SHIM_HIDDEN struct held_lock* find_lock(uint64_t id, int fd, int type);
/* Posts the release of a held lock (the caller then releases it in the kernel). */
SHIM_HIDDEN void controlled_release(struct held_lock* l, const char* label);
SHIM_HIDDEN void kernel_unlock(const struct held_lock* l);

/* signals.c: a SIGKILL the worker sends itself (to `pid`) is noted in its control-block slot. */
SHIM_HIDDEN void note_self_signal(pid_t pid, int sig);

/* sync.c: a futex system call (through syscall(2)) of a controlled thread: wait and wake are
 * decisions. Returns 1 with the call's result in `result` (and errno set), or 0 when the call is
 * to go to the kernel as it is. */
SHIM_HIDDEN int futex_call(uint32_t* word, int op, uint32_t value, const struct timespec* timeout,
                           long* result);

/* time.c: the execution's fixed clock and random bytes. */
SHIM_HIDDEN void start_clock(const char* seed, int actor);
SHIM_HIDDEN void fill_random(void* buf, size_t n);

#endif /* INTERLEAVE_SHIM_SHIM_H_ */
