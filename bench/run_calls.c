/* The worker of bench/run_programs_bench.py: times N pread calls on a data file with the real
 * clock (the raw system call: the shim fixes clock_gettime) and writes the nanoseconds per call
 * to $BENCH_OUT, a file outside the data directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 10000;
  char byte = 0;
  int fd = open("bench.bin", O_RDWR | O_CREAT, 0600);
  if (fd < 0 || pwrite(fd, "x", 1, 0) != 1) return 3;
  const double start = now();
  for (int i = 0; i < n; ++i) {
    if (pread(fd, &byte, 1, 0) != 1) return 3;
  }
  const double per_call = (now() - start) / n;
  close(fd);
  const char* out = getenv("BENCH_OUT");
  FILE* f = out ? fopen(out, "w") : stdout;
  if (f == NULL) return 3;
  fprintf(f, "%.1f\n", per_call);
  if (f != stdout) fclose(f);
  return 0;
}
