// Built-in model `damped_oscillator`: the damped harmonic oscillator in normalised
// form, x' = v;  v' = -2 zeta omega v - omega^2 x (damping ratio zeta,
// natural angular frequency omega).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct DampedOscillator {
  static constexpr const char* name = "damped_oscillator";
  static constexpr int n_state = 2, n_param = 2;
  static constexpr const char* state_names[n_state] = {"x", "v"};
  static constexpr const char* param_names[n_param] = {"zeta", "omega"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = y[1];
    dy[1] = -2.0 * p[0] * p[1] * y[1] - p[1] * p[1] * y[0];
  }
};

}  // namespace models
}  // namespace kode
