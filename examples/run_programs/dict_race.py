"""Pure Python, no I/O: N threads each make OPS read-modify-writes of one entry of a shared dict,
through small functions as a store's handlers would (read(k), then write(k, v)). CPython switches
threads only where it checks for a pending switch (entering a function, a loop's back edge), so a
single statement is never split, but a switch between read() and write() loses an update. Run
uncontrolled, a 5 ms switch interval is far longer than the work and it almost never fails. Under
`interleave run` each call and return of the program's functions is a decision point, where a
waiting thread's GIL timeout (a decision too) can be chosen: the holder then drops the GIL at its
next check, and the update is lost within a few executions.

    dict_race.py [--lock] [--threads N] run OPS    exits 1 (and says so) when an update was lost
"""
import sys
import threading

store = {"counter": 0}
lock = threading.Lock()


def read(key):
    return store[key]


def write(key, value):
    store[key] = value


def handler(ops, locked):
    for _ in range(ops):
        if locked:
            with lock:
                write("counter", read("counter") + 1)
        else:
            write("counter", read("counter") + 1)


def main(argv):
    locked, threads = False, 2
    args = argv[1:]
    while args and args[0] in ("--lock", "--threads"):
        if args[0] == "--lock":
            locked, args = True, args[1:]
        else:
            threads, args = int(args[1]), args[2:]
    if len(args) != 2 or args[0] != "run":
        print("usage: dict_race.py [--lock] [--threads N] run OPS", file=sys.stderr)
        return 2
    ops = int(args[1])
    workers = [threading.Thread(target=handler, args=(ops, locked)) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    if store["counter"] != threads * ops:
        print(f"lost-update: counter is {store['counter']} after {threads * ops} increments")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
