#!/usr/bin/env bash
# Builds pulab and its benchmarks, then runs every benchmark and prints one table (docs/performance.md).
#   bash bench/run.sh [--threads N] [--reps N] [--only overhead python bf16 sweep efficiency memory]
# Needs Debian's python3-torch for the Python contender (installed here when missing and run as root).
# Takes ~15 minutes on the 2-core development machine; run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch >/dev/null
  else
    echo "bench: Debian's python3-torch is missing: sudo apt-get install python3-torch" >&2
    exit 2
  fi
fi
[ -d build ] || bash scripts/setup.sh
cmake --build build -j"$(nproc)" >/dev/null
exec /usr/bin/python3 bench/run.py "$@"
