// Bogacki-Shampine 3(2) pair: order 3 solution, embedded order 2 solution for
// the error estimate, 4 stages of which the last is f(t1, y1) and is reused as
// the first stage of the next step (FSAL); coefficients as Diffrax's `Bosh3`.
// Reference: P. Bogacki, L. F. Shampine, "A 3(2) pair of Runge-Kutta
// formulas", Appl. Math. Lett. 2 (1989) 321-325.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

struct Bosh3 {
  static constexpr const char* name = "bosh3";
  static constexpr int stages = 4;
  static constexpr int order = 3;          // order of the propagated solution
  static constexpr bool has_error = true;  // embedded error estimate available
  static constexpr bool fsal = true;       // last stage is f(t1, y1): c = 1 and a(last, :) == b
  // Native dense interpolant order; 0 means "none": kode then uses cubic
  // Hermite interpolation between (y0, f(t0,y0)) and (y1, f(t1,y1)).
  static constexpr int dense_order = 0;
  // Polynomial degree in theta of the native interpolant (0: none).
  static constexpr int dense_degree = 0;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0, 1.0 / 2.0, 3.0 / 4.0, 1.0};
    return v[i];
  }
  // a(i, j) for j < i (strictly lower triangular; 0 elsewhere).
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {{0.0, 0.0, 0.0, 0.0},
                                          {1.0 / 2.0, 0.0, 0.0, 0.0},
                                          {0.0, 3.0 / 4.0, 0.0, 0.0},
                                          {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double v[stages] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0};
    return v[i];
  }
  // Error weights: y_error = dt * sum_i b_error(i) k_i, the difference between the
  // weights of the solution and of the embedded one (sign as in Diffrax; only
  // |y_error| matters).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int i) {
    constexpr double v[stages] = {2.0 / 9.0 - 7.0 / 24.0, 1.0 / 3.0 - 1.0 / 4.0,
                                  4.0 / 9.0 - 1.0 / 3.0, -1.0 / 8.0};
    return v[i];
  }
  // Native dense output weights (only when dense_order > 0):
  // y(t0 + theta dt) = y0 + dt * sum_i dense_weight(i, theta) * k_i.
  KOKKOS_INLINE_FUNCTION static constexpr double dense_weight(int, double) { return 0.0; }
};

}  // namespace kode
