#!/usr/bin/env bash
# Builds the fuzz targets the way OSS-Fuzz and ClusterFuzzLite expect (their build.sh contract):
# compilers and flags from $CC, $CXX, $CFLAGS, $CXXFLAGS, the fuzzing engine's link flags from
# $LIB_FUZZING_ENGINE, and everything the runner needs in $OUT: one binary per target and its seed
# corpus as TARGET_seed_corpus.zip (a TARGET_seed_corpus/ directory when `zip` is missing).
#
# Local run (the defaults): bash ci/build_fuzzers.sh  ->  ./out/log_fuzzer, ./out/schedule_fuzzer,
# ./out/cli_fuzzer
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -gline-tables-only -fsanitize=address,fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$PWD/out}"
build=${WORK:-$PWD/build-oss-fuzz}/interleave
targets=(log_fuzzer schedule_fuzzer cli_fuzzer)
generator=Ninja
command -v ninja >/dev/null || generator="Unix Makefiles"

# The project is C++ only: $CC and $CFLAGS are accepted for the contract and otherwise unused.
# No CMAKE_BUILD_TYPE: optimization and sanitizer flags come from $CXXFLAGS alone.
cmake -S . -B "$build" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DINTERLEAVE_FUZZ=ON \
  -DINTERLEAVE_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DINTERLEAVE_BUILD_TESTS=OFF \
  -DINTERLEAVE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
for target in "${targets[@]}"; do
  cp "$build/fuzz/$target" "$OUT/"
  rm -rf "$OUT/${target}_seed_corpus.zip" "$OUT/${target}_seed_corpus"
  if command -v zip >/dev/null; then
    (cd "fuzz/corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  else
    cp -r "fuzz/corpus/$target" "$OUT/${target}_seed_corpus"
  fi
done
echo "built into $OUT:"
ls -1 "$OUT"
