#!/usr/bin/env python3
"""The replay corpus: schedule tokens and a digest of the trace each replays to.

    tools/replay_corpus.py make  BINARY TOKENS... > cli/testdata/replay_corpus.txt
    tools/replay_corpus.py check BINARY CORPUS

`make` replays every token with `BINARY replay --json` and prints one line per token:
"<token> <verdict> <steps> <digest>", the digest an FNV-1a 64 hash of the trace's steps written
as "actor label [object access]" lines. `check` replays every line of a corpus and fails (exit 1)
naming each token whose verdict, step count or digest differs. A corpus made before a change and
checked after it shows that the change kept every schedule's meaning (what #19 and #22 promise).
"""
import json
import subprocess
import sys


def digest(trace):
    h = 0xcbf29ce484222325
    for step in trace:
        line = f"{step['actor']} {step['label']} [{step.get('object', '')} {step.get('access', '')}]\n"
        for byte in line.encode():
            h ^= byte
            h = (h * 0x100000001b3) & 0xffffffffffffffff
    return f"{h:016x}"


def replay(binary, token):
    out = subprocess.run([binary, "replay", "--json", "--schedule", token],
                         capture_output=True, text=True, check=False)
    report = json.loads(out.stdout)
    bug = report.get("bug") or {}
    trace = bug.get("trace", [])
    return report["verdict"], len(trace), digest(trace)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("make", "check"):
        sys.exit(__doc__)
    binary = sys.argv[2]
    if sys.argv[1] == "make":
        for token in sys.argv[3:]:
            verdict, steps, d = replay(binary, token)
            print(token, verdict, steps, d)
        return
    failed = 0
    lines = [l.split() for l in open(sys.argv[3]) if l.strip() and not l.startswith("#")]
    for token, verdict, steps, d in lines:
        got = replay(binary, token)
        if got != (verdict, int(steps), d):
            failed += 1
            print(f"differs: {token}: expected {verdict} {steps} {d}, got {got[0]} {got[1]} {got[2]}")
    print(f"replay corpus: {len(lines) - failed} of {len(lines)} tokens replay to the identical trace")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
