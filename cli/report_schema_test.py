#!/usr/bin/python3
"""Every JSON report validates against the one schema (docs/report.schema.json): explore, replay
and run, passing and failing, a replay that cannot be judged, an interrupted run, and a run whose
workers escaped control. Run by CTest (cli/CMakeLists.txt):

    report_schema_test.py INTERLEAVE_BINARY C_STORE RUN_WORKER SCHEMA
"""
import json
import os
import subprocess
import sys

import jsonschema

binary, c_store, run_worker, schema_path = sys.argv[1:5]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = 0


def report(args, expect_code, expect_result, env=None):
    global failures
    full_env = dict(os.environ, **(env or {}))
    out = subprocess.run([binary] + args + ["--json"] if "--" not in args else
                         [binary] + args[:args.index("--")] + ["--json"] + args[args.index("--"):],
                         capture_output=True, text=True, env=full_env, check=False)
    name = " ".join(args)
    try:
        doc = json.loads(out.stdout)
    except json.JSONDecodeError:
        print(f"FAIL {name}: stdout is not one JSON object (exit {out.returncode}):\n"
              f"{out.stdout}\n{out.stderr}")
        failures += 1
        return None
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    problems = [f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors]
    if out.returncode != expect_code:
        problems.append(f"exit {out.returncode}, expected {expect_code}: {out.stderr.strip()}")
    if doc.get("result") != expect_result:
        problems.append(f"result {doc.get('result')!r}, expected {expect_result!r}")
    if problems:
        failures += 1
        print(f"FAIL {name}:\n  " + "\n  ".join(problems))
    else:
        print(f"ok   {name}: {doc['command']} {doc['target']['kind']} {doc['result']}")
    return doc


bug = report(["explore", "--scenario", "lost-update", "--store", "unlocked"], 1, "bug")
report(["explore", "--scenario", "lost-update", "--store", "mutex", "--strategy", "dpor"], 0, "pass")
report(["explore", "--scenario", "lost-update", "--store", "mutex", "--strategy", "pct",
        "--executions", "50"], 0, "pass")
report(["explore", "--scenario", "lost-update", "--store", "mutex", "--executions", "5"], 130,
       "interrupted", env={"INTERLEAVE_TEST_SIGNAL": "explore:2:INT"})
if bug:
    report(["replay", "--schedule", bug["bug"]["schedule"]], 1, "bug")


def token(body):
    """A token with its checksum (FNV-1a 32 of the body, as harness/schedule.cc makes it)."""
    h = 2166136261
    for byte in body.encode():
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return f"{body}:{h:08x}"


# One decision for a run that needs many: the replay cannot be judged.
report(["replay", "--schedule", token("I1:lost-update:unlocked:threads:a2o2:a")], 2, "error")
report(["explore", "--scenario", "durability", "--store", "ack-before-sync", "--crashes", "1",
        "--persistence", "torn", "--strategy", "dfs"], 1, "bug")

store = [c_store, "run", "2"]
run_bug = report(["run", "--workers", "2", "--check", f"{c_store} check 2", "--"] + store, 1,
                 "bug")
report(["run", "--workers", "2", "--strategy", "dpor", "--check", f"{c_store} check 2", "--",
        c_store, "--lock", "flock", "run", "2"], 0, "pass")
if run_bug:
    token = run_bug["bug"]["schedule"]
    replayed = report(["run", "--workers", "2", "--check", f"{c_store} check 2", "--schedule",
                       token, "--"] + store, 1, "bug")
    again = report(["replay", "--schedule", token, "--check", f"{c_store} check 2", "--"] + store,
                   1, "bug")
    for doc in (replayed, again):
        if doc and doc["bug"]["trace"] != run_bug["bug"]["trace"]:
            failures += 1
            print(f"FAIL the replay of {token} ran another trace")
report(["run", "--workers", "1", "--", run_worker, "map-shared"], 2, "not-controlled")

if failures:
    print(f"{failures} report(s) do not fit docs/report.schema.json")
    sys.exit(1)
print("every report fits docs/report.schema.json")
