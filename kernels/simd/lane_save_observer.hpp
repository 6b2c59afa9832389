// What the trajectories in the W lanes of a pack record (simd/integrate_lanes.hpp):
// SaveObserver's records (save_observer.hpp), with one save cursor per lane.
//
// Save times `ts` (the common case in sweeps) are interpolated for all lanes
// at once, in LaneSaveCursor's rounds (lane_save_cursor.hpp), so the values
// are the scalar observer's bits.
// Per-step records and dense output (rare in sweeps) go lane by lane through
// the scalar SaveObserver on that lane's slice of the step.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/save_observer.hpp"
#include "kode/kernels/sde/sde_step_record.hpp"
#include "kode/kernels/simd/lane_save_cursor.hpp"

namespace kode {

template <int N, int DenseDegree, class MemorySpace, int W>
struct LaneSaveObserver {
  using Pack = LanePack<W>;
  using Scalar = SaveObserver<N, DenseDegree, MemorySpace>;
  const SaveViews<N, MemorySpace>& v;
  // The same Views without ys: the scalar observer for step and dense records.
  const SaveViews<N, MemorySpace>& v_without_ts;
  double direction;
  int traj[W] = {};
  LaneSaveCursor<W, MemorySpace> cursor{v.ts, direction};
  int n_step[W] = {};
  int n_dense[W] = {};

  // Lane `lane` now holds trajectory `trajectory`, nothing saved yet.
  KOKKOS_INLINE_FUNCTION void start(int lane, int trajectory) {
    traj[lane] = trajectory;
    n_step[lane] = n_dense[lane] = 0;
    cursor.set(lane, 0);
  }

  KOKKOS_INLINE_FUNCTION void begin(int lane, double t0, const double (&y0)[N]) {
    Scalar o = scalar(lane, v);
    o.begin(t0, y0);
    keep(lane, o);
  }

  KOKKOS_INLINE_FUNCTION void finish(int lane) {
    Scalar o = scalar(lane, v);
    o.finish();
  }

  template <class Mask, class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const Interpolant& s) {
    save_at_ts(stepped, s);
    if (v.step_ts.extent(0) > 0 || v.dense_ts.extent(0) > 0) {
      for (int l = 0; l < W; ++l) {
        if (!stepped[l]) continue;
        constexpr int S = Interpolant::tableau::stages;
        double y0[N], y1[N], f0[N], f1[N], k[S][N];
        for (int i = 0; i < N; ++i) {
          y0[i] = s.y0[i][l];
          y1[i] = s.y1[i][l];
          f0[i] = s.f0[i][l];
          f1[i] = s.f1[i][l];
          for (int j = 0; j < S; ++j) k[j][i] = s.k[j][i][l];
        }
        Scalar o = scalar(l, v_without_ts);
        o.step(
            StepInterpolant<typename Interpolant::tableau, N>{s.t0[l], s.dt[l], y0, y1, f0, f1, k});
        keep(l, o);
      }
    }
  }

  // An SDE step of the lanes in `stepped` (simd/integrate_sde_lanes.hpp):
  // save times as for ODE steps, per-step records lane by lane.
  template <class Mask>
  KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const SdeStepRecord<N, Pack, Pack>& s) {
    save_at_ts(stepped, s);
    if (v.step_ts.extent(0) > 0 || v.dense_ts.extent(0) > 0) {
      for (int l = 0; l < W; ++l) {
        if (!stepped[l]) continue;
        double y0[N], y1[N];
        for (int i = 0; i < N; ++i) {
          y0[i] = s.y0[i][l];
          y1[i] = s.y1[i][l];
        }
        Scalar o = scalar(l, v_without_ts);
        o.step(SdeStepRecord<N>{s.t0[l], s.dt[l], y0, y1});
        keep(l, o);
      }
    }
  }

  // Each lane's next save time not yet stored (+inf when none is left): an
  // SDE step ends there.
  KOKKOS_INLINE_FUNCTION Pack next_save_times() const { return cursor.next_ts; }

 private:
  template <class Mask, class Interpolant>
  KOKKOS_INLINE_FUNCTION void save_at_ts(const Mask& stepped, const Interpolant& s) {
    if (v.ys.extent(0) == 0) return;
    cursor.visit_rounds(stepped, s, [&](int l, int j, const Pack* from) {
      for (int i = 0; i < N; ++i) v.ys(traj[l], j, i) = from[i][l];
    });
  }
  KOKKOS_INLINE_FUNCTION Scalar scalar(int lane, const SaveViews<N, MemorySpace>& views) const {
    return Scalar{views, traj[lane], direction, cursor.index(lane), n_step[lane], n_dense[lane]};
  }
  KOKKOS_INLINE_FUNCTION void keep(int lane, const Scalar& o) {
    n_step[lane] = o.n_step;
    n_dense[lane] = o.n_dense;
    if (o.saving_ts()) cursor.set(lane, o.next_save);
  }
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
