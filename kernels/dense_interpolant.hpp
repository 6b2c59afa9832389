// Dense output inside one accepted step [t0, t0 + dt], theta in [0, 1].
//
// Tableaus with a native continuous extension (Tsit5, Dopri5: 4th order;
// Dopri8: 7th order) give y(t0 + theta dt) = y0 + dt sum_i w_i(theta) k_i.
// The others use cubic Hermite interpolation of (y0, f0) and (y1, f1), third
// order (Hairer-Norsett-Wanner I, Sec. II.6, eq. (6.7)); f1 = f(t1, y1) is
// needed anyway as the first stage of the next step, so it costs nothing.
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/static_for.hpp"

namespace kode {

// Polynomial degree in theta of the interpolant a tableau gets in kode (the
// degree can exceed the order: Dopri8's is degree 6, order 5).
template <class Tableau>
constexpr int dense_degree() {
  return Tableau::dense_order > 0 ? Tableau::dense_degree : 3;
}

// The cubic Hermite interpolant of (y0, f0) and (y1, f1) over a step of dt at
// theta (Hairer, Norsett & Wanner I, Sec. II.6, eq. (6.7)): the basis
// h00 = 2s^3-3s^2+1, h10 = s^3-2s^2+s, h01 = -2s^3+3s^2, h11 = s^3-s^2.
// Also the ESDIRK methods' dense output (stiff/esdirk.hpp).
template <class Theta, class Time, class T, int N>
KOKKOS_INLINE_FUNCTION void hermite_cubic(const Theta& theta, const Time& dt, const T (&y0)[N],
                                          const T (&f0)[N], const T (&y1)[N], const T (&f1)[N],
                                          T (&out)[N]) {
  const Theta s = theta, s2 = s * s, s3 = s2 * s;
  const Theta h00 = 2.0 * s3 - 3.0 * s2 + 1.0, h10 = s3 - 2.0 * s2 + s;
  const Theta h01 = -2.0 * s3 + 3.0 * s2, h11 = s3 - s2;
  for (int i = 0; i < N; ++i)
    out[i] = h00 * y0[i] + h10 * dt * f0[i] + h01 * y1[i] + h11 * dt * f1[i];
}

// Everything the interpolant of one step needs; references to the stepper's
// registers, nothing copied. T is the stepper's scalar (double, or a dual
// number carrying forward sensitivities through the interpolant: the
// interpolant is linear in y0, y1 and the stages, so its tangent is the
// derivative of the interpolated state on the frozen mesh).
// Time is double, or a pack of SIMD lanes (simd/integrate_lanes.hpp) with T
// the same pack: each lane its own step.
template <class Tableau, int N, class T = double, class Time = double>
struct StepInterpolant {
  using tableau = Tableau;
  using value_type = T;
  static constexpr int n_states = N;
  Time t0, dt;
  const T (&y0)[N];
  const T (&y1)[N];
  const T (&f0)[N];
  const T (&f1)[N];
  const T (&k)[Tableau::stages][N];

  template <class Theta>
  KOKKOS_INLINE_FUNCTION void evaluate(const Theta& theta, T (&out)[N]) const {
    if constexpr (Tableau::dense_order > 0) {
      constexpr int S = Tableau::stages;
      Theta w[S];
      // Compile-time stage index: the weight polynomials' coefficients become
      // immediates (a runtime index would copy the coefficient table).
      static_for<0, S>([&](auto stage) {
        constexpr int j = decltype(stage)::value;
        w[j] = Tableau::dense_weight(j, theta);
      });
      for (int i = 0; i < N; ++i) {
        T acc = 0.0;
        for (int j = 0; j < S; ++j) acc += w[j] * k[j][i];
        out[i] = y0[i] + dt * acc;
      }
    } else {
      hermite_cubic(theta, dt, y0, f0, y1, f1, out);
    }
  }
};

}  // namespace kode
