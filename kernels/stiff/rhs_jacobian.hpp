// f(t, y), its Jacobian J = df/dy and its time derivative df/dt at one point,
// from the model's own templated rhs evaluated once on dual numbers with
// N + 1 tangents (y_i seeded as direction i, t as direction N): no
// hand-written derivatives, and exact to rounding (no finite differences).
// What a linearly implicit step (rosenbrock23.hpp) needs at its start.
#pragma once

#include <type_traits>
#include <utility>

#include "kode/kernels/dual.hpp"

namespace kode {

// Whether rhs_with_jacobian can form J and df/dt for Model: its rhs must
// accept dual numbers for the state and for the time (a model whose rhs
// takes `double t` cannot give df/dt this way; the engine refuses stiff
// methods for it with a message naming why).
template <class Model, class = void>
struct jacobian_capable : std::false_type {};
template <class Model>
struct jacobian_capable<
    Model,
    std::void_t<decltype(std::declval<const Model&>().rhs(
        std::declval<DualN<Model::n_state + 1>>(), std::declval<const DualN<Model::n_state + 1>*>(),
        std::declval<const double*>(), std::declval<DualN<Model::n_state + 1>*>()))>>
    : std::true_type {};

template <class Model, int N>
KOKKOS_INLINE_FUNCTION void rhs_with_jacobian(const Model& model, const double* p, double t,
                                              const double (&y)[N], double (&f)[N],
                                              double (&jacobian)[N][N], double (&f_t)[N]) {
  using D = DualN<N + 1>;
  D yd[N], fd[N];
  for (int i = 0; i < N; ++i) yd[i] = D::variable(y[i], i);
  model.rhs(D::variable(t, N), yd, p, fd);
  for (int i = 0; i < N; ++i) {
    f[i] = value(fd[i]);
    for (int j = 0; j < N; ++j) jacobian[i][j] = tangent(fd[i], j);
    f_t[i] = tangent(fd[i], N);
  }
}

}  // namespace kode
