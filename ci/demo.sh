#!/usr/bin/env bash
# The main job: set up, build, and run `interleave matrix` on the built-in stores.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target interleave
./build/interleave matrix "$@"
