"""Reference forward sensitivities of the Robertson kinetics at t = 40 for
tests/unit/test_stiff_sensitivity.cpp: dy(40)/dk and dy(40)/dy0 of the exact
ODE, from the forward sensitivity equations (e.g. Hairer, Norsett & Wanner I,
Sec. I.14)

    y' = f(y, k),   S' = J(y) S + df/dk,   S(0) = 0          (3 x 3)
                    R' = J(y) R,           R(0) = I          (3 x 3)

solved together (21 states) by SciPy's Radau at rtol 1e-12 with the
analytic Jacobian of the whole system. Run: python3 robertson_sensitivity_reference.py
"""
import numpy as np
from scipy.integrate import solve_ivp

K = np.array([0.04, 3e7, 1e4])


def f(y, k):
    k1, k2, k3 = k
    return np.array([-k1 * y[0] + k3 * y[1] * y[2],
                     k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2],
                     k2 * y[1] ** 2])


def jac_y(y, k):
    k1, k2, k3 = k
    return np.array([[-k1, k3 * y[2], k3 * y[1]],
                     [k1, -2 * k2 * y[1] - k3 * y[2], -k3 * y[1]],
                     [0.0, 2 * k2 * y[1], 0.0]])


def jac_k(y):
    return np.array([[-y[0], 0.0, y[1] * y[2]],
                     [y[0], -y[1] ** 2, -y[1] * y[2]],
                     [0.0, y[1] ** 2, 0.0]])


def second_derivatives(k):
    """d2f_i / dy_a dy_b (constant: f is quadratic in y)."""
    k1, k2, k3 = k
    H = np.zeros((3, 3, 3))
    H[0, 1, 2] = H[0, 2, 1] = k3
    H[1, 1, 1] = -2 * k2
    H[1, 1, 2] = H[1, 2, 1] = -k3
    H[2, 1, 1] = 2 * k2
    return H


def rhs(t, z):
    y = z[:3]
    S = z[3:12].reshape(3, 3)
    R = z[12:21].reshape(3, 3)
    J = jac_y(y, K)
    return np.concatenate([f(y, K), (J @ S + jac_k(y)).ravel(), (J @ R).ravel()])


def jac(t, z):
    y = z[:3]
    S = z[3:12].reshape(3, 3)
    R = z[12:21].reshape(3, 3)
    J = jac_y(y, K)
    H = second_derivatives(K)
    # d(df/dk)/dy
    dfk_dy = np.zeros((3, 3, 3))  # [i, c, m]: d (df_i/dk_c) / dy_m
    dfk_dy[0, 0, 0] = -1.0
    dfk_dy[0, 2, 1] = y[2]
    dfk_dy[0, 2, 2] = y[1]
    dfk_dy[1, 0, 0] = 1.0
    dfk_dy[1, 1, 1] = -2 * y[1]
    dfk_dy[1, 2, 1] = -y[2]
    dfk_dy[1, 2, 2] = -y[1]
    dfk_dy[2, 1, 1] = 2 * y[1]
    A = np.zeros((21, 21))
    A[:3, :3] = J
    for blk, M, extra in ((3, S, dfk_dy), (12, R, None)):
        for i in range(3):
            for c in range(3):
                row = blk + 3 * i + c
                # d/dy_m of sum_a J[i, a] M[a, c] = sum_a H[i, a, m] M[a, c]
                A[row, :3] = H[i, :, :].T @ M[:, c]
                if extra is not None:
                    A[row, :3] += extra[i, c, :]
                for a in range(3):
                    A[row, blk + 3 * a + c] = J[i, a]
    return A


z0 = np.concatenate([[1.0, 0.0, 0.0], np.zeros(9), np.eye(3).ravel()])
sol = solve_ivp(rhs, (0.0, 40.0), z0, method="Radau", rtol=1e-12, atol=1e-20, jac=jac)
assert sol.success, sol.message
z = sol.y[:, -1]
np.set_printoptions(precision=16)
print("y(40)      ", repr(z[:3]))
print("dy/dk  rows", repr(z[3:12].reshape(3, 3)))
print("dy/dy0 rows", repr(z[12:21].reshape(3, 3)))
