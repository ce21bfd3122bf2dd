/* Time and chance as inputs of the execution: clocks read a fixed clock that advances 1 us per
 * reading, random bytes come from a generator seeded by the execution, and sleeps and timed polls
 * of the controlled thread are yield points that take no time. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shim/shim.h"

static uint64_t clock_ns; /* the fixed clock: advances 1 us per reading */
static uint64_t random_state;

void start_clock(const char* seed, int actor) {
  clock_ns = 1767225600ull * 1000000000ull; /* 2026-01-01T00:00:00Z */
  random_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(seed ? strtoull(seed, NULL, 10) : 0) ^
                 ((uint64_t)actor << 32);
}

static uint64_t next_random(void) {
  uint64_t x = random_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  random_state = x;
  return x;
}

void fill_random(void* buf, size_t n) {
  unsigned char* p = (unsigned char*)buf;
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(next_random() >> 24);
}

/* ------------------------------------------------------------------------ time and chance */

/* A sleep of the controlled thread: a yield point that takes no time; while the worker has other
 * threads, a timed wait that nothing wakes (virtual time: it ends once another actor made a step,
 * or when nothing else can run). */
static int sleep_step(void) {
  if (!controlled_call("sleep", NULL)) return 0;
  if (live_threads > 1) {
    const uint64_t id = (1ull << 62) | ((uint64_t)(worker < 0 ? 0 : worker) << 40) | (8ull << 32) |
                        (uint64_t)client.actor;
    post(IL_EVENT_WAIT, IL_KIND_NONE, "", "sleep", "", IL_READ, id, POST_TIMED | POST_KEEP_LAST);
    return 1;
  }
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

/* poll(2) and ppoll(2): `timeout` NULL waits for ever. Between threads, a decision and then a wait
 * for another thread's write (channels.c); otherwise a timed poll with nothing ready is a yield
 * point that takes no time, and an untimed one is the kernel's. Only a wait left to the kernel
 * uses `mask`. */
static int poll_as(const char* call, const char* waits, struct pollfd* fds, nfds_t n,
                   const struct timespec* timeout, const sigset_t* mask) {
  REAL(int, ppoll, struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
  static const struct timespec zero = {0, 0};
  int rc;
  if (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
    return real_ppoll(fds, n, timeout, mask);
  }
  if (channel_deciding(call)) {
    while ((rc = real_ppoll(fds, n, &zero, NULL)) == 0) {
      if (!channel_wait(waits, timeout != NULL)) {
        return timeout != NULL ? 0 : real_ppoll(fds, n, NULL, mask);
      }
    }
    return rc;
  }
  if (timeout == NULL || !controlled_call(call, NULL)) return real_ppoll(fds, n, timeout, mask);
  rc = real_ppoll(fds, n, &zero, NULL);
  if (rc == 0) post_step(call, IL_KIND_NONE, "", IL_READ);
  return rc;
}

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  const struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
  return poll_as("poll", "poll (waits)", fds, n, timeout < 0 ? NULL : &ts, NULL);
}
int ppoll(struct pollfd* fds, nfds_t n, const struct timespec* timeout, const sigset_t* mask) {
  return poll_as("ppoll", "ppoll (waits)", fds, n, timeout, mask);
}

/* select(2) and pselect(2), as poll_as(); select clears the sets it is given, so each look starts
 * from a copy. */
static int select_as(const char* call, const char* waits, int n, fd_set* r, fd_set* w, fd_set* e,
                     const struct timespec* timeout, const sigset_t* mask) {
  REAL(int, pselect, int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*);
  static const struct timespec zero = {0, 0};
  int rc;
  if (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
    return real_pselect(n, r, w, e, timeout, mask);
  }
  if (channel_deciding(call)) {
    const fd_set r0 = r ? *r : (fd_set){0}, w0 = w ? *w : (fd_set){0}, e0 = e ? *e : (fd_set){0};
    while ((rc = real_pselect(n, r, w, e, &zero, NULL)) == 0) {
      if (r) *r = r0;
      if (w) *w = w0;
      if (e) *e = e0;
      if (!channel_wait(waits, timeout != NULL)) {
        if (timeout != NULL) {
          if (r) FD_ZERO(r);
          if (w) FD_ZERO(w);
          if (e) FD_ZERO(e);
          return 0;
        }
        return real_pselect(n, r, w, e, NULL, mask);
      }
    }
    return rc;
  }
  if (timeout == NULL || !controlled_call(call, NULL)) {
    return real_pselect(n, r, w, e, timeout, mask);
  }
  rc = real_pselect(n, r, w, e, &zero, NULL);
  if (rc == 0) post_step(call, IL_KIND_NONE, "", IL_READ);
  return rc;
}

int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* timeout) {
  REAL(int, select, int, fd_set*, fd_set*, fd_set*, struct timeval*);
  struct timespec ts;
  /* Uncontrolled, select itself (Linux updates the time left in `timeout`). */
  if (!controlled_call("select", NULL)) return real_select(n, r, w, e, timeout);
  if (timeout != NULL) {
    ts.tv_sec = timeout->tv_sec;
    ts.tv_nsec = timeout->tv_usec * 1000L;
  }
  return select_as("select", "select (waits)", n, r, w, e, timeout ? &ts : NULL, NULL);
}
int pselect(int n, fd_set* r, fd_set* w, fd_set* e, const struct timespec* timeout,
            const sigset_t* mask) {
  return select_as("pselect", "pselect (waits)", n, r, w, e, timeout, mask);
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
