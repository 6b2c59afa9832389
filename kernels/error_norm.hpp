// The scaled error norm of an embedded Runge-Kutta pair, as Diffrax and
// Hairer-Norsett-Wanner (Solving ODEs I, eq. II.4.11) define it: the RMS over
// components of err_i / (atol + rtol * max(|y0_i|, |y1_i|)).
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

// Returns the mean square (the RMS norm squared): the controller works with it
// directly, which keeps a square root and a division out of every step.
template <int N>
KOKKOS_INLINE_FUNCTION double scaled_error_mean_square(const double (&y0)[N], const double (&y1)[N],
                                                       const double (&err)[N], double rtol,
                                                       double atol) {
  double sum = 0.0;
  for (int i = 0; i < N; ++i) {
    const double scale = atol + rtol * math::max(math::fabs(y0[i]), math::fabs(y1[i]));
    const double e = err[i] / scale;
    sum += e * e;
  }
  return sum / N;
}

// RMS norm of v / (atol + rtol |y0|), used by the initial step selection.
template <int N>
KOKKOS_INLINE_FUNCTION double scaled_rms(const double (&v)[N], const double (&y0)[N], double rtol,
                                         double atol) {
  double sum = 0.0;
  for (int i = 0; i < N; ++i) {
    const double e = v[i] / (atol + rtol * math::fabs(y0[i]));
    sum += e * e;
  }
  return math::sqrt(sum / N);
}

}  // namespace kode
