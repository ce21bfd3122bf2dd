/* The DESIGN.md store as a plain program, for `interleave run`: an in-memory index (key -> offset)
 * over the append-only file database.bin of records [klen u32][vlen u32][key][value], offsets
 * taken from the file size. Only plain system calls (open, pread, pwrite, fstat, flock, fcntl), so
 * the shim sees every one.
 *
 *   store [--lock none|flock|fcntl] run OPS   a worker: OPS increments of "counter", each recorded
 *                                            in $INTERLEAVE_HISTORY (invoke, then ok NEW)
 *   store check OPS                          the final check: $INTERLEAVE_WORKERS * OPS increments
 *                                            must have left that many records and that value
 *
 * --lock none is the bug of the --workers deployment: each worker recovers its index once, at
 * start, and never catches up, so it increments a stale value (lost update), and two workers that
 * saw the same file size write at the same offset (duplicate offset). The fixed twins take a file
 * lock (flock, or an fcntl write lock) around catching the index up from the log and appending. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 16
#define KEY_CAP 32

struct entry {
  char key[KEY_CAP];
  uint64_t offset;
};

static struct entry index_[MAX_KEYS];
static int keys;
static uint64_t index_end; /* the log is indexed up to here */
static int fd = -1;
static int history = -1;

static void die(const char* what) {
  perror(what);
  exit(3);
}

static struct entry* lookup(const char* key) {
  for (int i = 0; i < keys; ++i) {
    if (strcmp(index_[i].key, key) == 0) return &index_[i];
  }
  return NULL;
}

static void publish(const char* key, uint64_t offset) {
  struct entry* e = lookup(key);
  if (e == NULL) {
    if (keys == MAX_KEYS) die("index full");
    e = &index_[keys++];
    snprintf(e->key, KEY_CAP, "%s", key);
  }
  e->offset = offset;
}

static uint64_t file_size(void) {
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat database.bin");
  return (uint64_t)st.st_size;
}

/* Reads the record at `offset`: its key and value (NUL-terminated); returns its length, 0 at a
 * short read (the end of the log). */
static uint64_t read_record(uint64_t offset, char* key, char* value, size_t cap) {
  uint32_t h[2];
  if (pread(fd, h, sizeof h, (off_t)offset) != (ssize_t)sizeof h) return 0;
  if (h[0] >= cap || h[1] >= cap) return 0;
  char body[256];
  if (h[0] + h[1] > sizeof body) return 0;
  if (pread(fd, body, h[0] + h[1], (off_t)(offset + sizeof h)) != (ssize_t)(h[0] + h[1])) return 0;
  memcpy(key, body, h[0]);
  key[h[0]] = '\0';
  memcpy(value, body + h[0], h[1]);
  value[h[1]] = '\0';
  return sizeof h + h[0] + h[1];
}

/* Indexes the records appended since index_end. */
static void catch_up(void) {
  const uint64_t size = file_size();
  char key[KEY_CAP], value[KEY_CAP];
  while (index_end < size) {
    uint64_t n = read_record(index_end, key, value, KEY_CAP);
    if (n == 0) break;
    publish(key, index_end);
    index_end += n;
  }
}

static long get(const char* key) {
  struct entry* e = lookup(key);
  char k[KEY_CAP], value[KEY_CAP];
  if (e == NULL || read_record(e->offset, k, value, KEY_CAP) == 0) return 0;
  return strtol(value, NULL, 10);
}

static void put(const char* key, const char* value) {
  const uint64_t offset = file_size(); /* the offset from the size this worker saw */
  uint32_t h[2] = {(uint32_t)strlen(key), (uint32_t)strlen(value)};
  char record[8 + 2 * KEY_CAP];
  memcpy(record, h, sizeof h);
  memcpy(record + 8, key, h[0]);
  memcpy(record + 8 + h[0], value, h[1]);
  const size_t n = 8 + h[0] + h[1];
  if (pwrite(fd, record, n, (off_t)offset) != (ssize_t)n) die("pwrite database.bin");
  publish(key, offset);
  if (offset + n > index_end && offset <= index_end) index_end = offset + n;
}

static void lock(const char* how, int take) {
  if (strcmp(how, "flock") == 0) {
    if (flock(fd, take ? LOCK_EX : LOCK_UN) != 0) die("flock");
  } else if (strcmp(how, "fcntl") == 0) {
    struct flock l;
    memset(&l, 0, sizeof l);
    l.l_type = take ? F_WRLCK : F_UNLCK;
    l.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLKW, &l) != 0) die("fcntl F_SETLKW");
  }
}

static void record(const char* line) {
  if (history >= 0 && write(history, line, strlen(line)) < 0) die("write history");
}

static int run(const char* how, int ops) {
  const char* path = getenv("INTERLEAVE_HISTORY");
  if (path != NULL) history = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  fd = open("database.bin", O_RDWR | O_CREAT, 0644);
  if (fd < 0) die("open database.bin");
  catch_up(); /* recovery: the index from the log, once */
  const int fixed = strcmp(how, "none") != 0;
  for (int i = 0; i < ops; ++i) {
    char line[64];
    record("invoke increment counter 1\n");
    lock(how, 1);
    if (fixed) catch_up();
    long value = get("counter") + 1;
    snprintf(line, sizeof line, "%ld", value);
    put("counter", line);
    lock(how, 0);
    snprintf(line, sizeof line, "ok %ld\n", value);
    record(line);
  }
  close(fd);
  if (history >= 0) close(history);
  return 0;
}

static int check(int ops) {
  const char* w = getenv("INTERLEAVE_WORKERS");
  const long expected = (w ? atol(w) : 1) * ops;
  fd = open("database.bin", O_RDONLY);
  if (fd < 0) die("open database.bin");
  char key[KEY_CAP], value[KEY_CAP];
  long records = 0, last = 0;
  uint64_t at = 0, size = file_size(), n;
  while (at < size && (n = read_record(at, key, value, KEY_CAP)) != 0) {
    ++records;
    last = strtol(value, NULL, 10);
    at += n;
  }
  if (at != size) {
    printf("corruption: database.bin has %llu bytes past its last whole record at offset %llu\n",
           (unsigned long long)(size - at), (unsigned long long)at);
    return 1;
  }
  if (records < expected) {
    printf(
        "duplicate-offset: %ld increments appended but database.bin holds %ld records: a record "
        "was written over another\n",
        expected, records);
    return 1;
  }
  if (last != expected) {
    printf("lost-update: counter is %ld after %ld increments\n", last, expected);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* how = "none";
  int i = 1;
  if (argc > 2 && strcmp(argv[1], "--lock") == 0) {
    how = argv[2];
    i = 3;
  }
  if (argc == i + 2 && strcmp(argv[i], "run") == 0) return run(how, atoi(argv[i + 1]));
  if (argc == i + 2 && strcmp(argv[i], "check") == 0) return check(atoi(argv[i + 1]));
  fprintf(stderr, "usage: store [--lock none|flock|fcntl] run OPS | store check OPS\n");
  return 2;
}
