// Built-in model `pk_two_compartment`: two-compartment pharmacokinetics with first-order
// absorption from a depot (amounts, not concentrations; see Gabrielsson &
// Weiner, "Pharmacokinetic and Pharmacodynamic Data Analysis", ch. 2).
// depot' = -ka depot
// central' = ka depot - (cl + q)/v1 central + q/v2 peripheral
// peripheral' = q/v1 central - q/v2 peripheral
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct PkTwoCompartment {
  static constexpr const char* name = "pk_two_compartment";
  static constexpr int n_state = 3, n_param = 5;
  static constexpr const char* state_names[n_state] = {"depot", "central", "peripheral"};
  static constexpr const char* param_names[n_param] = {"ka", "cl", "v1", "q", "v2"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    const P ka = p[0], cl = p[1], v1 = p[2], q = p[3], v2 = p[4];
    dy[0] = -ka * y[0];
    dy[1] = ka * y[0] - (cl + q) / v1 * y[1] + q / v2 * y[2];
    dy[2] = q / v1 * y[1] - q / v2 * y[2];
  }
};

}  // namespace models
}  // namespace kode
