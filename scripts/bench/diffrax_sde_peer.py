#!/usr/bin/env python3
"""kode SDE peer benchmark: Diffrax (JAX), jit + vmap over paths, float64, one CPU core.

Setup: scripts/bench/setup_peers.sh (venv in build/bench/venv). Run:

  build/bench/venv/bin/python scripts/bench/diffrax_sde_peer.py \
      --case euler|shark|shark_adaptive [--paths N] [--repeats R] [--json]

Problem: Ornstein-Uhlenbeck (Ito)  dx = theta (mu - x) dt + sigma dW,
theta = 1.0, mu = 0.5, sigma = 0.3, x0 = 1.0, t in [0, 1], N independent
paths. Noise is additive, so Ito and Stratonovich coincide and ShARK (a
Stratonovich solver in Diffrax) solves the Ito problem. Terms:
MultiTerm(ODETerm(drift), ControlTerm(diffusion, VirtualBrownianTree)), the
tree with shape=() (float64), tol = 2**-12 (--tol), its own key per path
(jax.random.split of one seed), the whole solve vmapped over the keys.
SaveAt(t1=True), throw=False.

Cases:
  euler           diffrax.Euler() (Euler-Maruyama), constant dt = 2**-8.
  shark           diffrax.ShARK(), constant dt = 2**-8; the tree carries
                  levy_area=diffrax.SpaceTimeLevyArea.
  shark_adaptive  diffrax.ShARK() with PIDController(rtol=1e-3, atol=1e-3)
                  (its other settings at Diffrax's defaults), dt0 = 2**-8,
                  max_steps = 16**4, SpaceTimeLevyArea tree.

Single core: before JAX is imported the process pins itself to one CPU
(os.sched_setaffinity; --core, default: the first CPU of the inherited
affinity mask, so `taskset -c K` from outside is respected) and sets
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
(as scripts/bench/run_peers.sh does) and OMP/MKL/OPENBLAS_NUM_THREADS=1
unless they are already set. The output reports the affinity, the OS
threads of the process (XLA keeps some idle threads; they all share the one
core), and cpu_util = CPU time / wall time over the timed calls (<= 1.0
means one core).

Timing: compile_s is jax.jit(f).lower(keys).compile() alone; then one untimed
warm-up call of the compiled executable (warmup_s); then --repeats timed
calls, each exe(keys) + .block_until_ready() on all outputs and nothing
else; seconds is the best (minimum) of them. Keys are built once outside the
timing; the np.asarray conversions, the sample mean and variance and the step
counts are computed after the last timed call, from its outputs. The process
CPU time of each timed call is reported too (cpu_seconds_all,
paths_per_cpu_second): on a shared machine wall time includes waiting for the
core, and cpu_util < 1 shows it.

Check: prints the exact OU mean and variance at t = 1,
  mean = mu + (x0 - mu) e^{-theta t},
  var  = sigma^2 / (2 theta) (1 - e^{-2 theta t}),
next to the sample mean and (unbiased) sample variance of x(1) over the
paths; exits with status 2 when |sample mean - exact mean| > 5 standard
errors (SE = sqrt(sample var / N)), or status 3 when any path's solve did not
succeed. The variance z-score (SE of a Gaussian sample variance,
var * sqrt(2 / (N - 1))) is reported but not enforced. Euler-Maruyama's own
bias at dt = 2**-8 is about -3.6e-4 in the mean and -0.2 % in the variance.

Output: human-readable lines, or with --json one JSON line (case, paths,
seconds, paths_per_second, mean, var, exact values, steps per path, versions,
threads, affinity, ...).
"""

import argparse
import json
import math
import os
import platform
import resource
import sys
import time

from peer_process import cpu_seconds, os_threads

THETA, MU, SIGMA, X0, T0, T1 = 1.0, 0.5, 0.3, 1.0, 0.0, 1.0
DT_FIXED = 2.0**-8
MAX_STEPS = 16**4
XLA_ONE_CORE = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def pin_to_one_core(core):
    """Pin this process to one CPU and ask XLA for one thread; before `import jax`."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
        target = core if core is not None else allowed[0]
        os.sched_setaffinity(0, {target})
    except (AttributeError, OSError) as exc:
        print(f"diffrax_sde_peer: could not pin to one core: {exc}", file=sys.stderr)
    os.environ.setdefault("XLA_FLAGS", XLA_ONE_CORE)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", choices=["euler", "shark", "shark_adaptive"],
                    required=True)
    ap.add_argument("--paths", type=int, default=100000)
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed calls after the warm-up; best one reported (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tol", type=float, default=2.0**-12,
                    help="VirtualBrownianTree tol (default 2**-12)")
    ap.add_argument("--core", type=int, default=None,
                    help="CPU to pin to (default: first CPU of the inherited mask)")
    a = ap.parse_args()
    if a.paths < 2:
        ap.error("--paths must be >= 2")
    if a.repeats < 1:
        ap.error("--repeats must be >= 1")
    return a


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    a = parse_args()
    pin_to_one_core(a.core)

    import numpy as np
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as jr
    import diffrax

    adaptive = a.case == "shark_adaptive"
    solver = diffrax.Euler() if a.case == "euler" else diffrax.ShARK()
    levy = diffrax.BrownianIncrement if a.case == "euler" else diffrax.SpaceTimeLevyArea
    if adaptive:
        controller = diffrax.PIDController(rtol=1e-3, atol=1e-3)
    else:
        controller = diffrax.ConstantStepSize()
    bm_shape = jax.ShapeDtypeStruct((), jnp.float64)

    def drift(t, x, args):
        return THETA * (MU - x)

    def diffusion(t, x, args):
        return jnp.asarray(SIGMA, dtype=x.dtype)

    def solve_one(key):
        bm = diffrax.VirtualBrownianTree(T0, T1, tol=a.tol, shape=bm_shape,
                                         key=key, levy_area=levy)
        terms = diffrax.MultiTerm(diffrax.ODETerm(drift),
                                  diffrax.ControlTerm(diffusion, bm))
        sol = diffrax.diffeqsolve(
            terms, solver, t0=T0, t1=T1, dt0=DT_FIXED,
            y0=jnp.asarray(X0, dtype=jnp.float64),
            saveat=diffrax.SaveAt(t1=True),
            stepsize_controller=controller,
            max_steps=MAX_STEPS, throw=False,
        )
        ok = sol.result == diffrax.RESULTS.successful
        return (sol.ys[0], sol.stats["num_steps"],
                sol.stats["num_accepted_steps"], ok)

    batched = jax.vmap(solve_one)
    keys = jr.split(jr.PRNGKey(a.seed), a.paths)
    keys.block_until_ready()

    t = time.perf_counter()
    exe = jax.jit(batched).lower(keys).compile()
    compile_s = time.perf_counter() - t

    def call():
        out = exe(keys)
        jax.block_until_ready(out)
        return out

    t = time.perf_counter()
    call()
    warmup_s = time.perf_counter() - t

    times, cpus = [], []
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    for _ in range(a.repeats):
        c = cpu_seconds()  # (getrusage before the wall clock starts)
        t = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - t)
        cpus.append(cpu_seconds() - c)
    wall = time.perf_counter() - wall0
    cpu_util = (cpu_seconds() - cpu0) / wall
    best = min(times)

    x1, nsteps, nacc, ok = (np.asarray(v) for v in out)
    n = a.paths
    fails = int((~ok).sum())
    mean = float(x1.mean())
    var = float(x1.var(ddof=1))
    exact_mean = MU + (X0 - MU) * math.exp(-THETA * (T1 - T0))
    exact_var = SIGMA**2 / (2 * THETA) * (1 - math.exp(-2 * THETA * (T1 - T0)))
    se_mean = math.sqrt(var / n)
    z_mean = (mean - exact_mean) / se_mean
    z_var = (var - exact_var) / (var * math.sqrt(2.0 / (n - 1)))
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:
        affinity = "?"

    rec = {
        "peer": "diffrax",
        "problem": "ou_ito",
        "case": a.case,
        "solver": type(solver).__name__,
        "controller": ("PIDController(rtol=1e-3, atol=1e-3)" if adaptive
                       else f"ConstantStepSize(dt={DT_FIXED!r})"),
        "dt0": DT_FIXED,
        "bm_tol": a.tol,
        "levy_area": levy.__name__,
        "paths": n,
        "repeats": a.repeats,
        "seconds": best,
        "seconds_all": times,
        "paths_per_second": n / best,
        "us_per_path": 1e6 * best / n,
        "cpu_seconds_all": cpus,
        "paths_per_cpu_second": n / min(cpus),
        "compile_s": compile_s,
        "warmup_s": warmup_s,
        "mean": mean,
        "var": var,
        "exact_mean": exact_mean,
        "exact_var": exact_var,
        "se_mean": se_mean,
        "z_mean": z_mean,
        "z_var": z_var,
        "mean_steps_per_path": float(nsteps.mean()),
        "mean_accepted_steps_per_path": float(nacc.mean()),
        "max_steps_any_path": int(nsteps.max()),
        "max_steps": MAX_STEPS,
        "failed": fails,
        "jax": jax.__version__,
        "jaxlib": __import__("jaxlib").__version__,
        "diffrax": diffrax.__version__,
        "equinox": __import__("equinox").__version__,
        "python": platform.python_version(),
        "threads": os_threads(),
        "affinity": affinity,
        "cores_used": len(affinity.split(",")) if affinity != "?" else -1,
        "cpu_util": cpu_util,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "peak_rss_mib": peak_rss_mib(),
    }

    if a.json:
        print(json.dumps(rec), flush=True)
    else:
        print(f"diffrax_sde_peer: OU (Ito) theta={THETA} mu={MU} sigma={SIGMA} "
              f"x0={X0} t=[{T0}, {T1}], case={a.case} "
              f"({rec['solver']}, {rec['controller']}, tree tol={a.tol!r}, "
              f"{rec['levy_area']})")
        print(f"  exact  at t=1: mean={exact_mean:.10f} var={exact_var:.10f}")
        print(f"  sample at t=1: mean={mean:.10f} var={var:.10f} "
              f"(z_mean={z_mean:+.2f}, z_var={z_var:+.2f}, N={n})")
        print(f"  paths={n} reps={a.repeats} compile_s={compile_s:.3f} "
              f"warmup_s={warmup_s:.3f} seconds(best)={best:.6g} "
              f"paths_per_s={n / best:.6g} us_per_path={1e6 * best / n:.4g} "
              f"paths_per_cpu_s={n / min(cpus):.6g}")
        print(f"  steps/path={rec['mean_steps_per_path']:.4g} "
              f"accepted/path={rec['mean_accepted_steps_per_path']:.4g} "
              f"max steps of any path={rec['max_steps_any_path']} failed={fails}")
        print(f"  jax={rec['jax']} jaxlib={rec['jaxlib']} diffrax={rec['diffrax']} "
              f"equinox={rec['equinox']} threads={rec['threads']} "
              f"affinity={affinity} cpu_util={cpu_util:.3f} "
              f"peak_rss_mib={rec['peak_rss_mib']:.0f} XLA_FLAGS=\"{rec['xla_flags']}\"",
              flush=True)

    if fails:
        print(f"diffrax_sde_peer: {fails} of {n} paths did not solve successfully",
              file=sys.stderr)
        return 3
    if abs(z_mean) > 5.0:
        print(f"diffrax_sde_peer: sample mean {mean:.8g} is {z_mean:+.2f} standard "
              f"errors from the exact mean {exact_mean:.8g} (limit 5)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
