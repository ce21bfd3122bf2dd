#!/usr/bin/env bash
# `interleave run` end to end on the DESIGN.md store written as plain programs (examples/
# run_programs: store.c and store.py). For 2 and 3 workers the plain store fails, through --check
# and through the history, within a second of exploration; its replay line replays to the identical
# trace 100 times of 100; the fixed twins (flock, fcntl write lock) are clean under DPOR to
# exhaustion at 2 workers x 2 operations and under 1,000 PCT executions.
# Requires the default preset built (build/interleave, build/libinterleave_shim.so and
# build/examples/run_programs/store).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/interleave
c_store="$PWD/build/examples/run_programs/store"
# The interpreter itself (not a wrapper script such as pyenv's), without site packages: start-up is
# most of a Python execution's time.
python=$(python3 -c 'import sys; print(sys.executable)')
py_store="$python -S $PWD/examples/run_programs/store.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# field FILE PATH: a field of a JSON report (docs/report.md), PATH dotted ("stats.elapsed_s").
field() {
  python3 -c "import json,sys,functools; print(functools.reduce(lambda d,k: d[k], sys.argv[2].split('.'), json.load(open(sys.argv[1]))))" "$@"
}

# plain LANGUAGE STORE WORKERS ORACLE: the plain store fails within a second, and its replay
# line replays the identical trace 100 times of 100.
plain() {
  local lang=$1 store=$2 workers=$3 oracle=$4 args=()
  [ "$oracle" = check ] && args=(--check "$store check 2")
  # Shrinking costs a few hundred executions: Python's (tens of ms each) report the schedule found.
  [ "$lang" = Python ] && args+=(--no-shrink)
  local out="$work/plain.json" code=0
  $bin run --json --workers "$workers" "${args[@]}" -- $store run 2 >"$out" || code=$?
  if [ "$code" != 1 ]; then
    echo "run_programs: $lang plain store, $workers workers ($oracle): exit $code, expected a bug" >&2
    cat "$out" >&2
    exit 1
  fi
  local verdict elapsed replay
  verdict=$(field "$out" verdict)
  elapsed=$(field "$out" stats.elapsed_s)
  replay=$(field "$out" bug.replay)
  echo "$lang plain, $workers workers, $oracle: $verdict in $elapsed s of exploration"
  # More than a second for a bug found in the first execution is the machine's load (this one is
  # shared), not the search's: warn. More than a second over several executions fails.
  if ! python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$elapsed"; then
    if [ "$(field "$out" executions)" = 1 ]; then
      echo "  warning: the first execution found it, but took $elapsed s (a loaded machine?)"
    else
      echo "run_programs: took $elapsed s over $(field "$out" executions) executions" >&2
      exit 1
    fi
  fi
  local again="$work/again.txt"
  code=0
  eval "${replay/interleave run/$bin run --repeat 100}" >"$again" || code=$?
  grep -q "identical trace and verdict 100 of 100" "$again" && [ "$code" = 1 ] || {
    echo "run_programs: the replay line did not replay identically 100 times:" >&2
    cat "$again" >&2
    exit 1
  }
  echo "  replayed 100 times: identical trace 100 of 100"
}

# dpor_start LANGUAGE STORE LOCK: starts the fixed twin's DPOR run (2 workers x 2 operations) in
# the background; dpor_check LANGUAGE LOCK waits for it and requires it clean and exhausted. A DPOR
# run is one engine (its parts gain nothing here), so the twins' runs go side by side, a core each.
declare -A dpor_pids
dpor_start() {
  local lang=$1 store=$2 lock=$3
  $bin run --json --workers 2 --strategy dpor --check "$store check 2" -- $store --lock "$lock" run 2 \
    >"$work/dpor-$lang-$lock.json" &
  dpor_pids[$lang-$lock]=$!
}
dpor_check() {
  local lang=$1 lock=$2 out="$work/dpor-$1-$2.json" code=0
  wait "${dpor_pids[$lang-$lock]}" || code=$?
  [ "$code" = 0 ] || { echo "run_programs: $lang $lock twin under DPOR:" >&2; cat "$out" >&2; exit 1; }
  [ "$(field "$out" exhausted)" = True ] || { echo "run_programs: DPOR not exhausted" >&2; exit 1; }
  echo "$lang --lock $lock: clean under DPOR, exhausted in $(field "$out" executions) executions"
}

# pct_clean LANGUAGE STORE LOCK PCT_EXECUTIONS: the fixed twin is clean under PCT, on every core
# (--jobs: the executions are the same in number and kind).
pct_clean() {
  local lang=$1 store=$2 lock=$3 pct=$4 out="$work/pct.json"
  $bin run --json --jobs "$(nproc)" --workers 2 --strategy pct --executions "$pct" \
    --check "$store check 2" -- \
    $store --lock "$lock" run 2 >"$out" ||
    { echo "run_programs: $lang $lock twin under PCT:" >&2; cat "$out" >&2; exit 1; }
  echo "$lang --lock $lock: clean under $(field "$out" executions) PCT executions"
}

# Start-up: load the interpreter and the store once, uncontrolled, so that the second is the
# exploration's and not a cold page cache's.
(cd "$work" && $py_store run 1 && $c_store run 1 && rm -f database.bin) >/dev/null

for workers in 2 3; do
  for oracle in check history; do
    plain C "$c_store" "$workers" "$oracle"
    plain Python "$py_store" "$workers" "$oracle"
  done
done
for lock in flock fcntl; do
  dpor_start C "$c_store" "$lock"
  dpor_start Python "$py_store" "$lock"
done
for lock in flock fcntl; do
  dpor_check C "$lock"
  dpor_check Python "$lock"
done
for lock in flock fcntl; do
  pct_clean C "$c_store" "$lock" 1000
  # 1,000 PCT executions of a Python twin take 80 to 140 s on a 2-core machine (the interpreter's
  # start-up in each); PY_PCT_EXECUTIONS=200 makes a quicker local run.
  pct_clean Python "$py_store" "$lock" "${PY_PCT_EXECUTIONS:-1000}"
done
echo "run_programs: all passed"
