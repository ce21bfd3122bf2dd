#!/usr/bin/env bash
# Installs interleave (default preset, already built) into a scratch prefix, builds examples/
# store_suite against it with find_package, and checks that the example's correct store passes,
# its broken copy fails with a replay line, and that replay line fails the same way again.
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
