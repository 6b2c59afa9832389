// Built-in model `van_der_pol`: the van der Pol (1926) oscillator in first-order form,
// x' = y;  y' = mu (1 - x^2) y - x.  Stiff for large mu.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct VanDerPol {
  static constexpr const char* name = "van_der_pol";
  static constexpr int n_state = 2, n_param = 1;
  static constexpr const char* state_names[n_state] = {"x", "y"};
  static constexpr const char* param_names[n_param] = {"mu"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = y[1];
    dy[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0];
  }
};

}  // namespace models
}  // namespace kode
