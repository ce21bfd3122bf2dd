/* libinterleave_shim.so: preloaded into the workers of `interleave run`, it turns an unmodified
 * program's file system calls on paths under the data directory (and on descriptors opened there)
 * into yield points of the controlled scheduler, file locks into scheduler resources, and time,
 * randomness and sleeps into fixed inputs of the execution. It takes part through the C client of
 * the control block (harness/client.h), found through $INTERLEAVE_CONTROL_FD and $INTERLEAVE_ACTOR.
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
 * Plain C, no exceptions; the interposed functions call the real ones through dlsym(RTLD_NEXT). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "harness/client.h"

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

static il_client client;
static int controlled; /* attached, and the body has not finished */
static pid_t main_pid; /* the main thread's tid (= pid) */
static char data_dir[PATH_MAX];
static size_t data_dir_len;
static char history_path[PATH_MAX];
static int notes_fd = -1;
static unsigned char fd_kind[MAX_FDS];
static char fd_name[MAX_FDS][IL_NAME_CAPACITY];
static dev_t fd_dev[MAX_FDS];
static ino_t fd_ino[MAX_FDS];
static struct held_lock locks[MAX_LOCKS];
static uint64_t clock_ns; /* the fixed clock: advances 1 us per reading */
static uint64_t random_state;
static unsigned escapes;    /* bit per kind of escape already noted */
static __thread int inside; /* the shim is calling the real function itself */
static char history_buffer[4096];
static size_t history_used;

#define REAL(ret, name, ...)              \
  static ret (*real_##name)(__VA_ARGS__); \
  if (real_##name == NULL) *(void**)(&real_##name) = dlsym(RTLD_NEXT, #name)

static long raw_write(int fd, const void* buf, size_t n) { return syscall(SYS_write, fd, buf, n); }

static void note(unsigned bit, const char* what, const char* name) {
  char line[512];
  int n;
  if (notes_fd < 0 || (escapes & bit) != 0) return;
  escapes |= bit;
  n = snprintf(line, sizeof line, "escape: %s%s%s\n", what, name ? " " : "", name ? name : "");
  if (n > 0) raw_write(notes_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Whether the call comes from the thread the scheduler controls. */
static __thread int thread_is_main = -1; /* -1 until the thread's first intercepted call */
static int on_main_thread(void) {
  if (thread_is_main < 0) thread_is_main = (pid_t)syscall(SYS_gettid) == main_pid;
  return thread_is_main;
}

static void stop_now(void) {
  controlled = 0;
  il_finish(&client, "");
  syscall(SYS_exit_group, 0);
}

static void post_step(const char* call, int kind, const char* name, int access) {
  char label[IL_LABEL_CAPACITY];
  snprintf(label, sizeof label, "%s%s%s", call, name[0] ? " " : "", name);
  if (il_yield(&client, label, kind, kind == IL_KIND_NONE ? "" : "file", name, access) !=
      IL_GO_RUN) {
    stop_now();
  }
}

/* The path relative to the data directory when `path` lies under it, else NULL. Relative paths
 * are taken from the working directory, which is the data directory. */
static const char* data_name(int dirfd, const char* path) {
  if (path == NULL) return NULL;
  if (path[0] == '/') {
    if (strncmp(path, data_dir, data_dir_len) != 0) return NULL;
    if (path[data_dir_len] == '\0') return ".";
    if (path[data_dir_len] != '/') return NULL;
    return path + data_dir_len + 1;
  }
  if (dirfd != AT_FDCWD) {
    if (dirfd < 0 || dirfd >= MAX_FDS || fd_kind[dirfd] != FD_DATA) return NULL;
  }
  if (strncmp(path, "../", 3) == 0 || strcmp(path, "..") == 0) return NULL;
  if (strncmp(path, "./", 2) == 0) path += 2;
  return path;
}

/* Whether a call on `fd` is to be controlled; notes an escape from another thread. */
static int data_fd(int fd, const char* call) {
  if (!controlled || inside || fd < 0 || fd >= MAX_FDS || fd_kind[fd] != FD_DATA) return 0;
  if (!on_main_thread()) {
    note(1u << 0, "a thread other than the main one called", call);
    return 0;
  }
  return 1;
}

static const char* data_path(int dirfd, const char* path, const char* call) {
  const char* name;
  if (!controlled || inside) return NULL;
  name = data_name(dirfd, path);
  if (name == NULL) return NULL;
  if (!on_main_thread()) {
    note(1u << 0, "a thread other than the main one called", call);
    return NULL;
  }
  return name;
}

static void remember_fd(int fd, int kind, const char* name) {
  struct stat st;
  if (fd < 0 || fd >= MAX_FDS) return;
  fd_kind[fd] = (unsigned char)kind;
  il_copy(fd_name[fd], IL_NAME_CAPACITY, name);
  fd_dev[fd] = 0;
  fd_ino[fd] = 0;
  if (kind == FD_DATA && syscall(SYS_fstat, fd, &st) == 0) {
    fd_dev[fd] = st.st_dev;
    fd_ino[fd] = st.st_ino;
  }
}

/* ---------------------------------------------------------------- locks as scheduler resources */

static uint64_t lock_id(int fd, int type) {
  uint64_t h = 1469598103934665603ull;
  uint64_t parts[3] = {(uint64_t)fd_dev[fd], (uint64_t)fd_ino[fd], (uint64_t)(type == LK_FLOCK)};
  for (int i = 0; i < 3; ++i) {
    h ^= parts[i];
    h *= 1099511628211ull;
  }
  return h | 1;
}

/* The open file description taking a lock (POSIX locks: the process). Never 0. */
static uint64_t description_of(int fd, int type) {
  uint64_t pid = (uint64_t)main_pid;
  return type == LK_POSIX ? (pid << 16) | 0xffff : (pid << 16) | (uint64_t)(fd + 1);
}

static struct held_lock* find_lock(uint64_t id, int fd, int type) {
  for (int i = 0; i < MAX_LOCKS; ++i) {
    struct held_lock* l = &locks[i];
    if (l->used && l->id == id && l->type == type && (type == LK_POSIX || l->fd == fd)) return l;
  }
  return NULL;
}

static void post_lock_event(int event, uint64_t id, uint64_t description, const char* label,
                            const char* name) {
  struct il_pending* p = &client.control->actor[client.actor].pending;
  char text[IL_LABEL_CAPACITY];
  snprintf(text, sizeof text, "%s %s", label, name);
  p->event = (uint8_t)event;
  p->kind = IL_KIND_FILE_LOCK;
  p->access = IL_WRITE;
  p->await = 0;
  p->lock = id;
  p->description = description;
  il_copy(p->label, IL_LABEL_CAPACITY, text);
  il_copy(p->space, IL_SPACE_CAPACITY, "file-lock");
  il_copy(p->name, IL_NAME_CAPACITY, name);
  p->message[0] = '\0';
  if (il_post(&client) != IL_GO_RUN) stop_now();
}

static void forget_lock(struct held_lock* l) { l->used = 0; }

static void hold_lock(uint64_t id, int fd, int type) {
  if (find_lock(id, fd, type) != NULL) return;
  for (int i = 0; i < MAX_LOCKS; ++i) {
    if (!locks[i].used) {
      locks[i].used = 1;
      locks[i].id = id;
      locks[i].fd = fd;
      locks[i].type = type;
      il_copy(locks[i].name, IL_NAME_CAPACITY, fd_name[fd]);
      return;
    }
  }
}

/* Takes a lock under control: `attempt` tries it in the kernel without blocking (returns 0, or -1
 * with errno). Blocking: wait for the scheduler's grant, try, and when refused post BLOCKED until a
 * release; never blocks in the kernel. Non-blocking: one yield point and one attempt. */
static int controlled_lock(int fd, int type, int blocking, const char* label,
                           int (*attempt)(int fd, void* arg), void* arg) {
  const uint64_t id = lock_id(fd, type);
  const uint64_t description = description_of(fd, type);
  int rc;
  if (!blocking) {
    post_step(label, IL_KIND_FILE_LOCK, fd_name[fd], IL_WRITE);
    rc = attempt(fd, arg);
    if (rc == 0) hold_lock(id, fd, type);
    return rc;
  }
  post_lock_event(IL_EVENT_ACQUIRE, id, description, label, fd_name[fd]);
  for (;;) {
    rc = attempt(fd, arg);
    if (rc == 0) {
      hold_lock(id, fd, type);
      return 0;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EACCES && errno != EINTR) return rc;
    post_lock_event(IL_EVENT_BLOCKED, id, description, label, fd_name[fd]);
  }
}

/* Posts the release of a held lock (the caller then releases it in the kernel). */
static void controlled_release(struct held_lock* l, const char* label) {
  char name[IL_NAME_CAPACITY];
  il_copy(name, sizeof name, l->name);
  forget_lock(l);
  post_lock_event(IL_EVENT_RELEASE, l->id, 0, label, name);
}

/* ------------------------------------------------------------------------- attach and finish */

static void kernel_unlock(const struct held_lock* l) {
  REAL(int, flock, int, int);
  REAL(int, fcntl, int, int, ...);
  struct flock fl;
  if (l->type == LK_FLOCK) {
    real_flock(l->fd, LOCK_UN);
    return;
  }
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_UNLCK;
  fl.l_whence = SEEK_SET;
  real_fcntl(l->fd, l->type == LK_OFD ? F_OFD_SETLK : F_SETLK, &fl);
}

static void finish_body(int status, void* arg) {
  char message[128] = "";
  if (!controlled || !on_main_thread()) return;
  fflush(NULL);
  for (int i = 0; i < MAX_LOCKS; ++i) {
    if (!locks[i].used) continue;
    /* Released in the kernel too before the body ends: the next worker tries it at once. */
    struct held_lock copy = locks[i];
    controlled_release(&locks[i], "exit releases");
    kernel_unlock(&copy);
  }
  if (status != 0)
    snprintf(message, sizeof message, "actor %d (worker %d) exited with status %d", client.actor,
             client.actor, status);
  controlled = 0;
  il_finish(&client, message);
}

/* A child of a worker is no worker. */
static void after_fork_in_child(void) {
  controlled = 0;
  thread_is_main = -1;
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
  il_client_init(&client, (struct il_control*)map, actor);
  if (client.control->magic != IL_CONTROL_MAGIC || actor < 0 ||
      actor >= (int)client.control->actors) {
    return -1;
  }
  return 0;
}

__attribute__((constructor)) static void shim_attach(void) {
  const char* dir = getenv("INTERLEAVE_DATA_DIR");
  const char* notes = getenv("INTERLEAVE_NOTES");
  const char* history = getenv("INTERLEAVE_HISTORY");
  const char* seed = getenv("INTERLEAVE_SEED");
  const char* worker_pid = getenv("INTERLEAVE_SHIM_PID");
  char pid_text[24];
  int resumed = 0;
  if (getenv("INTERLEAVE_CONTROL_FD") == NULL || dir == NULL) return;
  main_pid = getpid();
  if (worker_pid != NULL) {
    /* Set by the worker's first image: this is the worker after an exec (it holds the baton
     * already), or a process the worker started, which is no worker. */
    if (atoi(worker_pid) != (int)main_pid) {
      unsetenv("INTERLEAVE_CONTROL_FD");
      unsetenv("LD_PRELOAD");
      return;
    }
    resumed = 1;
  }
  if (attach() != 0) return;
  snprintf(pid_text, sizeof pid_text, "%d", (int)main_pid);
  setenv("INTERLEAVE_SHIM_PID", pid_text, 1);
  il_copy(data_dir, sizeof data_dir, dir);
  data_dir_len = strlen(data_dir);
  while (data_dir_len > 1 && data_dir[data_dir_len - 1] == '/') data_dir[--data_dir_len] = '\0';
  if (history != NULL) il_copy(history_path, sizeof history_path, history);
  if (notes != NULL) {
    notes_fd =
        (int)syscall(SYS_openat, AT_FDCWD, notes, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (notes_fd >= 0 && !resumed) raw_write(notes_fd, "attached\n", 9);
  }
  clock_ns = 1767225600ull * 1000000000ull; /* 2026-01-01T00:00:00Z */
  random_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(seed ? strtoull(seed, NULL, 10) : 0) ^
                 ((uint64_t)client.actor << 32);
  on_exit(finish_body, NULL);
  pthread_atfork(NULL, NULL, after_fork_in_child);
  controlled = 1;
  if (!resumed && il_wait(&client) != IL_GO_RUN) stop_now();
}

/* -------------------------------------------------------------------------------- open, close */

static int do_open(int dirfd, const char* path, int flags, mode_t mode, const char* call) {
  REAL(int, openat, int, const char*, int, ...);
  const char* name = data_path(dirfd, path, call);
  int fd;
  if (controlled && !inside && path != NULL &&
      (strcmp(path, "/dev/urandom") == 0 || strcmp(path, "/dev/random") == 0)) {
    fd = real_openat(dirfd, path, flags, mode);
    remember_fd(fd, FD_RANDOM, "");
    return fd;
  }
  if (controlled && history_path[0] != '\0' && path != NULL && strcmp(path, history_path) == 0) {
    fd = real_openat(dirfd, path, flags, mode);
    remember_fd(fd, FD_HISTORY, "");
    return fd;
  }
  if (name == NULL) {
    fd = real_openat(dirfd, path, flags, mode);
    if (fd >= 0 && fd < MAX_FDS) fd_kind[fd] = FD_NONE;
    return fd;
  }
  post_step(call, IL_KIND_FILE, name,
            (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) ? IL_WRITE : IL_READ);
  fd = real_openat(dirfd, path, flags, mode);
  remember_fd(fd, FD_DATA, name);
  return fd;
}

#define OPEN_MODE(flags, mode)           \
  mode_t mode = 0;                       \
  if ((flags) & (O_CREAT | O_TMPFILE)) { \
    va_list ap;                          \
    va_start(ap, flags);                 \
    mode = va_arg(ap, mode_t);           \
    va_end(ap);                          \
  }

int open(const char* path, int flags, ...) {
  OPEN_MODE(flags, mode);
  return do_open(AT_FDCWD, path, flags, mode, "open");
}
int open64(const char* path, int flags, ...) {
  OPEN_MODE(flags, mode);
  return do_open(AT_FDCWD, path, flags, mode, "open");
}
int openat(int dirfd, const char* path, int flags, ...) {
  OPEN_MODE(flags, mode);
  return do_open(dirfd, path, flags, mode, "openat");
}
int openat64(int dirfd, const char* path, int flags, ...) {
  OPEN_MODE(flags, mode);
  return do_open(dirfd, path, flags, mode, "openat");
}
int __open_2(const char* path, int flags) { return do_open(AT_FDCWD, path, flags, 0, "open"); }
int __open64_2(const char* path, int flags) { return do_open(AT_FDCWD, path, flags, 0, "open"); }
int __openat_2(int dirfd, const char* path, int flags) {
  return do_open(dirfd, path, flags, 0, "openat");
}
int __openat64_2(int dirfd, const char* path, int flags) {
  return do_open(dirfd, path, flags, 0, "openat");
}
int creat(const char* path, mode_t mode) {
  return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, "creat");
}
int creat64(const char* path, mode_t mode) {
  return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, "creat");
}

static void flush_history(int fd, int all);

int close(int fd) {
  REAL(int, close, int);
  if (fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_HISTORY) flush_history(fd, 1);
  if (data_fd(fd, "close")) {
    post_step("close", IL_KIND_FILE, fd_name[fd], IL_READ);
    /* flock and OFD locks go with their descriptor; POSIX record locks go with any descriptor of
     * the file (the process's locks on it are dropped). The last release's grant is followed by
     * the close itself, before any other worker runs. */
    for (int i = 0; i < MAX_LOCKS; ++i) {
      struct held_lock* l = &locks[i];
      if (!l->used) continue;
      if ((l->type != LK_POSIX && l->fd == fd) ||
          (l->type == LK_POSIX && l->id == lock_id(fd, LK_POSIX))) {
        controlled_release(l, "close releases");
      }
    }
  }
  if (fd >= 0 && fd < MAX_FDS) fd_kind[fd] = FD_NONE;
  return real_close(fd);
}

/* ------------------------------------------------------------------------ reads and writes */

static uint64_t next_random(void) {
  uint64_t x = random_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  random_state = x;
  return x;
}

static void fill_random(void* buf, size_t n) {
  unsigned char* p = (unsigned char*)buf;
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(next_random() >> 24);
}

/* Writes the complete lines buffered for the history file, each prefixed with the step. */
static void flush_history(int fd, int all) {
  size_t start = 0;
  for (size_t i = 0; i < history_used; ++i) {
    if (history_buffer[i] != '\n' && !(all && i + 1 == history_used)) continue;
    char prefix[24];
    int n = snprintf(prefix, sizeof prefix, "%u ", il_steps(&client));
    raw_write(fd, prefix, (size_t)n);
    raw_write(fd, history_buffer + start, i + 1 - start);
    if (history_buffer[i] != '\n') raw_write(fd, "\n", 1);
    start = i + 1;
  }
  memmove(history_buffer, history_buffer + start, history_used - start);
  history_used -= start;
}

static ssize_t history_write(int fd, const void* buf, size_t n) {
  const char* p = (const char*)buf;
  size_t left = n;
  while (left > 0) {
    size_t room = sizeof history_buffer - history_used;
    size_t take = left < room ? left : room;
    memcpy(history_buffer + history_used, p, take);
    history_used += take;
    p += take;
    left -= take;
    flush_history(fd, history_used == sizeof history_buffer);
  }
  return (ssize_t)n;
}

ssize_t read(int fd, void* buf, size_t n) {
  REAL(ssize_t, read, int, void*, size_t);
  if (controlled && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_RANDOM) {
    fill_random(buf, n);
    return (ssize_t)n;
  }
  if (data_fd(fd, "read")) post_step("read", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_read(fd, buf, n);
}

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(ssize_t, write, int, const void*, size_t);
  if (controlled && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_HISTORY) {
    return history_write(fd, buf, n);
  }
  if (data_fd(fd, "write")) post_step("write", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return real_write(fd, buf, n);
}

#define POSITIONED(ret, name, label, access, buftype)                            \
  ret name(int fd, buftype buf, size_t n, off_t offset) {                        \
    REAL(ret, name, int, buftype, size_t, off_t);                                \
    if (data_fd(fd, label)) post_step(label, IL_KIND_FILE, fd_name[fd], access); \
    return real_##name(fd, buf, n, offset);                                      \
  }
POSITIONED(ssize_t, pread, "pread", IL_READ, void*)
POSITIONED(ssize_t, pread64, "pread", IL_READ, void*)
POSITIONED(ssize_t, pwrite, "pwrite", IL_WRITE, const void*)
POSITIONED(ssize_t, pwrite64, "pwrite", IL_WRITE, const void*)

ssize_t readv(int fd, const struct iovec* iov, int count) {
  REAL(ssize_t, readv, int, const struct iovec*, int);
  if (data_fd(fd, "readv")) post_step("readv", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_readv(fd, iov, count);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  REAL(ssize_t, writev, int, const struct iovec*, int);
  if (data_fd(fd, "writev")) post_step("writev", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return real_writev(fd, iov, count);
}

off_t lseek(int fd, off_t offset, int whence) {
  REAL(off_t, lseek, int, off_t, int);
  if (data_fd(fd, "lseek")) post_step("lseek", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_lseek(fd, offset, whence);
}
off64_t lseek64(int fd, off64_t offset, int whence) {
  REAL(off64_t, lseek64, int, off64_t, int);
  if (data_fd(fd, "lseek")) post_step("lseek", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_lseek64(fd, offset, whence);
}

/* ------------------------------------------------------------------ metadata, sync, renames */

int fstat(int fd, struct stat* st) {
  REAL(int, fstat, int, struct stat*);
  if (data_fd(fd, "fstat")) post_step("fstat", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_fstat(fd, st);
}
int fstat64(int fd, struct stat64* st) {
  REAL(int, fstat64, int, struct stat64*);
  if (data_fd(fd, "fstat")) post_step("fstat", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_fstat64(fd, st);
}

#define PATH_STAT(name, stype, label)                                \
  int name(const char* path, struct stype* st) {                     \
    REAL(int, name, const char*, struct stype*);                     \
    const char* data = data_path(AT_FDCWD, path, label);             \
    if (data != NULL) post_step(label, IL_KIND_FILE, data, IL_READ); \
    return real_##name(path, st);                                    \
  }
PATH_STAT(stat, stat, "stat")
PATH_STAT(stat64, stat64, "stat")
PATH_STAT(lstat, stat, "lstat")
PATH_STAT(lstat64, stat64, "lstat")

#define AT_STAT(name, stype)                                                        \
  int name(int dirfd, const char* path, struct stype* st, int flags) {              \
    REAL(int, name, int, const char*, struct stype*, int);                          \
    const char* data = (path != NULL && path[0] == '\0' && (flags & AT_EMPTY_PATH)) \
                           ? (data_fd(dirfd, "fstat") ? fd_name[dirfd] : NULL)      \
                           : data_path(dirfd, path, "fstatat");                     \
    if (data != NULL) post_step("fstatat", IL_KIND_FILE, data, IL_READ);            \
    return real_##name(dirfd, path, st, flags);                                     \
  }
AT_STAT(fstatat, stat)
AT_STAT(fstatat64, stat64)

int ftruncate(int fd, off_t length) {
  REAL(int, ftruncate, int, off_t);
  if (data_fd(fd, "ftruncate")) post_step("ftruncate", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return real_ftruncate(fd, length);
}
int ftruncate64(int fd, off64_t length) {
  REAL(int, ftruncate64, int, off64_t);
  if (data_fd(fd, "ftruncate")) post_step("ftruncate", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return real_ftruncate64(fd, length);
}

int fsync(int fd) {
  REAL(int, fsync, int);
  if (data_fd(fd, "fsync")) post_step("fsync", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_fsync(fd);
}
int fdatasync(int fd) {
  REAL(int, fdatasync, int);
  if (data_fd(fd, "fdatasync")) post_step("fdatasync", IL_KIND_FILE, fd_name[fd], IL_READ);
  return real_fdatasync(fd);
}

int rename(const char* from, const char* to) {
  REAL(int, rename, const char*, const char*);
  const char* data = data_path(AT_FDCWD, to, "rename");
  if (data == NULL) data = data_path(AT_FDCWD, from, "rename");
  if (data != NULL) post_step("rename", IL_KIND_FILE, data, IL_WRITE);
  return real_rename(from, to);
}
int renameat(int fromfd, const char* from, int tofd, const char* to) {
  REAL(int, renameat, int, const char*, int, const char*);
  const char* data = data_path(tofd, to, "renameat");
  if (data == NULL) data = data_path(fromfd, from, "renameat");
  if (data != NULL) post_step("rename", IL_KIND_FILE, data, IL_WRITE);
  return real_renameat(fromfd, from, tofd, to);
}
int unlink(const char* path) {
  REAL(int, unlink, const char*);
  const char* data = data_path(AT_FDCWD, path, "unlink");
  if (data != NULL) post_step("unlink", IL_KIND_FILE, data, IL_WRITE);
  return real_unlink(path);
}
int unlinkat(int dirfd, const char* path, int flags) {
  REAL(int, unlinkat, int, const char*, int);
  const char* data = data_path(dirfd, path, "unlinkat");
  if (data != NULL) post_step("unlink", IL_KIND_FILE, data, IL_WRITE);
  return real_unlinkat(dirfd, path, flags);
}

/* ------------------------------------------------------------------------------- file locks */

static int flock_attempt(int fd, void* arg) {
  REAL(int, flock, int, int);
  return real_flock(fd, *(int*)arg | LOCK_NB);
}

int flock(int fd, int op) {
  REAL(int, flock, int, int);
  if (!data_fd(fd, "flock")) return real_flock(fd, op);
  if (op & LOCK_UN) {
    struct held_lock* l = find_lock(lock_id(fd, LK_FLOCK), fd, LK_FLOCK);
    if (l != NULL) {
      controlled_release(l, "flock LOCK_UN");
    } else {
      post_step("flock LOCK_UN", IL_KIND_FILE_LOCK, fd_name[fd], IL_WRITE);
    }
    return real_flock(fd, op);
  }
  int mode = op & (LOCK_SH | LOCK_EX);
  return controlled_lock(fd, LK_FLOCK, !(op & LOCK_NB), mode == LOCK_SH ? "flock LOCK_SH" : "flock",
                         flock_attempt, &mode);
}

struct fcntl_lock {
  int command; /* the non-blocking command: F_SETLK or F_OFD_SETLK */
  struct flock* lock;
};

static int fcntl_attempt(int fd, void* arg) {
  REAL(int, fcntl, int, int, ...);
  const struct fcntl_lock* l = (const struct fcntl_lock*)arg;
  return real_fcntl(fd, l->command, l->lock);
}

static int do_fcntl(int fd, int command, void* arg, int (*real)(int, int, ...)) {
  struct flock* fl = (struct flock*)arg;
  int type, nonblocking;
  if ((command != F_SETLK && command != F_SETLKW && command != F_OFD_SETLK &&
       command != F_OFD_SETLKW) ||
      !data_fd(fd, "fcntl")) {
    return real(fd, command, arg);
  }
  type = (command == F_OFD_SETLK || command == F_OFD_SETLKW) ? LK_OFD : LK_POSIX;
  nonblocking = command == F_SETLK || command == F_OFD_SETLK;
  if (fl->l_type == F_UNLCK) {
    struct held_lock* l = find_lock(lock_id(fd, type), fd, type);
    if (l != NULL) {
      controlled_release(l, "fcntl F_UNLCK");
    } else {
      post_step("fcntl F_UNLCK", IL_KIND_FILE_LOCK, fd_name[fd], IL_WRITE);
    }
    return real(fd, command, arg);
  }
  struct fcntl_lock attempt = {type == LK_OFD ? F_OFD_SETLK : F_SETLK, fl};
  return controlled_lock(fd, type, !nonblocking,
                         fl->l_type == F_RDLCK ? "fcntl F_RDLCK" : "fcntl F_WRLCK", fcntl_attempt,
                         &attempt);
}

int fcntl(int fd, int command, ...) {
  REAL(int, fcntl, int, int, ...);
  va_list ap;
  va_start(ap, command);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return do_fcntl(fd, command, arg, real_fcntl);
}
int fcntl64(int fd, int command, ...) {
  REAL(int, fcntl64, int, int, ...);
  va_list ap;
  va_start(ap, command);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return do_fcntl(fd, command, arg, real_fcntl64);
}

static int do_lockf(int fd, int command, off_t length) {
  REAL(int, fcntl, int, int, ...);
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_whence = SEEK_CUR;
  fl.l_start = 0;
  fl.l_len = length;
  switch (command) {
    case F_ULOCK:
      fl.l_type = F_UNLCK;
      return do_fcntl(fd, F_SETLK, &fl, real_fcntl);
    case F_LOCK:
      fl.l_type = F_WRLCK;
      return do_fcntl(fd, F_SETLKW, &fl, real_fcntl);
    case F_TLOCK:
      fl.l_type = F_WRLCK;
      return do_fcntl(fd, F_SETLK, &fl, real_fcntl);
    default:
      return -2;
  }
}

int lockf(int fd, int command, off_t length) {
  REAL(int, lockf, int, int, off_t);
  int rc;
  if (command == F_TEST || !data_fd(fd, "lockf")) return real_lockf(fd, command, length);
  rc = do_lockf(fd, command, length);
  return rc == -2 ? real_lockf(fd, command, length) : rc;
}
int lockf64(int fd, int command, off64_t length) { return lockf(fd, command, (off_t)length); }

/* ------------------------------------------------------------------------ time and chance */

static int sleep_step(void) {
  if (!controlled || inside || !on_main_thread()) return 0;
  post_step("sleep", IL_KIND_NONE, "", IL_READ);
  return 1;
}

int nanosleep(const struct timespec* request, struct timespec* remaining) {
  REAL(int, nanosleep, const struct timespec*, struct timespec*);
  if (sleep_step()) {
    if (remaining) memset(remaining, 0, sizeof *remaining);
    return 0;
  }
  return real_nanosleep(request, remaining);
}
int clock_nanosleep(clockid_t clock, int flags, const struct timespec* request,
                    struct timespec* remaining) {
  REAL(int, clock_nanosleep, clockid_t, int, const struct timespec*, struct timespec*);
  if (sleep_step()) return 0;
  return real_clock_nanosleep(clock, flags, request, remaining);
}
int usleep(useconds_t us) {
  REAL(int, usleep, useconds_t);
  if (sleep_step()) return 0;
  return real_usleep(us);
}
unsigned sleep(unsigned seconds) {
  REAL(unsigned, sleep, unsigned);
  if (sleep_step()) return 0;
  return real_sleep(seconds);
}

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  REAL(int, poll, struct pollfd*, nfds_t, int);
  if (timeout == 0 || !controlled || inside || !on_main_thread()) return real_poll(fds, n, timeout);
  int rc = real_poll(fds, n, 0);
  if (rc == 0) post_step("poll", IL_KIND_NONE, "", IL_READ);
  return rc;
}
int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* timeout) {
  REAL(int, select, int, fd_set*, fd_set*, fd_set*, struct timeval*);
  if (timeout == NULL || !controlled || inside || !on_main_thread()) {
    return real_select(n, r, w, e, timeout);
  }
  struct timeval zero = {0, 0};
  int rc = real_select(n, r, w, e, &zero);
  if (rc == 0) post_step("select", IL_KIND_NONE, "", IL_READ);
  return rc;
}

static uint64_t read_clock(void) {
  clock_ns += 1000;
  return clock_ns;
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  REAL(int, clock_gettime, clockid_t, struct timespec*);
  if (!controlled) return real_clock_gettime(clock, ts);
  uint64_t ns = read_clock();
  if (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_COARSE)
    ns -= 1767225600ull * 1000000000ull;
  ts->tv_sec = (time_t)(ns / 1000000000ull);
  ts->tv_nsec = (long)(ns % 1000000000ull);
  return 0;
}
int gettimeofday(struct timeval* tv, void* tz) {
  REAL(int, gettimeofday, struct timeval*, void*);
  if (!controlled) return real_gettimeofday(tv, tz);
  uint64_t ns = read_clock();
  if (tv) {
    tv->tv_sec = (time_t)(ns / 1000000000ull);
    tv->tv_usec = (suseconds_t)(ns % 1000000000ull / 1000);
  }
  return 0;
}
time_t time(time_t* out) {
  REAL(time_t, time, time_t*);
  if (!controlled) return real_time(out);
  time_t t = (time_t)(read_clock() / 1000000000ull);
  if (out) *out = t;
  return t;
}

ssize_t getrandom(void* buf, size_t n, unsigned flags) {
  REAL(ssize_t, getrandom, void*, size_t, unsigned);
  if (!controlled) return real_getrandom(buf, n, flags);
  fill_random(buf, n);
  return (ssize_t)n;
}
int getentropy(void* buf, size_t n) {
  REAL(int, getentropy, void*, size_t);
  if (!controlled) return real_getentropy(buf, n);
  fill_random(buf, n);
  return 0;
}

/* -------------------------------------------------------------------------- what escapes */

static void check_mapping(int prot, int flags, int fd) {
  if (controlled && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_DATA && (flags & MAP_SHARED) &&
      (prot & PROT_WRITE)) {
    note(1u << 1, "a writable shared mapping (mmap MAP_SHARED, PROT_WRITE) of", fd_name[fd]);
  }
}

void* mmap(void* addr, size_t n, int prot, int flags, int fd, off_t offset) {
  REAL(void*, mmap, void*, size_t, int, int, int, off_t);
  check_mapping(prot, flags, fd);
  return real_mmap(addr, n, prot, flags, fd, offset);
}
void* mmap64(void* addr, size_t n, int prot, int flags, int fd, off64_t offset) {
  REAL(void*, mmap64, void*, size_t, int, int, int, off64_t);
  check_mapping(prot, flags, fd);
  return real_mmap64(addr, n, prot, flags, fd, offset);
}

long syscall(long number, ...) {
  REAL(long, syscall, long, ...);
  va_list ap;
  long a[6];
  va_start(ap, number);
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  if (controlled && number == SYS_io_uring_setup) {
    note(1u << 2, "io_uring (io_uring_setup): its file operations bypass the shim", NULL);
  }
  return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void _exit(int status) {
  finish_body(status, NULL);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}
void _Exit(int status) { _exit(status); }
