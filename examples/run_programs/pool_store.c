/* The DESIGN.md store as a threaded program, for `interleave run`: one process whose handler
 * threads (pthreads) share the index (key -> offset), the in-memory end of the log and the
 * append-only file database.bin of records [klen u32][vlen u32][key][value].
 *
 *   pool_store [--lock none|mutex|rwlock|mutex+flock] [--threads N] run OPS
 *       N handler threads (default 2), each making OPS increments of "counter", each recorded in
 *       $INTERLEAVE_HISTORY (one write per line: the shim stamps it with the thread)
 *   pool_store [--threads N] check OPS
 *       the final check: $INTERLEAVE_WORKERS * N * OPS increments must have left that many
 *       records and that value
 *
 * --lock none takes a record's offset from the in-memory end of the log, read before the write
 * and advanced after it, and reads the counter before writing its next value: two handlers that
 * read the same end write at the same offset (duplicate offset), two that read the same value lose
 * an increment (lost update). --lock mutex holds a pthread mutex around each increment, --lock
 * rwlock the write side of a pthread reader-writer lock: the fix for one process, and nothing
 * across several (each worker process has its own index and end). --lock mutex+flock also takes a
 * file lock and catches the index up from the log under it: the fix for workers too. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define VALUE_CAP 32
#define MAX_THREADS 16

enum lock_kind { LOCK_NONE, LOCK_MUTEX, LOCK_RWLOCK, LOCK_MUTEX_FLOCK };

static int fd = -1;
static int history = -1;
static enum lock_kind how = LOCK_NONE;
static int ops;
/* The index of the one key, and the end of the log as this process knows it. */
static int64_t counter_offset = -1;
static uint64_t end;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;

static void die(const char* what) {
  perror(what);
  exit(3);
}

/* Reads the record at `offset` into `value` (NUL-terminated); its length, 0 past the end. */
static uint64_t read_record(uint64_t offset, char* value) {
  uint32_t h[2];
  char body[2 * VALUE_CAP];
  if (pread(fd, h, sizeof h, (off_t)offset) != (ssize_t)sizeof h) return 0;
  if (h[0] >= VALUE_CAP || h[1] >= VALUE_CAP) return 0;
  if (pread(fd, body, h[0] + h[1], (off_t)(offset + sizeof h)) != (ssize_t)(h[0] + h[1])) return 0;
  memcpy(value, body + h[0], h[1]);
  value[h[1]] = '\0';
  return sizeof h + h[0] + h[1];
}

/* Indexes the records other processes appended since `end` (the key is always "counter"). */
static void catch_up(void) {
  struct stat st;
  char value[VALUE_CAP];
  uint64_t n;
  if (fstat(fd, &st) != 0) die("fstat database.bin");
  while (end < (uint64_t)st.st_size && (n = read_record(end, value)) != 0) {
    counter_offset = (int64_t)end;
    end += n;
  }
}

static long get(void) {
  char value[VALUE_CAP];
  if (counter_offset < 0 || read_record((uint64_t)counter_offset, value) == 0) return 0;
  return strtol(value, NULL, 10);
}

static void put(long value) {
  char record[8 + 2 * VALUE_CAP];
  const uint32_t h[2] = {7, (uint32_t)snprintf(record + 8 + 7, VALUE_CAP, "%ld", value)};
  const uint64_t offset = end; /* the end as this handler saw it */
  const size_t n = sizeof h + h[0] + h[1];
  memcpy(record, h, sizeof h);
  memcpy(record + 8, "counter", 7);
  if (pwrite(fd, record, n, (off_t)offset) != (ssize_t)n) die("pwrite database.bin");
  end = offset + n;
  counter_offset = (int64_t)offset;
}

static void record(const char* line) {
  if (history >= 0 && write(history, line, strlen(line)) < 0) die("write history");
}

static long increment(void) {
  long value;
  switch (how) {
    case LOCK_MUTEX:
    case LOCK_MUTEX_FLOCK:
      pthread_mutex_lock(&mutex);
      break;
    case LOCK_RWLOCK:
      pthread_rwlock_wrlock(&rwlock);
      break;
    case LOCK_NONE:
      break;
  }
  if (how == LOCK_MUTEX_FLOCK) {
    if (flock(fd, LOCK_EX) != 0) die("flock");
    catch_up();
  }
  value = get() + 1;
  put(value);
  if (how == LOCK_MUTEX_FLOCK && flock(fd, LOCK_UN) != 0) die("flock");
  if (how == LOCK_RWLOCK) pthread_rwlock_unlock(&rwlock);
  if (how == LOCK_MUTEX || how == LOCK_MUTEX_FLOCK) pthread_mutex_unlock(&mutex);
  return value;
}

static void* handler(void* unused) {
  char line[64];
  (void)unused;
  for (int i = 0; i < ops; ++i) {
    record("invoke increment counter 1\n");
    snprintf(line, sizeof line, "ok %ld\n", increment());
    record(line);
  }
  return NULL;
}

static int run(int threads) {
  pthread_t pool[MAX_THREADS];
  const char* path = getenv("INTERLEAVE_HISTORY");
  if (path != NULL) history = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  fd = open("database.bin", O_RDWR | O_CREAT, 0644);
  if (fd < 0) die("open database.bin");
  catch_up(); /* recovery: the index from the log, once */
  for (int t = 0; t < threads; ++t) {
    if (pthread_create(&pool[t], NULL, handler, NULL) != 0) die("pthread_create");
  }
  for (int t = 0; t < threads; ++t) pthread_join(pool[t], NULL);
  close(fd);
  if (history >= 0) close(history);
  return 0;
}

static int check(int threads) {
  const char* w = getenv("INTERLEAVE_WORKERS");
  const long expected = (w ? atol(w) : 1) * threads * ops;
  char value[VALUE_CAP];
  long records = 0, last = 0;
  uint64_t at = 0, n;
  struct stat st;
  fd = open("database.bin", O_RDONLY);
  if (fd < 0 || fstat(fd, &st) != 0) die("open database.bin");
  while (at < (uint64_t)st.st_size && (n = read_record(at, value)) != 0) {
    ++records;
    last = strtol(value, NULL, 10);
    at += n;
  }
  if (at != (uint64_t)st.st_size) {
    printf("corruption: database.bin has %llu bytes past its last whole record at offset %llu\n",
           (unsigned long long)(st.st_size - at), (unsigned long long)at);
    return 1;
  }
  if (records < expected) {
    printf(
        "duplicate-offset: %ld increments appended but database.bin holds %ld records: a "
        "record was written over another\n",
        expected, records);
    return 1;
  }
  if (last != expected) {
    printf("lost-update: counter is %ld after %ld increments\n", last, expected);
    return 1;
  }
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: pool_store [--lock none|mutex|rwlock|mutex+flock] [--threads N] run OPS | "
          "pool_store [--threads N] check OPS\n");
  return 2;
}

int main(int argc, char** argv) {
  static const char* const kinds[] = {"none", "mutex", "rwlock", "mutex+flock"};
  int threads = 2, i = 1, known = 0;
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (strcmp(argv[i], "--threads") == 0) {
      threads = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--lock") == 0) {
      for (known = 0; known < 4 && strcmp(argv[i + 1], kinds[known]) != 0;) ++known;
      if (known == 4) return usage();
      how = (enum lock_kind)known;
    } else {
      return usage();
    }
  }
  if (argc != i + 2 || threads < 1 || threads > MAX_THREADS || (ops = atoi(argv[i + 1])) < 1) {
    return usage();
  }
  if (strcmp(argv[i], "run") == 0) return run(threads);
  if (strcmp(argv[i], "check") == 0) return check(threads);
  return usage();
}
