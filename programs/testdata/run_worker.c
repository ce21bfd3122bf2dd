/* Workers for programs/execution_test.cc and the command line's tests, one behaviour per mode
 * (argv[1]); worker $INTERLEAVE_WORKER. Only plain system calls, so the shim controls each of them.
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
 *   map-shared  maps database.bin MAP_SHARED and PROT_WRITE
 *   thread      starts a thread that counts to a million, and joins it (no file call at all)
 *   ranges      locks byte <worker> of lockfile (fcntl F_SETLKW: disjoint ranges), then
 *               increments the decimal counter in "counter" by a read and a write, and unlocks
 *   shared      the same under flock LOCK_SH (shared locks, held together)
 *   vfork-fails a child made by vfork fails to exec /nonexistent and _exits 127; posix_spawn of
 *               /nonexistent fails too; then the worker writes database.bin and exits 0
 *   self-kill   opens database.bin, then sends itself SIGKILL
 *   start-inputs reads the clock and 8 random bytes before its first controlled call (in its
 *               start-up, which runs beside the other workers'), prints them, then writes its
 *               byte of database.bin; worker 0 then exits 1 (a bug whose message shows them)
 *   fork-child  starts a child that calls setsid and sleeps, and one that starts a grandchild that
 *               sleeps, appends their pids to $RUN_WORKER_PIDS, and exits 0
 *   long-line   writes one history line of 6,000 characters (a put) and its response
 *   fill-disk   writes database.bin in 4 KiB pieces up to 1 MiB; exits 1 when a write fails
 *   interrupt   opens database.bin, then sends its parent (the harness) SIGINT, then writes
 *   kill-harness opens database.bin, then sends its parent (the harness) SIGKILL */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

static void* count(void* arg) {
  for (volatile long i = 0; i < 1000000; ++i) {
  }
  return arg;
}

/* Increments the decimal counter in "counter" by a read and a write. */
static int increment(void) {
  char text[32] = {0};
  int fd = open("counter", O_RDWR | O_CREAT, 0600);
  if (fd < 0) return 3;
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  const int value = n > 0 ? atoi(text) : 0;
  const int len = snprintf(text, sizeof text, "%d\n", value + 1);
  if (pwrite(fd, text, (size_t)len, 0) != len) return 3;
  close(fd);
  return 0;
}

static void append_pid(pid_t pid) {
  const char* path = getenv("RUN_WORKER_PIDS");
  char line[32];
  if (path == NULL) return;
  const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  const int n = snprintf(line, sizeof line, "%d\n", (int)pid);
  if (fd >= 0 && write(fd, line, (size_t)n) == n) close(fd);
}

extern char** environ;

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
  if (strcmp(mode, "thread") == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, count, NULL) != 0) return 3;
    pthread_join(t, NULL);
    return 0;
  }
  if (strcmp(mode, "ranges") == 0 || strcmp(mode, "shared") == 0) {
    int fd = open("lockfile", O_RDWR | O_CREAT, 0600);
    struct flock l;
    memset(&l, 0, sizeof l);
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    l.l_start = worker;
    l.l_len = 1;
    if (mode[0] == 'r' ? fcntl(fd, F_SETLKW, &l) != 0 : flock(fd, LOCK_SH) != 0) return 3;
    if (increment() != 0) return 3;
    l.l_type = F_UNLCK;
    if (mode[0] == 'r')
      fcntl(fd, F_SETLK, &l);
    else
      flock(fd, LOCK_UN);
    close(fd);
    return 0;
  }
  if (strcmp(mode, "vfork-fails") == 0) {
    const pid_t child = vfork();
    if (child == 0) {
      execl("/nonexistent/program", "program", (char*)NULL);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    pid_t spawned;
    char* args[] = {"program", NULL};
    if (posix_spawn(&spawned, "/nonexistent/program", NULL, NULL, args, environ) == 0) {
      waitpid(spawned, &status, 0);
    }
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    if (write(fd, "x", 1) != 1) return 3;
    close(fd);
    return 0;
  }
  if (strcmp(mode, "start-inputs") == 0) {
    struct timespec now;
    unsigned char bytes[8];
    clock_gettime(CLOCK_REALTIME, &now);
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) return 3;
    fprintf(stderr, "clock %lld.%09ld random", (long long)now.tv_sec, now.tv_nsec);
    for (int i = 0; i < 8; ++i) fprintf(stderr, " %02x", bytes[i]);
    fprintf(stderr, "\n");
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    if (pwrite(fd, "w", 1, atoi(getenv("INTERLEAVE_WORKER"))) != 1) return 3;
    close(fd);
    return atoi(getenv("INTERLEAVE_WORKER")) == 0 ? 1 : 0;
  }
  if (strcmp(mode, "self-kill") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    fstat(fd, &st);
    kill(getpid(), SIGKILL);
    return 0;
  }
  if (strcmp(mode, "fork-child") == 0) {
    const pid_t a = fork();
    if (a == 0) {
      setsid();
      sleep(1000);
      _exit(0);
    }
    int link[2];
    if (pipe(link) != 0) return 3;
    const pid_t b = fork();
    if (b == 0) {
      const pid_t c = fork();
      if (c == 0) {
        sleep(1000);
        _exit(0);
      }
      if (write(link[1], &c, sizeof c) != sizeof c) _exit(3);
      sleep(1000);
      _exit(0);
    }
    pid_t c = 0;
    if (read(link[0], &c, sizeof c) != sizeof c) return 3;
    append_pid(a);
    append_pid(b);
    append_pid(c);
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    fstat(fd, &st);
    return 0;
  }
  if (strcmp(mode, "long-line") == 0) {
    static char line[6100];
    int fd = open(getenv("INTERLEAVE_HISTORY"), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int n = snprintf(line, sizeof line, "invoke put k ");
    memset(line + n, 'x', 6000);
    line[n + 6000] = '\n';
    if (write(fd, line, (size_t)n + 6001) < 0) return 3;
    int data = open("database.bin", O_RDWR | O_CREAT, 0600);
    fstat(data, &st);
    if (write(fd, "ok\n", 3) != 3) return 3;
    close(fd);
    return 0;
  }
  if (strcmp(mode, "fill-disk") == 0) {
    static char block[4096];
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    for (int i = 0; i < 256; ++i) {
      if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
        perror("write");
        return 1;
      }
    }
    return 0;
  }
  if (strcmp(mode, "kill-harness") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    fstat(fd, &st);
    kill(getppid(), SIGKILL);
    sleep(1);
    return 0;
  }
  if (strcmp(mode, "interrupt") == 0) {
    int fd = open("database.bin", O_RDWR | O_CREAT, 0600);
    kill(getppid(), SIGINT);
    if (write(fd, "x", 1) != 1) return 3;
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
