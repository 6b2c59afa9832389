// Built-in model family `neural_ode`: dy/dt = MLP_theta(t, y), a neural ODE
// (R. T. Q. Chen, Y. Rubanova, J. Bettencourt, D. Duvenaud, "Neural ordinary
// differential equations", NeurIPS 2018) whose vector field is the MLP of
// kernels/neural/mlp.hpp with in_size = out_size = N. It has no named
// parameters: its parameters are the network's weights, one block shared by
// every trajectory of a batch (model_concept.hpp, "shared weights"), read
// through `mlp.weights` (a device pointer the caller sets, e.g. a Kokkos
// View's data()). The adjoint differentiates them with the network's own
// vector-Jacobian product; the states are named y0 .. y{N-1}.
#pragma once

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "kode/kernels/neural/mlp.hpp"

namespace kode {
namespace models {

namespace neural_detail {
inline constexpr const char* y_names[16] = {"y0", "y1", "y2",  "y3",  "y4",  "y5",  "y6",  "y7",
                                            "y8", "y9", "y10", "y11", "y12", "y13", "y14", "y15"};
template <class Sequence>
struct StateNames;
template <std::size_t... I>
struct StateNames<std::index_sequence<I...>> {
  static constexpr const char* value[sizeof...(I)] = {y_names[I]...};
};
}  // namespace neural_detail

template <int N>
struct NeuralOde {
  static_assert(N >= 1 && N <= 16, "neural_ode: 1 to 16 states");
  static constexpr const char* name = "neural_ode";
  static constexpr int n_state = N, n_param = 0;
  static constexpr const auto& state_names =
      neural_detail::StateNames<std::make_index_sequence<N>>::value;

  Mlp mlp;  // in_size = out_size = N; mlp.weights set by the caller

  // Host: the network fits the model (sizes, bounds); throws
  // std::invalid_argument naming the problem.
  void validate() const {
    if (mlp.in_size != N || mlp.out_size != N)
      throw std::invalid_argument("neural_ode: the network maps " + std::to_string(mlp.in_size) +
                                  " inputs to " + std::to_string(mlp.out_size) +
                                  " outputs, the model has " + std::to_string(N) + " states");
    mlp.validate();
  }

  KOKKOS_INLINE_FUNCTION int n_weights() const { return mlp.n_weights(); }
  void set_weights(const double* weights) { mlp.weights = weights; }

  // The time is a template (Time = T's time: double, or LanePack<W> for W
  // trajectories per CPU thread in SIMD lanes, kernels/simd/), so the batch
  // solver runs the network on W trajectories at once: one load of each
  // weight serves W multiply-adds (lane_batch_kernel.hpp, lane_capable).
  // Through a buffer of the network's largest output: the network's size is
  // a run-time value, and GCC 12 otherwise reports its four-row loop writing
  // past a one-state dy (-Warray-bounds) where it inlines this into the
  // adjoint's reverse step.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time t, const T* y, const P* /*p*/, T* dy) const {
    T out[Mlp::max_in_out];
    mlp.evaluate(t, y, out);
    for (int i = 0; i < N; ++i) dy[i] = out[i];
  }

  // v^T df/dy into vjp_y; v^T df/dtheta added into weights_bar; no named
  // parameters, so vjp_p is untouched.
  KOKKOS_INLINE_FUNCTION void vjp(double t, const double* y, const double* /*p*/, const double* v,
                                  double* vjp_y, double* /*vjp_p*/, double* weights_bar) const {
    mlp.vjp(t, y, v, vjp_y, weights_bar);
  }
};

}  // namespace models
}  // namespace kode
