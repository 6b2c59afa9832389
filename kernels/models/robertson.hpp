// Built-in model `robertson`: H. H. Robertson (1966), "The solution of a set
// of reaction rate equations", in J. Walsh (ed.), Numerical Analysis: An
// Introduction, Academic Press -- the classic stiff chemical kinetics test
// (Hairer & Wanner, "Solving ODEs II", Sec. IV.1, eq. (1.3), with k1 = 0.04,
// k2 = 3e7, k3 = 1e4 and y0 = (1, 0, 0)):
// y1' = -k1 y1 + k3 y2 y3;  y2' = k1 y1 - k2 y2^2 - k3 y2 y3;  y3' = k2 y2^2.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace models {

struct Robertson {
  static constexpr const char* name = "robertson";
  static constexpr int n_state = 3, n_param = 3;
  static constexpr const char* state_names[n_state] = {"y1", "y2", "y3"};
  static constexpr const char* param_names[n_param] = {"k1", "k2", "k3"};

  // Time is a template so that SIMD-lane packs of trajectories can step it.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    const T slow = p[0] * y[0], fast = p[2] * y[1] * y[2], square = p[1] * y[1] * y[1];
    dy[0] = -slow + fast;
    dy[1] = slow - square - fast;
    dy[2] = square;
  }
};

}  // namespace models
}  // namespace kode
