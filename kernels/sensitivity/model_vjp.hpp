// The vector-Jacobian product of a model's vector field, v^T df/dy and
// v^T df/dp at (t, y, p), for the adjoints: the model's own `vjp` when it has
// one (model_concept.hpp), otherwise one evaluation of its templated rhs on
// dual numbers with n_state + n_param tangents (tangent i is d/dy_i, tangent
// N + q is d/dp_q), contracted with v.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/model_concept.hpp"

namespace kode {

// vy [N] = v^T df/dy, vp [P] = v^T df/dp. With f non-null, also f(t, y, p)
// (free on the dual-number path, one more rhs call with the model's vjp).
// A model with shared weights also adds v^T df/dtheta into wbar (non-null).
template <class Model, int N, int P>
KOKKOS_INLINE_FUNCTION void model_vjp(const Model& model, double t, const double* y,
                                      const double* p, const double* v, double* vy, double* vp,
                                      double* f = nullptr, double* wbar = nullptr) {
  if constexpr (has_weights<Model>::value) {
    if (f) model.rhs(t, y, p, f);
    model.vjp(t, y, p, v, vy, vp, wbar);
  } else if constexpr (has_vjp<Model>::value) {
    (void)wbar;
    if (f) model.rhs(t, y, p, f);
    model.vjp(t, y, p, v, vy, vp);
  } else {
    (void)wbar;
    using D = DualN<N + P>;
    D yd[N], pd[P > 0 ? P : 1], fd[N];
    for (int i = 0; i < N; ++i) yd[i] = D::variable(y[i], i);
    for (int q = 0; q < P; ++q) pd[q] = D::variable(p[q], N + q);
    model.rhs(t, yd, pd, fd);
    if (f)
      for (int i = 0; i < N; ++i) f[i] = value(fd[i]);
    for (int i = 0; i < N; ++i) {
      double s = 0.0;
      for (int k = 0; k < N; ++k) s += v[k] * tangent(fd[k], i);
      vy[i] = s;
    }
    for (int q = 0; q < P; ++q) {
      double s = 0.0;
      for (int k = 0; k < N; ++k) s += v[k] * tangent(fd[k], N + q);
      vp[q] = s;
    }
  }
}

}  // namespace kode
