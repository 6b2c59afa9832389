// Kvaerno3: A. Kvaerno, "Singly diagonally implicit Runge-Kutta methods with
// an explicit first stage", BIT Numer. Math. 44 (2004) 489-502 -- the 3/2
// ESDIRK pair: 4 stages (the first explicit, three implicit with the same
// diagonal gamma), stiffly accurate (the solution is the last stage), L-stable,
// order 3 with an embedded order-2 solution. The coefficients are the paper's
// formulas in gamma (as Diffrax writes them), evaluated in double precision:
//   gamma = 0.43586652150, a21 = gamma, a31 = (-4 g^2 + 6 g - 1) / (4 g),
//   a32 = (1 - 2 g) / (4 g), a41 = (6 g - 1) / (12 g),
//   a42 = -1 / ((24 g - 12) g), a43 = (-6 g^2 + 6 g - 1) / (6 g - 3).
// The stage predictors (the Newton iteration's starting values) are
// Diffrax's: linear extrapolation of the previous stages.
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

struct Kvaerno3 {
  static constexpr const char* name = "kvaerno3";
  static constexpr int stages = 4;
  static constexpr int order = 3;
  static constexpr int error_order = 3;  // the O(h^3) local error of the order-2 solution
  static constexpr bool has_error = true;
  static constexpr double gamma = 0.4358665215;

  // c(i) of stage i (0-based; stage 0 is explicit at t).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0, 0.871733043, 1.0, 1.0};
    return v[i];
  }
  // a(i, j), j < i: stage i's explicit part; the diagonal a(i, i) is gamma.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {0.4358665215},
        {0.4905633884191082, 0.0735700900808919},
        {0.30880996997303606, 1.490563388254108, -1.2352398797271447}};
    return v[i][j];
  }
  // The predictor of stage i: Y_i ~ y + h sum_{j<i} predictor(i, j) F_j.
  KOKKOS_INLINE_FUNCTION static constexpr double predictor(int i, int j) {
    constexpr double v[stages][stages] = {{},
                                          {1.0},
                                          {-0.14714018016178376, 1.1471401801617838},
                                          {0.4905633884191082, 0.0735700900808919, 0.4358665215}};
    return v[i][j];
  }
  // The error estimate h sum_j b_error(j) F_j: the solution (the last row
  // with gamma) minus the embedded one (the row before, with gamma).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int j) {
    constexpr double v[stages] = {0.30880996997303606 - 0.4905633884191082,
                                  1.490563388254108 - 0.0735700900808919,
                                  -1.2352398797271447 - 0.4358665215, 0.4358665215};
    return v[j];
  }
};

}  // namespace kode
