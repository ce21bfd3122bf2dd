/* Files: the calls on paths under the data directory and on descriptors opened there become yield
 * points touching the file they name; the history file's lines are stamped with the step; reads of
 * /dev/urandom give the execution's random bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim/shim.h"

char data_dir[PATH_MAX];
size_t data_dir_len;
char history_path[PATH_MAX];
unsigned char fd_kind[MAX_FDS];
char fd_name[MAX_FDS][IL_NAME_CAPACITY];
dev_t fd_dev[MAX_FDS];
ino_t fd_ino[MAX_FDS];
static char history_buffer[4096];
static size_t history_used;
static int history_line_open; /* a line longer than the buffer is being written out */

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

int data_fd(int fd, const char* call) {
  if (fd < 0 || fd >= MAX_FDS || fd_kind[fd] != FD_DATA) return 0;
  return controlled_call(call, fd_name[fd]);
}

const char* data_path(int dirfd, const char* path, const char* call) {
  const char* name;
  if ((!controlled && !observer) || inside) return NULL;
  name = data_name(dirfd, path);
  if (name == NULL) return NULL;
  return controlled_call(call, name) ? name : NULL;
}

/* `ret`, after noting that `call` on `name` failed for a reason of the machine's (errno kept). */
static long checked(long ret, const char* call, const char* name) {
  if (ret < 0) {
    const int err = errno;
    environment_error(call, name, err);
    errno = err;
  }
  return ret;
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

/* -------------------------------------------------------------------------------- open, close */

static int do_open(int dirfd, const char* path, int flags, mode_t mode, const char* call) {
  REAL(int, openat, int, const char*, int, ...);
  const char* name = data_path(dirfd, path, call);
  int fd;
  if (controlled && !inside && in_worker() && path != NULL &&
      (strcmp(path, "/dev/urandom") == 0 || strcmp(path, "/dev/random") == 0)) {
    fd = real_openat(dirfd, path, flags, mode);
    remember_fd(fd, FD_RANDOM, "");
    return fd;
  }
  if (controlled && in_worker() && history_path[0] != '\0' && path != NULL &&
      strcmp(path, history_path) == 0) {
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
  fd = (int)checked(real_openat(dirfd, path, flags, mode), call, name);
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

int close(int fd) {
  REAL(int, close, int);
  if (fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_HISTORY && controlled && in_worker()) {
    flush_history(fd, 1);
  }
  /* Closing its copy of a descriptor touches nothing of the worker's: no escape. */
  if (fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_DATA && controlled_call("close", NULL)) {
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
  if (channel(fd)) {
    /* A reader of the other end sees the end of the data: a wake. */
    const int rc = real_close(fd);
    if (rc == 0) channel_wake();
    return rc;
  }
  if (fd >= 0 && fd < MAX_FDS) fd_kind[fd] = FD_NONE;
  return real_close(fd);
}

/* ------------------------------------------------------------------------ reads and writes */

/* Writes `n` bytes of the history file, noting a failure of the machine's. */
static void history_out(int fd, const char* p, size_t n) {
  while (n > 0) {
    const long w = raw_write(fd, p, n);
    if (w < 0) {
      environment_error("write", "the history file", errno);
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

/* "<step> <thread> ": the decisions made so far, and the writing thread (0: the main one). */
static int history_prefix(char* out, size_t size) {
  const unsigned steps = __atomic_load_n(&control_block->steps, __ATOMIC_RELAXED);
  const int thread = client.control != NULL ? client.actor - first_actor : 0;
  return snprintf(out, size, "%u %d ", steps, thread);
}

/* Writes out what is buffered for the history file: every complete line, each prefixed with the
 * number of decisions made so far; with `all`, the rest too, ended with a newline. A line longer
 * than the buffer goes out in pieces: the prefix before its first piece (the step when the buffer
 * filled), the newline after its last. */
void flush_history(int fd, int all) {
  size_t start = 0;
  for (size_t i = 0; i < history_used; ++i) {
    const int last = i + 1 == history_used;
    if (history_buffer[i] != '\n' && !(all && last)) continue;
    if (!history_line_open) {
      char prefix[32];
      const int n = history_prefix(prefix, sizeof prefix);
      history_out(fd, prefix, (size_t)n);
    }
    history_out(fd, history_buffer + start, i + 1 - start);
    if (history_buffer[i] != '\n') history_out(fd, "\n", 1);
    history_line_open = 0;
    start = i + 1;
  }
  memmove(history_buffer, history_buffer + start, history_used - start);
  history_used -= start;
  if (history_used == sizeof history_buffer) {
    /* One line fills the buffer: send what there is of it and keep the line open. */
    if (!history_line_open) {
      char prefix[32];
      const int n = history_prefix(prefix, sizeof prefix);
      history_out(fd, prefix, (size_t)n);
    }
    history_out(fd, history_buffer, history_used);
    history_used = 0;
    history_line_open = 1;
  }
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
    flush_history(fd, 0);
  }
  return (ssize_t)n;
}

ssize_t read(int fd, void* buf, size_t n) {
  REAL(ssize_t, read, int, void*, size_t);
  if (controlled && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_RANDOM && in_worker()) {
    fill_random(buf, n);
    return (ssize_t)n;
  }
  if (data_fd(fd, "read")) {
    post_step("read", IL_KIND_FILE, fd_name[fd], IL_READ);
    return real_read(fd, buf, n);
  }
  channel_before_read(fd, "read");
  return channel_after_read(fd, real_read(fd, buf, n));
}

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(ssize_t, write, int, const void*, size_t);
  if (controlled && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_HISTORY && in_worker()) {
    return history_write(fd, buf, n);
  }
  if (!data_fd(fd, "write")) {
    channel_before_write(fd, "write");
    return channel_after_write(fd, real_write(fd, buf, n));
  }
  post_step("write", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return checked(real_write(fd, buf, n), "write", fd_name[fd]);
}

#define POSITIONED(ret, name, label, access, buftype)                    \
  ret name(int fd, buftype buf, size_t n, off_t offset) {                \
    REAL(ret, name, int, buftype, size_t, off_t);                        \
    if (!data_fd(fd, label)) return real_##name(fd, buf, n, offset);     \
    post_step(label, IL_KIND_FILE, fd_name[fd], access);                 \
    return checked(real_##name(fd, buf, n, offset), label, fd_name[fd]); \
  }
POSITIONED(ssize_t, pread, "pread", IL_READ, void*)
POSITIONED(ssize_t, pread64, "pread", IL_READ, void*)
POSITIONED(ssize_t, pwrite, "pwrite", IL_WRITE, const void*)
POSITIONED(ssize_t, pwrite64, "pwrite", IL_WRITE, const void*)

ssize_t readv(int fd, const struct iovec* iov, int count) {
  REAL(ssize_t, readv, int, const struct iovec*, int);
  if (data_fd(fd, "readv")) {
    post_step("readv", IL_KIND_FILE, fd_name[fd], IL_READ);
    return real_readv(fd, iov, count);
  }
  channel_before_read(fd, "readv");
  return channel_after_read(fd, real_readv(fd, iov, count));
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  REAL(ssize_t, writev, int, const struct iovec*, int);
  if (!data_fd(fd, "writev")) {
    channel_before_write(fd, "writev");
    return channel_after_write(fd, real_writev(fd, iov, count));
  }
  post_step("writev", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return checked(real_writev(fd, iov, count), "writev", fd_name[fd]);
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
  if (!data_fd(fd, "ftruncate")) return real_ftruncate(fd, length);
  post_step("ftruncate", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return (int)checked(real_ftruncate(fd, length), "ftruncate", fd_name[fd]);
}
int ftruncate64(int fd, off64_t length) {
  REAL(int, ftruncate64, int, off64_t);
  if (!data_fd(fd, "ftruncate")) return real_ftruncate64(fd, length);
  post_step("ftruncate", IL_KIND_FILE, fd_name[fd], IL_WRITE);
  return (int)checked(real_ftruncate64(fd, length), "ftruncate", fd_name[fd]);
}

int fsync(int fd) {
  REAL(int, fsync, int);
  if (!data_fd(fd, "fsync")) return real_fsync(fd);
  post_step("fsync", IL_KIND_FILE, fd_name[fd], IL_READ);
  return (int)checked(real_fsync(fd), "fsync", fd_name[fd]);
}
int fdatasync(int fd) {
  REAL(int, fdatasync, int);
  if (!data_fd(fd, "fdatasync")) return real_fdatasync(fd);
  post_step("fdatasync", IL_KIND_FILE, fd_name[fd], IL_READ);
  return (int)checked(real_fdatasync(fd), "fdatasync", fd_name[fd]);
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
