#!/usr/bin/env python3
"""kode training peer: Diffrax's neural ODE example, float64, one CPU core.

The example is https://docs.kidger.site/diffrax/examples/neural_ode/ (a
neural ODE fitted to trajectories of a 2-state toy system); this script runs
it without the length curriculum, in float64, with the data read from an
HDF5 file in kode's result-file layout, so that `kode train` and Diffrax
fit exactly the same numbers. Setup: scripts/bench/setup_peers.sh (venv in
build/bench/venv; h5py is needed too). Run:

  build/bench/venv/bin/python scripts/bench/diffrax_train_peer.py \\
      --make-data build/bench/neural_ode_data.h5 [--n 256] [--seed 5678]
  taskset -c 1 build/bench/venv/bin/python scripts/bench/diffrax_train_peer.py \\
      --data build/bench/neural_ode_data.h5 --steps 200 --batch 32 --lr 3e-3 \\
      --width 64 --depth 2 [--optimizer adam|adabelief] [--seed 5678] [--repeats R]

Data (--make-data): ts = numpy.linspace(0, 10, 100) (ts[j] = j * (10/99),
ts[99] = 10 exactly); per trajectory y0 ~ uniform(-0.6, 1) in each of the 2
components, drawn as the example draws them (key = PRNGKey(seed); data_key,
model_key, loader_key = split(key, 3); one key per trajectory from
split(data_key, n); jax.random.uniform(k, (2,), float32, -0.6, 1)), then
cast to float64; the system x = y / (1 + y), dy/dt = (x1, -x0), solved with
diffrax.Tsit5(), PIDController(rtol=1e-10, atol=1e-10), dt0 = 0.1 (the
example's dt0; here only the first trial step), SaveAt(ts=ts) (the example
uses a constant step of 0.1; the tight tolerance makes the data accurate).
The file (HDF5, written with h5py):
  /ts      [n_save] float64
  /traj    [n_traj] int64 (0 .. n_traj-1)
  /state   [n_state] variable-length UTF-8 strings ("y0", "y1")
  /y0      [n_traj, 2] float64, attribute state_names
  /ys      [n_traj, n_save, 2] float64, attribute state_names
  /status  [n_traj] int8, all 0 (success)
  attributes: state_names = 1-D array of variable-length UTF-8 strings (the
  type kode's ResultWriter::string_array_attribute writes); on the root
  model = "diffrax_neural_ode_data", solver = "tsit5", generator (this
  script), all scalar variable-length UTF-8 strings (kode's
  string_attribute), rtol, atol (float64 scalars), seed (uint64 scalar).

Training (--data): the example's model, eqx.nn.MLP(in_size=2, out_size=2,
width_size=--width, depth=--depth, activation=jax.nn.softplus, key=model_key)
as the vector field f(t, y) = mlp(y), initialised from the example's
model_key for --seed (float64 weights); per trajectory
diffrax.diffeqsolve(ODETerm(f), Tsit5(), t0=ts[0], t1=ts[-1],
dt0=ts[1]-ts[0], y0=ys[:, 0], stepsize_controller=PIDController(rtol=1e-3,
atol=1e-6), saveat=SaveAt(ts=ts)) (Diffrax's defaults otherwise: max_steps
4096, RecursiveCheckpointAdjoint), vmapped over the minibatch; loss =
mean((y_pred - y_true)^2) over batch, save times and states; one training
step = eqx.filter_value_and_grad of the loss, optax.<optimizer>(lr).update
and eqx.apply_updates, all in one jitted function. The optimiser is
optax.adam (default) or optax.adabelief (the example's). Minibatches: the
example's dataloader (--loader example): per epoch a permutation
jax.random.permutation(key, n), then key = split(key, 1)[0], and batches
perm[0:B], perm[B:2B], ... while the batch's end < n -- so for n = 256,
B = 32 an epoch is 7 batches and the last 32 of each permutation are
skipped, as in the example; --loader all takes every full batch (8 per
epoch). The loader's key is the example's loader_key for --seed. The batch
indices are drawn, and the batches gathered and put on the device, before
any timing. Full-length series, no length curriculum, constant lr.

Timing: the step is compiled ahead of time (--dispatch aot, default:
jax.jit(step).lower(...).compile() on the model's arrays split off with
eqx.partition, compile_s) and called once on the first batch with its
outputs discarded (untimed warm-up); then --steps timed steps from the
initial model, each timed as exe(params, opt_state, batch) +
jax.block_until_ready() on its outputs, nothing else. --dispatch filter_jit
calls the eqx.filter_jit-wrapped step on the whole model instead (as the
example does; the first call, which compiles, is the untimed warm-up), so
the time includes Equinox's per-call Python flattening. With --repeats R
the whole training is run R times from the same initial model and batches
(the result is deterministic), one line each.

Output, one line per repeat:
  diffrax_train steps=... batch=... ms_per_step_mean=... ms_per_step_median=...
  ms_per_step_min=... loss_first=... loss_last=... full_mse=...
  full_mse_init=... cpu_over_wall=... ...
loss_first: the minibatch loss returned by step 0 (initial model);
loss_last: the minibatch loss returned by the last step (its model before
the last update); full_mse / full_mse_init: the loss over all trajectories
of the final / initial model (computed after the timer, with its own jitted
function); accepted_init / accepted_final: mean accepted solver steps per
trajectory of that full-data solve; cpu_over_wall: process (user + sys) CPU
time / wall time summed over the timed steps (<= 1 means one core). With
--dump-run FILE the run's initial and final weights (flattened in kode's
MLP layout, kernels/neural/mlp.hpp: per layer W [out, in] row-major, then
b), the batch indices [steps, batch] and the per-step losses are written to
an HDF5 file.

Single core: before JAX is imported the process pins itself to one CPU
(--core, default the first CPU of the inherited mask, so `taskset -c K` is
respected) and sets XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" and OMP/MKL/OPENBLAS_NUM_THREADS=1 unless
already set, as the other peers do.
"""

import argparse
import os
import platform
import statistics
import sys
import time

from peer_process import cpu_seconds, os_threads

XLA_ONE_CORE = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
STATE_NAMES = ["y0", "y1"]


def pin_to_one_core(core):
    """Pin this process to one CPU and ask XLA for one thread; before `import jax`."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
        target = core if core is not None else allowed[0]
        os.sched_setaffinity(0, {target})
    except (AttributeError, OSError) as exc:
        print(f"diffrax_train_peer: could not pin to one core: {exc}", file=sys.stderr)
    os.environ.setdefault("XLA_FLAGS", XLA_ONE_CORE)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--make-data", metavar="OUT.h5", help="write the example's data set")
    mode.add_argument("--data", metavar="FILE.h5", help="train on this data file")
    ap.add_argument("--n", type=int, default=256, help="trajectories of --make-data (default 256)")
    ap.add_argument("--seed", type=int, default=5678,
                    help="the example's seed: data, model init and loader keys (default 5678)")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--optimizer", choices=["adam", "adabelief"], default="adam")
    ap.add_argument("--loader", choices=["example", "all"], default="example",
                    help="example: batches while end < n (7 per epoch for 256/32); "
                         "all: every full batch")
    ap.add_argument("--dispatch", choices=["aot", "filter_jit"], default="aot")
    ap.add_argument("--repeats", type=int, default=1, help="whole trainings (default 1)")
    ap.add_argument("--core", type=int, default=None,
                    help="CPU to pin to (default: first CPU of the inherited mask)")
    ap.add_argument("--dump-run", metavar="FILE.h5", default=None,
                    help="write weights, batch indices and losses of the (last) run")
    a = ap.parse_args()
    if a.make_data is not None and a.n < 1:
        ap.error("--n must be >= 1")
    if a.data is not None:
        if a.steps < 1 or a.batch < 1 or a.repeats < 1:
            ap.error("--steps, --batch and --repeats must be >= 1")
    return a


def example_keys(seed):
    import jax.random as jr

    key = jr.PRNGKey(seed)
    data_key, model_key, loader_key = jr.split(key, 3)
    return data_key, model_key, loader_key


# ---- data ----

def make_data(a):
    import numpy as np
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as jr
    import diffrax
    import h5py

    rtol = atol = 1e-10
    data_key, _, _ = example_keys(a.seed)
    keys = jr.split(data_key, a.n)
    y0 = jax.vmap(lambda k: jr.uniform(k, (2,), dtype=jnp.float32, minval=-0.6, maxval=1))(keys)
    y0 = np.asarray(y0).astype(np.float64)
    ts = np.linspace(0.0, 10.0, 100)

    def field(t, y, args):
        x = y / (1.0 + y)
        return jnp.stack([x[1], -x[0]], axis=-1)

    def solve(y0_one):
        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(field), diffrax.Tsit5(), t0=ts[0], t1=ts[-1], dt0=0.1,
            y0=y0_one, saveat=diffrax.SaveAt(ts=jnp.asarray(ts)),
            stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
            max_steps=16**4, throw=False)
        return sol.ys, sol.result == diffrax.RESULTS.successful, sol.stats["num_accepted_steps"]

    t = time.perf_counter()
    ys, ok, acc = jax.jit(jax.vmap(solve))(jnp.asarray(y0))
    ys, ok, acc = np.asarray(ys), np.asarray(ok), np.asarray(acc)
    seconds = time.perf_counter() - t
    if not ok.all() or not np.isfinite(ys).all():
        raise SystemExit(f"diffrax_train_peer: {int((~ok).sum())} data trajectories failed")

    vstr = h5py.string_dtype("utf-8")
    partial = a.make_data + ".partial"
    with h5py.File(partial, "w") as f:
        f.attrs.create("model", "diffrax_neural_ode_data", dtype=vstr)
        f.attrs.create("solver", "tsit5", dtype=vstr)
        f.attrs.create("generator", "scripts/bench/diffrax_train_peer.py --make-data", dtype=vstr)
        f.attrs.create("rtol", rtol, dtype=np.float64)
        f.attrs.create("atol", atol, dtype=np.float64)
        f.attrs.create("seed", a.seed, dtype=np.uint64)
        f.create_dataset("ts", data=ts, dtype=np.float64)
        f.create_dataset("traj", data=np.arange(a.n, dtype=np.int64))
        f.create_dataset("state", data=STATE_NAMES, dtype=vstr)
        for name, arr in (("y0", y0), ("ys", ys)):
            ds = f.create_dataset(name, data=arr, dtype=np.float64)
            ds.attrs.create("state_names", STATE_NAMES, dtype=vstr)
        f.create_dataset("status", data=np.zeros(a.n, dtype=np.int8))
    os.replace(partial, a.make_data)
    print(f"diffrax_train_data file={a.make_data} n_traj={a.n} n_save={ts.size} "
          f"seed={a.seed} rtol={rtol:g} atol={atol:g} accepted_mean={acc.mean():.4g} "
          f"seconds={seconds:.3g} y0_min={y0.min():.6g} y0_max={y0.max():.6g} "
          f"ys_checksum={ys.sum():.17g}", flush=True)
    return 0


def read_data(path):
    import numpy as np
    import h5py

    with h5py.File(path, "r") as f:
        for name in ("ts", "ys"):
            if name not in f:
                raise SystemExit(f"diffrax_train_peer: {path} has no /{name}")
        ts = f["ts"][...].astype(np.float64)
        ys = f["ys"][...].astype(np.float64)
    if ys.ndim != 3 or ys.shape[1] != ts.size:
        raise SystemExit(f"diffrax_train_peer: /ys of {path} is not [n_traj, n_save, n_state]")
    return ts, ys


# ---- training ----

def train(a):
    import numpy as np
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as jr
    import diffrax
    import equinox as eqx
    import optax

    ts_np, ys_np = read_data(a.data)
    n_traj, n_save, n_state = ys_np.shape
    if a.batch > n_traj:
        raise SystemExit(f"diffrax_train_peer: --batch {a.batch} > {n_traj} trajectories")

    _, model_key, loader_key = example_keys(a.seed)

    class NeuralODE(eqx.Module):
        mlp: eqx.nn.MLP

        def __call__(self, ts, y0):
            sol = diffrax.diffeqsolve(
                diffrax.ODETerm(lambda t, y, args: self.mlp(y)),
                diffrax.Tsit5(),
                t0=ts[0],
                t1=ts[-1],
                dt0=ts[1] - ts[0],
                y0=y0,
                stepsize_controller=diffrax.PIDController(rtol=1e-3, atol=1e-6),
                saveat=diffrax.SaveAt(ts=ts),
            )
            return sol.ys

        def solve_stats(self, ts, y0):
            sol = diffrax.diffeqsolve(
                diffrax.ODETerm(lambda t, y, args: self.mlp(y)),
                diffrax.Tsit5(),
                t0=ts[0],
                t1=ts[-1],
                dt0=ts[1] - ts[0],
                y0=y0,
                stepsize_controller=diffrax.PIDController(rtol=1e-3, atol=1e-6),
                saveat=diffrax.SaveAt(ts=ts),
                throw=False,
            )
            return sol.ys, sol.stats["num_accepted_steps"], sol.result == diffrax.RESULTS.successful

    mlp = eqx.nn.MLP(in_size=n_state, out_size=n_state, width_size=a.width, depth=a.depth,
                     activation=jax.nn.softplus, key=model_key)
    model0 = NeuralODE(mlp)
    optim = {"adam": optax.adam, "adabelief": optax.adabelief}[a.optimizer](a.lr)

    ts = jax.device_put(jnp.asarray(ts_np))

    @eqx.filter_value_and_grad
    def grad_loss(model, yi):
        y_pred = jax.vmap(model, in_axes=(None, 0))(ts, yi[:, 0])
        return jnp.mean((yi - y_pred) ** 2)

    def make_step(model, opt_state, yi):
        loss, grads = grad_loss(model, yi)
        updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_inexact_array))
        model = eqx.apply_updates(model, updates)
        return loss, model, opt_state

    params0, static = eqx.partition(model0, eqx.is_inexact_array)
    opt_state0 = optim.init(params0)

    def step_arrays(params, opt_state, yi):
        loss, model, opt_state = make_step(eqx.combine(params, static), opt_state, yi)
        return loss, eqx.filter(model, eqx.is_inexact_array), opt_state

    # The example's dataloader, drawn up front.
    batches_idx = []
    key = loader_key
    indices = jnp.arange(n_traj)
    while len(batches_idx) < a.steps:
        perm = np.asarray(jr.permutation(key, indices))
        (key,) = jr.split(key, 1)
        start, end = 0, a.batch
        while (end < n_traj if a.loader == "example" else end <= n_traj):
            batches_idx.append(perm[start:end])
            start, end = end, end + a.batch
            if len(batches_idx) == a.steps:
                break
        if a.loader == "example" and a.batch >= n_traj:
            raise SystemExit("diffrax_train_peer: --loader example needs --batch < n_traj")
    batches_idx = np.stack(batches_idx)  # [steps, batch]
    batches = [jax.device_put(ys_np[idx]) for idx in batches_idx]
    ys_all = jax.device_put(ys_np)
    jax.block_until_ready((batches, ys_all, params0, opt_state0))

    # Untimed: compile and warm up.
    t = time.perf_counter()
    if a.dispatch == "aot":
        exe = jax.jit(step_arrays).lower(params0, opt_state0, batches[0]).compile()
        compile_s = time.perf_counter() - t
        jax.block_until_ready(exe(params0, opt_state0, batches[0]))
        state0 = (params0, opt_state0)

        def call(state, yi):
            loss, p, o = exe(state[0], state[1], yi)
            return loss, (p, o)
    else:
        step_fj = eqx.filter_jit(make_step)
        jax.block_until_ready(step_fj(model0, opt_state0, batches[0]))
        compile_s = time.perf_counter() - t
        state0 = (model0, opt_state0)

        def call(state, yi):
            loss, m, o = step_fj(state[0], state[1], yi)
            return loss, (m, o)
    warm_s = time.perf_counter() - t

    # Full-data loss and solver steps of a model; after the timer.
    @eqx.filter_jit
    def full_eval(model):
        y_pred, acc, ok = jax.vmap(model.solve_stats, in_axes=(None, 0))(ts, ys_all[:, 0])
        return jnp.mean((ys_all - y_pred) ** 2), acc, ok

    def evaluate(params_or_model):
        model = (eqx.combine(params_or_model, static) if a.dispatch == "aot"
                 else params_or_model)
        mse, acc, ok = full_eval(model)
        return float(mse), float(np.asarray(acc).mean()), int((~np.asarray(ok)).sum())

    def flat_weights(params_or_model):
        model = (eqx.combine(params_or_model, static) if a.dispatch == "aot"
                 else params_or_model)
        parts = []
        for layer in model.mlp.layers:
            parts.append(np.asarray(layer.weight).ravel())  # [out, in] row-major
            parts.append(np.asarray(layer.bias).ravel())
        return np.concatenate(parts)

    mse_init, acc_init, failed_init = evaluate(state0[0])
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:
        affinity = "?"
    n_weights = flat_weights(state0[0]).size

    rc = 0
    for rep in range(a.repeats):
        state = state0
        losses, times = [], []
        cpu_total = 0.0
        for s in range(a.steps):
            yi = batches[s]
            c0 = cpu_seconds()  # (getrusage before the wall clock starts)
            w0 = time.perf_counter()
            loss, state = call(state, yi)
            jax.block_until_ready((loss, state))
            times.append(time.perf_counter() - w0)
            cpu_total += cpu_seconds() - c0
            losses.append(loss)
        # Everything below is outside the timer.
        losses = np.array([float(v) for v in losses])
        mse_final, acc_final, failed_final = evaluate(state[0])
        wall = sum(times)
        ms = [1e3 * v for v in times]
        fields = [
            "diffrax_train",
            f"steps={a.steps}",
            f"batch={a.batch}",
            f"ms_per_step_mean={statistics.fmean(ms):.4f}",
            f"ms_per_step_median={statistics.median(ms):.4f}",
            f"ms_per_step_min={min(ms):.4f}",
            f"loss_first={losses[0]:.10g}",
            f"loss_last={losses[-1]:.10g}",
            f"full_mse={mse_final:.10g}",
            f"full_mse_init={mse_init:.10g}",
            f"accepted_init={acc_init:.4g}",
            f"accepted_final={acc_final:.4g}",
            f"failed_final={failed_final}",
            f"cpu_over_wall={cpu_total / wall:.3f}",
            f"seconds_total={wall:.4g}",
            f"compile_s={compile_s:.3g}",
            f"warmup_s={warm_s:.3g}",
            f"repeat={rep}",
            f"n_traj={n_traj}",
            f"n_save={n_save}",
            f"n_weights={n_weights}",
            f"width={a.width}",
            f"depth={a.depth}",
            f"lr={a.lr:g}",
            f"optimizer={a.optimizer}",
            f"loader={a.loader}",
            f"dispatch={a.dispatch}",
            f"seed={a.seed}",
            f"threads={os_threads()}",
            f"affinity={affinity}",
            f"jax={jax.__version__}",
            f"diffrax={diffrax.__version__}",
            f"equinox={eqx.__version__}",
            f"optax={optax.__version__}",
            f"python={platform.python_version()}",
        ]
        print(" ".join(fields), flush=True)
        if failed_final or not np.isfinite(losses).all():
            rc = 3

    if a.dump_run:
        import h5py

        with h5py.File(a.dump_run, "w") as f:
            f.attrs.create("model", "diffrax_neural_ode_train_peer",
                           dtype=h5py.string_dtype("utf-8"))
            f.attrs.create("optimizer", a.optimizer, dtype=h5py.string_dtype("utf-8"))
            f.attrs.create("lr", a.lr)
            f.attrs.create("width", a.width)
            f.attrs.create("depth", a.depth)
            f.create_dataset("initial_weights", data=flat_weights(state0[0]))
            f.create_dataset("final_weights", data=flat_weights(state[0]))
            f.create_dataset("batch_indices", data=batches_idx.astype(np.int64))
            f.create_dataset("loss", data=losses)
            f.create_dataset("ms_per_step", data=np.array(ms))
    return rc


def main():
    a = parse_args()
    pin_to_one_core(a.core)
    if a.make_data is not None:
        return make_data(a)
    return train(a)


if __name__ == "__main__":
    sys.exit(main())
