#!/usr/bin/env bash
# Builds and tests pulab on the GPU machine against the LibTorch inside its PyTorch wheel, with the
# other dependencies from ./gpu-deps (made here by scripts/gpu-deps.sh, carried there by the device
# tool). Run from the repository root, on the GPU machine:
#   bash scripts/gpu-build.sh           # smoke-test gpu-deps, configure, build, ctest -L fast
#   bash scripts/gpu-build.sh --all     # ... and every test (slow tier too)
#   bash scripts/gpu-build.sh --no-tests | --configure-only | --build-dir DIR | -j N
# Logs go to $OUT when it is set (the device tool brings back what is written there), else to
# <build dir>/gpu-logs. Steps and what each one proves are in docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD_DIR=build-gpu
TESTS=fast
JOBS=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --all) TESTS=all ;;
    --no-tests) TESTS=none ;;
    --configure-only) TESTS=configure ;;
    --build-dir) BUILD_DIR=$2; shift ;;
    -j) JOBS=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "gpu-build: error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
LOG_DIR=${OUT:-$BUILD_DIR/gpu-logs}
mkdir -p "$LOG_DIR"
# Flat file names: the device tool returns at most 8 files, two folders deep, named [A-Za-z0-9._-].
ENV_LOG=$LOG_DIR/gpu-env.txt

die() { echo "gpu-build: error: $*" >&2; echo "error: $*" >>"$ENV_LOG"; exit 1; }
step() { echo "gpu-build: $* ($(date -u +%H:%M:%S))"; }
: >"$ENV_LOG"

# --- what is needed, checked before anything slow ---
DEPS=$ROOT/gpu-deps
[ -f "$DEPS/pulab-gpu-deps.cmake" ] || die "gpu-deps/ is missing or incomplete: run 'bash scripts/gpu-deps.sh' on Debian 12 and pass carry: [\"gpu-deps\"] to the device tool"
command -v cmake >/dev/null || die "cmake is not on the PATH"
CXX_BIN=${CXX:-$(command -v g++ || command -v c++ || true)}
[ -n "$CXX_BIN" ] || die "no C++ compiler (g++ or c++) on the PATH"
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "$PYTHON is not on the PATH (the wheel's LibTorch is found through it)"
# stderr apart: an import warning must not land among the five lines read below.
torch_err=$(mktemp)
torch_info=$("$PYTHON" - 2>"$torch_err" <<'EOF'
import torch
print(torch.utils.cmake_prefix_path)
print(torch.__version__)
print(int(torch.compiled_with_cxx11_abi()))
print(torch.version.cuda or "none")
print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU visible")
EOF
) || die "$PYTHON cannot import torch: $(tail -1 "$torch_err")"
rm -f "$torch_err"
{ read -r TORCH_PREFIX; read -r TORCH_VERSION; read -r TORCH_CXX11_ABI; read -r TORCH_CUDA; read -r GPU_NAME; } <<<"$torch_info"
[ -f "$TORCH_PREFIX/Torch/TorchConfig.cmake" ] || die "no Torch/TorchConfig.cmake under $TORCH_PREFIX (torch.utils.cmake_prefix_path)"
# pulab links Debian's Boost, GoogleTest and libcrypto, compiled with the C++11 string ABI; an
# old-ABI LibTorch cannot share a process with them (cmake/pulab_check_torch.cmake stops too, later).
[ "$TORCH_CXX11_ABI" = 1 ] || die "torch $TORCH_VERSION is built with the pre-C++11 ABI (torch.compiled_with_cxx11_abi() is False); Debian's libraries in gpu-deps use the C++11 ABI. Use PyTorch >= 2.7 or a cxx11-ABI LibTorch archive"

# CUDA: the wheel's CMake package looks for the CUDA toolkit (nvcc, headers) when torch has CUDA.
NVCC=$(command -v nvcc || true)
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
cuda_args=()
if [ "$TORCH_CUDA" != none ]; then
  [ -n "$NVCC" ] || die "torch $TORCH_VERSION has CUDA $TORCH_CUDA but no nvcc was found (PATH, /usr/local/cuda): LibTorch's CMake package needs the CUDA toolkit"
  cuda_args=(-DCUDAToolkit_ROOT="$(dirname "$(dirname "$(readlink -f "$NVCC")")")" -DCMAKE_CUDA_COMPILER="$NVCC")
  # pulab compiles no CUDA code; naming the H200's architecture spares LibTorch's CMake its
  # detection run (a compiled probe program) and gives the same flags every time.
  export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
fi

glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  # shellcheck disable=SC1091
  echo "os: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") ($(uname -m))"
  echo "glibc: ${glibc:-unknown}"
  echo "compiler: $CXX_BIN: $("$CXX_BIN" --version | head -1)"
  echo "cmake: $(cmake --version | head -1)"
  echo "nvcc: ${NVCC:-none} $([ -n "$NVCC" ] && "$NVCC" --version | tail -1)"
  echo "torch: $TORCH_VERSION, CUDA $TORCH_CUDA, cxx11 ABI $TORCH_CXX11_ABI, $GPU_NAME"
  echo "torch cmake prefix: $TORCH_PREFIX"
  echo "cores: $(nproc), build jobs: $JOBS, tests: $TESTS"
  sed -n 2,10p "$DEPS/MANIFEST.txt"
} | tee -a "$ENV_LOG"
# Debian 12's static libraries, linked here, need a glibc that has the symbols they were compiled
# against (2.36's headers; linked on Debian 12 the smoke program needs GLIBC_2.34). Warn only: the
# smoke test below is the real check.
if [ -n "$glibc" ] && [ "$(printf '%s\n2.34\n' "$glibc" | sort -V | head -1)" != 2.34 ]; then
  echo "gpu-build: warning: glibc $glibc is older than 2.34; Debian 12's static libraries may not link" | tee -a "$ENV_LOG" >&2
fi

# --- 1. gpu-deps alone: does Debian 12's code link and run with this toolchain? (seconds) ---
step "smoke test of gpu-deps"
SMOKE_DIR=$BUILD_DIR/gpu-deps-smoke
if ! { cmake -C "$DEPS/pulab-gpu-deps.cmake" -S scripts/gpu-deps-smoke -B "$SMOKE_DIR" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
         -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
       && cmake --build "$SMOKE_DIR" -j"$JOBS" && "$SMOKE_DIR/smoke"; } >"$LOG_DIR/smoke.log" 2>&1; then
  tail -20 "$LOG_DIR/smoke.log" >&2
  die "gpu-deps does not build, link or run here (log: smoke.log): Debian 12's libraries need a newer glibc/libstdc++ than this machine has, or gpu-deps is incomplete"
fi

# --- 2. configure ---
step "configure into $BUILD_DIR"
# CMAKE_POLICY_VERSION_MINIMUM: a CMake >= 4 (pip's) refuses package files that ask for
# compatibility with CMake < 3.5; older CMakes ignore the variable.
if ! cmake -C "$DEPS/pulab-gpu-deps.cmake" -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
     -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
     "${cuda_args[@]}" >"$LOG_DIR/configure.log" 2>&1; then
  tail -30 "$LOG_DIR/configure.log" >&2
  die "configure failed (log: configure.log)"
fi
grep -E 'pulab: LibTorch|Found (Boost|GTest|OpenSSL|ZLIB)' "$LOG_DIR/configure.log" | tee -a "$ENV_LOG" || true

[ "$TESTS" = configure ] && { step "done (configure only)"; exit 0; }

# --- 3. build ---
step "build with $JOBS jobs"
start=$(date +%s)
if ! cmake --build "$BUILD_DIR" -j"$JOBS" >"$LOG_DIR/build.log" 2>&1; then
  grep -E 'error|Error' "$LOG_DIR/build.log" | head -30 >&2
  die "build failed (log: build.log)"
fi
echo "build: $(( $(date +%s) - start )) s" | tee -a "$ENV_LOG"

# --- 4. tests ---
[ "$TESTS" = none ] && { step "done (tests skipped)"; exit 0; }
step "ctest ($TESTS)"
label_args=()
[ "$TESTS" = fast ] && label_args=(-L fast)
start=$(date +%s)
set +e
ctest --test-dir "$BUILD_DIR" "${label_args[@]}" -j"$JOBS" --output-on-failure --timeout 600 \
  --output-junit "$(readlink -f "$LOG_DIR")/ctest-junit.xml" >"$LOG_DIR/ctest.log" 2>&1
rc=$?
set -e
echo "ctest: exit $rc, $(( $(date +%s) - start )) s; $(grep -E 'tests passed|tests failed' "$LOG_DIR/ctest.log" | tail -1)" | tee -a "$ENV_LOG"
grep -E '^\s*[0-9]+ - .*\((Failed|Timeout|Not Run|SEGFAULT|Subprocess)' "$LOG_DIR/ctest.log" | head -40 | tee -a "$ENV_LOG" || true
# The GPU test of the suite says whether it trained on CUDA or was skipped.
grep -E 'Cuda[A-Za-z]*.*(Passed|Failed|Skipped)' "$LOG_DIR/ctest.log" | tee -a "$ENV_LOG" || true
[ "$rc" = 0 ] || die "ctest reported failures (log: ctest.log)"
step "done"
