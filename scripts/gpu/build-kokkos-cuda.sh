#!/usr/bin/env bash
# Builds and installs Kokkos (CUDA + Serial backends, NVIDIA Hopper sm_90) from
# a local git mirror of github.com/kokkos/kokkos, adapting the Kokkos sources
# to the CUDA 13 runtime API when nvcc is CUDA 13 or newer.
#
# Usage:
#   scripts/gpu/build-kokkos-cuda.sh [-j N] KOKKOS_GIT_DIR PREFIX [TAG]
#   scripts/gpu/build-kokkos-cuda.sh --patch-only DIR [--cuda13] KOKKOS_GIT_DIR [TAG]
#
#   KOKKOS_GIT_DIR  a git directory (bare or .git) holding Kokkos tags
#   PREFIX          install prefix (must not exist yet, or already hold the
#                   install made by this script, which is then reused)
#   TAG             Kokkos tag, default 4.6.01 (the adaptations are written
#                   against 4.6.01; another tag fails loudly if its text differs)
#
# Build mode extracts the sources to PREFIX-src (kept: the installed
# KokkosConfigCommon.cmake records PREFIX-src/bin/nvcc_wrapper as Kokkos's
# compiler) and builds in PREFIX-build (2 min 26 s on 2 cores, 2026-11-29).
#
# --patch-only DIR extracts TAG into DIR (must not exist or be empty) and
# applies the adaptations, without configuring or building. They are applied
# when nvcc reports CUDA >= 13, or always with --cuda13.
#
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
# CMAKE (default cmake).
set -euo pipefail

die() { echo "build-kokkos-cuda.sh: error: $*" >&2; exit 1; }
note() { echo "build-kokkos-cuda.sh: $*"; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

patch_only=""
force_cuda13=0
jobs="$(nproc 2>/dev/null || echo 2)"
while [ $# -gt 0 ]; do
  case "$1" in
    --patch-only) [ $# -ge 2 ] || die "--patch-only needs a directory"; patch_only="$2"; shift 2 ;;
    --cuda13) force_cuda13=1; shift ;;
    -j) [ $# -ge 2 ] || die "-j needs a number"; jobs="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done

if [ -n "$patch_only" ]; then
  [ $# -ge 1 ] && [ $# -le 2 ] || { usage >&2; exit 2; }
  git_dir="$1"; tag="${2:-4.6.01}"; prefix=""
else
  [ $# -ge 2 ] && [ $# -le 3 ] || { usage >&2; exit 2; }
  git_dir="$1"; prefix="$2"; tag="${3:-4.6.01}"
fi
CMAKE="${CMAKE:-cmake}"

# ---------------------------------------------------------------------------
# CUDA version of nvcc (major number), or empty when nvcc is not found.
find_nvcc() {
  if [ -n "${NVCC:-}" ]; then
    if [ -x "$NVCC" ]; then echo "$NVCC"; else command -v "$NVCC" 2>/dev/null || true; fi
  elif command -v nvcc >/dev/null 2>&1; then command -v nvcc
  elif [ -x /usr/local/cuda/bin/nvcc ]; then echo /usr/local/cuda/bin/nvcc
  fi
}
cuda_major() {
  local nvcc; nvcc="$(find_nvcc)"
  [ -n "$nvcc" ] || return 0
  # "Cuda compilation tools, release 13.0, V13.0.88"
  "$nvcc" --version | sed -n 's/.*release \([0-9][0-9]*\)\.[0-9][0-9]*.*/\1/p' | head -n1
}

# ---------------------------------------------------------------------------
# subst FILE MARKER PERL_SUBSTITUTION
# Runs one perl substitution (whole file as one string, /m so ^ matches line
# starts) that must match exactly once, then checks that MARKER (a fixed
# string only the adapted text contains) is in FILE. Refuses a file that
# already holds MARKER. Anything unexpected (e.g. another Kokkos tag whose
# text differs) stops the script.
subst() {
  local file="$1" marker="$2" code="$3"
  [ -f "$file" ] || die "$file not found (Kokkos tag $tag laid out differently?)"
  if grep -qF -- "$marker" "$file"; then
    die "$file already contains '$marker': already adapted? Start from a fresh extraction."
  fi
  perl -0777 -pi -e "my \$n = ($code); die \"expected exactly 1 match, got \" . (\$n || 0) . \"\\n\" unless \$n == 1;" "$file" \
    || die "adaptation did not apply to $file: the expected Kokkos $tag text was not found (or found more than once)"
  grep -qF -- "$marker" "$file" || die "adaptation of $file did not produce '$marker'"
  note "  adapted ${file#"$src"/}: $marker"
}

# All edits keep the original code in an #else branch under
# #if CUDART_VERSION >= 13000, so the adapted tree still builds with CUDA 12.
# The perl code is single-quoted on purpose ($1, $& are perl, not shell).
# shellcheck disable=SC2016
adapt_cuda13() {
  local inst="$src/core/src/Cuda/Kokkos_Cuda_Instance.hpp"
  local space="$src/core/src/Cuda/Kokkos_CudaSpace.cpp"
  local wrapper="$src/bin/nvcc_wrapper"

  # CUDA 13: the CUDA 12 4-argument cudaGraphAddDependencies was removed; the
  # remaining one takes a `const cudaGraphEdgeData* edgeData` array before
  # numDependencies (nullptr = default edges, as before).
  subst "$inst" 'return cudaGraphAddDependencies(graph, from, to, nullptr, numDependencies);' \
    's~^([ \t]*)return cudaGraphAddDependencies\(graph, from, to, numDependencies\);\n~#if CUDART_VERSION >= 13000\n${1}return cudaGraphAddDependencies(graph, from, to, nullptr, numDependencies);\n#else\n$&#endif\n~mg'

  # CUDA 13: cudaMemAdvise(ptr, count, advice, int device) was replaced by the
  # former cudaMemAdvise_v2 signature taking a cudaMemLocation. Kokkos passes
  # cudaCpuDeviceId for the host, which becomes cudaMemLocationTypeHost.
  subst "$inst" 'return cudaMemAdvise(devPtr, count, advice, loc);' \
    's~^([ \t]*)return cudaMemAdvise\(devPtr, count, advice, device\);\n~#if CUDART_VERSION >= 13000\n${1}cudaMemLocation loc = {};\n${1}if (device == cudaCpuDeviceId) {\n${1}  loc.type = cudaMemLocationTypeHost;\n${1}  loc.id   = 0;\n${1}} else {\n${1}  loc.type = cudaMemLocationTypeDevice;\n${1}  loc.id   = device;\n${1}}\n${1}return cudaMemAdvise(devPtr, count, advice, loc);\n#else\n$&#endif\n~mg'

  # CUDA 13: cudaMemPrefetchAsync(ptr, count, int dstDevice, stream) was
  # replaced by (ptr, count, cudaMemLocation, unsigned flags, stream) (the
  # former cudaMemPrefetchAsync_v2); same device -> location mapping.
  subst "$inst" 'return cudaMemPrefetchAsync(devPtr, count, loc, /*flags=*/0,' \
    's~^([ \t]*)return cudaMemPrefetchAsync\(devPtr, count, dstDevice,\n([ \t]*)get_input_stream\(stream\)\);\n~#if CUDART_VERSION >= 13000\n${1}cudaMemLocation loc = {};\n${1}if (dstDevice == cudaCpuDeviceId) {\n${1}  loc.type = cudaMemLocationTypeHost;\n${1}  loc.id   = 0;\n${1}} else {\n${1}  loc.type = cudaMemLocationTypeDevice;\n${1}  loc.id   = dstDevice;\n${1}}\n${1}return cudaMemPrefetchAsync(devPtr, count, loc, /*flags=*/0,\n${2}get_input_stream(stream));\n#else\n$&#endif\n~mg'

  # CUDA 13: cudaMemAdvise_v2 was removed (cudaMemAdvise itself now takes the
  # cudaMemLocation). Only compiled with Kokkos_ENABLE_IMPL_CUDA_UNIFIED_MEMORY.
  subst "$space" '// CUDA 13 removed cudaMemAdvise_v2; cudaMemAdvise takes cudaMemLocation' \
    's~^([ \t]*)KOKKOS_IMPL_CUDA_SAFE_CALL\(cudaMemAdvise_v2\(\n([ \t]*)ptr, arg_alloc_size, cudaMemAdviseSetPreferredLocation, loc\)\);\n~#if CUDART_VERSION >= 13000\n${1}// CUDA 13 removed cudaMemAdvise_v2; cudaMemAdvise takes cudaMemLocation\n${1}KOKKOS_IMPL_CUDA_SAFE_CALL(cudaMemAdvise(\n${2}ptr, arg_alloc_size, cudaMemAdviseSetPreferredLocation, loc));\n#else\n$&#endif\n~mg'

  # CUDA 13: same cudaMemAdvise signature change, for the cudaCpuDeviceId call
  # (only compiled with KOKKOS_IMPL_DEBUG_CUDA_PIN_UVM_TO_HOST): pass a
  # cudaMemLocation of type Host. Braces keep the `if` governing the block.
  subst "$space" 'loc.type            = cudaMemLocationTypeHost;' \
    's~^(([ \t]*)if \(Kokkos::CudaUVMSpace::cuda_pin_uvm_to_host\(\)\)\n)([ \t]*KOKKOS_IMPL_CUDA_SAFE_CALL\(\n[ \t]*cudaMemAdvise\(ptr, arg_alloc_size, cudaMemAdviseSetPreferredLocation,\n[ \t]*cudaCpuDeviceId\)\);\n)~${1}#if CUDART_VERSION >= 13000\n${2}{\n${2}  cudaMemLocation loc = {};\n${2}  loc.type            = cudaMemLocationTypeHost;\n${2}  loc.id              = 0;\n${2}  KOKKOS_IMPL_CUDA_SAFE_CALL(cudaMemAdvise(\n${2}      ptr, arg_alloc_size, cudaMemAdviseSetPreferredLocation, loc));\n${2}}\n#else\n${3}#endif\n~mg'

  # CUDA 13 dropped sm_70 (Volta) code generation, nvcc_wrapper's default
  # -arch when none is given (e.g. during CMake's compiler checks); use sm_90.
  subst "$wrapper" 'default_arch="sm_90"  # patched: CUDA 13 dropped sm_70' \
    's~^default_arch="sm_70"$~default_arch="sm_90"  # patched: CUDA 13 dropped sm_70~mg'
}

# ---------------------------------------------------------------------------
extract() {  # extract DIR: git archive of $tag into DIR
  local dir="$1"
  mkdir -p "$dir"
  note "extracting Kokkos $tag ($commit) into $dir"
  git --git-dir="$git_dir" archive "$tag" | tar -x -C "$dir"
  [ -f "$dir/CMakeLists.txt" ] && [ -x "$dir/bin/nvcc_wrapper" ] \
    || die "$dir does not look like a Kokkos source tree after extraction"
}

maybe_adapt() {
  local major
  major="$(cuda_major)"
  if [ "$force_cuda13" = 1 ]; then
    note "applying CUDA 13 adaptations (--cuda13; nvcc CUDA major: ${major:-not found})"
  elif [ -z "$major" ]; then
    [ -n "$patch_only" ] || die "nvcc not found (set NVCC or put the CUDA toolkit's bin on PATH)"
    die "nvcc not found: cannot tell whether to adapt to CUDA 13; pass --cuda13 to adapt anyway"
  elif [ "$major" -ge 13 ]; then
    note "nvcc is CUDA $major (>= 13): applying CUDA 13 adaptations"
  else
    note "nvcc is CUDA $major (< 13): Kokkos $tag used unmodified"
    return 0
  fi
  adapt_cuda13
  echo "Kokkos $tag ($commit) extracted by kode scripts/gpu/build-kokkos-cuda.sh, CUDA 13 adaptations applied" \
    > "$src/.kode-cuda13-adapted"
}

# ---------------------------------------------------------------------------
[ -n "$git_dir" ] && git --git-dir="$git_dir" rev-parse --git-dir >/dev/null 2>&1 \
  || die "$git_dir is not a git directory"
commit="$(git --git-dir="$git_dir" rev-parse --verify -q "$tag^{commit}")" \
  || die "tag $tag not found in $git_dir"
command -v perl >/dev/null || die "perl is needed for the source adaptations"

if [ -n "$patch_only" ]; then
  if [ -e "$patch_only" ] && [ -n "$(ls -A "$patch_only")" ]; then
    die "$patch_only exists and is not empty; give a new or empty directory"
  fi
  src="$(mkdir -p "$patch_only" && cd "$patch_only" && pwd)"
  extract "$src"
  maybe_adapt
  note "done (patch only): $src"
  exit 0
fi

# ---- build mode ----
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
prefix="${prefix%/}"
src="$prefix-src"
build="$prefix-build"

if [ -f "$prefix/lib/cmake/Kokkos/KokkosConfig.cmake" ] || [ -f "$prefix/lib64/cmake/Kokkos/KokkosConfig.cmake" ]; then
  note "$prefix already holds a Kokkos install; reusing it (nothing rebuilt)."
  note "To rebuild, remove $prefix (and $src, $build) first."
  exit 0
fi
if [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then
  die "$prefix exists, is not empty and holds no Kokkos install; refusing to install into it"
fi

major="$(cuda_major)"
[ -n "$major" ] || die "nvcc not found (set NVCC or put the CUDA toolkit's bin on PATH)"
# nvcc_wrapper runs `nvcc` from PATH.
PATH="$(dirname "$(find_nvcc)"):$PATH"; export PATH

if [ -d "$src" ]; then
  # Reuse a tree this script extracted before (e.g. an interrupted build).
  stamp_ok=0
  if [ -f "$src/.kode-cuda13-adapted" ] && grep -qF "Kokkos $tag ($commit)" "$src/.kode-cuda13-adapted"; then
    stamp_ok=1
  fi
  if [ "$stamp_ok" = 1 ] || { [ "$major" -lt 13 ] && [ -f "$src/.kode-extracted" ] && grep -qF "$commit" "$src/.kode-extracted"; }; then
    note "reusing the sources already extracted in $src"
  else
    die "$src exists but was not prepared by this script for Kokkos $tag; remove it"
  fi
else
  extract "$src"
  echo "$commit" > "$src/.kode-extracted"
  maybe_adapt
fi

note "configuring in $build (Kokkos $tag, CUDA $major, Serial + Cuda, HOPPER90)"
"$CMAKE" -S "$src" -B "$build" \
  -DCMAKE_CXX_COMPILER="$src/bin/nvcc_wrapper" -DCMAKE_CXX_STANDARD=17 \
  -DKokkos_ENABLE_CUDA=ON -DKokkos_ENABLE_SERIAL=ON -DKokkos_ARCH_HOPPER90=ON \
  -DCMAKE_BUILD_TYPE=Release -DKokkos_ENABLE_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix"
note "building with -j$jobs (a few minutes on 2 cores)"
"$CMAKE" --build "$build" -j"$jobs"
"$CMAKE" --install "$build"

{
  echo "Kokkos $tag ($commit), CUDA + Serial, Kokkos_ARCH_HOPPER90 (sm_90), Release, static libs"
  echo "Built by kode scripts/gpu/build-kokkos-cuda.sh on $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "Sources: $src (CUDA 13 adaptations: $([ -f "$src/.kode-cuda13-adapted" ] && echo applied || echo none))"
  echo "nvcc: $("$(find_nvcc)" --version | tail -n 2 | head -n 1)"
  echo "Use: cmake -DKokkos_ROOT=$prefix -DCMAKE_CXX_COMPILER=$prefix/bin/nvcc_wrapper ..."
} > "$prefix/KODE_BUILD_INFO.txt"
note "installed Kokkos $tag into $prefix (see $prefix/KODE_BUILD_INFO.txt)"
