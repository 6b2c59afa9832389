#!/usr/bin/env python3
"""Reference values for tests/unit/test_optimizer.cpp, from Optax itself.

Run with the bench venv (optax 0.2.8, jax 0.10.2 used for the values in the
test):  build/bench/venv/bin/python tests/unit/reference/optax_reference.py

Every number is float64 (jax x64 enabled) and printed with 17 significant
digits, as C++ initialisers to paste into the test.

Problem: N = 5 parameters, theta0[i] = 1 + i/4, K = 10 updates with fixed
gradients g_k[i] = sin(1.3 i + 0.7 k) (1 + i) (k = 0-based update number),
which the C++ test recomputes with std::sin. They are computed here with
math.sin (the C library's sin, as std::sin) rather than numpy's, whose SIMD
sin may differ in the last bit. The gradient norms are 4.47 ... 5.94, so a
clip_norm of 5 clips some updates and leaves others alone.

Each case is the Optax chain a Diffrax/Optax training script would use:
  optax.chain(optax.clip_by_global_norm(c),     # only when clip_norm > 0
              optax.adam(lr) / optax.adabelief(lr))
where lr is a float (constant), optax.cosine_decay_schedule(peak, total,
alpha=final/peak) or optax.warmup_cosine_decay_schedule(0, peak, warmup,
total, final). Updates go through a jitted step (as in training); the eager
result is checked against it and the largest relative difference reported.

The warmup-cosine schedule is called with the count cast to int64. Optax
keeps its count in int32, and with jax 0.10 linear_schedule then divides
count / warmup_steps in float32, so the whole joined schedule comes out in
float32 (the cosine part is rounded to float32 by jnp.where) even with x64,
and jit and eager differ there by float32 ulps. kode evaluates the formula in
float64, which is what the int64 count gives. The script reports how far the
int32-count (stock Optax) trajectories lie from the ones printed.
"""
import math
import sys

import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_enable_x64", True)

N, K = 5, 10


def theta0():
    return [1.0 + 0.25 * i for i in range(N)]


def grad(k):
    return [math.sin(1.3 * i + 0.7 * k) * (1 + i) for i in range(N)]


# Mirrors kode::OptimizerSettings; b1, b2, eps, eps_root are Optax's defaults
# for each optimiser (adam: 0.9, 0.999, 1e-8, 0; adabelief: 0.9, 0.999,
# 1e-16, 1e-16) and are left to Optax here.
CASES = {
    "kAdamConstant": dict(kind="adam", lr=1e-2, schedule="constant"),
    "kAdaBeliefConstant": dict(kind="adabelief", lr=1e-2, schedule="constant"),
    "kAdamWarmupCosineClip": dict(kind="adam", lr=1e-2, schedule="warmup_cosine",
                                  total=10, warmup=3, final=1e-4, clip=5.0),
    "kAdamCosine": dict(kind="adam", lr=1e-2, schedule="cosine", total=8, final=1e-3),
    "kAdaBeliefWarmupCosineClip": dict(kind="adabelief", lr=1e-2,
                                       schedule="warmup_cosine", total=10, warmup=3,
                                       final=1e-4, clip=5.0),
}


def schedule(c):
    if c["schedule"] == "constant":
        return c["lr"]
    if c["schedule"] == "cosine":
        return optax.cosine_decay_schedule(c["lr"], c["total"], alpha=c["final"] / c["lr"])
    s = optax.warmup_cosine_decay_schedule(0.0, c["lr"], c["warmup"], c["total"], c["final"])
    if c.get("count32", False):
        return s
    return lambda count: s(jnp.asarray(count, dtype=jnp.int64))


def transform(c):
    opt = {"adam": optax.adam, "adabelief": optax.adabelief}[c["kind"]](schedule(c))
    if c.get("clip", 0.0) > 0:
        return optax.chain(optax.clip_by_global_norm(c["clip"]), opt)
    return opt


def trajectory(c, jit):
    tx = transform(c)
    theta = jnp.asarray(theta0(), dtype=jnp.float64)
    state = tx.init(theta)

    def step(theta, state, g):
        updates, state = tx.update(g, state, theta)
        return optax.apply_updates(theta, updates), state

    if jit:
        step = jax.jit(step)
    out = []
    for k in range(K):
        theta, state = step(theta, state, jnp.asarray(grad(k), dtype=jnp.float64))
        out.append([float(x) for x in theta])
    return out


def fmt(x):
    return "%.17g" % x


def print_table(name, rows):
    print("const double %s[%d][%d] = {" % (name, len(rows), len(rows[0])))
    for r in rows:
        print("    {" + ", ".join(fmt(x) for x in r) + "},")
    print("};")


def main():
    worst = 0.0
    for name, c in CASES.items():
        rows = trajectory(c, jit=True)
        eager = trajectory(c, jit=False)
        for r, e in zip(rows, eager):
            for a, b in zip(r, e):
                worst = max(worst, abs(a - b) / abs(a))
        print_table(name, rows)
    print("jit vs eager: max relative difference %.3g" % worst, file=sys.stderr)
    for name, c in CASES.items():
        if c["schedule"] != "warmup_cosine":
            continue
        rows = trajectory(c, jit=True)
        stock = trajectory(dict(c, count32=True), jit=True)
        d = max(abs(a - b) / abs(a) for r, e in zip(rows, stock) for a, b in zip(r, e))
        print("%s: int64 count vs stock Optax (int32 count, float32 schedule): "
              "max relative difference %.3g" % (name, d), file=sys.stderr)

    # Learning rates at update numbers 0..12 (the count as the optimiser passes
    # it: int32 for cosine, int64 for warmup-cosine, see above).
    lr_cases = {
        "kCosineRates": CASES["kAdamCosine"],
        "kWarmupCosineRates": CASES["kAdamWarmupCosineClip"],
    }
    for name, c in lr_cases.items():
        s = schedule(c)
        vals = [float(jax.jit(s)(jnp.asarray(k, dtype=jnp.int32))) for k in range(13)]
        print("const double %s[13] = {" % name)
        print("    " + ", ".join(fmt(v) for v in vals) + "};")


if __name__ == "__main__":
    main()
