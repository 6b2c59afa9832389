// Heun's method (explicit trapezoidal rule), order 2, with an embedded
// first-order solution for the error estimate; coefficients as Diffrax's `Heun`.
// Reference: E. Hairer, S. P. Norsett, G. Wanner, "Solving Ordinary
// Differential Equations I", 2nd ed., Springer 1993, Sec. II.1 (Heun 1900).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

struct Heun {
  static constexpr const char* name = "heun";
  static constexpr int stages = 2;
  static constexpr int order = 2;          // order of the propagated solution
  static constexpr bool has_error = true;  // embedded error estimate available
  static constexpr bool fsal = false;      // last stage is not f(t1, y1)
  // Native dense interpolant order; 0 means "none": kode then uses cubic
  // Hermite interpolation between (y0, f(t0,y0)) and (y1, f(t1,y1)).
  static constexpr int dense_order = 0;
  // Polynomial degree in theta of the native interpolant (0: none).
  static constexpr int dense_degree = 0;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0, 1.0};
    return v[i];
  }
  // a(i, j) for j < i (strictly lower triangular; 0 elsewhere).
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {{0.0, 0.0}, {1.0, 0.0}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double v[stages] = {0.5, 0.5};
    return v[i];
  }
  // Error weights: y_error = dt * sum_i b_error(i) k_i (only |y_error| matters).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int i) {
    constexpr double v[stages] = {0.5, -0.5};
    return v[i];
  }
  // Native dense output weights (only when dense_order > 0):
  // y(t0 + theta dt) = y0 + dt * sum_i dense_weight(i, theta) * k_i.
  KOKKOS_INLINE_FUNCTION static constexpr double dense_weight(int, double) { return 0.0; }
};

}  // namespace kode
