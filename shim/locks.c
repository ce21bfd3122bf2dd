/* File locks as scheduler resources: flock, fcntl record and OFD locks and lockf on data files
 * are taken without blocking in the kernel; a lock held against the caller makes it wait for the
 * scheduler's grant after a release instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "shim/shim.h"

struct held_lock locks[MAX_LOCKS];

/* ---------------------------------------------------------------- locks as scheduler resources */

uint64_t lock_id(int fd, int type) {
  uint64_t h = 1469598103934665603ull;
  uint64_t parts[3] = {(uint64_t)fd_dev[fd], (uint64_t)fd_ino[fd], (uint64_t)(type == LK_FLOCK)};
  for (int i = 0; i < 3; ++i) {
    h ^= parts[i];
    h *= 1099511628211ull;
  }
  return h | 1;
}

struct held_lock* find_lock(uint64_t id, int fd, int type) {
  for (int i = 0; i < MAX_LOCKS; ++i) {
    struct held_lock* l = &locks[i];
    if (l->used && l->id == id && l->type == type && (type == LK_POSIX || l->fd == fd)) return l;
  }
  return NULL;
}

static void post_lock_event(int event, uint64_t id, const char* label, const char* name) {
  char text[IL_LABEL_CAPACITY];
  snprintf(text, sizeof text, "%s %s", label, name);
  post(event, IL_KIND_FILE_LOCK, "file-lock", text, name, IL_WRITE, id, 0);
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

/* Takes a lock under control, never blocking in the kernel. The kernel's own lock table decides
 * who may hold what at once (shared and exclusive modes, byte ranges, one open file description or
 * another), as it does uncontrolled; the scheduler decides when each attempt is made. `attempt`
 * tries without blocking (returns 0, or -1 with errno). The attempt is a step of its own; refused,
 * a blocking call waits (IL_EVENT_WAIT) until a lock of the file is released, then tries again.
 * Non-blocking: one step, one attempt. */
static int controlled_lock(int fd, int type, int blocking, const char* label,
                           int (*attempt)(int fd, void* arg), void* arg) {
  const uint64_t id = lock_id(fd, type);
  int rc;
  post_step(label, IL_KIND_FILE_LOCK, fd_name[fd], IL_WRITE);
  for (;;) {
    rc = attempt(fd, arg);
    if (rc == 0) {
      hold_lock(id, fd, type);
      return 0;
    }
    if (!blocking || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EACCES)) return rc;
    post_lock_event(IL_EVENT_WAIT, id, label, fd_name[fd]);
  }
}

/* Posts the release of (part of) the locks `fd` holds on its file (the caller then releases them in
 * the kernel): the actors waiting for a lock of the file try again after it. `whole`: nothing
 * stays held, so the lock is forgotten; else it is kept, to be released at close or exit. */
static void release_step(int fd, int type, const char* label, int whole) {
  const uint64_t id = lock_id(fd, type);
  struct held_lock* l = find_lock(id, fd, type);
  if (l != NULL && whole) forget_lock(l);
  post_lock_event(IL_EVENT_RELEASE, id, label, fd_name[fd]);
}

/* Posts the release of a held lock (the caller then releases it in the kernel). */
void controlled_release(struct held_lock* l, const char* label) {
  char name[IL_NAME_CAPACITY];
  il_copy(name, sizeof name, l->name);
  forget_lock(l);
  post_lock_event(IL_EVENT_RELEASE, l->id, label, name);
}

void kernel_unlock(const struct held_lock* l) {
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

/* ------------------------------------------------------------------------------- file locks */

static int flock_attempt(int fd, void* arg) {
  REAL(int, flock, int, int);
  return real_flock(fd, *(int*)arg | LOCK_NB);
}

int flock(int fd, int op) {
  REAL(int, flock, int, int);
  if (!data_fd(fd, "flock")) return real_flock(fd, op);
  if (op & LOCK_UN) {
    release_step(fd, LK_FLOCK, "flock LOCK_UN", 1);
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
    /* Unlocking a range may leave other ranges held: only the whole file forgets the lock. */
    release_step(fd, type, "fcntl F_UNLCK",
                 fl->l_whence == SEEK_SET && fl->l_start == 0 && fl->l_len == 0);
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
