// The discrete adjoint's batch kernel on CPU execution spaces: W trajectories
// per thread in SIMD lanes (kernels/simd/adjoint_lanes.hpp), for ODE methods
// and models that run in lanes and reverse on dual numbers (no vjp, no shared
// weights). A work item is a block of 32 W consecutive trajectories:
//  1. forward in lanes: integrate_lanes solves the block, each lane summing
//     its loss and recording its accepted steps (t_n, dt_n, y_n) into its
//     trajectory's rows of the workspace's segment buffer, the store-all case
//     of adjoint_of_loop (C slots hold up to C - 1 steps);
//  2. the block's other trajectories (failed solves, more accepted steps than
//     the slots hold) are solved again one at a time by adjoint_forward,
//     which checkpoints (or reports the failure);
//  3. reverse in lanes: each lane walks its trajectory's steps backwards
//     with reverse_step_lanes, replaying a checkpointed trajectory's segments
//     one at a time (adjoint_segment, one trajectory: the replay is a scalar
//     loop), and takes the block's next trajectory when done.
// When most trajectories need checkpoints, step 1 only costs time; the solver
// then skips it (lanes_forward = false, AdjointSolver::run_kernel).
// Outputs are the one-trajectory kernel's, bit for bit (same Views).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/engine/batch/lane_batch_kernel.hpp"
#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/sensitivity/adjoint_trajectory.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/simd/adjoint_lanes.hpp"
#include "kode/kernels/simd/integrate_lanes.hpp"
#endif

namespace kode {

// Lanes per thread for the adjoint of this model and method: the solve's
// (default_lanes) for models reversed on dual numbers, else 1.
template <class Model, class Method, bool Sde>
constexpr int default_adjoint_lanes() {
  if constexpr (has_vjp<Model>::value || has_weights<Model>::value) {
    return 1;
  } else {
    return default_lanes<Model, Method, Sde>();
  }
}

#if KODE_HAVE_LANES
template <class ScalarKernel, class Tableau, int W>
struct AdjointLanesKernel {
  using Model = typename ScalarKernel::ModelType;
  using Mem = typename ScalarKernel::MemorySpaceType;
  static constexpr int N = ScalarKernel::N, P = ScalarKernel::P;
  static constexpr int PP = P > 0 ? P : 1;
  static constexpr int block = 32 * W;  // trajectories per work item
  using Pack = LanePack<W>;
  using Mask = LaneMask<W>;
  using Loop = OdeAdjointLoop<Tableau, Model, N, P, Mem>;

  ScalarKernel k;  // its Views and settings
  int n_traj;
  bool lanes_forward;  // false: every forward pass one trajectory at a time

  static int n_blocks(int n) { return (n + block - 1) / block; }

  // Per work item, per trajectory: what the forward pass left for the reverse.
  struct Block {
    int first, last;
    bool recorded[block];  // steps recorded by the lanes' forward pass
    AdjointForward forward[block];
  };

  struct ForwardIO {
    const AdjointLanesKernel& a;
    Block& b;
    int next_traj;
    LaneLossObserver<N, Mem, W> loss;  // also each lane's trajectory
    int steps[W] = {};

    KOKKOS_INLINE_FUNCTION bool next(int lane, double* p, double (&y)[N]) {
      if (next_traj >= b.last) return false;
      const int tr = next_traj++;
      for (int q = 0; q < P; ++q) p[q] = a.k.params(tr, q);
      for (int i = 0; i < N; ++i) y[i] = a.k.y0(tr, i);
      loss.start(lane, tr);
      steps[lane] = 0;
      return true;
    }
    KOKKOS_INLINE_FUNCTION void begin(int lane, double t, const double (&y)[N]) {
      loss.begin(lane, t, y);
    }
    template <class StepMask, class Interpolant>
    KOKKOS_INLINE_FUNCTION void step(const StepMask& stepped, const Interpolant& s) {
      const int C = a.k.work.capacity();
      for (int l = 0; l < W; ++l) {
        if (!stepped[l]) continue;
        const int n = steps[l]++;
        if (n >= C) continue;  // too many: the one-trajectory forward pass takes it
        const int tr = loss.traj[l];
        a.k.work.segment(tr, n, 0) = s.t0[l];
        a.k.work.segment(tr, n, 1) = s.dt[l];
        for (int i = 0; i < N; ++i) a.k.work.segment(tr, n, 2 + i) = s.y0[i][l];
      }
      loss.step(stepped, s);
    }
    KOKKOS_INLINE_FUNCTION void finish(int lane, const double (&)[N], Status s,
                                       const StepCounts& c) {
      const int tr = loss.traj[lane];
      const int n = steps[lane];
      // Store-all in adjoint_forward's terms: n steps fit C slots when n <= C - 1.
      const bool ok = s == Status::success && n >= 1 && n <= a.k.work.capacity() - 1;
      b.recorded[tr - b.first] = ok;
      if (!ok) return;
      AdjointForward& f = b.forward[tr - b.first];
      f.stride = n;  // one segment: the n recorded steps
      f.used = n + 1;
      f.accepted = n;
      f.reversible = true;
      a.k.loss_out(tr) = loss.sum[lane];
      a.k.info(tr, 0) = static_cast<int>(s);
      a.k.info(tr, 1) = c.num_steps;
      a.k.info(tr, 2) = c.num_accepted;
    }
  };

  // The one-trajectory loop of trajectory tr with parameters p.
  KOKKOS_INLINE_FUNCTION Loop loop_of(int tr, const double* p) const {
    return Loop{k.model, p, k.control, k.ts, k.loss, tr};
  }

  KOKKOS_INLINE_FUNCTION void operator()(const int item) const {
    Block b;
    b.first = item * block;
    b.last = b.first + block < n_traj ? b.first + block : n_traj;
    const double direction = k.t1 >= k.t0 ? 1.0 : -1.0;
    const double nan = math::quiet_nan();

    // 1. forward in lanes, recording every step of the trajectories that fit
    for (int tr = b.first; tr < b.last; ++tr) b.recorded[tr - b.first] = false;
    if (lanes_forward) {
      ForwardIO io{*this, b, b.first, {k.ts, k.loss, direction}};
      integrate_lanes<Tableau, W>(k.model, k.t0, k.t1, k.control, io);
    }
    // 2. the others one at a time, with checkpoints (adjoint_forward)
    for (int tr = b.first; tr < b.last; ++tr) {
      if (b.recorded[tr - b.first]) continue;
      double p[PP] = {}, y[N], l = nan;
      for (int q = 0; q < P; ++q) p[q] = k.params(tr, q);
      for (int i = 0; i < N; ++i) y[i] = k.y0(tr, i);
      Loop loop = loop_of(tr, p);
      StepCounts c;
      AdjointStats stats;
      AdjointForward& f = b.forward[tr - b.first];
      f = AdjointForward{};
      const Status s =
          adjoint_forward<N>(loop, k.t0, k.t1, y, k.ts, k.loss, tr, k.work, l, c, stats, f);
      k.loss_out(tr) = l;
      k.info(tr, 0) = static_cast<int>(s);
      k.info(tr, 1) = c.num_steps;
      k.info(tr, 2) = c.num_accepted;
      k.info(tr, 3) = 0;
      k.info(tr, 4) = stats.slots_used;
      k.info(tr, 5) = 0;
      if (!f.reversible) {
        for (int q = 0; q < P; ++q) k.dloss_dp(tr, q) = nan;
        for (int i = 0; i < N; ++i) k.dloss_dy0(tr, i) = nan;
      }
    }

    // 3. reverse in lanes: lane l walks segment seg[l] of trajectory
    // traj[l] backwards from step[l]; a trajectory's earlier segments are
    // replayed one at a time into its segment buffer (adjoint_segment).
    const int n_save = static_cast<int>(k.ts.extent(0));
    const int j_t0 = save_times_at_start(k.ts, k.t0);  // they belong to no step
    int cursor = b.first;
    int traj[W] = {}, seg[W] = {}, step[W] = {}, j_lo[W] = {}, j_hi[W] = {};
    AdjointStats stats[W];
    double pl[W][PP] = {};
    Pack p[PP], ybar[N], pbar[PP];
    for (int q = 0; q < PP; ++q) p[q] = pbar[q] = Pack(0.0);
    for (int i = 0; i < N; ++i) ybar[i] = Pack(0.0);
    // The segment before the one lane l finished, if any: false when its
    // trajectory has none left.
    const auto next_segment = [&](int l) -> bool {
      const AdjointForward& f = b.forward[traj[l] - b.first];
      if (seg[l] == 0) return false;
      --seg[l];
      Loop loop = loop_of(traj[l], pl[l]);
      step[l] = adjoint_segment<N>(loop, k.work, traj[l], seg[l], f, stats[l]) - 1;
      return true;
    };
    const auto fill = [&](int l) -> bool {
      while (cursor < b.last) {
        const int tr = cursor++;
        const AdjointForward& f = b.forward[tr - b.first];
        if (!f.reversible) continue;
        traj[l] = tr;
        j_hi[l] = n_save;
        stats[l] = AdjointStats{};
        for (int q = 0; q < P; ++q) {
          pl[l][q] = k.params(tr, q);
          p[q].set(l, pl[l][q]);
          pbar[q].set(l, 0.0);
        }
        for (int i = 0; i < N; ++i) ybar[i].set(l, 0.0);
        if (b.recorded[tr - b.first]) {
          seg[l] = 0;  // its steps are in the segment buffer already
          step[l] = f.accepted - 1;
        } else {
          seg[l] = f.segments();
          step[l] = -1;
          while (step[l] < 0 && next_segment(l)) {
          }
        }
        return true;
      }
      return false;
    };
    // Lane l's trajectory is done: the save times at t0 (y(t0) = y0), then
    // its outputs.
    const auto finish = [&](int l) {
      const int tr = traj[l];
      const AdjointForward& f = b.forward[tr - b.first];
      double yb[N], y0[N];
      for (int i = 0; i < N; ++i) {
        yb[i] = ybar[i][l];
        y0[i] = k.y0(tr, i);
      }
      add_start_cotangents(k.loss, tr, j_t0, n_save, y0, yb);
      for (int i = 0; i < N; ++i) k.dloss_dy0(tr, i) = yb[i];
      for (int q = 0; q < P; ++q) k.dloss_dp(tr, q) = pbar[q][l];
      k.info(tr, 3) = stats[l].recomputed;
      k.info(tr, 4) = f.used;
      k.info(tr, 5) = 1;
    };
    Mask live = Pack(0.0) != 0.0;
    for (int l = 0; l < W; ++l) {
      live[l] = 0;
      while (fill(l)) {
        if (step[l] >= 0) {
          live[l] = -1;
          break;
        }
        finish(l);  // no steps (t0 == t1)
      }
    }
    while (lane_any<W>(live)) {
      const auto row = [&](int l, int c) {
        return live[l] ? k.work.segment(traj[l], step[l], c) : (c == 1 ? 1.0 : 0.0);
      };
      const Pack tn = lane_generate<W>([&](int l) { return row(l, 0); });
      const Pack dtn = lane_generate<W>([&](int l) { return row(l, 1); });
      Pack yn[N];
      for (int i = 0; i < N; ++i) yn[i] = lane_generate<W>([&](int l) { return row(l, 2 + i); });
      for (int l = 0; l < W; ++l) {
        int lo = j_hi[l];
        while (lo > j_t0 && direction * (k.ts(lo - 1) - tn[l]) > 0.0) --lo;
        j_lo[l] = lo;
      }
      reverse_step_lanes<Tableau, Model, N, P, W, Mem>(k.model, p, tn, dtn, yn, k.ts, k.loss, traj,
                                                       j_lo, j_hi, live, ybar, pbar);
      for (int l = 0; l < W; ++l) {
        if (!live[l]) continue;
        j_hi[l] = j_lo[l];
        if (--step[l] >= 0) continue;
        while (step[l] < 0 && next_segment(l)) {
        }
        if (step[l] >= 0) continue;
        finish(l);
        live[l] = 0;
        while (fill(l)) {
          if (step[l] >= 0) {
            live[l] = -1;
            break;
          }
          finish(l);
        }
      }
    }
  }
};
#endif

}  // namespace kode
