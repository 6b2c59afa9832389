// Rosenbrock23: the linearly implicit (modified Rosenbrock / W-) method of
// MATLAB's ode23s, L. F. Shampine and M. W. Reichelt, "The MATLAB ODE
// Suite", SIAM J. Sci. Comput. 18(1), 1997, Sec. 3 -- second order,
// L-stable, with a third-order error estimate and a free second-order
// continuous extension. One step from (t, y) with h:
//   d = 1 / (2 + sqrt 2),  e32 = 6 + sqrt 2,  W = I - h d J,
//   F0 = f(t, y)                          k1 = W^-1 (F0 + h d T)
//   F1 = f(t + h/2, y + h/2 k1)           k2 = W^-1 (F1 - k1) + k1
//   y1 = y + h k2,  F2 = f(t + h, y1)     k3 = W^-1 (F2 - e32 (k2 - F1) - 2 (k1 - F0) + h d T)
//   error estimate  h/6 (k1 - 2 k2 + k3)
//   y(t + s h) = y + h (s (1 - s) k1 + s (s - 2d) k2) / (1 - 2d)
// with J = df/dy and T = df/dt at (t, y) (rhs_jacobian.hpp). One LU of W,
// three solves and two rhs calls besides the Jacobian's per step; F2 is the
// next step's F0 (first same as last).
#pragma once

#include "kode/kernels/linear/small_lu.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/implicit_solve.hpp"

namespace kode {

struct Rosenbrock23 {
  static constexpr const char* name = "rosenbrock23";
  static constexpr bool implicit = true;  // implicit_method.hpp (linearly: no Newton)
  static constexpr int order = 2;         // of the propagated solution
  static constexpr int error_order = 3;   // the estimate is the O(h^3) local error
  static constexpr bool has_error = true;
  static constexpr int stages = 3;    // linear solves per step (k1, k2, k3)
  static constexpr bool fsal = true;  // F2 = f(t + h, y1) starts the next step
  // The continuous extension below: native, quadratic in theta.
  static constexpr int dense_order = 2;
  static constexpr int dense_degree = 2;
  static constexpr double d = 0.2928932188134525;   // 1 / (2 + sqrt 2) = 1 - 1/sqrt 2
  static constexpr double e32 = 7.414213562373095;  // 6 + sqrt 2

  // The step's values for its dense output (and the next step's F0).
  // S: double, or a dual number carrying forward sensitivities.
  template <int N, class S = double>
  struct Stages {
    S k1[N], k2[N];
    S f1[N];  // F2 = f(t + h, y1)
  };

  // One step of size h (signed) from (t, y) with f0 = f(t, y), J and T at
  // (t, y): y1 and the error estimate err. Returns singular when W is
  // singular to working precision (the caller retries with a smaller step).
  template <class Model, class P, int N, class S>
  KOKKOS_INLINE_FUNCTION static ImplicitSolve step(const Model& model, const P* p, double t,
                                                   double h, const S (&y)[N], const S (&f0)[N],
                                                   const S (&jacobian)[N][N], const S (&f_t)[N],
                                                   const StepSizeControl& /*control*/, S (&y1)[N],
                                                   S (&err)[N], Stages<N, S>& s) {
    const double hd = h * d;
    SmallLu<N, S> w;
    if (!w.factor_identity_minus(hd, jacobian)) return ImplicitSolve::singular;

    for (int i = 0; i < N; ++i) s.k1[i] = f0[i] + hd * f_t[i];
    w.solve(s.k1);

    S y_mid[N], f_mid[N];
    for (int i = 0; i < N; ++i) y_mid[i] = y[i] + 0.5 * h * s.k1[i];
    model.rhs(t + 0.5 * h, y_mid, p, f_mid);
    for (int i = 0; i < N; ++i) s.k2[i] = f_mid[i] - s.k1[i];
    w.solve(s.k2);
    for (int i = 0; i < N; ++i) s.k2[i] += s.k1[i];

    for (int i = 0; i < N; ++i) y1[i] = y[i] + h * s.k2[i];
    model.rhs(t + h, y1, p, s.f1);
    S k3[N];
    for (int i = 0; i < N; ++i)
      k3[i] = s.f1[i] - e32 * (s.k2[i] - f_mid[i]) - 2.0 * (s.k1[i] - f0[i]) + hd * f_t[i];
    w.solve(k3);
    for (int i = 0; i < N; ++i) err[i] = h / 6.0 * (s.k1[i] - 2.0 * s.k2[i] + k3[i]);
    return ImplicitSolve::converged;
  }

  // The step's continuous extension, in the shape SaveObserver reads
  // (t0, dt, y0, y1, evaluate(theta, y)).
  template <int N, class S = double>
  struct Interpolant {
    double t0, dt;
    const S (&y0)[N];
    const S (&y1)[N];
    const Stages<N, S>& s;

    KOKKOS_INLINE_FUNCTION void evaluate(double theta, S (&y)[N]) const {
      constexpr double scale = 1.0 / (1.0 - 2.0 * d);
      const double w1 = theta * (1.0 - theta) * scale;
      const double w2 = theta * (theta - 2.0 * d) * scale;
      for (int i = 0; i < N; ++i) y[i] = y0[i] + dt * (w1 * s.k1[i] + w2 * s.k2[i]);
    }
  };
};

}  // namespace kode
