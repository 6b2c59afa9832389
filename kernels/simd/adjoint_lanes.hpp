// The discrete adjoint (sensitivity/adjoint_trajectory.hpp) of W
// trajectories per CPU thread, one per SIMD lane, for models without their
// own vjp: the two pieces that run on packs.
//  - LaneLossObserver: the forward solve's loss (LossObserver), summed per
//    lane while integrate_lanes advances the lanes; the save times of all
//    lanes are interpolated at once in LaneSaveCursor's rounds.
//  - reverse_step_lanes: reverse_step_dual for W trajectories, each lane its
//    own accepted step (t, dt, y), its own save times inside the step and its
//    own cotangents, on LaneDual numbers (lane_dual.hpp).
// Why: like the solve, a reverse step of one trajectory is a chain of
// dependent operations; W independent chains fill the vector units.
//
// Each lane computes what the scalar code computes for its trajectory, in the
// same order (the same templated step, interpolant and dual arithmetic; a
// lane that has nothing to add keeps its sums by a select, not by adding
// zero), so gradients are bit-identical to the one-trajectory adjoint
// (tests/unit/test_adjoint_lanes.cpp). The driver is the engine's
// AdjointLanesKernel (engine/sensitivity/adjoint_lanes_kernel.hpp).
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include <Kokkos_Core.hpp>

#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/explicit_rk_step.hpp"
#include "kode/kernels/sensitivity/trajectory_loss.hpp"
#include "kode/kernels/simd/lane_dual.hpp"
#include "kode/kernels/simd/lane_save_cursor.hpp"

namespace kode {

template <int N, class MemorySpace, int W>
struct LaneLossObserver {
  using Pack = LanePack<W>;
  const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts;
  const TrajectoryLoss<N, MemorySpace>& loss;
  double direction;
  int traj[W] = {};
  double sum[W] = {};
  LaneSaveCursor<W, MemorySpace> cursor{ts, direction};

  KOKKOS_INLINE_FUNCTION int n_save() const { return static_cast<int>(ts.extent(0)); }

  KOKKOS_INLINE_FUNCTION void start(int lane, int trajectory) {
    traj[lane] = trajectory;
    sum[lane] = 0.0;
    cursor.set(lane, 0);
  }
  // LossObserver::begin.
  KOKKOS_INLINE_FUNCTION void begin(int lane, double t0, const double (&y0)[N]) {
    int j = cursor.index(lane);
    while (j < n_save() && ts(j) == t0) {
      sum[lane] += loss.value(traj[lane], j, n_save(), y0);
      ++j;
    }
    cursor.set(lane, j);
  }
  // visit_save_times_in_step for every lane in `stepped`, adding each value's
  // loss to its lane's sum.
  template <class Mask, class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const Interpolant& s) {
    cursor.visit_rounds(stepped, s, [&](int l, int j, const Pack* from) {
      double y[N];
      for (int i = 0; i < N; ++i) y[i] = from[i][l];
      sum[l] += loss.value(traj[l], j, n_save(), y);
    });
  }
};

// reverse_step_dual for the lanes in `live`: lane l reverses its accepted
// step (t[l], dt[l], y[l]) with the save indices [j_lo[l], j_hi[l]) of
// trajectory traj[l], updating its ybar and pbar. Other lanes are unchanged.
template <class Tableau, class Model, int N, int P, int W, class MemorySpace>
KOKKOS_INLINE_FUNCTION void reverse_step_lanes(
    const Model& model, const LanePack<W> (&p)[P > 0 ? P : 1], const LanePack<W>& t,
    const LanePack<W>& dt, const LanePack<W> (&y)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, const int (&traj)[W], const int (&j_lo)[W],
    const int (&j_hi)[W], const LaneMask<W>& live, LanePack<W> (&ybar)[N],
    LanePack<W> (&pbar)[P > 0 ? P : 1]) {
  using Pack = LanePack<W>;
  using Mask = LaneMask<W>;
  constexpr int K = P + N;
  constexpr int S = Tableau::stages;
  using D = LaneDual<K, W>;
  D pd[P > 0 ? P : 1], yd[N], k[S][N], y1[N], err[N], f1[N];
  for (int q = 0; q < P; ++q) pd[q] = D::variable(p[q], q);
  for (int i = 0; i < N; ++i) yd[i] = D::variable(y[i], P + i);
  model.rhs(t, yd, pd, k[0]);
  explicit_rk_step<Tableau>(model, pd, t, dt, yd, k, y1, err);
  bool any_save = false;
  for (int l = 0; l < W; ++l) any_save = any_save || (live[l] && j_lo[l] < j_hi[l]);
  if constexpr (Tableau::fsal) {
    for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
  } else {
    for (int i = 0; i < N; ++i) f1[i] = D(0.0);
    if (any_save && Tableau::dense_order == 0) model.rhs(t + dt, y1, pd, f1);
  }
  Pack out[N];
  for (int i = 0; i < N; ++i) out[i] = Pack(0.0);
  // reverse_step_dual's accumulate, for the lanes in `mask` whose g[m] != 0.
  const auto accumulate = [&](const D(&yo)[N], const Pack(&g)[N], const Mask& mask) {
    for (int m = 0; m < N; ++m) {
      const Mask add = mask & (g[m] != 0.0);
      if (!lane_any<W>(add)) continue;
      for (int i = 0; i < N; ++i) out[i] = lane_select(add, out[i] + g[m] * yo[m].d[P + i], out[i]);
      for (int q = 0; q < P; ++q) pbar[q] = lane_select(add, pbar[q] + g[m] * yo[m].d[q], pbar[q]);
    }
  };
  accumulate(y1, ybar, live);
  if (any_save) {
    const int n_save = static_cast<int>(ts.extent(0));
    const Pack t_end = t + dt;
    const StepInterpolant<Tableau, N, D, Pack> interpolant{t, dt, yd, y1, k[0], f1, k};
    // Round r: every lane's r-th save time from the end of its range.
    for (int r = 0;; ++r) {
      Mask in = live & 0;
      int j[W];
      for (int l = 0; l < W; ++l) {
        j[l] = j_hi[l] - 1 - r;
        in[l] = live[l] && j[l] >= j_lo[l] ? -1 : 0;
      }
      if (!lane_any<W>(in)) break;
      const Pack tj = lane_generate<W>([&](int l) { return in[l] ? ts(j[l]) : t[l]; });
      D yj[N];
      interpolant.evaluate((tj - t) / dt, yj);
      const Mask at_end = tj == t_end;
      for (int i = 0; i < N; ++i) {
        yj[i].v = lane_select(at_end, y1[i].v, yj[i].v);
        for (int q = 0; q < K; ++q) yj[i].d[q] = lane_select(at_end, y1[i].d[q], yj[i].d[q]);
      }
      double gl[N][W];
      for (int l = 0; l < W; ++l) {
        double v[N], g[N];
        for (int i = 0; i < N; ++i) v[i] = yj[i].v[l];
        if (in[l]) {
          loss.cotangent(traj[l], j[l], n_save, v, g);
        } else {
          for (int i = 0; i < N; ++i) g[i] = 0.0;
        }
        for (int i = 0; i < N; ++i) gl[i][l] = g[i];
      }
      Pack g[N];
      for (int i = 0; i < N; ++i) g[i] = lane_generate<W>([&](int l) { return gl[i][l]; });
      accumulate(yj, g, in);
    }
  }
  for (int i = 0; i < N; ++i) ybar[i] = lane_select(live, out[i], ybar[i]);
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
