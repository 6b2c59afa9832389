#!/usr/bin/env python3
"""kode peer benchmark: Diffrax (JAX), jit + vmap, float64, on CPU.

Setup: scripts/bench/setup_peers.sh (venv in build/bench/venv). Run:

  build/bench/venv/bin/python scripts/bench/diffrax_peer.py \
      --workload W1 --method tsit5 --n 10000 [--repeats R] [--chunk C]

Workloads (the project's benchmark issue; same definitions as odeint_peer.cpp):
  W1  damped oscillator x' = v, v' = -2 zeta omega v - omega^2 x on a
      (zeta, omega) grid: nz = ceil(sqrt(N)) zeta values linspace(0.05, 0.95),
      nw = ceil(N / nz) omega values linspace(0.5, 5.0), the first N points in
      row-major order (zeta slow). t in [0, 10], y0 = (1, 0), rtol 1e-6,
      atol 1e-8, SaveAt(ts=linspace(0, 10, 101)).
  W2  Lorenz sigma 10, beta 8/3, rho = linspace(0, 21, N), y0 = (1, 0, 0),
      t in [0, 1], rtol = atol = 1e-8, SaveAt(t1=True); default N 524,288.
Both: diffrax.Tsit5 or Dopri5, PIDController(rtol, atol) with its defaults,
dt0=None (Hairer's initial step), max_steps = 16**4, throw=False.

Timing: compile time is jax.jit(f).lower(args).compile() alone. Then (unless
--warmup 0) one untimed call, then timed repetitions until --repeats are done
or, when --repeats is not given, until the timed total reaches --min-seconds
(default 1 s). Per-repetition means are reported. The timer covers only the
compiled executable's call and jax.block_until_ready() on all its outputs:
exe(params) on arrays already on the device (device_put before any timing).
The checksum, the step counts and every np.asarray conversion are computed
once, after the timer has stopped, from the outputs of the first timed
repetition (the solve is deterministic, so every repetition gives the same
outputs). With --chunk C the batch is solved in ceil(N / C) calls of one
executable compiled for C trajectories (the last chunk padded); a repetition
is all of them, each call timed as above and the times summed; the default,
--chunk 0, is one vmap over all N (falling back to chunks of 100,000 if that
runs out of memory).

Output, one line per run:
  peer=diffrax workload=W1 method=tsit5 n=... chunk=... reps=... compile_s=...
  seconds=... traj_per_s=... us_per_traj=... steps=... accepted=...
  steps_per_traj=... lockstep_iters=... max_steps=65536 failed=...
  checksum=... threads=... cpu_util=... affinity=... jax=... diffrax=...
steps: attempted steps summed over trajectories (stats["num_steps"]);
accepted: stats["num_accepted_steps"] summed; lockstep_iters: the most steps
any trajectory in a chunk took (vmap runs the batch's while loop that long);
failed: trajectories whose result is not successful; checksum: sum over
trajectories of all components of the final state; threads: OS threads of
this process after the run; cpu_util: (user + sys CPU time) / wall time over
the timed regions, i.e. how many cores were busy on average.
"""

import argparse
import math
import os
import sys
import time

from peer_process import cpu_seconds, os_threads

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import diffrax  # noqa: E402

MAX_STEPS = 16**4


def w1_params(n):
    nz = math.ceil(math.sqrt(n))
    nw = -(-n // nz)
    zetas = np.linspace(0.05, 0.95, nz)
    omegas = np.linspace(0.5, 5.0, nw)
    k = np.arange(n)
    return np.stack([zetas[k // nw], omegas[k % nw]], axis=1)  # (n, 2)


def w2_params(n):
    return np.linspace(0.0, 21.0, n)[:, None]  # (n, 1)


def oscillator(t, y, p):
    zeta, omega = p[0], p[1]
    return jnp.stack([y[1], -2.0 * zeta * omega * y[1] - omega * omega * y[0]])


def lorenz(t, y, p):
    sigma, beta, rho = 10.0, 8.0 / 3.0, p[0]
    return jnp.stack(
        [
            sigma * (y[1] - y[0]),
            y[0] * (rho - y[2]) - y[1],
            y[0] * y[1] - beta * y[2],
        ]
    )


def make_batched(workload, method):
    solver = {"tsit5": diffrax.Tsit5(), "dopri5": diffrax.Dopri5()}[method]
    if workload == "W1":
        term = diffrax.ODETerm(oscillator)
        t0, t1 = 0.0, 10.0
        y0 = jnp.array([1.0, 0.0])
        saveat = diffrax.SaveAt(ts=jnp.linspace(0.0, 10.0, 101))
        controller = diffrax.PIDController(rtol=1e-6, atol=1e-8)
    else:
        term = diffrax.ODETerm(lorenz)
        t0, t1 = 0.0, 1.0
        y0 = jnp.array([1.0, 0.0, 0.0])
        saveat = diffrax.SaveAt(t1=True)
        controller = diffrax.PIDController(rtol=1e-8, atol=1e-8)

    def solve_one(p):
        sol = diffrax.diffeqsolve(
            term,
            solver,
            t0=t0,
            t1=t1,
            dt0=None,
            y0=y0,
            args=p,
            saveat=saveat,
            stepsize_controller=controller,
            max_steps=MAX_STEPS,
            throw=False,
        )
        ok = sol.result == diffrax.RESULTS.successful
        return (
            sol.ys,
            sol.stats["num_steps"],
            sol.stats["num_accepted_steps"],
            ok,
        )

    def batched(params):
        # All saves (ys) are returned so the output is materialised as it
        # would be for a user; per-trajectory stats are reduced on the host.
        return jax.vmap(solve_one)(params)

    return batched


def is_oom(exc):
    s = str(exc)
    return "RESOURCE_EXHAUSTED" in s or "Out of memory" in s or isinstance(
        exc, MemoryError
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", choices=["W1", "W2"], required=True)
    ap.add_argument("--method", choices=["tsit5", "dopri5"], default="tsit5")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed calls (default: until --min-seconds)")
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed calls after compilation (default 1)")
    ap.add_argument("--chunk", type=int, default=0,
                    help="trajectories per vmap call (0: all, OOM -> 100000)")
    a = ap.parse_args()
    n = a.n if a.n is not None else (524288 if a.workload == "W2" else 10000)
    if n < 1:
        ap.error("--n must be >= 1")

    params_all = w1_params(n) if a.workload == "W1" else w2_params(n)
    batched = make_batched(a.workload, a.method)

    def build(chunk):
        spec = jax.ShapeDtypeStruct((chunk, params_all.shape[1]), jnp.float64)
        t = time.perf_counter()
        exe = jax.jit(batched).lower(spec).compile()
        return exe, time.perf_counter() - t

    def chunks_of(chunk):
        out = []
        for s in range(0, n, chunk):
            p = params_all[s:s + chunk]
            if p.shape[0] < chunk:  # pad with copies of the last point
                pad = np.repeat(p[-1:], chunk - p.shape[0], axis=0)
                p = np.concatenate([p, pad])
            out.append((jax.device_put(p), min(chunk, n - s)))
        return out

    class Stats:
        """Checksum and step counts, accumulated chunk by chunk, untimed."""

        def __init__(self):
            self.checksum = 0.0
            self.steps = self.acc = self.fails = self.lock = 0

        def add(self, out, valid):
            ys, st, ac, ok = (np.asarray(v)[:valid] for v in out)
            self.checksum += float(ys[:, -1, :].sum())
            self.steps += int(st.sum())
            self.acc += int(ac.sum())
            self.lock = max(self.lock, int(st.max()))
            self.fails += int((~ok).sum())

    def run_once(exe, parts, stats=None):
        """One repetition: every chunk's compiled call + block_until_ready()
        under the timer; with stats, that chunk's outputs are reduced after
        its timer stopped. Returns (timed wall seconds, timed CPU seconds)."""
        wall = cpu = 0.0
        for p, valid in parts:
            c0 = cpu_seconds()  # (getrusage before the wall clock starts)
            w0 = time.perf_counter()
            out = exe(p)
            jax.block_until_ready(out)
            wall += time.perf_counter() - w0
            cpu += cpu_seconds() - c0
            if stats is not None:
                stats.add(out, valid)
            del out
        return wall, cpu

    chunk = a.chunk if a.chunk > 0 else n
    chunk_mode = "all" if chunk >= n else str(chunk)
    chunk = min(chunk, n)
    exe, compile_s = build(chunk)
    parts = chunks_of(chunk)
    stats = Stats()
    try:
        for _ in range(a.warmup):
            run_once(exe, parts)
        # First timed repetition (also the fallback probe for memory); its
        # outputs give the checksum and step counts (reduced outside the timer).
        elapsed, cpu = run_once(exe, parts, stats)
    except Exception as exc:  # noqa: BLE001
        if a.chunk == 0 and chunk > 100000 and is_oom(exc):
            print(f"diffrax_peer: one vmap over {n} ran out of memory; "
                  "using chunks of 100000", file=sys.stderr)
            del exe, parts
            chunk = 100000
            chunk_mode = "100000(oom-fallback)"
            exe, c2 = build(chunk)
            compile_s += c2
            parts = chunks_of(chunk)
            for _ in range(a.warmup):
                run_once(exe, parts)
            stats = Stats()
            elapsed, cpu = run_once(exe, parts, stats)
        else:
            raise
    reps = 1
    while True:
        if a.repeats is not None:
            if reps >= a.repeats:
                break
        elif elapsed >= a.min_seconds:
            break
        w, c = run_once(exe, parts)
        elapsed += w
        cpu += c
        reps += 1

    checksum, steps, acc = stats.checksum, stats.steps, stats.acc
    lock, fails = stats.lock, stats.fails
    per_call = elapsed / reps
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:
        affinity = "?"
    print(
        f"peer=diffrax workload={a.workload} method={a.method} n={n} "
        f"chunk={chunk_mode} reps={reps} compile_s={compile_s:.4g} "
        f"seconds={per_call:.6g} traj_per_s={n / per_call:.6g} "
        f"us_per_traj={1e6 * per_call / n:.6g} steps={steps} accepted={acc} "
        f"steps_per_traj={steps / n:.6g} lockstep_iters={lock} "
        f"max_steps={MAX_STEPS} failed={fails} checksum={checksum:.17g} "
        f"threads={os_threads()} cpu_util={cpu / elapsed:.3f} "
        f"affinity={affinity} jax={jax.__version__} "
        f"diffrax={diffrax.__version__}",
        flush=True,
    )


if __name__ == "__main__":
    main()
