// Ralston's second-order method: the two-stage order-2 scheme with c2 = 2/3,
// which minimises the bound on the leading local error term (the c2 = 3/4
// variant seen in some references is a different method). Embedded Euler step
// for the error estimate; coefficients as Diffrax's `Ralston`.
// Reference: A. Ralston, "Runge-Kutta methods with minimum error bounds",
// Math. Comp. 16 (1962) 431-437.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

struct Ralston {
  static constexpr const char* name = "ralston";
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
    constexpr double v[stages] = {0.0, 2.0 / 3.0};
    return v[i];
  }
  // a(i, j) for j < i (strictly lower triangular; 0 elsewhere).
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {{0.0, 0.0}, {2.0 / 3.0, 0.0}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double v[stages] = {0.25, 0.75};
    return v[i];
  }
  // Error weights: y_error = dt * sum_i b_error(i) k_i, the difference between the
  // weights of the solution and of the embedded one (sign as in Diffrax; only
  // |y_error| matters).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int i) {
    constexpr double v[stages] = {0.75, -0.75};
    return v[i];
  }
  // Native dense output weights (only when dense_order > 0):
  // y(t0 + theta dt) = y0 + dt * sum_i dense_weight(i, theta) * k_i.
  KOKKOS_INLINE_FUNCTION static constexpr double dense_weight(int, double) { return 0.0; }
};

}  // namespace kode
