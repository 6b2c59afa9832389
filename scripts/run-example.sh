#!/usr/bin/env bash
# Installs the dependencies, builds kode, and runs the main example: the
# damped-oscillator sweep (40 x 50 grid of zeta and omega, 2000 trajectories,
# 101 save times) on all local cores with MPI, written to one HDF5 file,
# with kode's summary at the end.
# Usage: scripts/run-example.sh [--no-deps]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-deps" ]; then scripts/install-deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target kode

ranks=$(nproc)
mpi_flags=()
# Open MPI refuses to run as root unless told to (containers, CI machines).
if [ "$(id -u)" -eq 0 ]; then mpi_flags+=(--allow-run-as-root); fi
mkdir -p build/example
echo "$ mpiexec -n $ranks kode sweep inputs/damped_oscillator_sweep.ini"
mpiexec "${mpi_flags[@]}" -n "$ranks" build/drivers/kode sweep inputs/damped_oscillator_sweep.ini \
  --output.file=build/example/damped_oscillator_sweep.h5 --overwrite
echo
echo "Output: build/example/damped_oscillator_sweep.h5 (h5ls -r it, or open it with h5py/xarray)."
echo "Plot:   python3 scripts/plot_sweep.py build/example/damped_oscillator_sweep.h5 --state x -o sweep.png"
