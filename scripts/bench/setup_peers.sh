#!/usr/bin/env bash
# Sets up kode's peer benchmarks (see run_peers.sh):
#   - a Python virtual environment under build/bench/venv with CPU JAX and
#     Diffrax from PyPI (never committed: build/ is a build output);
#   - the Boost.Odeint peer, build/bench/odeint_peer, compiled from
#     scripts/bench/odeint_peer.cpp (Boost headers from Debian's libboost-dev,
#     which scripts/install-deps.sh installs).
# Idempotent: an existing venv with its packages importable is kept, and the
# odeint peer is rebuilt only when its source is newer than the binary.
# Run from anywhere; paths are relative to the repository root.
#
# Environment: PYTHON (default python3), CXX (default g++).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

PYTHON="${PYTHON:-python3}"
CXX="${CXX:-g++}"
out=build/bench
venv="$out/venv"
mkdir -p "$out"

# --- Python venv with JAX (CPU) and Diffrax --------------------------------
if ! "$venv/bin/python" -c 'import jax, diffrax, equinox, optax, scipy, h5py, matplotlib' 2>/dev/null; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "setup_peers: creating $venv"
    "$PYTHON" -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --upgrade pip
  # CPU jax from PyPI (jaxlib's CPU wheel comes with it).
  "$venv/bin/pip" install --quiet jax diffrax equinox optax scipy
  # For scripts/plot_sweep.py.
  "$venv/bin/pip" install --quiet h5py matplotlib
fi
"$venv/bin/python" - <<'PY'
import jax, jaxlib, diffrax, equinox
print(f"setup_peers: jax {jax.__version__}, jaxlib {jaxlib.__version__}, "
      f"diffrax {diffrax.__version__}, equinox {equinox.__version__}, "
      f"devices {jax.devices()}")
PY

# --- Boost.Odeint peer -------------------------------------------------------
src=scripts/bench/odeint_peer.cpp
bin="$out/odeint_peer"
if [ ! -f /usr/include/boost/numeric/odeint.hpp ]; then
  echo "setup_peers: Boost.Odeint headers missing (apt-get install libboost-dev)" >&2
  exit 1
fi
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  echo "setup_peers: compiling $bin"
  # No architecture flags on purpose (project rule: never set them).
  "$CXX" -O3 -std=c++17 -DNDEBUG "$src" -o "$bin"
fi
echo "setup_peers: done ($bin, $venv)"
