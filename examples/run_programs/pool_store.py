"""The DESIGN.md store as a thread-pool service, for `interleave run`: one process whose
handlers run on a concurrent.futures.ThreadPoolExecutor and share the index (key -> offset) and
the append-only file database.bin of records [klen u32][vlen u32][key][value].

    pool_store.py [--lock none|thread|rwlock|rwlock-if] [--threads N] run OPS
        N handler threads (default 2), each making OPS increments of "counter", each recorded in
        $INTERLEAVE_HISTORY (its thread stamped by the shim)
    pool_store.py [--threads N] check OPS
        the final check: N * OPS increments must have left that many records and that value

--lock none takes a record's offset from the in-memory end of the log, read before the write and
advanced after it, and reads the counter before writing its next value: two handlers that read
the same end write at the same offset (duplicate offset), two that read the same value lose an
increment (lost update). --lock thread holds a threading.Lock around each increment (the fix).
--lock rwlock holds the write side of a reader-writer lock built the classic way (one lock, two
threading.Conditions, a while loop around each wait); rwlock-if is its seeded twin, with an if in
place of the writer's while: a writer woken after another writer took the lock goes on writing.
"""
import concurrent.futures
import os
import struct
import sys
import threading

HEADER = struct.Struct("<II")


class RWLock:
    """Readers share, a writer excludes: one lock, a condition for each side."""

    def __init__(self, check_again=True):
        self.lock = threading.Lock()
        self.readers_ok = threading.Condition(self.lock)
        self.writers_ok = threading.Condition(self.lock)
        self.readers = 0
        self.writer = False
        self.check_again = check_again

    def acquire_read(self):
        with self.lock:
            while self.writer:
                self.readers_ok.wait()
            self.readers += 1

    def release_read(self):
        with self.lock:
            self.readers -= 1
            if self.readers == 0:
                self.writers_ok.notify()

    def acquire_write(self):
        with self.lock:
            if self.check_again:
                while self.writer or self.readers > 0:
                    self.writers_ok.wait()
            elif self.writer or self.readers > 0:  # the seeded bug: no second look once woken
                self.writers_ok.wait()
            self.writer = True

    def release_write(self):
        with self.lock:
            self.writer = False
            self.writers_ok.notify()
            self.readers_ok.notify_all()


class Store:
    def __init__(self, path="database.bin"):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.index = {}
        self.end = os.fstat(self.fd).st_size

    def get(self, key, default=0):
        offset = self.index.get(key)
        if offset is None:
            return default
        klen, vlen = HEADER.unpack(os.pread(self.fd, HEADER.size, offset))
        body = os.pread(self.fd, klen + vlen, offset + HEADER.size)
        return int(body[klen:])

    def put(self, key, value):
        k, v = key.encode(), value.encode()
        offset = self.end  # the end as this handler saw it
        os.pwrite(self.fd, HEADER.pack(len(k), len(v)) + k + v, offset)
        self.end = offset + HEADER.size + len(k) + len(v)
        self.index[key] = offset


def record(history, line):
    if history is not None:
        os.write(history, (line + "\n").encode())  # one write per line: the shim stamps it


def run(how, threads, ops):
    path = os.environ.get("INTERLEAVE_HISTORY")
    history = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if path else None
    store = Store()
    lock = threading.Lock()
    rw = RWLock(check_again=how != "rwlock-if")

    def increment():
        value = store.get("counter") + 1
        store.put("counter", str(value))
        return value

    def handler():
        for _ in range(ops):
            record(history, "invoke increment counter 1")
            if how == "thread":
                with lock:
                    value = increment()
            elif how.startswith("rwlock"):
                rw.acquire_write()
                try:
                    value = increment()
                finally:
                    rw.release_write()
            else:
                value = increment()
            record(history, f"ok {value}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(handler) for _ in range(threads)]:
            future.result()
    os.close(store.fd)
    return 0


def check(threads, ops):
    expected = threads * ops
    with open("database.bin", "rb") as f:
        data = f.read()
    at, records, last = 0, 0, 0
    while at + HEADER.size <= len(data):
        klen, vlen = HEADER.unpack_from(data, at)
        if at + HEADER.size + klen + vlen > len(data):
            break
        last = int(data[at + HEADER.size + klen:at + HEADER.size + klen + vlen])
        records += 1
        at += HEADER.size + klen + vlen
    if at != len(data):
        print(f"corruption: {len(data) - at} bytes past the last whole record at offset {at}")
        return 1
    if records < expected:
        print(f"duplicate-offset: {expected} increments appended but database.bin holds "
              f"{records} records: a record was written over another")
        return 1
    if last != expected:
        print(f"lost-update: counter is {last} after {expected} increments")
        return 1
    return 0


def main(argv):
    how, threads = "none", 2
    args = argv[1:]
    while len(args) > 2 and args[0] in ("--lock", "--threads"):
        if args[0] == "--lock":
            how = args[1]
        else:
            threads = int(args[1])
        args = args[2:]
    if len(args) == 2 and args[0] == "run" and how in ("none", "thread", "rwlock", "rwlock-if"):
        return run(how, threads, int(args[1]))
    if len(args) == 2 and args[0] == "check":
        return check(threads, int(args[1]))
    print("usage: pool_store.py [--lock none|thread|rwlock|rwlock-if] [--threads N] run OPS | "
          "pool_store.py [--threads N] check OPS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
