#!/usr/bin/env bash
# A fuzzing campaign: set up, build the fuzz preset (clang, libFuzzer, ASan + UBSan), run one fuzz
# target for a while on a working copy of its seed corpus, and report every crash with the line
# that reproduces it. Exits non-zero when a crash was found, so CI notices.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: ci/fuzz.sh [--merge] [--expect-bug] TARGET [SECONDS] [JOBS]

  TARGET        log_fuzzer, schedule_fuzzer or cli_fuzzer
  SECONDS       total fuzzing time (default 60)
  JOBS          fuzzing processes in parallel (default 1; more use libFuzzer -jobs/-workers)
  --merge       merge the inputs that add coverage back into fuzz/corpus/TARGET (refused for
                schedule_fuzzer with INTERLEAVE_FUZZ_STORE or INTERLEAVE_FUZZ_MODE set: that corpus
                must pass unpinned in threads mode, see fuzz/corpus_test.cc)
  --expect-bug  invert the verdict: exit 0 only if a crash was found (a campaign against a store
                with known bugs, checking that the fuzzer finds one)

environment:
  INTERLEAVE_FUZZ_STORE=NAME   schedule_fuzzer: pin the store variant
  INTERLEAVE_FUZZ_MODE=MODE    schedule_fuzzer: threads (default), processes or mixed
  FUZZ_RESULTS=DIR             where the run goes (default build-fuzz/fuzz-results/TARGET-TIME-PID):
                               corpus/ (the working corpus, kept when DIR is reused), artifacts/
                               (crashes, emptied at the start), fuzz.log

exit status: 0 no crash (with --expect-bug: a crash); 1 a crash (with --expect-bug: none);
             2 usage error, or the fuzzer failed without leaving a crash artifact
EOF
}

merge=0
expect_bug=0
args=()
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --merge) merge=1 ;;
    --expect-bug) expect_bug=1 ;;
    -*) echo "ci/fuzz.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
    *) args+=("$arg") ;;
  esac
done
if [ ${#args[@]} -lt 1 ] || [ ${#args[@]} -gt 3 ]; then usage >&2; exit 2; fi
target=${args[0]}
seconds=${args[1]:-60}
jobs=${args[2]:-1}
case "$target" in
  log_fuzzer | schedule_fuzzer | cli_fuzzer) ;;
  *) echo "ci/fuzz.sh: unknown target '$target' (log_fuzzer, schedule_fuzzer, cli_fuzzer)" >&2
     exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ && "$jobs" =~ ^[1-9][0-9]*$ ]]; then
  echo "ci/fuzz.sh: SECONDS and JOBS must be positive integers" >&2
  exit 2
fi
pinned="${INTERLEAVE_FUZZ_STORE:-}${INTERLEAVE_FUZZ_MODE:-}"
env_prefix="${INTERLEAVE_FUZZ_STORE:+INTERLEAVE_FUZZ_STORE=$INTERLEAVE_FUZZ_STORE }"
env_prefix+="${INTERLEAVE_FUZZ_MODE:+INTERLEAVE_FUZZ_MODE=$INTERLEAVE_FUZZ_MODE }"
if [ "$merge" = 1 ] && [ "$target" = schedule_fuzzer ] && [ -n "$pinned" ]; then
  echo "ci/fuzz.sh: --merge is refused with INTERLEAVE_FUZZ_STORE or INTERLEAVE_FUZZ_MODE set" >&2
  exit 2
fi

bash ci/setup.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "$target" -j "$(nproc)"
binary=$PWD/build-fuzz/fuzz/$target
seeds=$PWD/fuzz/corpus/$target

results=${FUZZ_RESULTS:-$PWD/build-fuzz/fuzz-results/$target-$(date +%Y%m%d-%H%M%S)-$$}
# A reused FUZZ_RESULTS keeps its working corpus; its old artifacts would count as new crashes.
rm -rf "$results/artifacts"
mkdir -p "$results/corpus" "$results/artifacts"
results=$(cd "$results" && pwd)
cp -r "$seeds/." "$results/corpus/"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

flags=(-max_total_time="$seconds" -timeout=60 -print_final_stats=1
       -artifact_prefix="$results/artifacts/")
if [ "$jobs" -gt 1 ]; then flags+=(-jobs="$jobs" -workers="$jobs"); fi
config=${pinned:+, store=${INTERLEAVE_FUZZ_STORE:-any} mode=${INTERLEAVE_FUZZ_MODE:-threads}}
echo "== $target for ${seconds}s, $jobs job(s)$config: $results =="
start=$(date +%s.%N)
status=0
# -jobs writes fuzz-N.log into the working directory: run inside the results directory.
(cd "$results" && "$binary" "${flags[@]}" corpus) >"$results/fuzz.log" 2>&1 || status=$?
end=$(date +%s.%N)
tail -n 5 "$results/fuzz.log"
shopt -s nullglob
if [ "$jobs" -gt 1 ]; then tail -q -n 3 "$results"/fuzz-*.log; fi

crashes=("$results"/artifacts/{crash,leak,timeout,oom}-*)
if [ ${#crashes[@]} -eq 0 ] && [ "$status" != 0 ]; then
  echo "ci/fuzz.sh: $target exited with status $status without a crash artifact (see above)" >&2
  exit 2
fi
if [ ${#crashes[@]} -eq 0 ]; then
  awk -v s="$start" -v e="$end" -v st="$status" \
    'BEGIN { printf "== no crash in %.0f s (libFuzzer exit status %d) ==\n", e - s, st }'
else
  # Time to the first bug: the earliest artifact's modification time since the start.
  first=$(for c in "${crashes[@]}"; do date -r "$c" +%s.%N; done | sort -n | head -n 1)
  awk -v s="$start" -v f="$first" -v n="${#crashes[@]}" \
    'BEGIN { d = f - s; if (d < 0) d = 0
             printf "== %d crash(es); the first after %.1f s ==\n", n, d }'
  for crash in "${crashes[@]}"; do
    echo "-- $crash"
    # Re-run the input alone: the report (and for schedule_fuzzer the replay line) is printed
    # before the abort.
    report=$("$binary" "$crash" 2>&1 || true)
    if [ "$target" = schedule_fuzzer ]; then
      grep -E '^(schedule_fuzzer: BUG|replay:)' <<<"$report" ||
        echo "$report" | tail -n 20
    else
      grep -E '^((log|cli)_fuzzer: property violated|SUMMARY:)' <<<"$report" ||
        echo "$report" | tail -n 20
    fi
    echo "reproduce: $env_prefix$binary $crash"
  done
fi

if [ "$merge" = 1 ]; then
  before=$(find "$seeds" -type f | wc -l)
  "$binary" -merge=1 "$seeds" "$results/corpus" >"$results/merge.log" 2>&1
  echo "== merged into fuzz/corpus/$target: $before -> $(find "$seeds" -type f | wc -l) inputs =="
fi

if [ "$expect_bug" = 1 ]; then
  [ ${#crashes[@]} -gt 0 ] || { echo "ci/fuzz.sh: expected a bug, found none" >&2; exit 1; }
  exit 0
fi
[ ${#crashes[@]} -eq 0 ] || exit 1
