// Built-in model `spring_mass_damper`: a mass m on a spring (stiffness k) with a
// viscous damper c.  x' = v;  v' = -(c v + k x) / m
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct SpringMassDamper {
  static constexpr const char* name = "spring_mass_damper";
  static constexpr int n_state = 2, n_param = 3;
  static constexpr const char* state_names[n_state] = {"x", "v"};
  static constexpr const char* param_names[n_param] = {"m", "c", "k"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = y[1];
    dy[1] = -(p[1] * y[1] + p[2] * y[0]) / p[0];
  }
};

}  // namespace models
}  // namespace kode
