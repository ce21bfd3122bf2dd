"""The DESIGN.md store as a plain Python program, for `interleave run`.

An in-memory index (key -> offset) over the append-only file database.bin of records
[klen u32][vlen u32][key][value]; a record's offset is the file's end as tell() gives it after a
seek to the end. The same store as store.c, in another language, unmodified: the shim sees its
open, lseek, read, write, fstat, flock and fcntl calls through CPython's own system call wrappers.

    store.py [--lock none|flock|fcntl] run OPS   a worker: OPS increments of "counter", each
                                                  recorded in $INTERLEAVE_HISTORY
    store.py check OPS                            the final check ($INTERLEAVE_WORKERS * OPS)

--lock none recovers the index once at start and never catches up: a stale value is incremented
(lost update) and two workers that saw the same end write at the same offset (duplicate offset).
The fixed twins take flock, or an fcntl write lock (fcntl.lockf), around catch-up and append.
"""
import fcntl
import os
import struct
import sys

HEADER = struct.Struct("<II")


class Store:
    def __init__(self, path="database.bin"):
        # Unbuffered: every read and write is one system call the shim can place.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # never truncate another's records
        self.f = open(fd, "r+b", buffering=0)
        self.index = {}
        self.indexed = 0  # the log is indexed up to here
        self.catch_up()

    def read_record(self, offset):
        header = os.pread(self.f.fileno(), HEADER.size, offset)
        if len(header) < HEADER.size:
            return None
        klen, vlen = HEADER.unpack(header)
        body = os.pread(self.f.fileno(), klen + vlen, offset + HEADER.size)
        if len(body) < klen + vlen:
            return None
        return body[:klen].decode(), body[klen:].decode(), HEADER.size + klen + vlen

    def catch_up(self):
        end = os.fstat(self.f.fileno()).st_size
        while self.indexed < end:
            record = self.read_record(self.indexed)
            if record is None:
                break
            key, _, n = record
            self.index[key] = self.indexed
            self.indexed += n

    def get(self, key, default=0):
        if key not in self.index:
            return default
        record = self.read_record(self.index[key])
        return default if record is None else int(record[1])

    def put(self, key, value):
        self.f.seek(0, os.SEEK_END)
        offset = self.f.tell()  # the offset from the end this worker saw
        k, v = key.encode(), value.encode()
        self.f.write(HEADER.pack(len(k), len(v)) + k + v)
        self.index[key] = offset
        if offset <= self.indexed:
            self.indexed = max(self.indexed, offset + HEADER.size + len(k) + len(v))

    def lock(self, how, take):
        if how == "flock":
            fcntl.flock(self.f, fcntl.LOCK_EX if take else fcntl.LOCK_UN)
        elif how == "fcntl":
            fcntl.lockf(self.f, fcntl.LOCK_EX if take else fcntl.LOCK_UN)


def record(history, line):
    if history is not None:
        os.write(history, (line + "\n").encode())  # one write per record: the shim stamps it


def run(how, ops):
    path = os.environ.get("INTERLEAVE_HISTORY")
    history = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if path else None
    store = Store()
    for _ in range(ops):
        record(history, "invoke increment counter 1")
        store.lock(how, True)
        if how != "none":
            store.catch_up()
        value = store.get("counter") + 1
        store.put("counter", str(value))
        store.lock(how, False)
        record(history, f"ok {value}")
    store.f.close()
    return 0


def check(ops):
    expected = int(os.environ.get("INTERLEAVE_WORKERS", "1")) * ops
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
    how = "none"
    if len(argv) > 2 and argv[1] == "--lock":
        how, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) == 3 and argv[1] == "run":
        return run(how, int(argv[2]))
    if len(argv) == 3 and argv[1] == "check":
        return check(int(argv[2]))
    print("usage: store.py [--lock none|flock|fcntl] run OPS | store.py check OPS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
