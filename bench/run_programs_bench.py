#!/usr/bin/env python3
"""`interleave run` in one run: the median time the shim adds to an intercepted call (goal <= 2 us),
and executions per second of the C and Python examples (examples/run_programs) beside the time the
same workers take uncontrolled; for threads, the time added per synchronization call (goal <= 2
us), a mutex and condition-variable ping-pong between two threads under control against the same
program uncontrolled (goal: within 3x), and executions per second of the Python thread-pool store.

    python3 bench/run_programs_bench.py [BUILD_DIR]   (default: build)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
INTERLEAVE = os.path.join(BUILD, "interleave")
CALLS = os.path.join(BUILD, "bench", "run_calls")
SYNC = os.path.join(BUILD, "bench", "run_sync")
PY_POOL = [sys.executable, "-S", os.path.join(ROOT, "examples", "run_programs", "pool_store.py")]
N_SYNC = 5000
C_STORE = [os.path.join(BUILD, "examples", "run_programs", "store")]
PY_STORE = [sys.executable, "-S", os.path.join(ROOT, "examples", "run_programs", "store.py")]
N_CALLS = 20000
REPEATS = 5


def per_call_ns(controlled):
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out")
        env = dict(os.environ, BENCH_OUT=out)
        if controlled:
            cmd = [INTERLEAVE, "run", "--workers", "1", "--executions", "1", "--max-steps",
                   str(N_CALLS * 2), "--", CALLS, str(N_CALLS)]
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        else:
            data = os.path.join(work, "data")
            os.mkdir(data)
            subprocess.run([CALLS, str(N_CALLS)], env=env, cwd=data, check=True)
        return float(open(out).read())


def sync_ns(mode, controlled):
    """ns per call pair (calls) or per round trip (pingpong) of bench/run_sync.c."""
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out")
        env = dict(os.environ, BENCH_OUT=out)
        if controlled:
            cmd = [INTERLEAVE, "run", "--workers", "1", "--threads", "2", "--executions", "1",
                   "--max-steps", str(N_SYNC * 20), "--", SYNC, mode, str(N_SYNC)]
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        else:
            subprocess.run([SYNC, mode, str(N_SYNC)], env=env, cwd=work, check=True)
        return float(open(out).read())


def pool_rates(executions):
    """The Python thread-pool store (--lock thread, 2 threads x 2 increments): controlled, and
    uncontrolled, in executions per second."""
    cmd = [INTERLEAVE, "run", "--json", "--workers", "1", "--threads", "3", "--strategy", "pct",
           "--executions", str(executions), "--", *PY_POOL, "--lock", "thread", "run", "2"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    start = time.monotonic()
    for _ in range(max(10, executions // 5)):
        with tempfile.TemporaryDirectory() as data:
            subprocess.run([*PY_POOL, "--lock", "thread", "run", "2"], cwd=data, check=True)
    raw = max(10, executions // 5) / (time.monotonic() - start)
    return report["executions"] / report["stats"]["elapsed_s"], raw


def controlled_rate(store, executions):
    cmd = [INTERLEAVE, "run", "--json", "--workers", "2", "--executions", str(executions),
           "--", *store, "--lock", "flock", "run", "2"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return report["executions"] / report["stats"]["elapsed_s"]


def uncontrolled_rate(store, executions):
    """The same two workers, started together in a fresh directory and waited for."""
    start = time.monotonic()
    for _ in range(executions):
        with tempfile.TemporaryDirectory() as data:
            env = dict(os.environ, INTERLEAVE_WORKERS="2")
            procs = [subprocess.Popen([*store, "--lock", "flock", "run", "2"], cwd=data,
                                      env=dict(env, INTERLEAVE_WORKER=str(w))) for w in range(2)]
            for p in procs:
                p.wait()
    return executions / (time.monotonic() - start)


def main():
    plain = statistics.median(per_call_ns(False) for _ in range(REPEATS))
    shimmed = statistics.median(per_call_ns(True) for _ in range(REPEATS))
    print(f"intercepted pread: {plain:.0f} ns uncontrolled, {shimmed:.0f} ns under the shim: "
          f"{(shimmed - plain) / 1000:.2f} us added per call (median of {REPEATS} runs of "
          f"{N_CALLS} calls; goal <= 2 us)")
    for name, store, n in (("C", C_STORE, 300), ("Python", PY_STORE, 60)):
        ctl = controlled_rate(store, n)
        raw = uncontrolled_rate(store, max(10, n // 5))
        print(f"{name} example (2 workers x 2 increments, flock twin): {ctl:.1f} executions/s "
              f"under interleave run, {raw:.1f}/s uncontrolled ({raw / ctl:.1f}x)")
    plain = statistics.median(sync_ns("calls", False) for _ in range(REPEATS))
    shimmed = statistics.median(sync_ns("calls", True) for _ in range(REPEATS))
    print(f"mutex lock + unlock, a second thread waiting: {plain:.0f} ns uncontrolled, "
          f"{shimmed:.0f} ns under the shim: {(shimmed - plain) / 1000:.2f} us added per pair "
          f"(median of {REPEATS} runs of {N_SYNC}; goal <= 2 us per call)")
    plain = statistics.median(sync_ns("pingpong", False) for _ in range(REPEATS))
    shimmed = statistics.median(sync_ns("pingpong", True) for _ in range(REPEATS))
    print(f"mutex + condition variable ping-pong, 2 threads: {plain / 1000:.2f} us per round trip "
          f"uncontrolled, {shimmed / 1000:.2f} us under control ({shimmed / plain:.1f}x; goal "
          f"<= 3x)")
    ctl, raw = pool_rates(60)
    print(f"Python thread-pool store (2 threads x 2 increments, threading.Lock): {ctl:.1f} "
          f"executions/s under interleave run, {raw:.1f}/s uncontrolled ({raw / ctl:.1f}x)")


if __name__ == "__main__":
    main()
