// W SDE trajectories per CPU thread, one per SIMD lane, never in lockstep:
// the time loop of sde/integrate_sde_trajectory.hpp (SdeStepper) with every
// per-trajectory quantity (t, |dt|, y, W and its time integral at t, the PID
// history) a LanePack<W>, as simd/integrate_lanes.hpp does for ODEs. Each
// lane keeps its own step size, stop time (its next save time, or t1),
// verdict, counts, status and save cursor; a lane whose trajectory ends takes
// the next one of the work item at once.
//
// The Brownian paths of the W lanes are queried together
// (simd/brownian_lanes.hpp): their normals are drawn in packs, which is where
// an SDE step's time goes. The method's step is the scalar code instantiated
// on packs (its time, increments, state and parameters), the error norm and
// the PID factor are the scalar functions on packs, and every decision reads
// the same values in SdeStepper::attempt's order, so each trajectory's
// results are bit-identical to the one-trajectory kernel's
// (tests/unit/test_sde_lanes.cpp checks every method and noise kind).
//
// The work item supplies trajectories and takes results through `io`:
//   bool next(int lane, double* p, double (&y0)[N])   claims the next one
//   std::uint64_t trajectory(int lane)   its index in the batch (its paths' key)
//   void begin(int lane, double t0, const double (&y0)[N])   saves at t0
//   LanePack<W> next_save_times()   each lane's next save time (+inf: none)
//   void step(mask, SdeStepRecord over packs)   saves of the lanes in mask
//   void finish(int lane, const double (&y)[N], Status, const StepCounts&)
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include <cstdint>

#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/sde/integrate_sde_trajectory.hpp"
#include "kode/kernels/simd/brownian_lanes.hpp"
#include "kode/kernels/simd/lane_ending.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// t0 < t1 (SDE solves integrate forward). key: the batch's first
// trajectory's; a lane's trajectory k uses key.trajectory + k, as
// SolveBatchKernel does.
template <class Method, int W, class Fields, class IO>
KOKKOS_INLINE_FUNCTION void integrate_sde_lanes(const Fields& sde, double t0, double t1,
                                                const StepSizeControl& control,
                                                const BrownianKey& key, IO& io) {
  using Pack = LanePack<W>;
  using Mask = LaneMask<W>;
  constexpr int N = Fields::N;
  constexpr int M = Fields::M;
  constexpr int P = Fields::P > 0 ? Fields::P : 1;
  const bool adaptive = control.adaptive && Method::has_error;
  const PidCoefficients pid = SdeStepper<Method, N, M>::pid(control);
  const double clip_tol = step_clip_tolerance(t0, t1);
  // SdeStepper::begin's first |dt|: the same for every trajectory.
  const double dt_first = StepAcceptance::clamp_first_step(control, control.dt0);

  Pack t(t0), dt_abs(dt_first), prev(1.0), prev_prev(1.0);
  Pack y[N], p[P];
  BasicBrownianState<Pack> at_t[M];  // W and I at t, per noise dimension
  BrownianLanes<W> paths[M];
  for (int i = 0; i < N; ++i) y[i] = Pack(0.0);
  for (int j = 0; j < P; ++j) p[j] = Pack(0.0);
  // Per-lane step counts in the integer lanes of a mask-typed vector (a true
  // lane is -1), as integrate_lanes keeps them.
  Mask steps = Pack(0.0) != 0.0, accepted = steps, rejected = steps;

  // Puts the next trajectory that needs steps into `lane`; those that end at
  // their start (non-finite y0, t0 == t1, max_steps 0) are finished here, in
  // integrate_sde_trajectory's order. False when none is left.
  auto fill = [&](int lane) -> bool {
    double pl[P] = {}, y0[N];
    while (io.next(lane, pl, y0)) {
      StepCounts none;
      if (!all_finite(y0)) {
        io.finish(lane, y0, Status::nonfinite, none);
        continue;
      }
      io.begin(lane, t0, y0);
      if (t0 == t1) {
        io.finish(lane, y0, Status::success, none);
        continue;
      }
      if (control.max_steps <= 0) {
        io.finish(lane, y0, Status::max_steps_reached, none);
        continue;
      }
      const std::uint64_t trajectory = key.trajectory + io.trajectory(lane);
      for (int j = 0; j < M; ++j) {
        paths[j].start(lane, VirtualBrownianTree(t0, t1, key.tol, key.seed, trajectory,
                                                 static_cast<std::uint32_t>(j)));
        at_t[j].w.set(lane, 0.0);
        at_t[j].integral.set(lane, 0.0);
      }
      t.set(lane, t0);
      dt_abs.set(lane, dt_first);
      prev.set(lane, 1.0);  // PidHistory's initial values
      prev_prev.set(lane, 1.0);
      for (int i = 0; i < N; ++i) y[i].set(lane, y0[i]);
      for (int j = 0; j < P; ++j) p[j].set(lane, pl[j]);
      steps[lane] = accepted[lane] = rejected[lane] = 0;
      return true;
    }
    return false;
  };
  Mask live = steps;
  for (int l = 0; l < W; ++l) live[l] = fill(l) ? -1 : 0;

  while (lane_any<W>(live)) {
    // SdeStepper::attempt on every lane (idle lanes compute on stale values,
    // which nothing reads): the step ends at most at the lane's next save
    // time or t1.
    const Pack next_save = io.next_save_times();
    const Pack stop = lane_select(next_save < t1, next_save, Pack(t1));
    Pack t_next = t + dt_abs;
    const Mask clipped = t_next - stop >= -clip_tol;
    t_next = lane_select(clipped, stop, t_next);
    const Pack h = t_next - t;

    BasicBrownianState<Pack> at_next[M];
    BasicBrownianIncrement<Pack> inc[M];
    for (int j = 0; j < M; ++j) {
      at_next[j] = paths[j].state(live, t_next);
      inc[j] = levy_increment(at_t[j], t, at_next[j], t_next);
    }
    Pack y1[N], err[N];
    for (int i = 0; i < N; ++i) err[i] = Pack(0.0);
    Method::step(sde, p, t, h, y, inc, y1, err);

    // StepAcceptance::judge: non-finite y1 (or error norm) stops the lane;
    // else the PID controller accepts or rejects.
    Mask finite = lane_isfinite(y1[0]);
    for (int i = 1; i < N; ++i) finite &= lane_isfinite(y1[i]);
    Mask accept = finite;
    Pack factor(1.0);
    if (adaptive) {
      const Pack ms = scaled_error_mean_square(y, y1, err, control.rtol, control.atol);
      finite &= lane_isfinite(ms);
      accept = finite & (ms < 1.0);
      factor = pid_factor(control, pid, ms, accept, prev, prev_prev);
    }
    const Mask stepped = accept & live;  // idle lanes record nothing
    if (lane_any<W>(stepped)) {
      io.step(stepped, SdeStepRecord<N, Pack, Pack>{t, h, y, y1});
      for (int i = 0; i < N; ++i) y[i] = lane_select(stepped, y1[i], y[i]);
      for (int j = 0; j < M; ++j) {
        at_t[j].w = lane_select(stepped, at_next[j].w, at_t[j].w);
        at_t[j].integral = lane_select(stepped, at_next[j].integral, at_t[j].integral);
      }
      t = lane_select(stepped, t_next, t);
    }
    Mask too_small = steps & 0;
    if (adaptive) {
      // A step cut short at a save time keeps the larger of the two proposals
      // (SdeStepper::attempt).
      const Pack proposed = h * factor;
      Pack next = lane_select(accept & clipped, lane_max(proposed, dt_abs), proposed);
      if (control.dtmax > 0.0)
        next = lane_select(Pack(control.dtmax) < next, Pack(control.dtmax), next);
      if (control.dtmin > 0.0) too_small = next < control.dtmin;
      dt_abs = next;
    }

    // Counts, then the lanes whose trajectory ended, in attempt's order of
    // tests; a lane at max_steps ends here rather than at its next attempt.
    steps -= live;
    accepted -= accept & live;
    rejected -= finite & ~accept & live;
    const Mask nonfinite = ~finite;
    const Mask reached_t1 = stepped & (t_next == t1);
    const Mask too_many = steps >= static_cast<long long>(control.max_steps);
    const Mask ended = live & (nonfinite | reached_t1 | too_small | too_many);
    if (!lane_any<W>(ended)) continue;
    for_each_ended_lane<W>(ended, nonfinite, reached_t1, too_small, steps, accepted, rejected,
                           [&](int l, Status end, const StepCounts& c) {
                             double yl[N];
                             for (int i = 0; i < N; ++i) yl[i] = y[i][l];
                             io.finish(l, yl, end, c);
                             if (!fill(l)) live[l] = 0;
                           });
  }
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
