#!/usr/bin/env bash
# Runs the whole test suite through ctest. The data tests read the real MNIST and FashionMNIST
# files, fetched (and checksum-verified) first into ./data, or $PULAB_DATA when set.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
export PULAB_DATA=${PULAB_DATA:-$PWD/data}
bash datasets/fetch.sh mnist fashion-mnist
cmake --build "$BUILD_DIR" -j"$(nproc)"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2
