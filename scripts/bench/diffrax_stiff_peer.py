#!/usr/bin/env python3
"""kode peer benchmark for the stiff problems of issue 13: Diffrax Kvaerno5
(JAX), jit + vmap over the parameter grid, float64, on CPU.

Setup: scripts/bench/setup_peers.sh (venv in build/bench/venv). Run (one
core: scripts/bench/stiff_bench.sh sets XLA_FLAGS and taskset):

  build/bench/venv/bin/python scripts/bench/diffrax_stiff_peer.py \
      --problem robertson|vdp [--n 10000] [--rtol R] [--atol A]
      [--pcoeff P] [--icoeff I] [--out FILE]

Problems and grids exactly as drivers/stiff_bench.cpp and
scripts/bench/cvode_peer.c:
  robertson  k2 = 3e7; nk1 = ceil(sqrt N) k1 values linspace(0.02, 0.08),
             nk3 = ceil(N / nk1) k3 values linspace(5e3, 2e4), first N points
             row-major (k1 slow); y0 = (1, 0, 0), t in [0, 1e5];
             default rtol 1e-6, atol 1e-10.
  vdp        mu = linspace(500, 1500, N), y0 = (2, 0), t in [0, 3000];
             default rtol = atol = 1e-6.
Solver: diffrax.Kvaerno5() with its defaults (VeryChord root finder taking
its tolerances from the controller, Jacobian by JAX's autodiff),
PIDController(rtol, atol) with its defaults (the I controller, as kode's;
--pcoeff/--icoeff change them, as stiff_bench's do),
dt0=None (Hairer's initial step), SaveAt(t1=True), max_steps (default
2**20; Diffrax counts attempted steps), throw=False.

Timing: compile time is jax.jit(f).lower(args).compile() alone, reported
apart. Then --warmup untimed calls (default 1), then --repeats timed calls
(default 1); the mean is reported. The timer covers only the compiled
executable's call exe(params) on arrays already on the device and
jax.block_until_ready() on all its outputs. The checksum, step counts,
failure count and --out file are computed after the timer has stopped, from
the first timed call's outputs.

Output, one line:
  diffrax method=kvaerno5 problem=... n=... seconds=... steps=... failed=...
  checksum=... accepted=... rejected=... lockstep_iters=... us_per_traj=...
  compile_s=... reps=... rtol=... atol=... pcoeff=... icoeff=... max_steps=...
  threads=...
  cpu_util=... affinity=... jax=... diffrax=...
steps: attempted steps summed over trajectories (stats["num_steps"]);
accepted: stats["num_accepted_steps"]; lockstep_iters: the most steps any
trajectory took (vmap runs the batch's while loop that long); failed:
trajectories whose result is not successful; checksum: sum of all components
of all final states; cpu_util: (user + sys CPU time) / wall time over the
timed calls. --out FILE: one line per trajectory "index status y_1 ... y_N"
(status 0 success, else 1), %.17g.
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_process import cpu_seconds, os_threads  # noqa: E402

import numpy as np  # noqa: E402

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import diffrax  # noqa: E402


def robertson_params(n):
    nk1 = math.ceil(math.sqrt(n))
    nk3 = -(-n // nk1)
    k1 = np.linspace(0.02, 0.08, nk1)
    k3 = np.linspace(5e3, 2e4, nk3)
    k = np.arange(n)
    return np.stack([k1[k // nk3], np.full(n, 3e7), k3[k % nk3]], axis=1)  # (n, 3)


def vdp_params(n):
    return np.linspace(500.0, 1500.0, n)[:, None]  # (n, 1)


def robertson(t, y, p):
    slow = p[0] * y[0]
    fast = p[2] * y[1] * y[2]
    square = p[1] * y[1] * y[1]
    return jnp.stack([-slow + fast, slow - square - fast, square])


def vdp(t, y, p):
    mu = p[0]
    return jnp.stack([y[1], mu * (1.0 - y[0] * y[0]) * y[1] - y[0]])


def make_batched(problem, rtol, atol, max_steps, pcoeff, icoeff):
    if problem == "robertson":
        term, t1, y0 = diffrax.ODETerm(robertson), 1e5, jnp.array([1.0, 0.0, 0.0])
    else:
        term, t1, y0 = diffrax.ODETerm(vdp), 3000.0, jnp.array([2.0, 0.0])
    solver = diffrax.Kvaerno5()
    controller = diffrax.PIDController(rtol=rtol, atol=atol, pcoeff=pcoeff, icoeff=icoeff)

    def solve_one(p):
        sol = diffrax.diffeqsolve(
            term,
            solver,
            t0=0.0,
            t1=t1,
            dt0=None,
            y0=y0,
            args=p,
            saveat=diffrax.SaveAt(t1=True),
            stepsize_controller=controller,
            max_steps=max_steps,
            throw=False,
        )
        ok = sol.result == diffrax.RESULTS.successful
        return sol.ys[-1], sol.stats["num_steps"], sol.stats["num_accepted_steps"], ok

    return jax.vmap(solve_one)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", choices=["robertson", "vdp"], required=True)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=None,
                    help="default 1e-10 (robertson), 1e-6 (vdp)")
    ap.add_argument("--max-steps", type=int, default=2**20)
    ap.add_argument("--pcoeff", type=float, default=0.0)
    ap.add_argument("--icoeff", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if a.n < 1:
        ap.error("--n must be >= 1")
    if a.repeats < 1:
        ap.error("--repeats must be >= 1")
    atol = a.atol if a.atol is not None else (1e-10 if a.problem == "robertson" else 1e-6)

    params = robertson_params(a.n) if a.problem == "robertson" else vdp_params(a.n)
    batched = make_batched(a.problem, a.rtol, atol, a.max_steps, a.pcoeff, a.icoeff)

    spec = jax.ShapeDtypeStruct(params.shape, jnp.float64)
    t = time.perf_counter()
    exe = jax.jit(batched).lower(spec).compile()
    compile_s = time.perf_counter() - t
    p_dev = jax.device_put(params)
    jax.block_until_ready(p_dev)

    for _ in range(a.warmup):
        jax.block_until_ready(exe(p_dev))

    first = None
    total = 0.0
    cpu = 0.0
    for _ in range(a.repeats):
        c0 = cpu_seconds()
        t = time.perf_counter()
        out = exe(p_dev)
        jax.block_until_ready(out)
        total += time.perf_counter() - t
        cpu += cpu_seconds() - c0
        if first is None:
            first = out
    seconds = total / a.repeats

    ys, st, ac, ok = (np.asarray(v) for v in first)
    steps, accepted = int(st.sum()), int(ac.sum())
    failed = int((~ok).sum())
    checksum = float(ys.sum())
    if a.out:
        with open(a.out, "w") as f:
            for k in range(a.n):
                vals = " ".join(f"{v:.17g}" for v in ys[k])
                f.write(f"{k} {0 if ok[k] else 1} {vals}\n")
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:
        affinity = "?"
    print(
        f"diffrax method=kvaerno5 problem={a.problem} n={a.n} seconds={seconds:.6g} "
        f"steps={steps} failed={failed} checksum={checksum:.17g} accepted={accepted} "
        f"rejected={steps - accepted} lockstep_iters={int(st.max())} "
        f"us_per_traj={1e6 * seconds / a.n:.6g} compile_s={compile_s:.3g} reps={a.repeats} "
        f"rtol={a.rtol:g} atol={atol:g} pcoeff={a.pcoeff:g} icoeff={a.icoeff:g} "
        f"max_steps={a.max_steps} threads={os_threads()} "
        f"cpu_util={cpu / total if total > 0 else 0:.2f} affinity={affinity} "
        f"jax={jax.__version__} diffrax={diffrax.__version__}",
        flush=True,
    )


if __name__ == "__main__":
    main()
