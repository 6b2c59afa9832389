// What the stiff-solver unit tests share (test_rosenbrock.cpp,
// test_esdirk.cpp): the Prothero-Robinson test problem and an observer that
// records the solution at given save times.
#pragma once

#include <cstddef>
#include <vector>

#include "kode/kernels/compat.hpp"

namespace kode_test {

// Prothero & Robinson (1974): y' = lambda (y - sin t) + cos t, y(0) = 0, whose
// solution is sin t for every lambda (from y0: sin t + y0 e^(lambda t));
// non-autonomous (exercises df/dt), and as stiff as lambda is negative.
struct ProtheroRobinson {
  static constexpr int n_state = 1, n_param = 1;
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time t, const T* y, const P* p, T* dy) const {
    using kode::math::cos;  // doubles and dual numbers (Jacobian and df/dt)
    using kode::math::sin;
    dy[0] = p[0] * (y[0] - sin(t)) + cos(t);
  }
};

// Records the solution at the save times `ts` (ascending) through each
// accepted step's interpolant, and the end values where a save time is a
// step end.
template <int N>
struct Recorder {
  std::vector<double> ts;
  std::vector<std::vector<double>> ys;
  std::size_t next = 0;
  void begin(double t0, const double (&y0)[N]) {
    while (next < ts.size() && ts[next] == t0) {
      ys.push_back(std::vector<double>(y0, y0 + N));
      ++next;
    }
  }
  template <class Interpolant>
  void step(const Interpolant& s) {
    const double t_end = s.t0 + s.dt;
    while (next < ts.size() && ts[next] <= t_end) {
      double y[N];
      if (ts[next] == t_end) {
        for (int i = 0; i < N; ++i) y[i] = s.y1[i];
      } else {
        s.evaluate((ts[next] - s.t0) / s.dt, y);
      }
      ys.push_back(std::vector<double>(y, y + N));
      ++next;
    }
  }
};

}  // namespace kode_test
