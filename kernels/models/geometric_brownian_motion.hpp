// Built-in SDE model `geometric_brownian_motion` (Ito; diagonal noise):
//   dx = mu x dt + sigma x dW,
// the Black-Scholes asset price model. Exact solution on one Brownian path:
// x(t) = x0 exp((mu - sigma^2/2) t + sigma W(t)) (Kloeden & Platen 1992,
// Sec. 4.4), which the strong-order tests use.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/noise.hpp"

namespace kode {
namespace models {

struct GeometricBrownianMotion {
  static constexpr const char* name = "geometric_brownian_motion";
  static constexpr int n_state = 1, n_param = 2, n_noise = 1;
  static constexpr NoiseKind noise = NoiseKind::diagonal;
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x"};
  static constexpr const char* param_names[n_param] = {"mu", "sigma"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0];
  }
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time /*t*/, const T* y, const P* p, T* g) const {
    g[0] = p[1] * y[0];
  }
};

}  // namespace models
}  // namespace kode
