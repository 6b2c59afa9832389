// What the trajectories in the W lanes of a pack record (simd/integrate_lanes.hpp):
// SaveObserver's records (save_observer.hpp), with one save cursor per lane.
//
// Save times `ts` (the common case in sweeps) are interpolated for all lanes
// at once: each round takes, for every lane whose step holds its next save
// time, that time, evaluates the pack's interpolant at the lanes' thetas
// (StepInterpolant over packs: the scalar arithmetic per lane) and stores
// each lane's value; rounds repeat while any lane has a save time left in
// its step. The save cursors and next save times stay in vector registers
// through the rounds. The rule of which value a save time gets is
// visit_save_times_in_step's, so the values are the scalar observer's bits.
// Per-step records and dense output (rare in sweeps) go lane by lane through
// the scalar SaveObserver on that lane's slice of the step.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/save_observer.hpp"

namespace kode {

template <int N, int DenseDegree, class MemorySpace, int W>
struct LaneSaveObserver {
  using Pack = LanePack<W>;
  using Scalar = SaveObserver<N, DenseDegree, MemorySpace>;
  const SaveViews<N, MemorySpace>& v;
  // The same Views without ys: the scalar observer for step and dense records.
  const SaveViews<N, MemorySpace>& v_without_ts;
  double direction;
  using Index = LaneMask<W>;  // W 64-bit integers, as a comparison gives
  int traj[W] = {};
  Index next_save = {};  // each lane's next index into ts
  int n_step[W] = {};
  int n_dense[W] = {};
  // Each lane's next save time (v.ts(next_save)), or direction * inf when it
  // has none left, so that "any save in this step?" is one vector compare.
  Pack next_ts = 0.0;

  // Lane `lane` now holds trajectory `trajectory`, nothing saved yet.
  KOKKOS_INLINE_FUNCTION void start(int lane, int trajectory) {
    traj[lane] = trajectory;
    next_save[lane] = n_step[lane] = n_dense[lane] = 0;
    refresh(lane);
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
    if (v.ys.extent(0) > 0) save_times(stepped, s);
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

 private:
  KOKKOS_INLINE_FUNCTION Scalar scalar(int lane, const SaveViews<N, MemorySpace>& views) const {
    return Scalar{views,        traj[lane],   direction, static_cast<int>(next_save[lane]),
                  n_step[lane], n_dense[lane]};
  }
  KOKKOS_INLINE_FUNCTION void keep(int lane, const Scalar& o) {
    n_step[lane] = o.n_step;
    n_dense[lane] = o.n_dense;
    if (o.saving_ts()) {
      next_save[lane] = o.next_save;
      refresh(lane);
    }
  }
  // ts(j), or direction * inf past the last save time.
  KOKKOS_INLINE_FUNCTION double save_time(long long j) const {
    return j < static_cast<long long>(v.ts.extent(0)) ? v.ts(j) : direction * __builtin_inf();
  }
  // After a lane's cursor moved on its own (a new trajectory, begin): rare.
  KOKKOS_INLINE_FUNCTION void refresh(int lane) { next_ts.set(lane, save_time(next_save[lane])); }

  // visit_save_times_in_step for every lane in `stepped`, a round per save time.
  template <class Mask, class Interpolant>
  KOKKOS_INLINE_FUNCTION void save_times(const Mask& stepped, const Interpolant& s) {
    const Pack t_end = s.t0 + s.dt;  // the step's end, as the scalar rule computes it
    Pack next = next_ts;
    Mask in = stepped & (direction * (next - t_end) <= 0.0);
    if (!lane_any<W>(in)) return;
    Index index = next_save;
    do {
      const Pack ts = lane_select(in, next, s.t0);
      Pack y[N];
      s.evaluate((ts - s.t0) / s.dt, y);
      for (int l = 0; l < W; ++l) {
        if (!in[l]) continue;
        const bool at_end = ts[l] == t_end[l], at_start = ts[l] == s.t0[l];
        for (int i = 0; i < N; ++i)
          v.ys(traj[l], index[l], i) = at_end ? s.y1[i][l] : at_start ? s.y0[i][l] : y[i][l];
      }
      index -= in;  // a true lane is -1
      next = lane_select(in, lane_generate<W>([&](int l) { return save_time(index[l]); }), next);
      in = stepped & (direction * (next - t_end) <= 0.0);
    } while (lane_any<W>(in));
    next_save = index;
    next_ts = next;
  }
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
