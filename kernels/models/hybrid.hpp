// A hybrid ("universal differential equation") model: a mechanistic model
// plus a neural correction, dy/dt = f(t, y; p) + MLP_theta(t, y) (C.
// Rackauckas et al., "Universal differential equations for scientific
// machine learning", arXiv:2001.04385, 2020). `Base` is any ODE model of
// kode (its named parameters p stay per-trajectory and sweepable); the
// network is the MLP of kernels/neural/mlp.hpp with in_size = out_size =
// Base::n_state, its weights a shared block (model_concept.hpp). The
// vector-Jacobian product adds the network's hand-written one to the base
// model's (its own vjp, or dual numbers: kernels/sensitivity/model_vjp.hpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>

#include "kode/kernels/neural/mlp.hpp"
#include "kode/kernels/sensitivity/model_vjp.hpp"

namespace kode {
namespace models {

template <class Base>
struct Hybrid {
  static_assert(Base::n_state <= Mlp::max_in_out, "hybrid: the network has at most 16 states");
  static constexpr const char* name = Base::name;
  static constexpr int n_state = Base::n_state, n_param = Base::n_param;
  static constexpr const auto& state_names = Base::state_names;
  static constexpr const auto& param_names = Base::param_names;

  Base base;
  Mlp mlp;  // in_size = out_size = n_state; mlp.weights set by the caller

  void validate() const {
    if (mlp.in_size != n_state || mlp.out_size != n_state)
      throw std::invalid_argument(std::string("hybrid ") + name + ": the network maps " +
                                  std::to_string(mlp.in_size) + " inputs to " +
                                  std::to_string(mlp.out_size) + " outputs, the model has " +
                                  std::to_string(n_state) + " states");
    mlp.validate();
  }

  KOKKOS_INLINE_FUNCTION int n_weights() const { return mlp.n_weights(); }
  void set_weights(const double* weights) { mlp.weights = weights; }

  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double t, const T* y, const P* p, T* dy) const {
    base.rhs(t, y, p, dy);
    // Sized for any network (its out_size is a run-time value the compiler
    // cannot bound by n_state); the first n_state entries are written.
    T net[Mlp::max_in_out];
    mlp.evaluate(t, y, net);
    for (int i = 0; i < n_state; ++i) dy[i] += net[i];
  }

  KOKKOS_INLINE_FUNCTION void vjp(double t, const double* y, const double* p, const double* v,
                                  double* vjp_y, double* vjp_p, double* weights_bar) const {
    model_vjp<Base, n_state, n_param>(base, t, y, p, v, vjp_y, vjp_p);
    double net_y[Mlp::max_in_out];
    mlp.vjp(t, y, v, net_y, weights_bar);
    for (int i = 0; i < n_state; ++i) vjp_y[i] += net_y[i];
  }
};

}  // namespace models
}  // namespace kode
