// Built-in model `lotka_volterra`: predator-prey dynamics (Lotka 1925, Volterra 1926).
// x' = alpha x - beta x y;  y' = delta x y - gamma y
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct LotkaVolterra {
  static constexpr const char* name = "lotka_volterra";
  static constexpr int n_state = 2, n_param = 4;
  static constexpr const char* state_names[n_state] = {"x", "y"};
  static constexpr const char* param_names[n_param] = {"alpha", "beta", "gamma", "delta"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    dy[1] = p[3] * y[0] * y[1] - p[2] * y[1];
  }
};

}  // namespace models
}  // namespace kode
