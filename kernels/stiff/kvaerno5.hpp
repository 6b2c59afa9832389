// Kvaerno5: A. Kvaerno, "Singly diagonally implicit Runge-Kutta methods with
// an explicit first stage", BIT Numer. Math. 44 (2004) 489-502 -- the 5/4
// ESDIRK pair: 7 stages (the first explicit), stiffly accurate, L-stable,
// gamma = 0.26, order 5 with an embedded order-4 solution. Coefficients as
// published (to the digits Diffrax gives); stage predictors as in Diffrax
// (from OrdinaryDiffEq.jl, with a21's predictor 1).
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

struct Kvaerno5 {
  static constexpr const char* name = "kvaerno5";
  static constexpr int stages = 7;
  static constexpr int order = 5;
  static constexpr int error_order = 5;  // the O(h^5) local error of the order-4 solution
  static constexpr bool has_error = true;
  static constexpr double gamma = 0.26;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {
        0.0, 0.52, 1.230333209967908, 0.8957659843500759, 0.43639360985864756, 1.0, 1.0};
    return v[i];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {0.26},
        {0.13, 0.84033320996790809},
        {0.22371961478320505, 0.47675532319799699, -0.06470895363112615},
        {0.16648564323248321, 0.10450018841591720, 0.03631482272098715, -0.13090704451073998},
        {0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676},
        {0.13659751177640291, 0.0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403,
         0.06962479448202728}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double predictor(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {1.0},
        {-1.366025403784441, 2.3660254037844357},
        {-0.19650552613122207, 0.8113579546496623, 0.38514757148155954},
        {0.10375304369958693, 0.937994698066431, -0.04174774176601781, 0.0},
        {-0.17281112873898072, 0.6235784481025847, 0.5492326806363959, 0.0, 0.0},
        {0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676,
         0.26}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int j) {
    constexpr double v[stages] = {0.13659751177640291 - 0.13855640231268224,
                                  0.0,
                                  -0.05496908796538376 + 0.04245337201752043,
                                  -0.04118626728321046 - 0.02446657898003141,
                                  0.62993304899016403 - 0.61943039072480676,
                                  0.06962479448202728 - 0.26,
                                  0.26};
    return v[j];
  }
};

}  // namespace kode
