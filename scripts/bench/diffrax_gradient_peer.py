#!/usr/bin/env python3
"""kode gradient peer: Diffrax (JAX), jax.grad of a summed loss through vmap.

Setup: scripts/bench/setup_peers.sh (venv in build/bench/venv). The problem
comes from kode's own driver, so both sides solve exactly the same one:

  build/drivers/gradient_bench --n 10000 --dump build/bench/w1_grad.bin
  build/bench/venv/bin/python scripts/bench/diffrax_gradient_peer.py \
      --dump build/bench/w1_grad.bin --adjoint recursive|backsolve

(scripts/bench/gradient_peers.sh runs both, pinned to one core, and prints
the comparison table.)

The dump (format at the top of drivers/gradient_bench.cpp) holds the W1
problem: per trajectory the parameters (zeta, omega), the initial state
(x0, v0) and the mse loss's data d[101][2]; the save times ts (kode's own,
0.1 j, bit for bit); the step-size control (rtol 1e-6, atol 1e-8, the PID
coefficients, factormin/factormax/safety, dt0 with 0 meaning Hairer's choice,
max_steps); and kode's store-all adjoint results to compare with.

What is differentiated, in float64:
  L(params, y0) = sum_traj sum_j sum_i (y_i(ts_j) - d_ji)^2
with y from diffrax.diffeqsolve(ODETerm(x' = v, v' = -2 zeta omega v -
omega^2 x), Tsit5(), t0, t1, dt0, y0, args=(zeta, omega), SaveAt(ts=ts),
PIDController(rtol, atol, pcoeff, icoeff, dcoeff, factormin, factormax,
safety) -- kode's settings, which are Diffrax's defaults -- max_steps = kode's
(4096), throw=False, adjoint=RecursiveCheckpointAdjoint(checkpoints) or
BacksolveAdjoint()), vmapped over trajectories. The function timed is
jax.jit(jax.value_and_grad(L, argnums=(params, y0), has_aux=True)), the aux
being each trajectory's step counts and status: the same outputs kode's
AdjointSolver::solve returns (loss, per-trajectory gradients w.r.t. the
parameters and the initial state, step counts, status).

Timing, as diffrax_peer.py: compile time is jax.jit(f).lower(args).compile()
alone; then --warmup untimed calls (default 1); then timed calls until
--repeats are done or, without --repeats, until the timed total reaches
--min-seconds (default 1 s). The timer covers only the compiled call
exe(params, y0, data) on arrays already on the device and
jax.block_until_ready() on all its outputs; every comparison, sum and
np.asarray runs after the timer has stopped, on the first timed call's outputs.

Output, one line:
  peer=diffrax_grad adjoint=... n=... reps=... compile_s=... seconds=...
  loss=... g_zeta=... g_omega=... g_x0=... g_v0=... accepted_mean=...
  same_accepted=... lockstep_iters=... failed=... rel_loss=... rel_g_*=...
  traj_rel_max=... traj_rel_median=... kode_*=... threads=... cpu_util=...
  max_rss_mb=... affinity=... jax=... diffrax=...
g_*: the summed gradient (sum over trajectories of dL/dzeta, dL/domega,
dL/dx0, dL/dv0); rel_*: |diffrax - kode| / |kode| for the batch loss and
each summed gradient component; relabs_g_*: |diffrax - kode| of a summed
component / sum over trajectories of |kode's component|; traj_rel_*: per trajectory, the max-norm of
(gradient difference) / max-norm of kode's gradient (4 components), its max
and median over the batch; accepted_mean: Diffrax's accepted steps per
trajectory (of the forward solve; BacksolveAdjoint's backward solve takes
its own, unreported, steps); same_accepted: trajectories whose accepted-step
count equals kode's; lockstep_iters: the most attempted steps of any
trajectory (vmap runs the batch's loop that long); failed: trajectories whose
forward solve did not succeed; cpu_util: (user + sys CPU) / wall over the
timed calls; max_rss_mb: the process's peak resident memory.
"""

import argparse
import os
import resource
import time

from peer_process import cpu_seconds, os_threads

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import diffrax  # noqa: E402

MAGIC = b"KODEGB01"


def read_dump(path):
    """The problem and kode's reference results (drivers/gradient_bench.cpp)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise SystemExit(f"{path}: not a gradient_bench dump (magic {raw[:8]!r})")
    n, n_save, n_state, n_param = (int(v) for v in np.frombuffer(raw, np.int64, 4, 8))
    if (n_state, n_param) != (2, 2):
        raise SystemExit(f"{path}: expected 2 states and 2 parameters")
    vals = np.frombuffer(raw, np.float64, offset=8 + 32)
    pos = 0

    def take(count, shape=None):
        nonlocal pos
        if pos + count > vals.size:
            raise SystemExit(f"{path}: truncated")
        out = vals[pos:pos + count].copy()
        pos += count
        return out.reshape(shape) if shape is not None else out

    keys = ["t0", "t1", "rtol", "atol", "pcoeff", "icoeff", "dcoeff", "dt0",
            "factormin", "factormax", "safety", "max_steps"]
    d = dict(zip(keys, take(12)))
    d["n"] = n
    d["max_steps"] = int(d["max_steps"])
    d["params"] = take(n * 2, (n, 2))
    d["y0"] = take(n * 2, (n, 2))
    d["ts"] = take(n_save)
    d["data"] = take(n * n_save * 2, (n, n_save, 2))
    ref = take(10)
    d["kode_loss"] = ref[0]
    d["kode_grad"] = ref[1:5]
    d["kode_accepted_mean"] = ref[5]
    d["kode_t_solve"], d["kode_t_forward"] = ref[6], ref[7]
    d["kode_t_adjoint"], d["kode_t_checkpointed"] = ref[8], ref[9]
    d["kode_traj_loss"] = take(n)
    gp = take(2 * n, (n, 2))
    gy = take(2 * n, (n, 2))
    d["kode_traj_grad"] = np.concatenate([gp, gy], axis=1)  # (n, 4)
    d["kode_traj_accepted"] = take(n).astype(np.int64)
    if pos != vals.size:
        raise SystemExit(f"{path}: {vals.size - pos} unexpected trailing values")
    return d


def oscillator(t, y, p):
    zeta, omega = p[0], p[1]
    return jnp.stack([y[1], -2.0 * zeta * omega * y[1] - omega * omega * y[0]])


def make_value_and_grad(prob, adjoint_name, checkpoints):
    term = diffrax.ODETerm(oscillator)
    solver = diffrax.Tsit5()
    ts = jnp.asarray(prob["ts"])
    saveat = diffrax.SaveAt(ts=ts)
    controller = diffrax.PIDController(
        rtol=prob["rtol"],
        atol=prob["atol"],
        pcoeff=prob["pcoeff"],
        icoeff=prob["icoeff"],
        dcoeff=prob["dcoeff"],
        factormin=prob["factormin"],
        factormax=prob["factormax"],
        safety=prob["safety"],
    )
    dt0 = float(prob["dt0"]) if prob["dt0"] > 0.0 else None
    if adjoint_name == "recursive":
        adjoint = diffrax.RecursiveCheckpointAdjoint(checkpoints=checkpoints)
    else:
        adjoint = diffrax.BacksolveAdjoint()
    t0, t1, max_steps = float(prob["t0"]), float(prob["t1"]), prob["max_steps"]

    def loss_one(p, y0, d):
        sol = diffrax.diffeqsolve(
            term,
            solver,
            t0=t0,
            t1=t1,
            dt0=dt0,
            y0=y0,
            args=p,
            saveat=saveat,
            stepsize_controller=controller,
            max_steps=max_steps,
            adjoint=adjoint,
            throw=False,
        )
        r = sol.ys - d
        aux = (
            sol.stats["num_accepted_steps"],
            sol.stats["num_steps"],
            sol.result == diffrax.RESULTS.successful,
        )
        return jnp.sum(r * r), aux

    def batch_loss(params, y0s, data):
        losses, aux = jax.vmap(loss_one)(params, y0s, data)
        return jnp.sum(losses), aux

    return jax.value_and_grad(batch_loss, argnums=(0, 1), has_aux=True)


def rel(a, b):
    return abs(a - b) / abs(b) if b != 0.0 else abs(a - b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", required=True, help="gradient_bench --dump file")
    ap.add_argument("--adjoint", choices=["recursive", "backsolve"], required=True)
    ap.add_argument("--checkpoints", type=int, default=None,
                    help="RecursiveCheckpointAdjoint(checkpoints); default None "
                         "(Diffrax's choice from max_steps)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed calls (default: until --min-seconds)")
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed calls after compilation (default 1)")
    a = ap.parse_args()

    prob = read_dump(a.dump)
    n = prob["n"]
    f = make_value_and_grad(prob, a.adjoint, a.checkpoints)
    args = tuple(jax.device_put(prob[k]) for k in ("params", "y0", "data"))
    jax.block_until_ready(args)

    t = time.perf_counter()
    exe = jax.jit(f).lower(*args).compile()
    compile_s = time.perf_counter() - t

    def call():
        c0 = cpu_seconds()  # (getrusage before the wall clock starts)
        w0 = time.perf_counter()
        out = exe(*args)
        jax.block_until_ready(out)
        wall = time.perf_counter() - w0
        return out, wall, cpu_seconds() - c0

    for _ in range(a.warmup):
        del _
        call()
    first, elapsed, cpu = call()
    reps = 1
    while True:
        if a.repeats is not None:
            if reps >= a.repeats:
                break
        elif elapsed >= a.min_seconds:
            break
        _, w, c = call()
        elapsed += w
        cpu += c
        reps += 1
    per_call = elapsed / reps

    # Everything below is outside the timer.
    (loss, (acc, steps, ok)), (gp, gy) = first
    loss = float(loss)
    acc, steps, ok = np.asarray(acc), np.asarray(steps), np.asarray(ok)
    grad = np.concatenate([np.asarray(gp), np.asarray(gy)], axis=1)  # (n, 4)
    gsum = grad.sum(axis=0)
    kg = prob["kode_traj_grad"]
    scale = np.maximum(np.abs(kg).max(axis=1), 1e-300)
    traj_rel = np.abs(grad - kg).max(axis=1) / scale
    names = ["zeta", "omega", "x0", "v0"]
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:
        affinity = "?"
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    fields = [
        "peer=diffrax_grad",
        f"adjoint={a.adjoint}",
        f"checkpoints={a.checkpoints if a.checkpoints is not None else 'auto'}",
        f"n={n}",
        f"reps={reps}",
        f"compile_s={compile_s:.4g}",
        f"seconds={per_call:.6g}",
        f"us_per_traj={1e6 * per_call / n:.6g}",
        f"loss={loss:.17g}",
    ]
    fields += [f"g_{k}={v:.17g}" for k, v in zip(names, gsum)]
    fields += [
        f"accepted_mean={acc.mean():.6g}",
        f"accepted_min={int(acc.min())}",
        f"accepted_max={int(acc.max())}",
        f"same_accepted={int((acc == prob['kode_traj_accepted']).sum())}",
        f"lockstep_iters={int(steps.max())}",
        f"max_steps={prob['max_steps']}",
        f"failed={int((~ok).sum())}",
        f"rel_loss={rel(loss, prob['kode_loss']):.3g}",
    ]
    fields += [f"rel_g_{k}={rel(v, r):.3g}"
               for k, v, r in zip(names, gsum, prob["kode_grad"])]
    # The summed gradients cancel strongly (sum |g| is 10^3-10^6 times |sum g|
    # for W1), so the difference of the sums is also given relative to the sum
    # of kode's per-trajectory magnitudes.
    kabs = np.abs(kg).sum(axis=0)
    fields += [f"relabs_g_{k}={abs(v - r) / max(m, 1e-300):.3g}"
               for k, v, r, m in zip(names, gsum, prob["kode_grad"], kabs)]
    fields += [
        f"traj_rel_max={traj_rel.max():.3g}",
        f"traj_rel_median={np.median(traj_rel):.3g}",
        f"kode_loss={prob['kode_loss']:.17g}",
    ]
    fields += [f"kode_g_{k}={v:.17g}" for k, v in zip(names, prob["kode_grad"])]
    fields += [
        f"kode_accepted_mean={prob['kode_accepted_mean']:.6g}",
        f"threads={os_threads()}",
        f"cpu_util={cpu / elapsed:.3f}",
        f"max_rss_mb={max_rss_mb:.1f}",
        f"affinity={affinity}",
        f"jax={jax.__version__}",
        f"diffrax={diffrax.__version__}",
    ]
    print(" ".join(fields), flush=True)


if __name__ == "__main__":
    main()
