// One step of an explicit Runge-Kutta method given by a tableau struct
// (kernels/tableaus/). Device-callable, no allocation: the stages live in a
// caller-owned fixed-size array, so with a compile-time state dimension they
// stay in registers. Generic in the scalar: T = double for a solve, T = a
// dual number (dual.hpp) to carry forward sensitivities through the same
// arithmetic (the values are then bit-identical to the double step). Stage and coefficient indices
// are compile-time constants (static_for), so every coefficient is an immediate and zero entries of
// the tableau cost nothing.
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/static_for.hpp"

namespace kode {

// Computes stages k[1..S-1] (k[0] = f(t, y) must be filled by the caller:
// it is the FSAL/cached derivative), the new state y1 and, for tableaus with
// an embedded method, the error estimate err = dt * sum b_error_i k_i.
// Time is double, or (with T and Param) a pack of trajectories in SIMD lanes
// (simd/lane_pack.hpp), each lane its own t and dt.
template <class Tableau, class Model, class T, class Param, int N, class Time>
KOKKOS_FORCEINLINE_FUNCTION void explicit_rk_step(const Model& model, const Param* p, Time t,
                                                  Time dt, const T (&y)[N],
                                                  T (&k)[Tableau::stages][N], T (&y1)[N],
                                                  T (&err)[N]) {
  constexpr int S = Tableau::stages;
  // Indices are read as decltype(x)::value: integral_constant's conversion
  // operator is a host-only function for nvcc.
  static_for<1, S>([&](auto stage) {
    constexpr int s = decltype(stage)::value;
    T ytmp[N];
    for (int i = 0; i < N; ++i) {
      T acc = 0.0;
      static_for<0, s>([&](auto prev) {
        constexpr int j = decltype(prev)::value;
        constexpr double a = Tableau::a(s, j);
        if constexpr (a != 0.0) acc += a * k[j][i];
      });
      ytmp[i] = y[i] + dt * acc;
    }
    constexpr double c = Tableau::c(s);
    model.rhs(t + c * dt, ytmp, p, k[s]);
  });
  for (int i = 0; i < N; ++i) {
    T acc = 0.0, eacc = 0.0;
    static_for<0, S>([&](auto stage) {
      constexpr int j = decltype(stage)::value;
      constexpr double b = Tableau::b(j);
      constexpr double e = Tableau::b_error(j);
      if constexpr (b != 0.0) acc += b * k[j][i];
      if constexpr (e != 0.0) eacc += e * k[j][i];
    });
    y1[i] = y[i] + dt * acc;
    err[i] = dt * eacc;
  }
}

}  // namespace kode
