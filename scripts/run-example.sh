#!/usr/bin/env bash
# Installs the dependencies, builds kode, and runs the main example: a batch
# of damped oscillators over a (zeta, omega) grid, then one `kode solve`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-deps" ]; then scripts/install-deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target kode oscillator_batch_example
build/drivers/oscillator_batch_example 4 5
echo
echo "$ kode solve inputs/damped_oscillator.ini"
build/drivers/kode solve inputs/damped_oscillator.ini
