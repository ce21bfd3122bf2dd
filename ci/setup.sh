#!/usr/bin/env bash
# Installs every package the build, tests and benchmarks need (Debian bookworm). Idempotent: quiet
# and quick when everything is already installed. Must run as root when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libboost-context-dev
  procps util-linux
  python3 python3-jsonschema python3-fastapi python3-httpx python3-anyio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Python examples and tests run on Debian's interpreter (/usr/bin/python3) and Debian's packages:
# jsonschema validates the JSON reports against docs/report.schema.json; FastAPI, httpx and anyio
# are the async service's.
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "ci/setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
