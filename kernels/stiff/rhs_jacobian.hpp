// f(t, y), its Jacobian J = df/dy and its time derivative df/dt at one point:
// what a linearly implicit step (rosenbrock23.hpp) needs at its start, and
// what the ESDIRKs' simplified Newton iteration (esdirk.hpp) keeps per step.
// Two sources, exact to rounding either way (no finite differences):
//  - the model's own `jacobian(t, y, p, dfdy, dfdt)` when it has one
//    (has_jacobian, kernels/model_concept.hpp): hand-written or generated;
//  - otherwise its templated rhs evaluated once on dual numbers with N + 1
//    tangents (y_i seeded as direction i, t as direction N).
#pragma once

#include <type_traits>
#include <utility>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/model_concept.hpp"

namespace kode {

// Whether the model's rhs accepts dual numbers for its time as well as for
// its state (a model whose rhs takes `double t` cannot give df/dt by dual
// numbers).
template <class Model, class = void>
struct rhs_takes_dual_time : std::false_type {};
template <class Model>
struct rhs_takes_dual_time<
    Model,
    std::void_t<decltype(std::declval<const Model&>().rhs(
        std::declval<DualN<Model::n_state + 1>>(), std::declval<const DualN<Model::n_state + 1>*>(),
        std::declval<const double*>(), std::declval<DualN<Model::n_state + 1>*>()))>>
    : std::true_type {};

// Whether rhs_with_jacobian can form J and df/dt for Model: from its own
// jacobian() or from its rhs on dual numbers. The engine refuses the stiff
// methods for other models with a message naming both ways.
template <class Model>
struct jacobian_capable
    : std::bool_constant<has_jacobian<Model>::value || rhs_takes_dual_time<Model>::value> {};

// Whether J and df/dt can be formed on dual numbers too, as forward
// sensitivities through a stiff method need (their tangents are second
// derivatives of f): the rhs must take nested dual numbers for its time and
// state; a model's own jacobian() gives values only.
template <class Model>
struct jacobian_differentiable : rhs_takes_dual_time<Model> {};

// f, J and df/dt at (t, y) with p. S and Param are double for a solve; for
// forward sensitivities S is DualN<K> (and Param DualN<K> or double), and
// every entry then carries its K tangents: the rhs is evaluated N + 1 times
// on NestedDual<S>, once per direction (y_j, then t), each giving f and one
// column of J (or df/dt) with the tangents of y, p and the direction.
template <class Model, class Param, int N, class S>
KOKKOS_INLINE_FUNCTION void rhs_with_jacobian(const Model& model, const Param* p, double t,
                                              const S (&y)[N], S (&f)[N], S (&jacobian)[N][N],
                                              S (&f_t)[N]) {
  if constexpr (std::is_same<S, double>::value && std::is_same<Param, double>::value) {
    static_assert(jacobian_capable<Model>::value,
                  "kode: the stiff methods need the model's jacobian() or an rhs templated on "
                  "its time (kernels/stiff/rhs_jacobian.hpp)");
    if constexpr (has_jacobian<Model>::value) {
      model.rhs(t, y, p, f);
      model.jacobian(t, y, p, &jacobian[0][0], f_t);
    } else {
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
  } else {
    static_assert(jacobian_differentiable<Model>::value,
                  "kode: sensitivities through the stiff methods need an rhs templated on its "
                  "time (kernels/stiff/rhs_jacobian.hpp)");
    using ND = NestedDual<S>;
    for (int direction = 0; direction <= N; ++direction) {
      ND yn[N], fn[N];
      for (int i = 0; i < N; ++i) yn[i] = ND(y[i], S(i == direction ? 1.0 : 0.0));
      const ND tn(S(t), S(direction == N ? 1.0 : 0.0));
      model.rhs(tn, yn, p, fn);
      for (int i = 0; i < N; ++i) {
        if (direction == 0) f[i] = fn[i].v;
        if (direction < N) {
          jacobian[i][direction] = fn[i].d;
        } else {
          f_t[i] = fn[i].d;
        }
      }
    }
  }
}

}  // namespace kode
