/* Blocking reads between a worker's threads: pipes, sockets, eventfds (anything but a data file).
 *
 * While the worker has more than one thread, a read that would block (a descriptor without
 * O_NONBLOCK with nothing to read, as poll says) does not block in the kernel, where it would hold
 * the baton and stop every other thread: it is a wait on the worker's "io" object. A write, send
 * or close by a thread of the worker (of any descriptor but a data file's) wakes it, and it probes
 * again. If no other actor can run, the wait ends (a decision, recorded in the token) and the read
 * is left to the kernel, so what comes from outside the worker (a child's output, the network, a
 * terminal) arrives as it would: as the last thing, after everything the threads could do.
 *
 * The read itself is a decision point touching "io" (read); a write or close touches it (write)
 * and wakes its readers, with no decision of its own. A blocking accept waits for a connect, as a
 * read for a write. A write or send that would block (a full pipe or socket buffer) waits likewise
 * for a read, which then wakes it; a write larger than the room poll reports may still block in
 * the kernel. One object for all descriptors: coarse (a write on one pipe wakes the readers of
 * another, which probe and wait again), never wrong. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim/shim.h"

/* Writes and closes by the worker's threads so far: a wait that ends with this unchanged ended as
 * a timeout (no other actor could run), not by a wake. */
static unsigned writes;

static uint64_t io_id(void) {
  return (1ull << 61) | ((uint64_t)(worker < 0 ? 0 : worker) << 40) | 1u;
}

int channel(int fd) {
  struct stat st;
  if (fd < 0 || fd >= MAX_FDS || fd_kind[fd] != FD_NONE || live_threads < 2) return 0;
  if (syscall(SYS_fstat, fd, &st) != 0) return 0;
  return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* Whether a read (POLLIN) or a write (POLLOUT) of `fd` would block now: open without O_NONBLOCK,
 * and poll says nothing to read (and no hang-up), or no room. */
static int would_block(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  const struct timespec now = {0, 0};
  const long flags = syscall(SYS_fcntl, fd, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK)) return 0;
  return syscall(SYS_ppoll, &p, 1, &now, NULL, 0) == 0;
}

int channel_wait(const char* label, int timed) {
  const unsigned before = writes;
  post(IL_EVENT_WAIT, IL_KIND_LOCK, "lock", label, "io", IL_READ, io_id(),
       POST_TIMED | POST_KEEP_LAST | (timed ? 0 : POST_UNTIL_STUCK));
  return writes != before;
}

int channel_deciding(const char* call) {
  char label[IL_LABEL_CAPACITY];
  if (live_threads < 2 || !controlled_call(call, NULL)) return 0;
  snprintf(label, sizeof label, "%s", call);
  post(IL_EVENT_YIELD, IL_KIND_LOCK, "lock", label, "io", IL_READ, 0, 0);
  return 1;
}

/* Threads waiting for room to write: a read then wakes them. */
static int writers_waiting;

void channel_before_write(int fd, const char* call) {
  char label[IL_LABEL_CAPACITY];
  if (!channel(fd) || !controlled_call(call, NULL) || !would_block(fd, POLLOUT)) return;
  snprintf(label, sizeof label, "%s fd %d (waits for room)", call, fd);
  ++writers_waiting;
  while (would_block(fd, POLLOUT)) {
    if (!channel_wait(label, 0)) break; /* nothing else could run: the kernel decides */
  }
  --writers_waiting;
}

void channel_before_read(int fd, const char* call) {
  char label[IL_LABEL_CAPACITY];
  if (!channel(fd) || !controlled_call(call, NULL)) return;
  snprintf(label, sizeof label, "%s fd %d", call, fd);
  post(IL_EVENT_YIELD, IL_KIND_LOCK, "lock", label, "io", IL_READ, 0, 0);
  snprintf(label, sizeof label, "%s fd %d (waits)", call, fd);
  while (would_block(fd, POLLIN)) {
    if (!channel_wait(label, 0)) return; /* nothing else could run: the kernel decides */
  }
}

void channel_wake(void) {
  if (!controlled_call("write", NULL)) return;
  ++writes;
  if (!touch_last_step("io", IL_WRITE, io_id())) {
    post(IL_EVENT_RELEASE, IL_KIND_LOCK, "lock", "io written", "io", IL_WRITE, io_id(), 0);
  }
}

void channel_written(int fd) {
  if (channel(fd)) channel_wake();
}

ssize_t channel_after_read(int fd, ssize_t rc) {
  if (rc > 0 && writers_waiting > 0) {
    const int saved = errno;
    if (channel(fd)) channel_wake();
    errno = saved;
  }
  return rc;
}

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  REAL(ssize_t, recv, int, void*, size_t, int);
  if (!(flags & MSG_DONTWAIT)) channel_before_read(fd, "recv");
  return channel_after_read(fd, real_recv(fd, buf, n, flags));
}

ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* from, socklen_t* len) {
  REAL(ssize_t, recvfrom, int, void*, size_t, int, struct sockaddr*, socklen_t*);
  if (!(flags & MSG_DONTWAIT)) channel_before_read(fd, "recvfrom");
  return channel_after_read(fd, real_recvfrom(fd, buf, n, flags, from, len));
}

ssize_t recvmsg(int fd, struct msghdr* message, int flags) {
  REAL(ssize_t, recvmsg, int, struct msghdr*, int);
  if (!(flags & MSG_DONTWAIT)) channel_before_read(fd, "recvmsg");
  return channel_after_read(fd, real_recvmsg(fd, message, flags));
}

/* accept(2) and accept4(2): a blocking accept waits for another thread's connect, as a read does
 * for a write. */
int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  REAL(int, accept, int, struct sockaddr*, socklen_t*);
  channel_before_read(fd, "accept");
  return real_accept(fd, addr, len);
}

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  REAL(int, accept4, int, struct sockaddr*, socklen_t*, int);
  channel_before_read(fd, "accept");
  return real_accept4(fd, addr, len, flags);
}

/* connect(2): a listener of the worker may accept now. */
int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  REAL(int, connect, int, const struct sockaddr*, socklen_t);
  const int rc = real_connect(fd, addr, len);
  const int saved = errno;
  if (rc == 0 || saved == EINPROGRESS) channel_written(fd);
  errno = saved;
  return rc;
}

ssize_t channel_after_write(int fd, ssize_t rc) {
  if (rc >= 0) {
    const int saved = errno;
    channel_written(fd);
    errno = saved;
  }
  return rc;
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  REAL(ssize_t, send, int, const void*, size_t, int);
  if (!(flags & MSG_DONTWAIT)) channel_before_write(fd, "send");
  return channel_after_write(fd, real_send(fd, buf, n, flags));
}

ssize_t sendto(int fd, const void* buf, size_t n, int flags, const struct sockaddr* to,
               socklen_t len) {
  REAL(ssize_t, sendto, int, const void*, size_t, int, const struct sockaddr*, socklen_t);
  if (!(flags & MSG_DONTWAIT)) channel_before_write(fd, "sendto");
  return channel_after_write(fd, real_sendto(fd, buf, n, flags, to, len));
}

ssize_t sendmsg(int fd, const struct msghdr* message, int flags) {
  REAL(ssize_t, sendmsg, int, const struct msghdr*, int);
  if (!(flags & MSG_DONTWAIT)) channel_before_write(fd, "sendmsg");
  return channel_after_write(fd, real_sendmsg(fd, message, flags));
}

/* epoll_wait(2) and epoll_pwait(2) while the worker has threads: a decision, then, with nothing
 * ready, a wait for another thread's write (a timeout, with one given, is a decision; with none,
 * the wait ends only when no other actor can run, and the kernel decides). */
static int epoll_controlled(int epfd, struct epoll_event* events, int max, int timeout,
                            const sigset_t* mask, int with_mask) {
  REAL(int, epoll_pwait, int, struct epoll_event*, int, int, const sigset_t*);
  int rc;
  if (timeout == 0 || !channel_deciding("epoll_wait")) {
    return real_epoll_pwait(epfd, events, max, timeout, with_mask ? mask : NULL);
  }
  for (;;) {
    rc = real_epoll_pwait(epfd, events, max, 0, with_mask ? mask : NULL);
    if (rc != 0) return rc;
    if (!channel_wait("epoll_wait (waits)", timeout > 0)) {
      return timeout > 0 ? 0
                         : real_epoll_pwait(epfd, events, max, timeout, with_mask ? mask : NULL);
    }
  }
}

int epoll_wait(int epfd, struct epoll_event* events, int max, int timeout) {
  return epoll_controlled(epfd, events, max, timeout, NULL, 0);
}

int epoll_pwait(int epfd, struct epoll_event* events, int max, int timeout, const sigset_t* mask) {
  return epoll_controlled(epfd, events, max, timeout, mask, 1);
}
