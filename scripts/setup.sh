#!/usr/bin/env bash
# Sets pulab up on Debian 12 and builds it: installs the Debian packages it needs (only those
# missing, so it is safe to run again), checks that LibTorch will use OpenBLAS, configures and
# builds into ./build.
#   bash scripts/setup.sh            # install + build
#   BUILD_DIR=out bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

packages=(
  cmake g++ make
  libtorch-dev                  # LibTorch 1.13 (CPU)
  libopenblas0-openmp           # without it LibTorch falls back to the reference BLAS: ~20x slower
  libtomlplusplus-dev           # experiment files
  libboost-dev libboost-program-options-dev libboost-filesystem-dev   # Boost.DLL, the CLI
  nlohmann-json3-dev libfmt-dev # result files, formatting
  zlib1g-dev libssl-dev         # gzip'd IDX files, SHA-256 checksums
  libgtest-dev                  # the test suite
  gnuplot-nox                   # pulab report's plots (PNG and SVG); without it the report has tables only
  r-cran-kernlab r-cran-mlbench # tabular data sets (Spambase, CoIL 2000, Satellite, Shuttle, Letter) as .rda files
  python3-rdata                 # reads those .rda files: datasets/fetch.sh converts them to CSV (no R needed)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all Debian packages present"
fi

# LibTorch links libblas.so.3; Debian's alternatives system decides which BLAS that is.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ "$blas" == *openblas* ]]; then
  echo "setup: BLAS in use is OpenBLAS ($blas)"
else
  echo "setup: WARNING: libblas.so.3 is $blas, not OpenBLAS; LibTorch will be ~20x slower." >&2
  echo "       fix: update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3" >&2
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: built $BUILD_DIR/bin/pulab"
