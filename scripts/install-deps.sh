#!/usr/bin/env bash
# Installs kode's build and test dependencies from the distribution's packages
# (Debian 12 "bookworm" or Ubuntu), including Slurm and munge for the tests
# that run a real single-node Slurm (no daemon is started here). Catch2 3 comes from bookworm-backports on
# Debian 12 (bookworm itself ships Catch2 2). Idempotent; needs root (or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev libboost-dev
  libtrilinos-kokkos-dev
  librandom123-dev
  slurm-wlm munge
)

have_all() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
  done
}

catch2_v3_installed() {
  [ -f /usr/include/catch2/catch_test_macros.hpp ]
}

if have_all "${packages[@]}" && catch2_v3_installed; then
  echo "install-deps: all dependencies already installed"
  exit 0
fi

. /etc/os-release
if [ "${ID:-}" = "debian" ] && [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
  list=/etc/apt/sources.list.d/kode-bookworm-backports.sources
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # The backports entry copies the machine's own Debian source (its mirror
    # URIs and keyring), changing only the suite, so the script works behind
    # whatever mirror the machine is configured with.
    entry=$("$(dirname "$0")/debian-backports-source.sh" bookworm) || {
      echo "install-deps: no Debian 'bookworm' apt source found to derive bookworm-backports" \
           "from; add bookworm-backports to the apt sources, then run this again" >&2
      exit 1
    }
    printf '%s\n' "$entry" | $SUDO tee "$list" >/dev/null
    echo "install-deps: added bookworm-backports ($list) from the existing Debian apt source"
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
  $SUDO apt-get install -y -qq -t bookworm-backports catch2
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" catch2
fi

if ! catch2_v3_installed; then
  echo "install-deps: Catch2 3 is required (found none); install catch2 >= 3" >&2
  exit 1
fi
echo "install-deps: done"
