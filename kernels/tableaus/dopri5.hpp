// Dormand-Prince 5(4) pair (RK5(4)7M): order 5 solution, embedded order 4
// solution, 7 stages with FSAL (stage 6 is f(t1, y1)); coefficients as
// Diffrax's `Dopri5`.
// Reference: J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta
// formulae", J. Comput. Appl. Math. 6 (1980) 19-26.
// Dense output: Shampine's 4th-order interpolant, L. F. Shampine, "Some
// practical Runge-Kutta formulas", Math. Comp. 46 (1986) 135-150. Diffrax
// builds it as the quartic through y0, y1, f0, f1 and a midpoint value
// y(t0 + dt/2) = y0 + dt * sum_i cmid_i k_i; since y1 and that midpoint are
// linear in the k_i, the same quartic is written here per stage as a
// polynomial in theta (derived exactly in rationals, then rounded to double).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

struct Dopri5 {
  static constexpr const char* name = "dopri5";
  static constexpr int stages = 7;
  static constexpr int order = 5;          // order of the propagated solution
  static constexpr bool has_error = true;  // embedded error estimate available
  static constexpr bool fsal = true;       // last stage is f(t1, y1): c = 1 and a(last, :) == b
  // Order of the native dense interpolant (local error O(dt^5)).
  static constexpr int dense_order = 4;
  // Polynomial degree in theta of the native interpolant (0: none).
  static constexpr int dense_degree = 4;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0};
    return v[i];
  }
  // a(i, j) for j < i (strictly lower triangular); each row lists its j < i
  // entries only, the rest of the row is zero-initialised.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {1.0 / 5.0},
        {3.0 / 40.0, 9.0 / 40.0},
        {44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0},
        {19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0},
        {9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0},
        {35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double v[stages] = {
        35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0};
    return v[i];
  }
  // Error weights: y_error = dt * sum_i b_error(i) k_i, the difference between the
  // weights of the solution and of the embedded one (sign as in Diffrax; only
  // |y_error| matters).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int i) {
    constexpr double v[stages] = {35.0 / 384.0 - 1951.0 / 21600.0,
                                  0.0,
                                  500.0 / 1113.0 - 22642.0 / 50085.0,
                                  125.0 / 192.0 - 451.0 / 720.0,
                                  -2187.0 / 6784.0 + 12231.0 / 42400.0,
                                  11.0 / 84.0 - 649.0 / 6300.0,
                                  -1.0 / 60.0};
    return v[i];
  }
  // Native dense output weights, theta in [0, 1]:
  // y(t0 + theta dt) = y0 + dt * sum_i dense_weight(i, theta) * k_i,
  // dense_weight(i, theta) = sum_p w[i][p] theta^p (degree 4, Horner form);
  // dense_weight(i, 0) = 0 and dense_weight(i, 1) = b(i).
  // Theta: double, or a pack of SIMD lanes (the same operations per lane).
  template <class Theta>
  KOKKOS_INLINE_FUNCTION static constexpr Theta dense_weight(int i, const Theta& theta) {
    constexpr double w[stages][5] = {
        {0.0, 1.0, -2.8535800653862835, 3.0717434641059005, -1.1270175653862835},
        {0.0, 0.0, 0.0, 0.0, 0.0},
        {0.0, 0.0, 4.023133379230305, -6.249321565289, 2.675424484351598},
        {0.0, 0.0, -3.7324019615885042, 10.068970589843675, -5.685526961588504},
        {0.0, 0.0, 2.5548038301849423, -6.399112377351017, 3.5219323679207912},
        {0.0, 0.0, -1.3744241142186024, 3.272657752246729, -1.7672812570757455},
        {0.0, 0.0, 1.3824689317781436, -3.764937863556287, 2.382468931778144}};
    Theta r = w[i][4];
    for (int p = 3; p >= 0; --p) r = r * theta + w[i][p];
    return r;
  }
};

}  // namespace kode
