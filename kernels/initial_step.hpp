// Initial step size when none is given: E. Hairer, S. P. Norsett, G. Wanner,
// "Solving Ordinary Differential Equations I", 2nd ed. (1993), Sec. II.4,
// "Starting step size" (algorithm (a)-(f)), in the form Diffrax uses
// (diffrax._step_size_controller.pid._select_initial_step). Costs one extra
// right-hand-side evaluation. Returns a positive magnitude; the caller applies
// the direction of integration.
#pragma once

#include <type_traits>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/error_norm.hpp"

namespace kode {

template <class Model, int N>
KOKKOS_INLINE_FUNCTION double initial_step_size(const Model& model, const double* p, double t0,
                                                double direction, const double (&y0)[N],
                                                const double (&f0)[N], int error_order, double rtol,
                                                double atol) {
  const double d0 = scaled_rms(y0, y0, rtol, atol);
  const double d1 = scaled_rms(f0, y0, rtol, atol);
  const bool tiny = d0 < 1e-5 || d1 < 1e-5;
  const double h0 = tiny ? 1e-6 : 0.01 * (d0 / d1);
  double y1[N], f1[N], df[N];
  for (int i = 0; i < N; ++i) y1[i] = y0[i] + direction * h0 * f0[i];
  model.rhs(t0 + direction * h0, y1, p, f1);
  for (int i = 0; i < N; ++i) df[i] = f1[i] - f0[i];
  const double d2 = scaled_rms(df, y0, rtol, atol) / h0;
  const double max_d = math::max(d1, d2);
  const double h1 =
      max_d <= 1e-15 ? math::max(1e-6, h0 * 1e-3) : math::pow(0.01 / max_d, 1.0 / error_order);
  return math::min(100.0 * h0, h1);
}

// The same from the values of y0, f0 and p when they are dual numbers
// (forward sensitivities): the initial step is a constant of the mesh.
template <class Model, class S, class Param, int N>
KOKKOS_INLINE_FUNCTION double initial_step_size_of_values(const Model& model, const Param* p,
                                                          double t0, double direction,
                                                          const S (&y0)[N], const S (&f0)[N],
                                                          int error_order, double rtol,
                                                          double atol) {
  if constexpr (std::is_same<S, double>::value && std::is_same<Param, double>::value) {
    return initial_step_size(model, p, t0, direction, y0, f0, error_order, rtol, atol);
  } else {
    constexpr int P = Model::n_param > 0 ? Model::n_param : 1;
    // pv zeroed: a model without parameters still passes the one-entry array
    // on (GCC -Wmaybe-uninitialized at -O1, forward sensitivities of the
    // neural ODE).
    double pv[P] = {}, yv[N], fv[N];
    for (int j = 0; j < Model::n_param; ++j) pv[j] = value(p[j]);
    for (int i = 0; i < N; ++i) {
      yv[i] = value(y0[i]);
      fv[i] = value(f0[i]);
    }
    return initial_step_size(model, pv, t0, direction, yv, fv, error_order, rtol, atol);
  }
}

}  // namespace kode
