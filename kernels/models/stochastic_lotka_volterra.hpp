// Built-in SDE model `stochastic_lotka_volterra` (Ito; diagonal noise): the
// Lotka-Volterra predator-prey model with environmental noise on each
// population's growth rate,
//   dx = (alpha x - beta x y) dt + sigma_x x dW_1
//   dy = (delta x y - gamma y) dt + sigma_y y dW_2
// (noise proportional to the population, which keeps both populations
// positive; with sigma_x = sigma_y = 0 it is `lotka_volterra`).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/noise.hpp"

namespace kode {
namespace models {

struct StochasticLotkaVolterra {
  static constexpr const char* name = "stochastic_lotka_volterra";
  static constexpr int n_state = 2, n_param = 6, n_noise = 2;
  static constexpr NoiseKind noise = NoiseKind::diagonal;
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x", "y"};
  static constexpr const char* param_names[n_param] = {"alpha", "beta",    "gamma",
                                                       "delta", "sigma_x", "sigma_y"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    dy[1] = p[3] * y[0] * y[1] - p[2] * y[1];
  }
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time /*t*/, const T* y, const P* p, T* g) const {
    g[0] = p[4] * y[0];
    g[1] = p[5] * y[1];
  }
};

}  // namespace models
}  // namespace kode
