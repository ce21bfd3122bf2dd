#!/usr/bin/env bash
# Installs interleave (default preset, already built) into a scratch prefix, builds the examples
# against it with find_package, and checks them: examples/store_suite (the correct store, locked
# with a std::mutex, passes and DPOR exhausts it clean; its broken copy fails with a replay line,
# and that replay line fails the same way again),
# examples/program_test (the Python store as 2 workers from GoogleTest: without a lock it fails
# with a replay line that replays the same schedule; with flock it passes DPOR) and
# examples/custom_ops.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install build --prefix "$work/prefix" >/dev/null
cmake -S examples/store_suite -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j "$(nproc)"

echo "== example: the correct store passes =="
"$work/build/tiny_kv_test"

echo "== example: its std::mutex is the scheduler's: DPOR exhausts lost-update clean =="
INTERLEAVE_PARAMS='strategy=dpor' "$work/build/tiny_kv_test" --gtest_filter='*lost_update*' \
  >"$work/dpor.txt" 2>&1 || { cat "$work/dpor.txt" >&2; echo "example: dpor failed" >&2; exit 1; }
grep -q "^exhausted: every schedule in scope was run" "$work/dpor.txt" ||
  { cat "$work/dpor.txt" >&2; echo "example: dpor did not exhaust" >&2; exit 1; }

echo "== example: the broken copy fails with a replay line =="
if "$work/build/tiny_kv_broken_test" >"$work/broken.txt" 2>&1; then
  echo "example: the broken store passed, but it must fail" >&2
  exit 1
fi
replay=$(grep -m1 '^replay:  INTERLEAVE_REPLAY=' "$work/broken.txt" | sed 's/^replay:  //')
if [ -z "$replay" ]; then
  echo "example: the failure printed no replay line" >&2
  cat "$work/broken.txt" >&2
  exit 1
fi
echo "$replay"
token=${replay#INTERLEAVE_REPLAY=}
token=${token%% *}
if env $replay >"$work/replayed.txt" 2>&1; then
  echo "example: the replay line did not reproduce the failure" >&2
  exit 1
fi
grep -q "INTERLEAVE_REPLAY=$token " "$work/replayed.txt"
echo "example: the replay line reproduced the same schedule"

echo "== examples/program_test: a Python program as 2 workers, from GoogleTest =="
cmake -S examples/program_test -B "$work/program" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/program" -j "$(nproc)"
program_test="$work/program/store_py_test"
"$program_test" --gtest_filter='*WithFlock*' >"$work/p_fixed.txt" 2>&1 ||
  { cat "$work/p_fixed.txt" >&2; echo "example program_test: the flock twin failed" >&2; exit 1; }
grep -q "^exhausted: every schedule in scope was run" "$work/p_fixed.txt" ||
  { cat "$work/p_fixed.txt" >&2; echo "example program_test: dpor did not exhaust" >&2; exit 1; }
if "$program_test" --gtest_filter='*WithoutALock*' >"$work/p_plain.txt" 2>&1; then
  echo "example program_test: the store without a lock passed, but it must fail" >&2
  exit 1
fi
replay=$(grep -m1 '^replay:  INTERLEAVE_REPLAY=' "$work/p_plain.txt" | sed 's/^replay:  //')
[ -n "$replay" ] || { cat "$work/p_plain.txt" >&2; echo "example program_test: no replay line" >&2; exit 1; }
token=${replay#INTERLEAVE_REPLAY=}
token=${token%% *}
if env $replay >"$work/p_replayed.txt" 2>&1; then
  echo "example program_test: the replay line did not reproduce the failure" >&2
  exit 1
fi
grep -q "INTERLEAVE_REPLAY=$token " "$work/p_replayed.txt" ||
  { cat "$work/p_replayed.txt" >&2; echo "example program_test: the replay found another schedule" >&2; exit 1; }
echo "program_test: $(grep -m1 '^BUG' "$work/p_plain.txt"); its replay line reproduces $token"

echo "== examples/custom_ops: a store with its own compaction, against the installed package =="
cmake -S examples/custom_ops -B "$work/custom" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/custom" -j "$(nproc)"
fixed="$work/custom/seg_kv_test"
broken="$work/custom/seg_kv_broken_test"
filter="--gtest_filter=Interleave/SegKv.SurvivesScenario/compaction_under_puts_threads"
fail() { echo "example custom_ops: $*" >&2; exit 1; }

"$fixed" >"$work/c_fixed.txt" 2>&1 || { cat "$work/c_fixed.txt" >&2; fail "the correct store failed"; }
if "$broken" "$filter" >"$work/c_broken.txt" 2>&1; then fail "the broken store passed"; fi
replay=$(grep -m1 '^replay:  INTERLEAVE_REPLAY=' "$work/c_broken.txt" | sed 's/^replay:  //')
[ -n "$replay" ] || { cat "$work/c_broken.txt" >&2; fail "no replay line"; }
token=${replay#INTERLEAVE_REPLAY=}
token=${token%% *}
if env $replay >"$work/c_replayed.txt" 2>&1; then fail "the replay line did not reproduce"; fi
grep -q "replayed: all [0-9]* decisions of the token ran" "$work/c_replayed.txt" ||
  fail "the replay did not say it ran the whole token"
grep -q "INTERLEAVE_REPLAY=$token " "$work/c_replayed.txt" || fail "the replay found another schedule"
echo "custom_ops: the broken store fails, and its replay line reproduces: $token"

# DFS with one preemption exhausts clean; with two it finds the bug.
INTERLEAVE_PARAMS="strategy=dfs preemption-bound=1" "$broken" "$filter" >"$work/c_dfs1.txt" 2>&1 ||
  { cat "$work/c_dfs1.txt" >&2; fail "dfs bound 1 found a bug"; }
grep -q "^exhausted: every schedule in scope was run" "$work/c_dfs1.txt" || fail "dfs bound 1 did not exhaust"
if INTERLEAVE_PARAMS="strategy=dfs preemption-bound=2" "$broken" "$filter" >"$work/c_dfs2.txt" 2>&1; then
  fail "dfs bound 2 missed the bug"
fi
echo "custom_ops: dfs preemption-bound=1 exhausts clean ($(grep -o 'no bug in [0-9]* executions' "$work/c_dfs1.txt")), bound 2 $(grep -o 'found in execution [0-9]*' "$work/c_dfs2.txt")"

# PCT: depth 1 misses it in 10 seeds x 2000 executions, depth 3 finds it in each.
for seed in 1 2 3 4 5 6 7 8 9 10; do
  INTERLEAVE_PARAMS="strategy=pct depth=1 executions=2000 seed=$seed" "$broken" "$filter" \
    >"$work/c_pct1.txt" 2>&1 || { cat "$work/c_pct1.txt" >&2; fail "pct depth 1 seed $seed found it"; }
  if INTERLEAVE_PARAMS="strategy=pct depth=3 executions=2000 seed=$seed" "$broken" "$filter" \
    >"$work/c_pct3.txt" 2>&1; then
    fail "pct depth 3 seed $seed missed it"
  fi
  echo "custom_ops: pct seed $seed: depth 1 clean in 2000, depth 3 $(grep -o 'found in execution [0-9]*' "$work/c_pct3.txt")"
done

# The fixed twin is clean under DPOR to exhaustion.
INTERLEAVE_PARAMS="strategy=dpor" "$fixed" >"$work/c_dpor.txt" 2>&1 ||
  { cat "$work/c_dpor.txt" >&2; fail "the fixed store failed under dpor"; }
[ "$(grep -c '^exhausted: every schedule in scope was run' "$work/c_dpor.txt")" -ge 2 ] ||
  fail "dpor did not exhaust every scenario of the fixed store"
echo "custom_ops: the fixed store is clean under dpor to exhaustion"

# The example's binary is the command line over its store: explore with DPOR, then replay.
set +e
"$broken" explore --scenario compaction-under-puts --store seg-kv --strategy dpor >"$work/c_cli.txt" 2>&1
code=$?
set -e
[ "$code" = 1 ] || { cat "$work/c_cli.txt" >&2; fail "explore --strategy dpor exited $code, not 1"; }
line=$(grep -m1 '^replay:  ' "$work/c_cli.txt" | sed 's/^replay:  //')
case "$line" in "$broken replay --schedule "*) ;; *) fail "the replay line names another binary: $line" ;; esac
set +e
$line >"$work/c_cli_replay.txt" 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "the command-line replay exited $code, not 1"
grep -q "BUG lost-update" "$work/c_cli_replay.txt" || fail "the command-line replay did not show the bug"
echo "custom_ops: $line reproduces the bug"
