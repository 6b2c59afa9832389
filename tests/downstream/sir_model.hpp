// A model defined outside kode: the Kermack-McKendrick SIR epidemic model
// (Proc. R. Soc. A 115, 1927), in population fractions.
//   s' = -beta s i;  i' = beta s i - gamma i;  r' = gamma i
// s + i + r is conserved, which the downstream test checks. Its event
// function "peak" is i'/i = beta s - gamma: it falls through zero where the
// epidemic peaks, at s = gamma / beta (the herd-immunity threshold).
#pragma once

#include <Kokkos_Core.hpp>

struct SirModel {
  static constexpr const char* name = "sir";
  static constexpr int n_state = 3, n_param = 2;
  static constexpr const char* state_names[n_state] = {"s", "i", "r"};
  static constexpr const char* param_names[n_param] = {"beta", "gamma"};

  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double /*t*/, const T* y, const P* p, T* dy) const {
    const T infection = p[0] * y[0] * y[1];
    const T recovery = p[1] * y[1];
    dy[0] = -infection;
    dy[1] = infection - recovery;
    dy[2] = recovery;
  }

  static constexpr int n_events = 1;
  static constexpr const char* event_names[n_events] = {"peak"};
  KOKKOS_INLINE_FUNCTION double event(int /*k*/, double /*t*/, const double* y,
                                      const double* p) const {
    return p[0] * y[0] - p[1];
  }
};
