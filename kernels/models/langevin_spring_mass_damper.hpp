// Built-in SDE model `langevin_spring_mass_damper` (Ito; additive noise): the
// spring-mass-damper driven by a white-noise force of intensity sigma,
//   dx = v dt;  dv = -(c v + k x)/m dt + (sigma/m) dW
// (the Langevin equation of a harmonic oscillator; G. E. Uhlenbeck,
// L. S. Ornstein, Phys. Rev. 36 (1930) 823, Sec. III). In equilibrium
// (c > 0) the energy follows equipartition: E[k x^2] = E[m v^2] =
// sigma^2 / (2 c).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/noise.hpp"

namespace kode {
namespace models {

struct LangevinSpringMassDamper {
  static constexpr const char* name = "langevin_spring_mass_damper";
  static constexpr int n_state = 2, n_param = 4, n_noise = 1;
  static constexpr NoiseKind noise = NoiseKind::additive;
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x", "v"};
  static constexpr const char* param_names[n_param] = {"m", "c", "k", "sigma"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = y[1];
    dy[1] = -(p[1] * y[1] + p[2] * y[0]) / p[0];
  }
  // G is 2 x 1: the noise drives the velocity only.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time /*t*/, const T* /*y*/, const P* p, T* g) const {
    g[0] = 0.0;
    g[1] = p[3] / p[0];
  }
};

}  // namespace models
}  // namespace kode
