// Built-in model `logistic`: logistic growth, n' = r n (1 - n/k) (Verhulst 1838).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct Logistic {
  static constexpr const char* name = "logistic";
  static constexpr int n_state = 1, n_param = 2;
  static constexpr const char* state_names[n_state] = {"n"};
  static constexpr const char* param_names[n_param] = {"r", "k"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0] * (1.0 - y[0] / p[1]);
  }
};

}  // namespace models
}  // namespace kode
