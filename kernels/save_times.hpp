// Where the save times fall: the one rule every observer uses (the plain
// solve's SaveObserver, forward sensitivities, the adjoint's loss), so that
// they see the same values at the same times. Save time j belongs to the
// first accepted step [t0, t0 + dt] with direction * (ts_j - (t0 + dt)) <= 0;
// its value is the step's end state when ts_j == t0 + dt exactly, its start
// when ts_j == t0, else the step's own interpolant at theta = (ts_j - t0)/dt.
// (Save times equal to the initial time are taken at begin().)
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

// Calls visit(j, y) for the save times j = next_save, ... inside step `s` (an
// interpolant with t0, dt, y0, y1 and evaluate(theta, y) over `Scalar`), and
// advances next_save past them. `ts` is indexable as ts(j), n_save long.
template <class Scalar, int N, class Times, class Interpolant, class Visit>
KOKKOS_INLINE_FUNCTION void visit_save_times_in_step(const Times& ts, int n_save, int& next_save,
                                                     double direction, const Interpolant& s,
                                                     Visit&& visit) {
  const double t1 = s.t0 + s.dt;
  while (next_save < n_save && direction * (ts(next_save) - t1) <= 0.0) {
    const double t = ts(next_save);
    if (t == t1) {
      visit(next_save, s.y1);
    } else if (t == s.t0) {
      visit(next_save, s.y0);
    } else {
      Scalar y[N];
      s.evaluate((t - s.t0) / s.dt, y);
      visit(next_save, y);
    }
    ++next_save;
  }
}

}  // namespace kode
