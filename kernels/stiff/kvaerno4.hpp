// Kvaerno4: A. Kvaerno, "Singly diagonally implicit Runge-Kutta methods with
// an explicit first stage", BIT Numer. Math. 44 (2004) 489-502 -- the 4/3
// ESDIRK pair advancing with the order-4 solution: 5 stages (the first
// explicit), stiffly accurate, L-stable, gamma = 0.5728160625 (the value
// for this variant; Diffrax's note explains the paper's two 4/3 methods).
// Coefficients: the paper's formulas in gamma as Diffrax writes them
// (a31 = p(144, -180, 81, -15, 1) g / p(12, -6, 1)^2, ..., with p the
// polynomial in g), evaluated in double precision; c2 = 2 g,
// c3 = g + a31 + a32. Stage predictors as in Diffrax.
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

struct Kvaerno4 {
  static constexpr const char* name = "kvaerno4";
  static constexpr int stages = 5;
  static constexpr int order = 4;
  static constexpr int error_order = 4;  // the O(h^4) local error of the order-3 solution
  static constexpr bool has_error = true;
  static constexpr double gamma = 0.5728160625;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0, 1.145632125, 0.5971049876806123, 1.0, 1.0};
    return v[i];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {0.5728160625},
        {0.16723546204189954, -0.14294653686128728},
        {0.26260329027397794, -0.3119043274147849, 0.4764849746408077},
        {0.1972165483210286, 0.1768437839066134, 0.8154421814035516, -0.762318576131193}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double predictor(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {1.0},
        {0.478798669616032, 0.521201330383968},
        {0.0, 0.7345033361308366, 0.2654966638691634},
        {0.26260329027397794, -0.3119043274147849, 0.4764849746408077, 0.5728160625}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int j) {
    constexpr double v[stages] = {
        0.1972165483210286 - 0.26260329027397794, 0.1768437839066134 + 0.3119043274147849,
        0.8154421814035516 - 0.4764849746408077, -0.762318576131193 - 0.5728160625, 0.5728160625};
    return v[j];
  }
};

}  // namespace kode
