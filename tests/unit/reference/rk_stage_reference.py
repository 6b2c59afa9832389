#!/usr/bin/env python3
"""Reference values for tests/unit/test_single_step.cpp, in exact arithmetic.

One step of an explicit Runge-Kutta method from t = 0, y0 = (1, 1), h = 1/10 on
Lotka-Volterra x' = alpha x - beta x y, y' = delta x y - gamma y with alpha 3/2,
beta 1, gamma 3, delta 1. Every coefficient, stage and sum is a Fraction, so
the printed values are the exact ones rounded once to 17 significant digits;
kode's double-precision step must agree to a few ulps.

Coefficients (typed here from the papers, independently of kode's headers):
  Dopri5: J. R. Dormand, P. J. Prince, J. Comput. Appl. Math. 6 (1980) 19-26,
          Table 2 (RK5(4)7M); the embedded weights are those Diffrax's Dopri5
          uses (diffrax/_solver/dopri5.py: 1951/21600, 0, 22642/50085, 451/720,
          -12231/42400, 649/6300, 1/60).
  Bosh3:  P. Bogacki, L. F. Shampine, Appl. Math. Lett. 2 (1989) 321-325.
Output: C++ initialisers {k[s][i]...}, y1, err (= h * sum (b - b_embedded) k).
"""
from fractions import Fraction as F

ALPHA, BETA, GAMMA, DELTA = F(3, 2), F(1), F(3), F(1)


def rhs(y):
    x, v = y
    return [ALPHA * x - BETA * x * v, DELTA * x * v - GAMMA * v]


METHODS = {
    "dopri5": dict(
        a=[[],
           [F(1, 5)],
           [F(3, 40), F(9, 40)],
           [F(44, 45), F(-56, 15), F(32, 9)],
           [F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729)],
           [F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176), F(-5103, 18656)],
           [F(35, 384), F(0), F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84)]],
        b=[F(35, 384), F(0), F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84), F(0)],
        b_embedded=[F(1951, 21600), F(0), F(22642, 50085), F(451, 720), F(-12231, 42400),
                    F(649, 6300), F(1, 60)]),
    "bosh3": dict(
        a=[[], [F(1, 2)], [F(0), F(3, 4)], [F(2, 9), F(1, 3), F(4, 9)]],
        b=[F(2, 9), F(1, 3), F(4, 9), F(0)],
        b_embedded=[F(7, 24), F(1, 4), F(1, 3), F(1, 8)]),
}


def step(method, y0, h):
    m = METHODS[method]
    k = []
    for row in m["a"]:
        y = [y0[i] + h * sum(a * kj[i] for a, kj in zip(row, k)) for i in range(2)]
        k.append(rhs(y))
    y1 = [y0[i] + h * sum(b * kj[i] for b, kj in zip(m["b"], k)) for i in range(2)]
    err = [h * sum((b - e) * kj[i] for b, e, kj in zip(m["b"], m["b_embedded"], k))
           for i in range(2)]
    return k, y1, err


def show(values):
    return "{" + ", ".join(f"{float(v):.17g}" for v in values) + "}"


if __name__ == "__main__":
    for name in METHODS:
        k, y1, err = step(name, [F(1), F(1)], F(1, 10))
        print(f"// {name}")
        print("k = {" + ", ".join(show(ks) for ks in k) + "}")
        print("y1 = " + show(y1))
        print("err = " + show(err))
