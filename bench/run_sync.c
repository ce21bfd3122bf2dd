/* The threaded worker of bench/run_programs_bench.py: times synchronization calls with the real
 * clock (the raw system call: the shim fixes clock_gettime) and writes the nanoseconds to
 * $BENCH_OUT, a file outside the data directory.
 *
 *   run_sync calls N      N lock/unlock pairs of an uncontended mutex while a second thread
 *                         waits (so that under the shim each lock is a decision): ns per pair
 *   run_sync pingpong N   two threads hand a turn to each other N times through a mutex and a
 *                         condition variable: ns per round trip */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn;
static int rounds;
static sem_t done;

static double now(void) {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void* waiter(void* unused) {
  (void)unused;
  sem_wait(&done);
  return NULL;
}

/* Waits for the turn `me`, then gives it to the other thread, `rounds` times. */
static void play(int me) {
  for (int i = 0; i < rounds; ++i) {
    pthread_mutex_lock(&mutex);
    while (turn != me) pthread_cond_wait(&turn_changed, &mutex);
    turn = 1 - me;
    pthread_cond_signal(&turn_changed);
    pthread_mutex_unlock(&mutex);
  }
}

static void* partner(void* unused) {
  (void)unused;
  play(1);
  return NULL;
}

int main(int argc, char** argv) {
  pthread_t other;
  double start, per;
  const char* out = getenv("BENCH_OUT");
  FILE* f;
  if (argc != 3) return 2;
  rounds = atoi(argv[2]);
  if (strcmp(argv[1], "calls") == 0) {
    sem_init(&done, 0, 0);
    if (pthread_create(&other, NULL, waiter, NULL) != 0) return 3;
    start = now();
    for (int i = 0; i < rounds; ++i) {
      pthread_mutex_lock(&mutex);
      pthread_mutex_unlock(&mutex);
    }
    per = (now() - start) / rounds;
    sem_post(&done);
  } else if (strcmp(argv[1], "pingpong") == 0) {
    if (pthread_create(&other, NULL, partner, NULL) != 0) return 3;
    start = now();
    play(0);
    per = (now() - start) / rounds;
  } else {
    return 2;
  }
  pthread_join(other, NULL);
  f = out ? fopen(out, "w") : stdout;
  if (f == NULL) return 3;
  fprintf(f, "%.1f\n", per);
  if (f != stdout) fclose(f);
  return 0;
}
