/* Workers for programs/sync_test.cc: each mode (argv[1]) checks the C library's documented
 * semantics of a few synchronization calls between the threads of one process, so that the same
 * program run under `interleave run` (the shim models each call: shim/sync.c) and run plainly (the
 * C library's own calls) must agree. Only the main thread checks; the threads leave what they saw
 * in globals, read after they were joined.
 *
 * Exit status: 0 every check held; 1 a check failed (stderr names the call, what it returned and
 * what was expected); 2 unknown mode; 3 a call the mode needs to start failed. A mode whose result
 * depends on the schedule (a timed wait woken or timed out) prints "outcome <what>" on stdout for
 * the test to count, and accepts either. Deadlines are a few milliseconds ahead: run plainly a
 * timed wait ends quickly, under the shim the deadline is not looked at (virtual time).
 *
 *   trylock           trylock of a held normal mutex: EBUSY for its owner and for another thread;
 *                     0 once it is unlocked
 *   timedlock         another thread's pthread_mutex_timedlock while the main thread holds the
 *                     mutex across a step: "outcome 0" or "outcome ETIMEDOUT" (threads: 2)
 *   clocklock         the same with pthread_mutex_clocklock (CLOCK_MONOTONIC)
 *   errorcheck        PTHREAD_MUTEX_ERRORCHECK: relock and timedlock by the owner EDEADLK, trylock
 * by the owner EBUSY; unlock by another thread EPERM (and the mutex stays held); unlock of an
 * unlocked one EPERM recursive         PTHREAD_MUTEX_RECURSIVE locked twice by its owner: after one
 * unlock another thread's trylock is EBUSY and its lock waits; after the second it takes it
 *   normal-relock     a normal mutex locked twice by its owner (a self-deadlock: never returns)
 *   cond-timedwait    a thread in pthread_cond_timedwait, signalled by the main thread once it
 *                     waits: "outcome 0" or "outcome ETIMEDOUT"
 *   signal-lost-timed a thread signals a condition variable nobody waits on; after joining it,
 *                     the main thread's pthread_cond_timedwait on it must time out
 *   signal-lost       the same with pthread_cond_wait (never returns: nothing else signals)
 *   broadcast         two threads wait on one condition variable; one pthread_cond_broadcast
 *                     wakes both (threads: 3)
 *   sem-trywait       sem_trywait of a zero semaphore: -1 with EAGAIN; 0 after a sem_post
 *   sem-timedwait     a thread in sem_timedwait on a zero semaphore the main thread posts after a
 *                     step: "outcome 0" or "outcome ETIMEDOUT"
 *   sem-clockwait     the same with sem_clockwait (CLOCK_MONOTONIC)
 *   rwlock            two readers hold at once (a writer's trywrlock is EBUSY meanwhile); a writer
 *                     excludes: tryrdlock and trywrlock EBUSY, a rdlock waits for its unlock
 *   rwlock-relock     the writer of a rwlock: wrlock, rdlock and their timed forms EDEADLK,
 *                     tryrdlock and trywrlock EBUSY
 *   barrier           three threads at a barrier of three: none passes before all arrived, exactly
 *                     one is PTHREAD_BARRIER_SERIAL_THREAD (threads: 3)
 *   cond-if           the main thread waits for another thread's signal with an `if` around
 *                     pthread_cond_wait (fails only if the wait ends with no signal)
 *   poll-kinds        the main thread waits in poll, ppoll, select, pselect and epoll_wait in
 *                     turn, with no timeout, for a byte another thread writes
 *   accept            the main thread's blocking accept of a connection another thread makes
 *   full-pipe         the main thread's blocking write to a full pipe that another thread drains
 *   stdio-lock        the main thread holds stdout's lock (flockfile) and waits on a semaphore that
 *                     another thread posts after an fputs to stdout: that thread blocks in a lock
 *                     the shim does not model (never returns) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

/* The name of an error number ("EBUSY"), "0" for none. */
static const char* name_of(int err) {
  const char* name;
  if (err == 0) return "0";
  name = strerrorname_np(err);
  return name != NULL ? name : "an unknown error";
}

/* Checks that `what` returned `want` (0 or an error number). */
static void expect(const char* what, int got, int want) {
  if (got == want) return;
  dprintf(2, "%s returned %s, expected %s\n", what, name_of(got), name_of(want));
  ++failures;
}

static void expect_true(const char* what, int holds) {
  if (holds) return;
  dprintf(2, "%s does not hold\n", what);
  ++failures;
}

/* A call that returns -1 and sets errno (sem_*): its error number, or 0. */
static int errno_of(int rc) { return rc == 0 ? 0 : errno; }

/* `ms` milliseconds from now on `clock`. */
static struct timespec in_ms(clockid_t clock, int ms) {
  struct timespec t;
  clock_gettime(clock, &t);
  t.tv_nsec += (long)ms * 1000000;
  t.tv_sec += t.tv_nsec / 1000000000;
  t.tv_nsec %= 1000000000;
  return t;
}

static void outcome(int err) { dprintf(1, "outcome %s\n", name_of(err)); }

static void init_mutex(pthread_mutex_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, type);
  pthread_mutex_init(m, &a);
  pthread_mutexattr_destroy(&a);
}

/* Runs `body` on `n` threads and joins them; 0, or 3 when one cannot be created. */
static int run_threads(int n, void* (*body)(void*)) {
  pthread_t t[4];
  for (int i = 0; i < n; ++i) {
    if (pthread_create(&t[i], NULL, body, NULL) != 0) return 3;
  }
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  return 0;
}

static pthread_mutex_t mutex;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t barrier;
static sem_t sem[5];
static int seen[4];     /* what the threads saw, an error number per check */
static int flag, count; /* guarded by `mutex`, or read after a join */
static const char* mode;

/* ------------------------------------------------------------------------------ mutexes */

static void* trylock_thread(void* arg) {
  seen[0] = pthread_mutex_trylock(&mutex);
  return arg;
}

static int trylock_mode(void) {
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  expect("pthread_mutex_lock", pthread_mutex_lock(&mutex), 0);
  expect("pthread_mutex_trylock by the owner", pthread_mutex_trylock(&mutex), EBUSY);
  if (run_threads(1, trylock_thread) != 0) return 3;
  expect("pthread_mutex_trylock by another thread", seen[0], EBUSY);
  expect("pthread_mutex_unlock", pthread_mutex_unlock(&mutex), 0);
  expect("pthread_mutex_trylock of an unlocked mutex", pthread_mutex_trylock(&mutex), 0);
  return 0;
}

static void* timedlock_thread(void* arg) {
  if (strcmp(mode, "timedlock") == 0) {
    const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
    seen[0] = pthread_mutex_timedlock(&mutex, &deadline);
  } else {
    const struct timespec deadline = in_ms(CLOCK_MONOTONIC, 20);
    seen[0] = pthread_mutex_clocklock(&mutex, CLOCK_MONOTONIC, &deadline);
  }
  if (seen[0] == 0) pthread_mutex_unlock(&mutex);
  return arg;
}

/* The main thread holds the mutex across a step (sched_yield) and then releases it: the other
 * thread's timed lock either times out while it is held or takes it after. */
static int timedlock_mode(void) {
  pthread_t t;
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  pthread_mutex_lock(&mutex);
  if (pthread_create(&t, NULL, timedlock_thread, NULL) != 0) return 3;
  sched_yield();
  pthread_mutex_unlock(&mutex);
  pthread_join(t, NULL);
  if (seen[0] != 0 && seen[0] != ETIMEDOUT) expect(mode, seen[0], ETIMEDOUT);
  outcome(seen[0]);
  return 0;
}

static void* errorcheck_thread(void* arg) {
  seen[0] = pthread_mutex_unlock(&mutex);
  seen[1] = pthread_mutex_trylock(&mutex);
  return arg;
}

static int errorcheck_mode(void) {
  const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
  init_mutex(&mutex, PTHREAD_MUTEX_ERRORCHECK);
  expect("pthread_mutex_lock", pthread_mutex_lock(&mutex), 0);
  expect("pthread_mutex_lock by the owner", pthread_mutex_lock(&mutex), EDEADLK);
  expect("pthread_mutex_timedlock by the owner", pthread_mutex_timedlock(&mutex, &deadline),
         EDEADLK);
  expect("pthread_mutex_trylock by the owner", pthread_mutex_trylock(&mutex), EBUSY);
  if (run_threads(1, errorcheck_thread) != 0) return 3;
  expect("pthread_mutex_unlock by another thread", seen[0], EPERM);
  expect("pthread_mutex_trylock by another thread after its unlock", seen[1], EBUSY);
  expect("pthread_mutex_unlock by the owner", pthread_mutex_unlock(&mutex), 0);
  expect("pthread_mutex_unlock of an unlocked mutex", pthread_mutex_unlock(&mutex), EPERM);
  return 0;
}

static void* recursive_thread(void* arg) {
  sem_wait(&sem[0]); /* the owner unlocked once */
  seen[0] = pthread_mutex_trylock(&mutex);
  sem_post(&sem[1]);
  seen[1] = pthread_mutex_lock(&mutex);
  __atomic_store_n(&flag, 1, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock(&mutex);
  return arg;
}

static int recursive_mode(void) {
  pthread_t t;
  init_mutex(&mutex, PTHREAD_MUTEX_RECURSIVE);
  sem_init(&sem[0], 0, 0);
  sem_init(&sem[1], 0, 0);
  expect("pthread_mutex_lock", pthread_mutex_lock(&mutex), 0);
  expect("pthread_mutex_lock by the owner", pthread_mutex_lock(&mutex), 0);
  if (pthread_create(&t, NULL, recursive_thread, NULL) != 0) return 3;
  expect("the first pthread_mutex_unlock", pthread_mutex_unlock(&mutex), 0);
  sem_post(&sem[0]);
  sem_wait(&sem[1]); /* the other thread's trylock was refused; its lock waits */
  sched_yield();
  sched_yield();
  expect_true("after one of two unlocks, another thread's lock still waits",
              __atomic_load_n(&flag, __ATOMIC_SEQ_CST) == 0);
  expect("the second pthread_mutex_unlock", pthread_mutex_unlock(&mutex), 0);
  pthread_join(t, NULL);
  expect("pthread_mutex_trylock by another thread after one of two unlocks", seen[0], EBUSY);
  expect("pthread_mutex_lock by another thread after both unlocks", seen[1], 0);
  expect_true("after both unlocks, another thread took the mutex", flag == 1);
  expect("pthread_mutex_unlock of an unlocked mutex", pthread_mutex_unlock(&mutex), EPERM);
  return 0;
}

static int normal_relock_mode(void) {
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  pthread_mutex_lock(&mutex);
  pthread_mutex_lock(&mutex);
  dprintf(2, "a normal mutex locked twice by its owner returned\n");
  return 1;
}

/* ------------------------------------------------------------------ condition variables */

static void* cond_timedwait_thread(void* arg) {
  const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
  pthread_mutex_lock(&mutex);
  flag = 1;
  pthread_cond_signal(&ready);
  seen[0] = pthread_cond_timedwait(&cond, &mutex, &deadline);
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* The main thread signals once the other thread waits (it saw `flag` under the mutex, which the
 * other thread released only by waiting): the wait is woken, or timed out before the signal. */
static int cond_timedwait_mode(void) {
  pthread_t t;
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  if (pthread_create(&t, NULL, cond_timedwait_thread, NULL) != 0) return 3;
  pthread_mutex_lock(&mutex);
  while (!flag) pthread_cond_wait(&ready, &mutex);
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&mutex);
  pthread_join(t, NULL);
  if (seen[0] != 0 && seen[0] != ETIMEDOUT) expect(mode, seen[0], ETIMEDOUT);
  outcome(seen[0]);
  return 0;
}

static void* signal_thread(void* arg) {
  pthread_mutex_lock(&mutex);
  seen[0] = pthread_cond_signal(&cond);
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* A signal sent while nobody waits wakes nobody later. */
static int signal_lost(int timed) {
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  if (run_threads(1, signal_thread) != 0) return 3;
  expect("pthread_cond_signal", seen[0], 0);
  pthread_mutex_lock(&mutex);
  if (timed) {
    const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
    expect("pthread_cond_timedwait after a signal nobody waited for",
           pthread_cond_timedwait(&cond, &mutex, &deadline), ETIMEDOUT);
  } else {
    pthread_cond_wait(&cond, &mutex);
    dprintf(2, "pthread_cond_wait returned after a signal nobody waited for\n");
    ++failures;
  }
  pthread_mutex_unlock(&mutex);
  return 0;
}

static int signal_lost_timed_mode(void) { return signal_lost(1); }
static int signal_lost_untimed_mode(void) { return signal_lost(0); }

static void* broadcast_thread(void* arg) {
  pthread_mutex_lock(&mutex);
  ++count;
  pthread_cond_signal(&ready);
  while (!flag) pthread_cond_wait(&cond, &mutex);
  ++seen[0];
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* Both threads wait before the broadcast (`count` is raised under the mutex they release only by
 * waiting); nothing but the one broadcast wakes them. */
static int broadcast_mode(void) {
  pthread_t t[2];
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  for (int i = 0; i < 2; ++i) {
    if (pthread_create(&t[i], NULL, broadcast_thread, NULL) != 0) return 3;
  }
  pthread_mutex_lock(&mutex);
  while (count < 2) pthread_cond_wait(&ready, &mutex);
  flag = 1;
  expect("pthread_cond_broadcast", pthread_cond_broadcast(&cond), 0);
  pthread_mutex_unlock(&mutex);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  expect_true("one broadcast woke both waiters", seen[0] == 2);
  return 0;
}

/* Thread `arg` (1 or 2) waits on `cond` for its turn; `flag` is the turn. */
static void* turn_thread(void* arg) {
  const int me = (int)(intptr_t)arg;
  pthread_mutex_lock(&mutex);
  ++count;
  pthread_cond_signal(&ready);
  while (flag != me) pthread_cond_wait(&cond, &mutex);
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* Two threads wait on one condition variable for different turns, and the main thread gives the
 * first turn with pthread_cond_signal (the bug: a broadcast is needed). When the signal wakes the
 * second thread, it waits again, the first is never woken, and joining it is a deadlock; when it
 * wakes the first, all ends. Which waiter a signal wakes is the scheduler's choice. */
static int signal_one_of_two_mode(void) {
  pthread_t t[2];
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  for (int i = 0; i < 2; ++i) {
    if (pthread_create(&t[i], NULL, turn_thread, (void*)(intptr_t)(i + 1)) != 0) return 3;
  }
  for (int turn = 1; turn <= 2; ++turn) {
    pthread_mutex_lock(&mutex);
    while (count < 2) pthread_cond_wait(&ready, &mutex);
    flag = turn;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&mutex);
    pthread_join(t[turn - 1], NULL);
  }
  return 0;
}

/* Waits on `cond` with timeouts, nobody signalling it, and sets `flag` after its third. */
static void* timing_out_thread(void* arg) {
  pthread_mutex_lock(&mutex);
  for (int timeouts = 0; timeouts < 3;) {
    const struct timespec deadline = in_ms(CLOCK_REALTIME, 5);
    if (pthread_cond_timedwait(&cond, &mutex, &deadline) == ETIMEDOUT) ++timeouts;
  }
  flag = 1;
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* The main thread's timed wait times out (nobody posts), then it spins with sched_yield until the
 * other thread, which only times out, is done: time must pass for that thread while this one
 * spins, in every schedule, or the spin would be a livelock the program does not have. */
static int spin_after_timeout_mode(void) {
  pthread_t t;
  int done = 0;
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  sem_init(&sem[0], 0, 0);
  if (pthread_create(&t, NULL, timing_out_thread, NULL) != 0) return 3;
  const struct timespec deadline = in_ms(CLOCK_REALTIME, 5);
  expect("sem_timedwait with no post", errno_of(sem_timedwait(&sem[0], &deadline)), ETIMEDOUT);
  while (!done) {
    sched_yield();
    pthread_mutex_lock(&mutex);
    done = flag;
    pthread_mutex_unlock(&mutex);
  }
  pthread_join(t, NULL);
  return 0;
}

/* ------------------------------------------------------------------ blocking reads (channels) */

static int pipes[2][2];

static void* eventfd_thread(void* arg) {
  uint64_t value = 0;
  char byte;
  if (read(pipes[0][0], &value, sizeof value) != sizeof value) return (void*)1;
  byte = (char)value;
  if (send(pipes[0][1], &byte, 1, 0) != 1) return (void*)1;
  return arg;
}

static void* waiter_thread(void* arg) {
  sem_wait(&sem[0]);
  return arg;
}

/* Thread 1's side of the ping-pong: reads a byte from pipe 0, answers on pipe 1, twice. */
static void* pong_thread(void* arg) {
  char byte;
  for (int i = 0; i < 2; ++i) {
    if (read(pipes[0][0], &byte, 1) != 1) return (void*)1;
    if (write(pipes[1][1], &byte, 1) != 1) return (void*)1;
  }
  return arg;
}

/* Two threads hand a byte back and forth over two pipes with blocking reads: the reader that
 * runs first must not block in the kernel with the baton (the other thread could never write). */
static int pipe_pingpong_mode(void) {
  pthread_t t;
  void* result;
  char byte = 'x';
  if (pipe(pipes[0]) != 0 || pipe(pipes[1]) != 0) return 3;
  if (pthread_create(&t, NULL, pong_thread, NULL) != 0) return 3;
  for (int i = 0; i < 2; ++i) {
    expect("write to pipe 0", (int)write(pipes[0][1], &byte, 1), 1);
    expect("read from pipe 1", (int)read(pipes[1][0], &byte, 1), 1);
  }
  pthread_join(t, &result);
  expect_true("the other thread read and answered both", result == NULL);
  return 0;
}

/* A thread waits on an eventfd that another thread writes; a socketpair carries the answer. */
static int eventfd_socket_mode(void) {
  pthread_t t;
  int sv[2];
  uint64_t value = 0;
  char byte = 0;
  const int efd = eventfd(0, 0);
  if (efd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 3;
  pipes[0][0] = efd;
  pipes[0][1] = sv[1];
  if (pthread_create(&t, NULL, eventfd_thread, NULL) != 0) return 3;
  value = 2;
  expect("eventfd write", (int)write(efd, &value, sizeof value), (int)sizeof value);
  expect("recv of the answer", (int)recv(sv[0], &byte, 1, 0), 1);
  expect_true("the answer is what the eventfd held", byte == 2);
  pthread_join(t, NULL);
  return 0;
}

/* Waits until pipe 0 is readable through `how` (poll, select or epoll), with no timeout. */
static int wait_readable(const char* how) {
  const int fd = pipes[0][0];
  if (strcmp(how, "poll") == 0) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, -1) == 1 && (p.revents & POLLIN);
  }
  if (strcmp(how, "ppoll") == 0) {
    struct pollfd p = {fd, POLLIN, 0};
    sigset_t none;
    sigemptyset(&none);
    return ppoll(&p, 1, NULL, &none) == 1 && (p.revents & POLLIN);
  }
  if (strcmp(how, "select") == 0 || strcmp(how, "pselect") == 0) {
    fd_set r;
    sigset_t none;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    sigemptyset(&none);
    return (how[0] == 's' ? select(fd + 1, &r, NULL, NULL, NULL)
                          : pselect(fd + 1, &r, NULL, NULL, NULL, &none)) == 1 &&
           FD_ISSET(fd, &r);
  }
  const int ep = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = fd}, out;
  const int ok = ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event) == 0 &&
                 epoll_wait(ep, &out, 1, -1) == 1 && out.data.fd == fd;
  close(ep);
  return ok;
}

static void* writer_thread(void* arg) {
  (void)!write(pipes[0][1], "w", 1);
  return arg;
}

/* The main thread waits, with no timeout, in poll, select and epoll_wait in turn for a byte that
 * another thread writes: the wait must let the writer run (blocking in the kernel would not). */
static int poll_kinds_mode(void) {
  static const char* const kinds[] = {"poll", "ppoll", "select", "pselect", "epoll"};
  char byte;
  if (pipe(pipes[0]) != 0) return 3;
  for (int i = 0; i < 5; ++i) {
    pthread_t t;
    if (pthread_create(&t, NULL, writer_thread, NULL) != 0) return 3;
    expect_true(kinds[i], wait_readable(kinds[i]));
    expect("read of the byte", (int)read(pipes[0][0], &byte, 1), 1);
    pthread_join(t, NULL);
  }
  return 0;
}

static int listener = -1;
static char socket_path[108];

static void* connect_thread(void* arg) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  strcpy(addr.sun_path, socket_path);
  if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) return (void*)1;
  (void)!write(fd, "c", 1);
  close(fd);
  return arg;
}

/* The main thread accepts, blocking, a connection another thread makes to a Unix socket: the
 * accept must let the connecting thread run. */
static int accept_mode(void) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  pthread_t t;
  void* failed;
  char byte = 0;
  int conn;
  snprintf(socket_path, sizeof socket_path, "/tmp/interleave-accept-%d", (int)getpid());
  unlink(socket_path);
  strcpy(addr.sun_path, socket_path);
  listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 ||
      listen(listener, 4) != 0) {
    return 3;
  }
  if (pthread_create(&t, NULL, connect_thread, NULL) != 0) return 3;
  conn = accept(listener, NULL, NULL);
  expect_true("accept returned a connection", conn >= 0);
  expect("read from the connection", (int)read(conn, &byte, 1), 1);
  expect_true("the byte is the connector's", byte == 'c');
  pthread_join(t, &failed);
  expect_true("the connector connected", failed == NULL);
  close(conn);
  close(listener);
  unlink(socket_path);
  return 0;
}

static void* drain_thread(void* arg) {
  char buf[4096];
  size_t total = 0;
  ssize_t n;
  while (total < (size_t)(uintptr_t)arg && (n = read(pipes[0][0], buf, sizeof buf)) > 0) {
    total += (size_t)n;
  }
  return (void*)(uintptr_t)total;
}

/* The main thread fills a pipe and writes one more byte, blocking, while another thread reads it
 * all: the write must let the reader run. */
static int full_pipe_mode(void) {
  static char block[4096];
  pthread_t t;
  void* read_total;
  size_t total = 0;
  int flags;
  if (pipe(pipes[0]) != 0) return 3;
  /* Fill it without blocking, then block on the byte after. */
  flags = fcntl(pipes[0][1], F_GETFL);
  fcntl(pipes[0][1], F_SETFL, flags | O_NONBLOCK);
  for (ssize_t n; (n = write(pipes[0][1], block, sizeof block)) > 0;) total += (size_t)n;
  fcntl(pipes[0][1], F_SETFL, flags);
  if (pthread_create(&t, NULL, drain_thread, (void*)(uintptr_t)(total + 1)) != 0) return 3;
  expect("the write to the full pipe", (int)write(pipes[0][1], "x", 1), 1);
  pthread_join(t, &read_total);
  expect_true("the reader read everything", (size_t)(uintptr_t)read_total == total + 1);
  return 0;
}

static int handed;

static void* hand_over_thread(void* arg) {
  pthread_mutex_lock(&mutex);
  handed = 1;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&mutex);
  return arg;
}

/* The main thread waits for another thread's handover with an `if` around pthread_cond_wait, not a
 * `while`: right unless the wait can end with no signal (a spurious wakeup). */
static int cond_if_mode(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, hand_over_thread, NULL) != 0) return 3;
  pthread_mutex_lock(&mutex);
  if (!handed) pthread_cond_wait(&cond, &mutex);
  expect_true("the handover came before the wait ended", handed);
  pthread_mutex_unlock(&mutex);
  pthread_join(t, NULL);
  return 0;
}

/* Writes to pipe 0 after three timed waits on `cond`, which nobody signals, have timed out. */
static void* late_writer_thread(void* arg) {
  pthread_mutex_lock(&mutex);
  for (int i = 0; i < 3; ++i) {
    const struct timespec deadline = in_ms(CLOCK_REALTIME, 5);
    seen[i] = pthread_cond_timedwait(&cond, &mutex, &deadline);
  }
  pthread_mutex_unlock(&mutex);
  (void)!write(pipes[0][1], "w", 1);
  return arg;
}

/* The main thread reads a byte that the other thread writes only after its timed wait times out:
 * while both wait, the timeout must come first (a read left to the kernel then would block with
 * the baton, and the writer could never run). */
static int pipe_after_timeout_mode(void) {
  pthread_t t;
  char byte;
  init_mutex(&mutex, PTHREAD_MUTEX_NORMAL);
  if (pipe(pipes[0]) != 0) return 3;
  if (pthread_create(&t, NULL, late_writer_thread, NULL) != 0) return 3;
  expect("read of the late byte", (int)read(pipes[0][0], &byte, 1), 1);
  pthread_join(t, NULL);
  for (int i = 0; i < 3; ++i) expect("the writer's wait", seen[i], ETIMEDOUT);
  return 0;
}

/* A thread reads what a child process writes to a pipe later, while another thread exists: the
 * read waits while the threads can run, then is left to the kernel, where the child's byte comes.
 */
static int pipe_from_child_mode(void) {
  pthread_t t;
  char byte = 0;
  pid_t child;
  sem_init(&sem[0], 0, 0);
  if (pipe(pipes[0]) != 0) return 3;
  if (pthread_create(&t, NULL, waiter_thread, NULL) != 0) return 3;
  child = fork();
  if (child == 0) {
    usleep(1000);
    (void)!write(pipes[0][1], "c", 1);
    _exit(0);
  }
  if (child < 0) return 3;
  expect("read of the child's byte", (int)read(pipes[0][0], &byte, 1), 1);
  expect_true("the child's byte", byte == 'c');
  sem_post(&sem[0]);
  pthread_join(t, NULL);
  waitpid(child, NULL, 0);
  return 0;
}

/* ----------------------------------------------------------------------------- semaphores */

static void* sem_trywait_thread(void* arg) {
  seen[0] = errno_of(sem_trywait(&sem[0]));
  sem_post(&sem[0]);
  return arg;
}

static int sem_try_mode(void) {
  sem_init(&sem[0], 0, 0);
  expect("sem_trywait of a zero semaphore", errno_of(sem_trywait(&sem[0])), EAGAIN);
  if (run_threads(1, sem_trywait_thread) != 0) return 3;
  expect("sem_trywait of a zero semaphore by another thread", seen[0], EAGAIN);
  expect("sem_trywait after a sem_post", errno_of(sem_trywait(&sem[0])), 0);
  expect("sem_trywait after it took the post", errno_of(sem_trywait(&sem[0])), EAGAIN);
  return 0;
}

static void* sem_timedwait_thread(void* arg) {
  if (strcmp(mode, "sem-timedwait") == 0) {
    const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
    seen[0] = errno_of(sem_timedwait(&sem[0], &deadline));
  } else {
    const struct timespec deadline = in_ms(CLOCK_MONOTONIC, 20);
    seen[0] = errno_of(sem_clockwait(&sem[0], CLOCK_MONOTONIC, &deadline));
  }
  return arg;
}

/* The main thread posts after a step: the other thread's timed wait takes the post, or times out
 * before it. */
static int sem_timed_mode(void) {
  pthread_t t;
  sem_init(&sem[0], 0, 0);
  if (pthread_create(&t, NULL, sem_timedwait_thread, NULL) != 0) return 3;
  sched_yield();
  sem_post(&sem[0]);
  pthread_join(t, NULL);
  if (seen[0] != 0 && seen[0] != ETIMEDOUT) expect(mode, seen[0], ETIMEDOUT);
  outcome(seen[0]);
  return 0;
}

/* ----------------------------------------------------------------------- reader-writer locks */

static void* rwlock_thread(void* arg) {
  /* Shared: the main thread holds a read lock. */
  sem_wait(&sem[0]);
  seen[0] = pthread_rwlock_rdlock(&rwlock);
  sem_post(&sem[1]);
  sem_wait(&sem[2]);
  pthread_rwlock_unlock(&rwlock);
  /* Exclusive: the main thread holds the write lock. */
  sem_wait(&sem[3]);
  seen[1] = pthread_rwlock_tryrdlock(&rwlock);
  seen[2] = pthread_rwlock_trywrlock(&rwlock);
  sem_post(&sem[4]);
  seen[3] = pthread_rwlock_rdlock(&rwlock);
  __atomic_store_n(&flag, 1, __ATOMIC_SEQ_CST);
  pthread_rwlock_unlock(&rwlock);
  return arg;
}

static int rwlock_mode(void) {
  pthread_t t;
  for (int i = 0; i < 5; ++i) sem_init(&sem[i], 0, 0);
  if (pthread_create(&t, NULL, rwlock_thread, NULL) != 0) return 3;
  expect("pthread_rwlock_rdlock", pthread_rwlock_rdlock(&rwlock), 0);
  sem_post(&sem[0]);
  sem_wait(&sem[1]); /* the other thread holds a read lock too, or its rdlock failed */
  expect("pthread_rwlock_trywrlock while two readers hold", pthread_rwlock_trywrlock(&rwlock),
         EBUSY);
  expect("pthread_rwlock_unlock", pthread_rwlock_unlock(&rwlock), 0);
  sem_post(&sem[2]);
  expect("pthread_rwlock_wrlock", pthread_rwlock_wrlock(&rwlock), 0);
  sem_post(&sem[3]);
  sem_wait(&sem[4]); /* the other thread tried, and now waits in rdlock */
  sched_yield();
  sched_yield();
  expect_true("a reader waits while the writer holds",
              __atomic_load_n(&flag, __ATOMIC_SEQ_CST) == 0);
  expect("pthread_rwlock_unlock of the write lock", pthread_rwlock_unlock(&rwlock), 0);
  pthread_join(t, NULL);
  expect("pthread_rwlock_rdlock while another reader holds", seen[0], 0);
  expect("pthread_rwlock_tryrdlock while a writer holds", seen[1], EBUSY);
  expect("pthread_rwlock_trywrlock while a writer holds", seen[2], EBUSY);
  expect("pthread_rwlock_rdlock after the writer's unlock", seen[3], 0);
  expect_true("the reader took the lock after the writer's unlock", flag == 1);
  return 0;
}

static int rwlock_relock_mode(void) {
  const struct timespec deadline = in_ms(CLOCK_REALTIME, 20);
  expect("pthread_rwlock_wrlock", pthread_rwlock_wrlock(&rwlock), 0);
  expect("pthread_rwlock_wrlock by the writer", pthread_rwlock_wrlock(&rwlock), EDEADLK);
  expect("pthread_rwlock_rdlock by the writer", pthread_rwlock_rdlock(&rwlock), EDEADLK);
  expect("pthread_rwlock_timedwrlock by the writer", pthread_rwlock_timedwrlock(&rwlock, &deadline),
         EDEADLK);
  expect("pthread_rwlock_timedrdlock by the writer", pthread_rwlock_timedrdlock(&rwlock, &deadline),
         EDEADLK);
  expect("pthread_rwlock_trywrlock by the writer", pthread_rwlock_trywrlock(&rwlock), EBUSY);
  expect("pthread_rwlock_tryrdlock by the writer", pthread_rwlock_tryrdlock(&rwlock), EBUSY);
  expect("pthread_rwlock_unlock", pthread_rwlock_unlock(&rwlock), 0);
  expect("pthread_rwlock_tryrdlock after the unlock", pthread_rwlock_tryrdlock(&rwlock), 0);
  return 0;
}

/* ------------------------------------------------------------------------------ barriers */

static void* barrier_thread(void* arg) {
  int rc;
  __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
  rc = pthread_barrier_wait(&barrier);
  if (__atomic_load_n(&count, __ATOMIC_SEQ_CST) != 3)
    __atomic_add_fetch(&seen[0], 1, __ATOMIC_SEQ_CST);
  if (rc == PTHREAD_BARRIER_SERIAL_THREAD) __atomic_add_fetch(&seen[1], 1, __ATOMIC_SEQ_CST);
  if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
    __atomic_add_fetch(&seen[2], 1, __ATOMIC_SEQ_CST);
  return arg;
}

static int barrier_mode(void) {
  pthread_t t[2];
  pthread_barrier_init(&barrier, NULL, 3);
  for (int i = 0; i < 2; ++i) {
    if (pthread_create(&t[i], NULL, barrier_thread, NULL) != 0) return 3;
  }
  barrier_thread(NULL);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  expect_true("no thread passed the barrier before all three arrived", seen[0] == 0);
  expect_true("exactly one thread is PTHREAD_BARRIER_SERIAL_THREAD", seen[1] == 1);
  expect_true("the others returned 0", seen[2] == 0);
  return 0;
}

/* ------------------------------------------------------------- a lock the shim does not model */

static void* stdio_thread(void* arg) {
  fputs("blocked behind the main thread's flockfile\n", stdout);
  sem_post(&sem[0]);
  return arg;
}

static int stdio_lock_mode(void) {
  pthread_t t;
  sem_init(&sem[0], 0, 0);
  flockfile(stdout);
  if (pthread_create(&t, NULL, stdio_thread, NULL) != 0) return 3;
  sem_wait(&sem[0]);
  funlockfile(stdout);
  pthread_join(t, NULL);
  return 0;
}

int main(int argc, char** argv) {
  static const struct {
    const char* name;
    int (*run)(void);
  } kModes[] = {
      {"trylock", trylock_mode},
      {"timedlock", timedlock_mode},
      {"clocklock", timedlock_mode},
      {"errorcheck", errorcheck_mode},
      {"recursive", recursive_mode},
      {"normal-relock", normal_relock_mode},
      {"cond-timedwait", cond_timedwait_mode},
      {"signal-lost-timed", signal_lost_timed_mode},
      {"signal-lost", signal_lost_untimed_mode},
      {"broadcast", broadcast_mode},
      {"signal-one-of-two", signal_one_of_two_mode},
      {"spin-after-timeout", spin_after_timeout_mode},
      {"pipe-pingpong", pipe_pingpong_mode},
      {"eventfd-socket", eventfd_socket_mode},
      {"pipe-from-child", pipe_from_child_mode},
      {"poll-kinds", poll_kinds_mode},
      {"cond-if", cond_if_mode},
      {"accept", accept_mode},
      {"full-pipe", full_pipe_mode},
      {"pipe-after-timeout", pipe_after_timeout_mode},
      {"sem-trywait", sem_try_mode},
      {"sem-timedwait", sem_timed_mode},
      {"sem-clockwait", sem_timed_mode},
      {"rwlock", rwlock_mode},
      {"rwlock-relock", rwlock_relock_mode},
      {"barrier", barrier_mode},
      {"stdio-lock", stdio_lock_mode},
  };
  mode = argc > 1 ? argv[1] : "";
  for (size_t i = 0; i < sizeof kModes / sizeof kModes[0]; ++i) {
    if (strcmp(mode, kModes[i].name) != 0) continue;
    const int rc = kModes[i].run();
    return rc != 0 ? rc : failures != 0;
  }
  dprintf(2, "unknown mode %s\n", mode);
  return 2;
}
