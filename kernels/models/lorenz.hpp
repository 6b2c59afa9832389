// Built-in model `lorenz`: the Lorenz (1963) convection model, "Deterministic
// nonperiodic flow", J. Atmos. Sci. 20.
// x' = sigma (y - x);  y' = x (rho - z) - y;  z' = x y - beta z
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct Lorenz {
  static constexpr const char* name = "lorenz";
  static constexpr int n_state = 3, n_param = 3;
  static constexpr const char* state_names[n_state] = {"x", "y", "z"};
  static constexpr const char* param_names[n_param] = {"sigma", "rho", "beta"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * (y[1] - y[0]);
    dy[1] = y[0] * (p[1] - y[2]) - y[1];
    dy[2] = y[0] * y[1] - p[2] * y[2];
  }
};

}  // namespace models
}  // namespace kode
