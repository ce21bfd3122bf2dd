/* Workers for cli/run_test.cc, one behaviour per mode (argv[1]); worker $INTERLEAVE_WORKER. Only
 * plain system calls, so the shim controls each of them.
 *
 *   busy-wait   worker 0 holds an flock across a few steps; the others try LOCK_NB and sleep
 *               until they get it (a busy wait on a lock with sleeps)
 *   crash       prints to stderr, then dies of SIGSEGV
 *   hang        opens a data file, then spins without a system call
 *   nonblocking worker 0 takes an flock, writes "held" and holds it until "refused" exists;
 *               worker 1 waits for "held", then tries LOCK_NB: it must fail with EWOULDBLOCK
 *               (else exit 1), and then it writes "refused"
 *   close-drops worker 0 takes an fcntl write lock on lockfile, closes another descriptor of the
 *               file (which drops the lock), then waits for worker 1 to take it ("got")
 *   map-shared  maps database.bin MAP_SHARED and PROT_WRITE */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void touch(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
}

static int fcntl_lock(int fd, int type, int command) {
  struct flock l;
  memset(&l, 0, sizeof l);
  l.l_type = (short)type;
  l.l_whence = SEEK_SET;
  return fcntl(fd, command, &l);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  const int worker = atoi(getenv("INTERLEAVE_WORKER") ? getenv("INTERLEAVE_WORKER") : "0");
  struct stat st;
  if (strcmp(mode, "busy-wait") == 0) {
    int fd = open("lockfile", O_RDWR | O_CREAT, 0600);
    if (worker == 0) {
      if (flock(fd, LOCK_EX) != 0) return 3;
      for (int i = 0; i < 3; ++i) fstat(fd, &st);
      flock(fd, LOCK_UN);
    } else {
      while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) return 3;
        usleep(100000); /* a tenth of a second, were it not for the shim */
      }
      flock(fd, LOCK_UN);
    }
    close(fd);
    return 0;
  }
  if (strcmp(mode, "crash") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    fstat(fd, &st);
    fprintf(stderr, "worker %d about to crash\n", worker);
    raise(SIGSEGV);
    return 0;
  }
  if (strcmp(mode, "hang") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    (void)fd;
    for (volatile unsigned long i = 0;; ++i) {
    }
  }
  if (strcmp(mode, "nonblocking") == 0) {
    int fd = open("lockfile", O_RDWR | O_CREAT, 0600);
    if (worker == 0) {
      if (flock(fd, LOCK_EX) != 0) return 3;
      touch("held");
      while (!exists("refused")) fstat(fd, &st);
      flock(fd, LOCK_UN);
    } else {
      while (!exists("held")) usleep(1000);
      if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) return 1;
      touch("refused");
    }
    close(fd);
    return 0;
  }
  if (strcmp(mode, "close-drops") == 0) {
    int fd = open("lockfile", O_RDWR | O_CREAT, 0600);
    if (worker == 0) {
      if (fcntl_lock(fd, F_WRLCK, F_SETLKW) != 0) return 3;
      int other = open("lockfile", O_RDONLY);
      close(other); /* POSIX: drops this process's locks on the file */
      while (!exists("got")) fstat(fd, &st);
    } else {
      if (fcntl_lock(fd, F_WRLCK, F_SETLKW) != 0) return 3;
      touch("got");
      fcntl_lock(fd, F_UNLCK, F_SETLK);
    }
    close(fd);
    return 0;
  }
  if (strcmp(mode, "map-shared") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    if (ftruncate(fd, 4096) != 0) return 3;
    char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return 3;
    p[0] = 'x';
    munmap(p, 4096);
    close(fd);
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
