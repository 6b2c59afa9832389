// Built-in SDE model `ornstein_uhlenbeck` (Ito; additive noise):
//   dx = theta (mu - x) dt + sigma dW.
// G. E. Uhlenbeck, L. S. Ornstein, "On the theory of the Brownian motion",
// Phys. Rev. 36 (1930) 823. Its law is known exactly: x(t) is normal with
// mean mu + (x0 - mu) e^{-theta t} and variance sigma^2 (1 - e^{-2 theta t})
// / (2 theta), which the tests use.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/noise.hpp"

namespace kode {
namespace models {

struct OrnsteinUhlenbeck {
  static constexpr const char* name = "ornstein_uhlenbeck";
  static constexpr int n_state = 1, n_param = 3, n_noise = 1;
  static constexpr NoiseKind noise = NoiseKind::additive;
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x"};
  static constexpr const char* param_names[n_param] = {"theta", "mu", "sigma"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * (p[1] - y[0]);
  }
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time /*t*/, const T* /*y*/, const P* p, T* g) const {
    g[0] = p[2];
  }
};

}  // namespace models
}  // namespace kode
