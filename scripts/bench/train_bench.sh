#!/usr/bin/env bash
# Training benchmark (docs/benchmarks.md, "Training a neural ODE (kode train
# vs Diffrax)"): Diffrax's neural_ode example problem -- 256 trajectories of
# x = y/(1+y), dy/dt = (x1, -x0), ts = linspace(0, 10, 100), an MLP vector
# field of width 64, depth 2, softplus, Tsit5 with rtol 1e-3 / atol 1e-6,
# Adam 3e-3, float64 -- trained by `kode train` and by
# scripts/bench/diffrax_train_peer.py on the same data file.
#
# What it runs (every run is its own process; each repetition runs the cases
# one after the other, so kode and Diffrax see similar machine load):
#   1. kode train, 1 rank, batch 32        taskset -c CORE
#   2. the Diffrax peer, batch 32          taskset -c CORE (--core CORE)
#   3. kode train, 1 rank, batch 256       taskset -c CORE
#   4. kode train, 2 ranks, batch 256      taskset -c 0,1 mpiexec -n 2 --bind-to none
#   5. the Diffrax peer, batch 256 (--loader all; skip with --no-diffrax-256)
# (3-5 are skipped with --no-256.)
#
# Timing: kode's ms/step = the seconds of its "kode train: done, ..." line
# (the training loop: every step including the first, which has nothing to
# compile, no validation since validation_fraction = 0) / steps; the peer's
# is its ms_per_step_mean (the timed steps after an untimed compile and
# warm-up call). The whole-process wall time and (user+sys)/wall of every
# process come from /usr/bin/time (for mpiexec: all ranks together).
# Losses: the minibatch loss of step 0 and of the last step, the mean of the
# last 10 minibatch losses (kode: /train/loss of its output; Diffrax: the
# --dump-run file), and the full-data MSE of each side's final network over
# all 256 trajectories, both evaluated by the same Diffrax solve (the peer's
# own full_eval settings: Tsit5, PID rtol 1e-3 / atol 1e-6, dt0 = ts[1] -
# ts[0], SaveAt(ts)), so that the two final models are judged by one
# evaluator. The initial weights differ (kode draws Equinox's init with
# Philox; the peer uses Equinox with jax.random), and so do the minibatches
# (kode: Philox draws without replacement per step; the peer: the example's
# epoch permutations), so the loss curves agree in trend only.
#
#   scripts/bench/train_bench.sh [--core K] [--repeats R] [--steps N]
#       [--steps-256 N] [--no-256] [--no-diffrax-256] [--remake-data]
#     --core K          the core of the single-core runs (default 1)
#     --repeats R       repetitions of the whole set (default 1)
#     --steps N         training steps at batch 32 (default 200)
#     --steps-256 N     training steps of the batch-256 runs (default 200)
#     --no-256          skip the batch-256 runs (2-rank speedup)
#     --no-diffrax-256  skip the peer at batch 256
#     --remake-data     regenerate build/bench/neural_ode_data.h5
#
# Needs build/drivers/kode (not built here: cmake --build build --target
# kode) and the peer venv (scripts/bench/setup_peers.sh; h5py in it).
# Writes under build/bench/: neural_ode_data.h5, kode_train.ini,
# train_bench/ (outputs, logs, results.tsv) and prints a table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

core=1 repeats=1 steps=200 steps256=200 do256=1 dfx256=1 remake=0
while [ $# -gt 0 ]; do
  case "$1" in
    --core) core="$2"; shift ;;
    --repeats) repeats="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --steps-256) steps256="$2"; shift ;;
    --no-256) do256=0 ;;
    --no-diffrax-256) dfx256=0 ;;
    --remake-data) remake=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "train_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

kode=build/drivers/kode
py=build/bench/venv/bin/python
peer=scripts/bench/diffrax_train_peer.py
data=build/bench/neural_ode_data.h5
ini=build/bench/kode_train.ini
work=build/bench/train_bench
tsv=$work/results.tsv
mkdir -p "$work"
[ -x "$py" ] || { echo "train_bench: no $py (run scripts/bench/setup_peers.sh)" >&2; exit 2; }

# The binary may be in the middle of a relink by a concurrent build: wait.
for _ in $(seq 60); do
  if [ -x "$kode" ] && "$kode" --version >/dev/null 2>&1; then break; fi
  echo "train_bench: waiting for $kode ..." >&2
  sleep 10
done
"$kode" --version >/dev/null

if [ "$remake" = 1 ] || [ ! -s "$data" ]; then
  "$py" "$peer" --make-data "$data" --n 256 --seed 5678
fi

# dt0 exactly as the peer's (ts[1] - ts[0] in float64), 17 significant digits.
dt0=$("$py" -c "import h5py, sys; ts = h5py.File(sys.argv[1], 'r')['ts'][...]; print('%.17g' % (ts[1] - ts[0]))" "$data")

cat > "$ini" <<EOF
# scripts/bench/train_bench.sh: Diffrax's neural_ode example problem in float64
[train]
data = $data
model = neural_ode
width = 64
depth = 2
activation = softplus
steps = $steps
batch = 32
optimizer = adam
learning_rate = 3e-3
validation_fraction = 0
seed = 5678
output = build/bench/kode_train.h5
[solver]
method = tsit5
rtol = 1e-3
atol = 1e-6
# = ts[1] - ts[0], the peer's dt0
dt0 = $dt0
EOF
"$kode" check "$ini" >&2

load() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }

# /usr/bin/time's "wall user sys" -> "wall cpu/wall"
proc_times() { awk '{ printf "%s %.3f\n", $1, ($1 > 0 ? ($2 + $3) / $1 : 0) }' "$1"; }

# run_kode TAG RANKS BATCH STEPS: one `kode train`; appends a row to $tsv.
run_kode() {
  local tag=$1 ranks=$2 batch=$3 nsteps=$4
  local out=$work/$tag.h5 log=$work/$tag.log tf=$work/$tag.time l
  l=$(load)
  local cmd=("$kode" train "$ini" --overwrite "--train.batch=$batch" "--train.steps=$nsteps"
             "--train.output=$out")
  if [ "$ranks" = 1 ]; then
    /usr/bin/time -f "%e %U %S" -o "$tf" taskset -c "$core" "${cmd[@]}" 2>"$log"
  else
    /usr/bin/time -f "%e %U %S" -o "$tf" taskset -c 0,1 \
      mpiexec --allow-run-as-root --oversubscribe -n "$ranks" --bind-to none "${cmd[@]}" 2>"$log"
  fi
  local done_line secs
  done_line=$(grep 'kode train: done' "$log") || { cat "$log" >&2; exit 1; }
  secs=$(echo "$done_line" | sed -n 's/.*steps (\([0-9.]*\) s for.*/\1/p')
  read -r pwall ratio < <(proc_times "$tf")
  printf "%s\tkode\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$tag" "$ranks" "$batch" "$nsteps" \
    "$secs" "$pwall" "$ratio" "$out" "$l" >>"$tsv"
  echo "  $tag: $done_line  [process ${pwall} s, cpu/wall $ratio, load $l]" >&2
}

# run_diffrax TAG BATCH STEPS [peer args]: one peer process; appends a row.
run_diffrax() {
  local tag=$1 batch=$2 nsteps=$3
  shift 3
  local dump=$work/$tag.h5 log=$work/$tag.log tf=$work/$tag.time l line ms
  l=$(load)
  /usr/bin/time -f "%e %U %S" -o "$tf" taskset -c "$core" "$py" "$peer" --data "$data" \
    --steps "$nsteps" --batch "$batch" --lr 3e-3 --width 64 --depth 2 --optimizer adam \
    --core "$core" --dump-run "$dump" "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  line=$(grep '^diffrax_train ' "$log" | tail -1)
  ms=$(echo "$line" | tr ' ' '\n' | sed -n 's/^ms_per_step_mean=//p')
  read -r pwall ratio < <(proc_times "$tf")
  local secs
  secs=$(awk -v m="$ms" -v n="$nsteps" 'BEGIN { printf "%.4f", m * n / 1000 }')
  printf "%s\tdiffrax\t1\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$tag" "$batch" "$nsteps" \
    "$secs" "$pwall" "$ratio" "$dump" "$l" >>"$tsv"
  echo "  $tag: $(echo "$line" | cut -d' ' -f2-13)  [process ${pwall} s, load $l]" >&2
}

printf "tag\tside\tranks\tbatch\tsteps\ttrain_s\tprocess_s\tcpu_over_wall\tfile\tload\n" >"$tsv"
echo "# kode train vs Diffrax, $(date -u +%Y-%m-%dT%H:%M:%SZ), core $core, $(nproc) CPUs:" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$kode" --version 2>&1 | head -1)" >&2
for r in $(seq "$repeats"); do
  echo "# repetition $r" >&2
  run_kode "kode_b32_r$r" 1 32 "$steps"
  run_diffrax "diffrax_b32_r$r" 32 "$steps"
  if [ "$do256" = 1 ]; then
    run_kode "kode_b256_1rank_r$r" 1 256 "$steps256"
    run_kode "kode_b256_2rank_r$r" 2 256 "$steps256"
    if [ "$dfx256" = 1 ]; then run_diffrax "diffrax_b256_r$r" 256 "$steps256" --loader all; fi
  fi
done

# The table: per-run rows and per-case medians; both sides' final networks
# evaluated over all trajectories by one Diffrax solve.
"$py" - "$tsv" "$data" <<'PY'
import csv, os, statistics, sys
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
import numpy as np, h5py, jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp, diffrax, equinox as eqx

tsv, data = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
with h5py.File(data, "r") as f:
    ts_np, ys_np = f["ts"][...], f["ys"][...]
ts, ys = jnp.asarray(ts_np), jnp.asarray(ys_np)

def unflatten(w, width=64, depth=2, n=2):
    """kode's layout (kernels/neural/mlp.hpp): per layer W [out, in] row-major, then b."""
    sizes = [n] + [width] * depth + [n]
    mlp = eqx.nn.MLP(n, n, width, depth, activation=jax.nn.softplus, key=jax.random.PRNGKey(0))
    at, Ws, bs = 0, [], []
    for i, o in zip(sizes[:-1], sizes[1:]):
        Ws.append(jnp.asarray(w[at:at + o * i].reshape(o, i))); at += o * i
        bs.append(jnp.asarray(w[at:at + o])); at += o
    assert at == w.size, (at, w.size)
    mlp = eqx.tree_at(lambda m: [l.weight for l in m.layers], mlp, Ws)
    return eqx.tree_at(lambda m: [l.bias for l in m.layers], mlp, bs)

@eqx.filter_jit
def full_mse(mlp):
    def one(y0):
        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(lambda t, y, args: mlp(y)), diffrax.Tsit5(), t0=ts[0], t1=ts[-1],
            dt0=ts[1] - ts[0], y0=y0, stepsize_controller=diffrax.PIDController(rtol=1e-3, atol=1e-6),
            saveat=diffrax.SaveAt(ts=ts), throw=False)
        return sol.ys
    return jnp.mean((jax.vmap(one)(ys[:, 0]) - ys) ** 2)

for r in rows:
    with h5py.File(r["file"], "r") as f:
        if r["side"] == "kode":
            loss, w = f["train/loss"][...], f["network/weights"][...]
        else:
            loss, w = f["loss"][...], f["final_weights"][...]
    r["loss0"], r["lossN"], r["last10"] = loss[0], loss[-1], loss[-10:].mean()
    r["full"] = float(full_mse(unflatten(w)))
    r["ms"] = 1e3 * float(r["train_s"]) / int(r["steps"])

hdr = f"{'run':<22} {'ranks':>5} {'batch':>5} {'ms/step':>8} {'process s':>9} {'cpu/wall':>8} {'loss 0':>9} {'loss last':>9} {'last 10':>9} {'full MSE':>9}  load"
print(hdr)
for r in rows:
    print(f"{r['tag']:<22} {r['ranks']:>5} {r['batch']:>5} {r['ms']:8.2f} {float(r['process_s']):9.2f} "
          f"{float(r['cpu_over_wall']):8.2f} {r['loss0']:9.4f} {r['lossN']:9.4f} {r['last10']:9.4f} "
          f"{r['full']:9.4f}  {r['load']}")

def case(r):
    return (r["side"], int(r["ranks"]), int(r["batch"]))
cases = {}
for r in rows:
    cases.setdefault(case(r), []).append(r)
med = {k: statistics.median(r["ms"] for r in v) for k, v in cases.items()}
print("\nmedians over repetitions (ms/step):")
for k, v in med.items():
    print(f"  {k[0]:<8} {k[1]} rank(s), batch {k[2]:>3}: {v:8.2f} ms/step "
          f"(min {min(r['ms'] for r in cases[k]):.2f}, {len(cases[k])} runs); final full MSE "
          f"{statistics.median(r['full'] for r in cases[k]):.4f}, mean of last 10 losses "
          f"{statistics.median(r['last10'] for r in cases[k]):.4f}")
k32, d32 = ("kode", 1, 32), ("diffrax", 1, 32)
if k32 in med and d32 in med:
    print(f"kode / Diffrax time per step, batch 32, one core: {med[k32] / med[d32]:.2f}x "
          f"(target <= 1)")
k1, k2, d256 = ("kode", 1, 256), ("kode", 2, 256), ("diffrax", 1, 256)
if k1 in med and k2 in med:
    print(f"kode 2-rank speedup at batch 256: {med[k1] / med[k2]:.2f}x (target >= 1.8)")
if k1 in med and d256 in med:
    print(f"kode / Diffrax time per step, batch 256, one core: {med[k1] / med[d256]:.2f}x")
PY
