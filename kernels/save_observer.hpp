// What a trajectory records while it integrates (Diffrax's SaveAt):
//  - the state at fixed save times `ts` shared by the batch, evaluated with the
//    step's own interpolant (so save times never shorten a step, as Diffrax);
//  - optionally t and y after every accepted step;
//  - optionally dense output: for every accepted step, the interpolant's
//    values at degree+1 equispaced nodes theta_m = m/degree. A polynomial of
//    that degree is exactly determined by them, so evaluating it later
//    (dense_output.hpp) reproduces the solver's interpolant without keeping
//    the tableau or the stages.
// Arrays are trajectory-fastest (LayoutLeft) so that the writes of
// neighbouring threads coalesce. Capacity for steps is max_steps + 1, which
// bounds the accepted steps, so nothing is ever dropped.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/save_times.hpp"

namespace kode {

template <int N, class MemorySpace>
struct SaveViews {
  using Vec = Kokkos::View<double*, Kokkos::LayoutLeft, MemorySpace>;
  using Mat = Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace>;
  using Cube = Kokkos::View<double***, Kokkos::LayoutLeft, MemorySpace>;
  using Quad = Kokkos::View<double****, Kokkos::LayoutLeft, MemorySpace>;
  using Count = Kokkos::View<int*, Kokkos::LayoutLeft, MemorySpace>;

  Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace> ts;  // [n_save]
  Cube ys;              // [n_traj, n_save, N] (empty: not saving at ts)
  Mat step_ts;          // [n_traj, cap]       (empty: not saving steps)
  Cube step_ys;         // [n_traj, cap, N]
  Count n_steps_saved;  // [n_traj]
  Mat dense_ts;         // [n_traj, cap]       (empty: no dense output)
  Quad dense_ys;        // [n_traj, cap - 1, degree + 1, N]
  Count n_dense_steps;  // [n_traj]
};

template <int N, int DenseDegree, class MemorySpace>
struct SaveObserver {
  const SaveViews<N, MemorySpace>& v;
  int traj;
  double direction;
  int next_save = 0;
  int n_step = 0;
  int n_dense = 0;

  KOKKOS_INLINE_FUNCTION bool saving_ts() const { return v.ys.extent(0) > 0; }

  KOKKOS_INLINE_FUNCTION void store_save(int j, const double (&y)[N]) const {
    for (int i = 0; i < N; ++i) v.ys(traj, j, i) = y[i];
  }

  KOKKOS_INLINE_FUNCTION void begin(double t0, const double (&y0)[N]) {
    if (saving_ts()) {
      const int n_save = static_cast<int>(v.ts.extent(0));
      while (next_save < n_save && v.ts(next_save) == t0) store_save(next_save++, y0);
    }
    if (v.step_ts.extent(0) > 0) {
      v.step_ts(traj, 0) = t0;
      for (int i = 0; i < N; ++i) v.step_ys(traj, 0, i) = y0[i];
      n_step = 1;
      v.n_steps_saved(traj) = 1;
    }
    if (v.dense_ts.extent(0) > 0) {
      v.dense_ts(traj, 0) = t0;
      v.n_dense_steps(traj) = 0;
    }
  }

  // The next save time not yet stored, if any (SDE solvers end steps there,
  // since a Brownian path between steps is not the solver's to interpolate).
  KOKKOS_INLINE_FUNCTION bool pending_save_time(double& t) const {
    if (!saving_ts() || next_save >= static_cast<int>(v.ts.extent(0))) return false;
    t = v.ts(next_save);
    return true;
  }

  // Marks the save times a trajectory never reached (it stopped early) as NaN;
  // a trajectory stopped before begin() (non-finite y0 or f(t0, y0)) has no
  // steps or dense steps recorded (the counts are otherwise never written).
  KOKKOS_INLINE_FUNCTION void finish() {
    if (v.step_ts.extent(0) > 0 && n_step == 0) v.n_steps_saved(traj) = 0;
    if (v.dense_ts.extent(0) > 0 && n_dense == 0) v.n_dense_steps(traj) = 0;
    if (!saving_ts()) return;
    const double nan = math::quiet_nan();
    const int n_save = static_cast<int>(v.ts.extent(0));
    for (int j = next_save; j < n_save; ++j)
      for (int i = 0; i < N; ++i) v.ys(traj, j, i) = nan;
  }

  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant& s) {
    const double t1 = s.t0 + s.dt;
    if (saving_ts())
      visit_save_times_in_step<double, N>(v.ts, static_cast<int>(v.ts.extent(0)), next_save,
                                          direction, s,
                                          [&](int j, const double(&y)[N]) { store_save(j, y); });
    if (v.step_ts.extent(0) > 0 && n_step < static_cast<int>(v.step_ts.extent(1))) {
      v.step_ts(traj, n_step) = t1;
      for (int i = 0; i < N; ++i) v.step_ys(traj, n_step, i) = s.y1[i];
      v.n_steps_saved(traj) = ++n_step;
    }
    if (v.dense_ts.extent(0) > 0 && n_dense + 1 < static_cast<int>(v.dense_ts.extent(1))) {
      for (int m = 0; m <= DenseDegree; ++m) {
        double y[N];
        if (m == 0) {
          for (int i = 0; i < N; ++i) y[i] = s.y0[i];
        } else if (m == DenseDegree) {
          for (int i = 0; i < N; ++i) y[i] = s.y1[i];
        } else {
          s.evaluate(static_cast<double>(m) / DenseDegree, y);
        }
        for (int i = 0; i < N; ++i) v.dense_ys(traj, n_dense, m, i) = y[i];
      }
      ++n_dense;
      v.dense_ts(traj, n_dense) = t1;
      v.n_dense_steps(traj) = n_dense;
    }
  }
};

}  // namespace kode
