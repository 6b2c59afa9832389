// The scaled error norm of an embedded Runge-Kutta pair, as Diffrax and
// Hairer-Norsett-Wanner (Solving ODEs I, eq. II.4.11) define it: the RMS over
// components of err_i / (atol + rtol * max(|y0_i|, |y1_i|)).
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/lane_ops.hpp"
#include "kode/kernels/simd/lane_pack.hpp"  // its overloads must precede the templates

namespace kode {

// Returns the mean square (the RMS norm squared): the controller works with it
// directly, which keeps a square root and a division out of every step. V is
// double, or a pack of trajectories in SIMD lanes (the same operations).
template <class V, int N>
KOKKOS_INLINE_FUNCTION V scaled_error_mean_square(const V (&y0)[N], const V (&y1)[N],
                                                  const V (&err)[N], double rtol, double atol) {
  V sum = 0.0;
  for (int i = 0; i < N; ++i) {
    const V scale = atol + rtol * lane_max(lane_fabs(y0[i]), lane_fabs(y1[i]));
    const V e = err[i] / scale;
    sum += e * e;
  }
  return sum / static_cast<double>(N);
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
