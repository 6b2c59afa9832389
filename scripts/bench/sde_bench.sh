#!/usr/bin/env bash
# The Ornstein-Uhlenbeck SDE benchmark (docs/benchmarks.md): kode_bench
# --workload OU against Diffrax (diffrax_sde_peer.py) in the same run, both
# pinned to the same core, for Euler-Maruyama and ShARK at fixed dt = 2^-8
# and ShARK with the PID controller (rtol = atol = 1e-3), Brownian tree
# tolerance 2^-12 on both sides. Prints a table of paths/s per core and the
# ratio kode/Diffrax.
#
#   scripts/bench/sde_bench.sh [--paths N] [--diffrax-paths M] [--core C]
#     --paths N          kode paths per run (default 1000000)
#     --diffrax-paths M  Diffrax paths per run (default 100000; its paths/s
#                        does not depend on N beyond ~1e4, and 1e6 paths
#                        take ~5 min per case)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

paths=1000000 dpaths=100000 core=0
while [ $# -gt 0 ]; do
  case "$1" in
    --paths) paths="$2"; shift ;;
    --diffrax-paths) dpaths="$2"; shift ;;
    --core) core="$2"; shift ;;
    *) echo "sde_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(getconf _NPROCESSORS_ONLN)" --target kode_bench >/dev/null
scripts/bench/setup_peers.sh >/dev/null
bench=$(find build -name kode_bench -type f -perm -u+x | head -1)
py=build/bench/venv/bin/python
pin=(taskset -c "$core")

echo "# OU SDE benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), core $core: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf "%-16s %10s %14s %10s %14s %8s %12s\n" case kode_paths kode_paths/s dfx_paths dfx_paths/s ratio steps/path
for case in euler shark shark_adaptive; do
  method=${case%_adaptive}
  flags=()
  [ "$case" = shark_adaptive ] && flags=(--adaptive)
  k=$("${pin[@]}" "$bench" --workload OU --method "$method" "${flags[@]}" --n "$paths" --min-seconds 0)
  kps=$(echo "$k" | sed -n 's/.*traj_per_s=\([^ ]*\).*/\1/p')
  ksteps=$(echo "$k" | sed -n 's/.*steps\/path \([^ ]*\).*/\1/p')
  d=$("${pin[@]}" "$py" scripts/bench/diffrax_sde_peer.py --case "$case" --paths "$dpaths" --repeats 2 --json)
  dps=$(echo "$d" | "$py" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["paths_per_second"])')
  ratio=$("$py" -c "print(f'{$kps / $dps:.1f}')")
  printf "%-16s %10s %14.0f %10s %14.0f %8s %12s\n" "$case" "$paths" "$kps" "$dpaths" "$dps" "$ratio" "$ksteps"
done
