// One step of an explicit Runge-Kutta method given by a tableau struct
// (kernels/tableaus/). Device-callable, no allocation: the stages live in a
// caller-owned fixed-size array, so with a compile-time state dimension they
// stay in registers. Loops have compile-time bounds and the tableau's
// coefficients are constexpr, so the compiler unrolls them and drops the
// zero entries of a (the `!= 0.0` tests fold away).
#pragma once

#include "kernels/compat.hpp"

namespace kode {

// Computes stages k[1..S-1] (k[0] = f(t, y) must be filled by the caller:
// it is the FSAL/cached derivative), the new state y1 and, for tableaus with
// an embedded method, the error estimate err = dt * sum b_error_i k_i.
template <class Tableau, class Model, int N>
KOKKOS_INLINE_FUNCTION void explicit_rk_step(const Model& model, const double* p, double t,
                                             double dt, const double (&y)[N],
                                             double (&k)[Tableau::stages][N], double (&y1)[N],
                                             double (&err)[N]) {
  constexpr int S = Tableau::stages;
  double ytmp[N];
  for (int s = 1; s < S; ++s) {
    for (int i = 0; i < N; ++i) {
      double acc = 0.0;
      for (int j = 0; j < s; ++j)
        if (Tableau::a(s, j) != 0.0) acc += Tableau::a(s, j) * k[j][i];
      ytmp[i] = y[i] + dt * acc;
    }
    model.rhs(t + Tableau::c(s) * dt, ytmp, p, k[s]);
  }
  for (int i = 0; i < N; ++i) {
    double acc = 0.0, eacc = 0.0;
    for (int j = 0; j < S; ++j) {
      if (Tableau::b(j) != 0.0) acc += Tableau::b(j) * k[j][i];
      if (Tableau::b_error(j) != 0.0) eacc += Tableau::b_error(j) * k[j][i];
    }
    y1[i] = y[i] + dt * acc;
    err[i] = dt * eacc;
  }
}

}  // namespace kode
