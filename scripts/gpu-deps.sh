#!/usr/bin/env bash
# Gathers everything pulab needs besides LibTorch into ./gpu-deps, a prefix folder that travels to
# a machine with no Debian packages and no network (the GPU machine of the device tool, which has
# PyTorch's wheel and CMake but nothing else). Run it HERE, on Debian 12 with its mirrors reachable:
#   bash scripts/gpu-deps.sh            # (re)creates ./gpu-deps, prints its size
#   GPU_DEPS_DIR=/tmp/x bash scripts/gpu-deps.sh
# Then on the GPU machine: bash scripts/gpu-build.sh (docs/gpu.md).
#
# What goes in, and why this way:
# - Debian 12's own .deb files (apt-get download, no root needed), unpacked with dpkg-deb -x: the
#   same versions the CPU build uses, so no new version enters the picture.
# - Compiled libraries as static .a (Boost.Program_options, Boost.Filesystem, GoogleTest, OpenSSL's
#   libcrypto), linked into libpulab.so and the executables; zlib as Debian's shared libz.so.1 beside
#   them (its libz.a is not position-independent: found on the GPU machine), found at run time
#   through the build tree's RPATH. Nothing else from Debian must be found at run time.
# - fmt and toml++ header-only: Debian ships them only as shared libraries (libfmt.so.9,
#   libtomlplusplus.so.3); both also work header-only (FMT_HEADER_ONLY; toml++'s default), so the
#   prefix gets small CMake package files of its own for fmt::fmt and tomlplusplus::tomlplusplus.
# - Of Boost's 150 MB of headers, only the libraries pulab's sources include and what they include in
#   turn (found with the preprocessor; whole library folders kept, so another compiler's choices
#   still find their headers, except for four large libraries of which only the files read go).
# - The C++ ABI: PyTorch's Linux wheels and LibTorch archives use the C++11 ABI
#   (_GLIBCXX_USE_CXX11_ABI=1) since PyTorch 2.7, as Debian's libraries do; gpu-build.sh checks the
#   wheel it finds and refuses an old-ABI one (docs/gpu.md has the evidence).
# - Debian 12's static libraries refer to glibc >= 2.36 and GCC 12's libstdc++ symbols: the GPU
#   machine needs a glibc and a g++ at least that new (gpu-build.sh prints both).
# - The whole working tree that travels with the device tool is limited to 64 MiB: the script refuses
#   when gpu-deps plus the tracked tree would pass GPU_DEPS_LIMIT_MIB (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEST=${GPU_DEPS_DIR:-$ROOT/gpu-deps}
LIMIT_MIB=${GPU_DEPS_LIMIT_MIB:-60}
ARCH=x86_64-linux-gnu   # the GPU machine is x86-64 (device tool notes)

die() { echo "gpu-deps: error: $*" >&2; exit 1; }

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then die "needs apt-get and dpkg-deb (run it on Debian 12)"; fi
# shellcheck disable=SC1091
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || die "the package names below are Debian 12's (bookworm); this is ${PRETTY_NAME:-unknown}"
[ "$(dpkg --print-architecture)" = amd64 ] || die "needs an amd64 Debian: the GPU machine is x86-64"

# Versioned names, not the default-version metapackages: these are the packages themselves.
packages=(
  libboost1.74-dev                   # Boost headers (Boost.DLL, Boost.Config, ...) and BoostConfig.cmake
  libboost-program-options1.74-dev   # libboost_program_options.a + its CMake package
  libboost-filesystem1.74-dev        # libboost_filesystem.a + its CMake package
  libfmt-dev                         # fmt headers (used header-only)
  libtomlplusplus-dev                # toml++ headers (used header-only)
  nlohmann-json3-dev                 # header-only + CMake package
  libssl-dev                         # OpenSSL headers + libcrypto.a (SHA-256 of data files)
  zlib1g-dev                         # zlib.h (gzip'd IDX files)
  zlib1g                             # libz.so.1: Debian's libz.a is not position-independent
  libgtest-dev                       # libgtest.a, libgtest_main.a + CMake package
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$tmp/root"

# apt-get download reads the package lists; if the system's are missing or lack a package, fetch
# private lists into the temp folder (no root needed, /var/lib/apt untouched).
apt_opts=()
if ! apt-cache show "${packages[@]}" >/dev/null 2>&1; then
  echo "gpu-deps: system package lists incomplete; fetching private lists"
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
  apt_opts=(-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update -qq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; die "apt-get update failed (are Debian's mirrors reachable?)"; }
fi
echo "gpu-deps: downloading ${#packages[@]} Debian packages"
# As root apt drops to the _apt user for downloads; a world-writable folder keeps that quiet.
chmod 777 "$tmp/debs"
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" download -q "${packages[@]}" >"$tmp/apt.log" 2>&1) \
  || { cat "$tmp/apt.log" >&2; die "apt-get download failed"; }
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
U=$tmp/root/usr

rm -rf "$DEST"
mkdir -p "$DEST/include" "$DEST/lib/$ARCH/cmake" "$DEST/share/cmake" "$DEST/share/doc"
L=$DEST/lib/$ARCH
C=$L/cmake
# The Debian layout (lib/x86_64-linux-gnu/...) is kept: the CMake package files of Boost and
# GoogleTest compute their paths relative to where they lie.

# --- compiled libraries: static only, and only position-independent ones (they end in a .so) ---
# Debian's libz.a is not position-independent (PC-relative relocations against global symbols,
# which a shared object cannot take; the link of libpulab.so failed on the GPU machine, 2026-11-30)
# and is carried as the shared library below instead. The check here catches absolute relocations
# only; Boost.Filesystem's archive has the same PC-relative kind, harmless because libpulab.so takes
# no object from it (Boost.DLL uses std::filesystem) and the executables are position-dependent
# enough for it (PIE links resolve them).
static_libs=(libboost_program_options.a libboost_filesystem.a libgtest.a libgtest_main.a libcrypto.a)
for a in "${static_libs[@]}"; do
  src=$U/lib/$ARCH/$a
  [ -f "$src" ] || die "$a is not in the downloaded packages"
  if readelf -r "$src" 2>/dev/null | grep -qE 'R_X86_64_(32|32S) '; then
    die "$a has non-PIC relocations; it cannot be linked into libpulab.so"
  fi
  cp "$src" "$L/"
done
# zlib as Debian's shared library (its SONAME libz.so.1 beside it, found at run time through the
# build tree's RPATH), with the development symlink for the linker.
libz=$(find "$tmp/root" -name 'libz.so.1.*' -type f | head -1)
[ -n "$libz" ] || die "libz.so.1 is not in the downloaded zlib1g package"
cp "$libz" "$L/libz.so.1"
ln -sf libz.so.1 "$L/libz.so"

# --- CMake packages ---
cp -r "$U/lib/$ARCH/cmake/Boost-1.74.0" "$U/lib/$ARCH/cmake/BoostDetectToolset-1.74.0.cmake" \
      "$U/lib/$ARCH/cmake/boost_headers-1.74.0" "$U/lib/$ARCH/cmake/boost_program_options-1.74.0" \
      "$U/lib/$ARCH/cmake/boost_filesystem-1.74.0" "$U/lib/$ARCH/cmake/GTest" "$C/"
# Only the static variant exists here: without its shared sibling, BoostConfig cannot pick a .so
# that did not travel.
rm -f "$C"/boost_*/libboost_*-variant-shared.cmake
rm -f "$C/GTest/GMockTargets"*.cmake   # pulab does not use GoogleMock; the include is OPTIONAL
cp -r "$U/share/cmake/nlohmann_json" "$DEST/share/cmake/"

mkdir -p "$C/fmt" "$C/tomlplusplus"
cp "$U/lib/$ARCH/cmake/fmt/fmt-config-version.cmake" "$C/fmt/"
cp "$U/lib/$ARCH/cmake/tomlplusplus/tomlplusplusConfigVersion.cmake" "$C/tomlplusplus/"
cat >"$C/fmt/fmt-config.cmake" <<'EOF'
# Written by scripts/gpu-deps.sh: Debian's fmt used header-only (FMT_HEADER_ONLY), so no libfmt.so
# has to exist where pulab runs. Same target name as upstream's package.
get_filename_component(_fmt_prefix "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(NOT TARGET fmt::fmt)
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1"
    INTERFACE_INCLUDE_DIRECTORIES "${_fmt_prefix}/include")
  add_library(fmt::fmt-header-only ALIAS fmt::fmt)
endif()
unset(_fmt_prefix)
EOF
cat >"$C/tomlplusplus/tomlplusplusConfig.cmake" <<'EOF'
# Written by scripts/gpu-deps.sh: Debian's toml++ used header-only (its default, TOML_HEADER_ONLY=1),
# so no libtomlplusplus.so has to exist where pulab runs. Same target name as upstream's package.
get_filename_component(_toml_prefix "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(NOT TARGET tomlplusplus::tomlplusplus)
  add_library(tomlplusplus::tomlplusplus INTERFACE IMPORTED)
  set_target_properties(tomlplusplus::tomlplusplus PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_toml_prefix}/include"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()
unset(_toml_prefix)
EOF

# --- headers of the header-only and compiled libraries (not Boost yet) ---
cp -r "$U/include/fmt" "$U/include/toml++" "$U/include/nlohmann" "$U/include/gtest" \
      "$U/include/openssl" "$U/include/zlib.h" "$U/include/zconf.h" "$DEST/include/"
# Debian keeps OpenSSL's two configuration headers in the multiarch folder, which only Debian's own
# compiler searches: put them beside the others.
cp "$U/include/$ARCH/openssl/"*.h "$DEST/include/openssl/"

# --- Boost: the libraries pulab includes, and what they include in turn ---
mapfile -t boost_includes < <(grep -rhoE '#include <boost/[^>]+>' framework plugins datasets tests bench examples scripts/gpu-deps-smoke \
  | sed -E 's/#include <(.*)>/\1/' | sort -u)
[ ${#boost_includes[@]} -gt 0 ] || die "found no Boost include in the sources"
probe=$tmp/boost_probe.cpp
printf '#include <%s>\n' "${boost_includes[@]}" >"$probe"
command -v g++ >/dev/null || die "needs g++ to find which Boost headers pulab's includes pull in"
# BOOST_DLL_USE_STD_FS as pulab_core compiles it (framework/CMakeLists.txt); -M lists every header read.
g++ -std=c++17 -DBOOST_DLL_USE_STD_FS -I"$U/include" -M "$probe" -MT x >"$tmp/deps.txt" \
  || die "the Boost probe does not preprocess"
# Whole library folders (boost/dll/, boost/config/, ...) and the top-level headers read: another
# compiler or standard library takes other branches of #if inside a library, rarely other libraries.
# Except the four largest, of which a few files are read (measured with Boost 1.74 and GCC 12: the
# whole folders are 21 of the 32 MiB of folders the probe reaches, the files read 1.6 MiB): of those,
# exactly the files read.
exact_only=(boost/math boost/mpl boost/numeric boost/container)
# shellcheck disable=SC1003,SC2020  # -M output: names separated by spaces and line-continuing backslashes
tr ' \\' '\n\n' <"$tmp/deps.txt" | grep -F "$U/include/boost/" | sed -E "s|^$U/include/||" | sort -u >"$tmp/boost_files.txt"
mapfile -t boost_parts < <(sed -E 's|^(boost/[^/]+)/.*|\1|' "$tmp/boost_files.txt" | sort -u)
mkdir -p "$DEST/include/boost"
for p in "${boost_parts[@]}"; do
  if [[ " ${exact_only[*]} " == *" $p "* ]]; then
    grep "^$p/" "$tmp/boost_files.txt" | (cd "$U/include" && xargs cp --parents -t "$DEST/include")
    continue
  fi
  cp -r "$U/include/$p" "$DEST/include/boost/"
  # A top-level boost/X.hpp often has a boost/X/ folder behind it (and the reverse).
  base=${p%.hpp}
  [ -d "$U/include/$base" ] && [ ! -e "$DEST/include/$base" ] && cp -r "$U/include/$base" "$DEST/include/boost/"
  [ -f "$U/include/$base.hpp" ] && [ ! -e "$DEST/include/$base.hpp" ] && cp "$U/include/$base.hpp" "$DEST/include/boost/"
done
# Every compiler's and standard library's configuration, not only this g++'s.
cp -r "$U/include/boost/config" "$U/include/boost/config.hpp" "$DEST/include/boost/"

# --- self-check: the probe and every other third-party header pulab includes resolve inside
# $DEST (-nostdinc++ is not needed: $DEST comes first; anything found in /usr/include is a miss) ---
all_probe=$tmp/all_probe.cpp
{ printf '#include <%s>\n' "${boost_includes[@]}"
  printf '#include <%s>\n' fmt/format.h toml++/toml.h nlohmann/json.hpp openssl/evp.h zlib.h gtest/gtest.h
} >"$all_probe"
g++ -std=c++17 -DBOOST_DLL_USE_STD_FS -DFMT_HEADER_ONLY=1 -I"$DEST/include" -M "$all_probe" -MT x >"$tmp/deps2.txt" \
  || die "pulab's third-party includes do not preprocess against $DEST/include alone"
# shellcheck disable=SC1003,SC2020
if misses=$(tr ' \\' '\n\n' <"$tmp/deps2.txt" | grep -E '^/usr/include/(boost|fmt|toml\+\+|nlohmann|openssl|gtest|zlib|zconf|x86_64-linux-gnu/openssl)' ); then
  die "these headers were found outside gpu-deps (missing from it): $misses"
fi

# --- licences and a manifest of what is inside ---
for deb in "$tmp"/debs/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  [ -f "$U/share/doc/$pkg/copyright" ] && { mkdir -p "$DEST/share/doc/$pkg"; cp "$U/share/doc/$pkg/copyright" "$DEST/share/doc/$pkg/"; }
done
{
  echo "# Written by scripts/gpu-deps.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ) from $PRETTY_NAME packages:"
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
  echo "# Boost header parts kept: ${boost_parts[*]} boost/config"
} >"$DEST/MANIFEST.txt"

# An initial cache for cmake -C: the package folders by explicit path (so a GPU machine's own Boost,
# fmt, ... cannot be picked instead, and no multiarch search path is needed there) and the static
# variants. Paths are relative to this file, so gpu-deps works wherever it is unpacked.
cat >"$DEST/pulab-gpu-deps.cmake" <<EOF
# Written by scripts/gpu-deps.sh. Use: cmake -C gpu-deps/pulab-gpu-deps.cmake -S . -B build-gpu ...
get_filename_component(_d "\${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
set(Boost_DIR "\${_d}/lib/$ARCH/cmake/Boost-1.74.0" CACHE PATH "")
set(Boost_USE_STATIC_LIBS ON CACHE BOOL "")
set(Boost_NO_SYSTEM_PATHS ON CACHE BOOL "")
set(fmt_DIR "\${_d}/lib/$ARCH/cmake/fmt" CACHE PATH "")
set(tomlplusplus_DIR "\${_d}/lib/$ARCH/cmake/tomlplusplus" CACHE PATH "")
set(nlohmann_json_DIR "\${_d}/share/cmake/nlohmann_json" CACHE PATH "")
set(GTest_DIR "\${_d}/lib/$ARCH/cmake/GTest" CACHE PATH "")
set(OPENSSL_USE_STATIC_LIBS TRUE CACHE BOOL "")
set(OPENSSL_ROOT_DIR "\${_d}" CACHE PATH "")
set(OPENSSL_INCLUDE_DIR "\${_d}/include" CACHE PATH "")
set(OPENSSL_CRYPTO_LIBRARY "\${_d}/lib/$ARCH/libcrypto.a" CACHE FILEPATH "")
set(ZLIB_INCLUDE_DIR "\${_d}/include" CACHE PATH "")
set(ZLIB_LIBRARY "\${_d}/lib/$ARCH/libz.so" CACHE FILEPATH "")
unset(_d)
EOF

deps_kib=$(du -sk "$DEST" | cut -f1)
tree_kib=$(( $(git ls-files -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1) / 1024 ))
total_mib=$(( (deps_kib + tree_kib + 1023) / 1024 ))
echo "gpu-deps: $DEST is $(( (deps_kib + 1023) / 1024 )) MiB ($deps_kib KiB); with the tracked tree ($(( (tree_kib + 1023) / 1024 )) MiB) $total_mib MiB travel"
du -sk "$DEST"/include/* "$L"/*.a | sort -rn | head -8 | awk '{printf "  %6d KiB  %s\n", $1, $2}' | sed "s|$DEST/||"
if [ "$total_mib" -gt "$LIMIT_MIB" ]; then
  rm -rf "$DEST"
  die "$total_mib MiB would travel, over the ${LIMIT_MIB} MiB allowed (the device tool carries 64 MiB at most); removed $DEST"
fi
echo "gpu-deps: done; carry it with the device tool: carry: [\"gpu-deps\"], then bash scripts/gpu-build.sh"
