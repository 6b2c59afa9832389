#!/usr/bin/env bash
# Gradients of the W1 mse loss: kode's discrete adjoint (store-all and
# checkpointed, drivers/gradient_bench.cpp) against Diffrax's
# jax.grad through jax.vmap (RecursiveCheckpointAdjoint and BacksolveAdjoint,
# scripts/bench/diffrax_gradient_peer.py), float64, same problem (read from
# kode's --dump), same tolerances and controller, every process pinned to one
# core and JAX limited to one thread. Prints a table of seconds per batch,
# the ratios Diffrax / kode, the accepted steps per trajectory on both sides
# and how well the gradients agree.
#
#   scripts/bench/gradient_peers.sh [--n N] [--dt0 H] [--core C]
#       [--min-seconds S] [--checkpoints C] [--diffrax-checkpoints C]
#       [--timeout SECONDS]
#
#   --n N           trajectories (default 10000)
#   --dt0 H         first step on both sides (default 0: kode uses Hairer's
#                   choice, Diffrax gets dt0=None)
#   --core C        the core every process is pinned to (default 0)
#   --min-seconds S each side repeats its timed call until S seconds have
#                   been timed (default 1; at least one call after warm-up)
#   --checkpoints C kode's checkpointed adjoint slots (default 32)
#   --diffrax-checkpoints C
#                   RecursiveCheckpointAdjoint(checkpoints=C) (default: none
#                   given, Diffrax's automatic choice from max_steps)
#   --timeout S     wall-clock limit per process (default 900)
#
# Needs build/drivers/gradient_bench (cmake --build build --target
# gradient_bench) and the venv of setup_peers.sh (created here if missing).
# Result lines go to build/bench/gradient_peers.txt, stderr to
# build/bench/gradient_peers.log; the dump is build/bench/w1_grad_N.bin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

n=10000 dt0=0 core=0 min_s=1 chk=32 dchk="" limit=900
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift ;;
    --dt0) dt0="$2"; shift ;;
    --core) core="$2"; shift ;;
    --min-seconds) min_s="$2"; shift ;;
    --checkpoints) chk="$2"; shift ;;
    --diffrax-checkpoints) dchk="$2"; shift ;;
    --timeout) limit="$2"; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "gradient_peers: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

bench=build/drivers/gradient_bench
if [ ! -x "$bench" ]; then
  echo "gradient_peers: $bench missing; build it with" \
       "cmake --build build --target gradient_bench" >&2
  exit 1
fi
py=build/bench/venv/bin/python
if ! "$py" -c 'import jax, diffrax' 2>/dev/null; then
  scripts/bench/setup_peers.sh >&2
fi

mkdir -p build/bench
out=build/bench/gradient_peers.txt
log=build/bench/gradient_peers.log
dump=build/bench/w1_grad_$n.bin
pin=(timeout "$limit" taskset -c "$core")
# One thread for XLA, as run_peers.sh.
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

{
  echo "# W1 gradients, kode vs Diffrax, $(date -u +%Y-%m-%dT%H:%M:%SZ), n=$n dt0=$dt0," \
       "each process pinned with taskset -c $core"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
       "$(getconf _NPROCESSORS_ONLN) cores online"
} >"$out"
: >"$log"

echo "== kode: $bench --n $n --dt0 $dt0 --checkpoints $chk --min-seconds $min_s --dump $dump" >&2
"${pin[@]}" "$bench" --n "$n" --dt0 "$dt0" --checkpoints "$chk" --min-seconds "$min_s" \
  --dump "$dump" 2>>"$log" | tee -a "$log" | grep '^kode_gradient' >>"$out"

extra=()
[ -n "$dchk" ] && extra=(--checkpoints "$dchk")
for adj in recursive backsolve; do
  echo "== diffrax: diffrax_gradient_peer.py --adjoint $adj ${extra[*]}" >&2
  rc=0
  line=$(cd scripts/bench && "${pin[@]}" "$root/$py" diffrax_gradient_peer.py \
           --dump "$root/$dump" --adjoint "$adj" --min-seconds "$min_s" "${extra[@]}" \
           2>>"$root/$log") || rc=$?
  if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
    echo "$line" >>"$out"
  else
    echo "peer=diffrax_grad adjoint=$adj status=failed rc=$rc" >>"$out"
  fi
done

python3 - "$out" <<'PY'
import sys

rows = []
for line in open(sys.argv[1]):
    if line.startswith("#"):
        print(line.rstrip())
        continue
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    rows.append(kv)
kode = next((r for r in rows if "t_adjoint" in r), None)
peers = [r for r in rows if r.get("peer") == "diffrax_grad"]
if kode is None:
    sys.exit("gradient_peers: no kode result")
n = int(kode["n"])
t_all, t_chk = float(kode["t_adjoint"]), float(kode["t_checkpointed"])
print(f"# kode: {kode['accepted_mean']} accepted steps per trajectory "
      f"(min {kode['accepted_min']}, max {kode['accepted_max']}), "
      f"gradients ok {kode['ok_all']}/{n} (store-all), {kode['ok_checkpointed']}/{n} "
      f"(checkpointed), peak RSS {kode['max_rss_mb']} MB")
hdr = ("what", "s per batch", "us/traj", "Diffrax/kode store-all",
       "Diffrax/kode checkpointed")
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
print(f"| kode adjoint, store-all | {t_all:.4g} | {1e6 * t_all / n:.4g} | | |")
print(f"| kode adjoint, checkpointed (C = {kode['checkpoints']}) | {t_chk:.4g} | "
      f"{1e6 * t_chk / n:.4g} | | |")
names = {"recursive": "Diffrax RecursiveCheckpointAdjoint", "backsolve": "Diffrax BacksolveAdjoint"}
for p in peers:
    name = names.get(p["adjoint"], p["adjoint"])
    if "seconds" not in p:
        print(f"| {name} | failed | | | |")
        continue
    if p["adjoint"] == "recursive":
        name += f" (checkpoints {p['checkpoints']})"
    t = float(p["seconds"])
    print(f"| {name} | {t:.4g} | {1e6 * t / n:.4g} | {t / t_all:.1f}x | {t / t_chk:.1f}x |")
print()
for p in peers:
    if "seconds" not in p:
        continue
    print(f"# {p['adjoint']}: compile {p['compile_s']} s, {p['reps']} timed call(s), "
          f"cpu_util {p['cpu_util']}, threads {p['threads']}, peak RSS {p['max_rss_mb']} MB")
    print(f"#   accepted steps per trajectory {p['accepted_mean']} (min {p['accepted_min']}, "
          f"max {p['accepted_max']}; kode {kode['accepted_mean']}), same count as kode in "
          f"{p['same_accepted']}/{n} trajectories, lockstep iterations "
          f"{p['lockstep_iters']}, failed {p['failed']}")
    print(f"#   loss {p['loss']} (kode {kode['loss']}, rel diff {p['rel_loss']})")
    for k in ("zeta", "omega", "x0", "v0"):
        print(f"#   sum dL/d{k:<5} {p['g_' + k]:>24} (kode {kode['g_' + k]:>24}, "
              f"rel diff {p['rel_g_' + k]}, / sum|g| {p['relabs_g_' + k]})")
    print(f"#   per trajectory |g_diffrax - g_kode|_max / |g_kode|_max: max "
          f"{p['traj_rel_max']}, median {p['traj_rel_median']}")
PY
