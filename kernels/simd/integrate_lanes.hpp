// W trajectories per CPU thread, one per SIMD lane, never in lockstep: the
// time loop of integrate_trajectory.hpp with every per-trajectory quantity (t,
// dt, y, the FSAL stage, the PID history) a LanePack<W>. Each lane keeps its
// own step size, accept/reject verdict, counts, status and save cursor; a
// lane whose trajectory ends (any status) takes the next trajectory of the
// work item at once, so lanes never idle while work remains.
//
// Why: one trajectory's step is a chain of dependent floating-point
// operations (stage after stage), so a core running one trajectory waits on
// latency most of the time. W independent trajectories fill the vector units
// and the pipeline with the same instructions.
//
// Every lane computes exactly what TrajectoryStepper::attempt computes for
// its trajectory, in the same order: the stages (explicit_rk_step), the
// error norm (error_norm.hpp), the PID factor (pid_factor with
// controller_pow) and the save-time interpolation are the scalar code
// instantiated on packs, and the decisions read the same values. So each
// trajectory's results are bit-identical to the one-trajectory kernel's
// (tests/unit/test_simd_lanes.cpp checks every method). The start of a
// trajectory (f(t0, y0), Hairer's initial step) is the scalar
// TrajectoryStepper::begin, run once per trajectory.
//
// The work item supplies the trajectories and takes the results through
// `io`:
//   bool next(int lane, double* p, double (&y0)[N])   claims the next one
//   void begin(int lane, double t0, const double (&y0)[N])   saves at t0
//   void step(mask, StepInterpolant over packs)   saves of the lanes in mask
//   void finish(int lane, const double (&y)[N], Status, const StepCounts&)
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/explicit_rk_step.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/simd/lane_dual.hpp"
#include "kode/kernels/simd/lane_ending.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// Scalar: a trajectory's state and parameter type, double for a solve or
// DualN<K> for forward sensitivities (its lanes are then LaneDual<K, W>
// numbers, lane_dual.hpp; every decision reads values only, as the
// one-trajectory loop's do).
template <class Tableau, int W, class Model, class IO, class Scalar = double>
KOKKOS_INLINE_FUNCTION void integrate_lanes(const Model& model, double t0, double t1,
                                            const StepSizeControl& control, IO& io) {
  using Pack = LanePack<W>;
  using Mask = LaneMask<W>;
  using T = typename LanesOf<Scalar, W>::type;
  constexpr int N = Model::n_state;
  constexpr int P = Model::n_param > 0 ? Model::n_param : 1;
  constexpr int S = Tableau::stages;
  const double direction = t1 >= t0 ? 1.0 : -1.0;
  const bool adaptive = control.adaptive && Tableau::has_error;
  const PidCoefficients pid = pid_coefficients(control, Tableau::order);
  const double clip_tol = step_clip_tolerance(t0, t1);

  Pack t(t0), dt_abs(1.0), prev(1.0), prev_prev(1.0);
  T y[N], f0[N], p[P];
  for (int i = 0; i < N; ++i) y[i] = f0[i] = T(0.0);
  for (int j = 0; j < P; ++j) p[j] = T(0.0);
  // Per-lane step counts in the integer lanes of a mask-typed vector, so that
  // counting and the end-of-trajectory tests are a few vector operations per
  // step; only a lane whose trajectory ends is handled on its own.
  Mask steps = Pack(0.0) != 0.0, accepted = steps, rejected = steps;

  // Puts the next trajectory that needs steps into `lane`; trajectories that
  // end at their start (non-finite y0 or f(t0, y0), t0 == t1, max_steps 0)
  // are finished here. False when the work item has none left.
  auto fill = [&](int lane) -> bool {
    Scalar pl[P] = {}, y0[N];
    while (io.next(lane, pl, y0)) {
      TrajectoryStepper<Tableau, N, Scalar> start;
      if (!start.begin(model, pl, t0, t1, y0, control)) {
        io.finish(lane, y0, start.status, start.counts);
        continue;
      }
      io.begin(lane, t0, start.y);
      if (t0 == t1) {
        io.finish(lane, start.y, Status::success, start.counts);
        continue;
      }
      if (control.max_steps <= 0) {
        io.finish(lane, start.y, Status::max_steps_reached, start.counts);
        continue;
      }
      t.set(lane, t0);
      dt_abs.set(lane, start.dt_abs);
      prev.set(lane, 1.0);  // PidHistory's initial values
      prev_prev.set(lane, 1.0);
      for (int i = 0; i < N; ++i) {
        lane_set(y[i], lane, start.y[i]);
        lane_set(f0[i], lane, start.f0[i]);
      }
      for (int j = 0; j < P; ++j) lane_set(p[j], lane, pl[j]);
      steps[lane] = start.counts.num_steps;
      accepted[lane] = start.counts.num_accepted;
      rejected[lane] = start.counts.num_rejected;
      return true;
    }
    return false;
  };
  // The lanes holding a trajectory; a lane is cleared when none is left for it.
  Mask live = steps;
  for (int l = 0; l < W; ++l) live[l] = fill(l) ? -1 : 0;

  while (lane_any<W>(live)) {
    // One attempted step on every lane (idle lanes compute on stale values,
    // which nothing reads).
    Pack t_next = t + direction * dt_abs;
    t_next = lane_select(direction * (t_next - t1) >= -clip_tol, Pack(t1), t_next);
    const Pack dt = t_next - t;
    T k[S][N], f1[N], y1[N], err[N];
    for (int i = 0; i < N; ++i) k[0][i] = f0[i];
    explicit_rk_step<Tableau>(model, p, t, dt, y, k, y1, err);

    // The verdict (StepAcceptance::judge, on values): non-finite y1 or error
    // stops the lane; else the PID controller accepts or rejects.
    Mask finite = lane_isfinite(lane_value(y1[0]));
    for (int i = 1; i < N; ++i) finite &= lane_isfinite(lane_value(y1[i]));
    Mask accept = finite;
    Pack factor(1.0);
    if (adaptive) {
      Pack yv[N], y1v[N], ev[N];
      for (int i = 0; i < N; ++i) {
        yv[i] = lane_value(y[i]);
        y1v[i] = lane_value(y1[i]);
        ev[i] = lane_value(err[i]);
      }
      const Pack ms = scaled_error_mean_square(yv, y1v, ev, control.rtol, control.atol);
      finite &= lane_isfinite(ms);
      accept = finite & (ms < 1.0);
      factor = pid_factor(control, pid, ms, accept, prev, prev_prev);
    }
    Mask f1_finite = live;
    if constexpr (Tableau::fsal) {
      for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
    } else {
      model.rhs(t_next, y1, p, f1);
      for (int i = 0; i < N; ++i) f1_finite &= lane_isfinite(lane_value(f1[i]));
    }
    const Mask stepped = accept & live & f1_finite;  // idle lanes record nothing
    if (lane_any<W>(stepped)) {
      io.step(stepped, StepInterpolant<Tableau, N, T, Pack>{t, dt, y, y1, k[0], f1, k});
      for (int i = 0; i < N; ++i) {
        y[i] = lane_select(stepped, y1[i], y[i]);
        f0[i] = lane_select(stepped, f1[i], f0[i]);
      }
      t = lane_select(stepped, t_next, t);
    }
    if (adaptive) {
      Pack next = lane_fabs(dt) * factor;
      if (control.dtmax > 0.0)
        next = lane_select(Pack(control.dtmax) < next, Pack(control.dtmax), next);
      dt_abs = next;
    }

    // Counts (a true mask lane is -1), then the lanes whose trajectory ended,
    // in TrajectoryStepper::attempt's order of tests.
    steps -= live;
    accepted -= accept & live;
    rejected -= finite & ~accept & live;
    const Mask nonfinite = ~finite | (accept & ~f1_finite);
    const Mask reached_t1 = stepped & (t_next == t1);
    Mask too_small = steps & 0;
    if (adaptive && control.dtmin > 0.0) too_small = dt_abs < control.dtmin;
    const Mask too_many = steps >= static_cast<long long>(control.max_steps);
    const Mask ended = live & (nonfinite | reached_t1 | too_small | too_many);
    if (!lane_any<W>(ended)) continue;
    for_each_ended_lane<W>(ended, nonfinite, reached_t1, too_small, steps, accepted, rejected,
                           [&](int l, Status end, const StepCounts& c) {
                             Scalar yl[N];
                             for (int i = 0; i < N; ++i) yl[i] = lane_get(y[i], l);
                             io.finish(l, yl, end, c);
                             if (!fill(l)) live[l] = 0;
                           });
  }
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
