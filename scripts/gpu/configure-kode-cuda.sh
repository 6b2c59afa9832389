#!/usr/bin/env bash
# Configures and builds kode against a CUDA-enabled Kokkos install (e.g. one
# made by scripts/gpu/build-kokkos-cuda.sh), then lists the binaries built:
# kode, kode_bench, the examples and the Catch2 test executables.
#
# Usage:
#   scripts/gpu/configure-kode-cuda.sh [--configure-only] KOKKOS_PREFIX [BUILD_DIR] [-- CMAKE_ARGS...]
#
#   KOKKOS_PREFIX     Kokkos install prefix (holds bin/nvcc_wrapper and
#                     lib/cmake/Kokkos), built with Kokkos_ENABLE_CUDA=ON
#   BUILD_DIR         default build-cuda (relative to the current directory)
#   --configure-only  run the CMake configure step only
#   CMAKE_ARGS        extra arguments for the configure step
#
# No GPU is needed to build: the test executables list their Catch2 tests
# when ctest runs (DISCOVERY_MODE PRE_TEST), not at build time. Run them on
# the GPU machine with `ctest --test-dir BUILD_DIR` (see scripts/gpu/README.md).
set -euo pipefail

die() { echo "configure-kode-cuda.sh: error: $*" >&2; exit 1; }
note() { echo "configure-kode-cuda.sh: $*"; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

configure_only=0
pos=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --configure-only) configure_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) pos+=("$1"); shift ;;
  esac
done
[ ${#pos[@]} -ge 1 ] && [ ${#pos[@]} -le 2 ] || { usage >&2; exit 2; }
kokkos_prefix="${pos[0]%/}"
build_dir="${pos[1]:-build-cuda}"
CMAKE="${CMAKE:-cmake}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

wrapper="$kokkos_prefix/bin/nvcc_wrapper"
[ -x "$wrapper" ] || die "$wrapper not found: is $kokkos_prefix a Kokkos install with CUDA?"
config_common=""
for d in lib lib64; do
  if [ -f "$kokkos_prefix/$d/cmake/Kokkos/KokkosConfigCommon.cmake" ]; then
    config_common="$kokkos_prefix/$d/cmake/Kokkos/KokkosConfigCommon.cmake"
  fi
done
[ -n "$config_common" ] || die "no lib/cmake/Kokkos/KokkosConfigCommon.cmake under $kokkos_prefix"
grep -q '^set(Kokkos_DEVICES.*CUDA' "$config_common" \
  || die "$kokkos_prefix is a Kokkos install without the CUDA backend ($(grep '^set(Kokkos_DEVICES' "$config_common"))"
# nvcc_wrapper calls `nvcc` from PATH.
if ! command -v nvcc >/dev/null 2>&1; then
  [ -x /usr/local/cuda/bin/nvcc ] || die "nvcc not on PATH (add the CUDA toolkit's bin directory)"
  PATH="/usr/local/cuda/bin:$PATH"; export PATH
fi

note "configuring $repo_root into $build_dir against $kokkos_prefix"
"$CMAKE" -S "$repo_root" -B "$build_dir" \
  -DKokkos_ROOT="$kokkos_prefix" \
  -DCMAKE_CXX_COMPILER="$wrapper" \
  -DCMAKE_BUILD_TYPE=Release \
  ${extra[@]+"${extra[@]}"}

if [ "$configure_only" = 1 ]; then
  note "configured $build_dir (--configure-only: not built)"
  exit 0
fi

note "building (nvcc is slow: several minutes per core for the whole tree)"
"$CMAKE" --build "$build_dir" -j"$(nproc 2>/dev/null || echo 2)"

note "binaries in $build_dir:"
find "$build_dir" -path '*/CMakeFiles' -prune -o -type f -perm -u+x \
     ! -name '*.sh' ! -name '*.cmake' ! -name '*.a' -print | sort
