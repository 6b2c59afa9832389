// The time loop of one SDE trajectory: fixed steps, or adaptive steps with
// the PID controller of step_size_controller.hpp for solvers that estimate
// their error (SRA1, ShARK), as Diffrax's diffeqsolve does for SDEs with a
// VirtualBrownianTree. The Brownian path of each noise dimension is a virtual
// Brownian tree keyed by (seed, trajectory, dimension), so a rejected step
// retried with a smaller dt sees the same path, and the solution does not
// depend on how trajectories are batched.
//
// Steps end exactly at the save times (and at t1): an SDE solution between
// two steps is not a function of the step's end points, so kode saves actual
// solver values instead of interpolating. The step after a save-time stop
// continues with at least the step size proposed before the cut.
#pragma once

#include <cstdint>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/brownian_walker.hpp"
#include "kode/kernels/sde/sde_step_record.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// The Brownian paths of one trajectory (one tree per noise dimension).
struct BrownianKey {
  std::uint64_t seed;
  std::uint64_t trajectory;
  double tol;
};

// Cursors on the M Brownian paths of one trajectory (brownian_walker.hpp).
// They cache tree nodes only: a fresh set gives the same increments, so they
// are not part of a checkpoint.
template <int M>
struct BrownianPaths {
  BrownianWalker<> walker[M];
  KOKKOS_INLINE_FUNCTION BrownianPaths(const BrownianKey& key, double t0, double t1) {
    for (int j = 0; j < M; ++j)
      walker[j] = BrownianWalker<>(VirtualBrownianTree(t0, t1, key.tol, key.seed, key.trajectory,
                                                       static_cast<std::uint32_t>(j)));
  }
};

// The explicit state of one SDE trajectory's time loop, as TrajectoryStepper
// is for ODEs: t, the next |dt|, y, W and its time integral at t, the
// controller's state, the counts and the status. attempt() advances it by one
// attempted step ending at most at `stop` (the next save time, or t1). T is
// double for a solve, a dual number for pathwise sensitivities (the
// controller reads values only, so the mesh is the double solve's). The
// struct is trivially copyable: a copy is a checkpoint from which the same
// attempts replay bit for bit (the discrete adjoint's recomputation).
template <class Method, int N, int M, class T = double>
struct SdeStepper {
  double t = 0.0, t1 = 0.0, clip_tol = 0.0, dt_abs = 0.0;
  T y[N];
  BrownianState at_t[M];  // W and its time integral at t, per noise dimension
  StepAcceptance acceptance;
  StepCounts counts;
  Status status = Status::success;
  // The last accepted step: [t_prev, t_prev + dt_prev].
  double t_prev = 0.0, dt_prev = 0.0;

  // Starts at (t0, y0). Returns false when y0 is not finite (status nonfinite).
  KOKKOS_INLINE_FUNCTION bool begin(double t0, double t1_, const T (&y0)[N],
                                    const StepSizeControl& control) {
    t = t0;
    t1 = t1_;
    for (int i = 0; i < N; ++i) y[i] = y0[i];
    if (!all_finite(y)) {
      status = Status::nonfinite;
      return false;
    }
    acceptance = StepAcceptance(control.adaptive && Method::has_error);
    dt_abs = control.dt0;
    dt_abs = StepAcceptance::clamp_first_step(control, dt_abs);
    clip_tol = step_clip_tolerance(t0, t1);
    return true;
  }

  KOKKOS_INLINE_FUNCTION static PidCoefficients pid(const StepSizeControl& control) {
    return pid_coefficients(control, Method::error_order);
  }

  // One attempted step from t towards `stop` (<= t1). `finished` (with
  // `status`) when the trajectory reached t1 or stopped early.
  template <class Fields, class P, class Observer>
  KOKKOS_INLINE_FUNCTION StepOutcome attempt(const Fields& sde, const P* p,
                                             const StepSizeControl& control,
                                             const PidCoefficients& pid, double stop,
                                             BrownianPaths<M>& paths, Observer& observer) {
    if (counts.num_steps >= control.max_steps) return finish(Status::max_steps_reached);
    double t_next = t + dt_abs;
    const bool clipped = t_next - stop >= -clip_tol;
    if (clipped) t_next = stop;
    const double h = t_next - t;

    BrownianState at_next[M];
    BrownianIncrement inc[M];
    for (int j = 0; j < M; ++j) {
      at_next[j] = paths.walker[j].state(t_next);
      inc[j] = levy_increment(at_t[j], t, at_next[j], t_next);
    }
    T y1[N], err[N];
    for (int i = 0; i < N; ++i) err[i] = 0.0;
    Method::step(sde, p, t, h, y, inc, y1, err);
    ++counts.num_steps;
    if (!acceptance.judge(control, pid, y, y1, err, counts)) return finish(Status::nonfinite);

    if (acceptance.accepted()) {
      observer.step(SdeStepRecord<N, T>{t, h, y, y1});
      for (int i = 0; i < N; ++i) y[i] = y1[i];
      for (int j = 0; j < M; ++j) at_t[j] = at_next[j];
      t_prev = t;
      dt_prev = h;
      t = t_next;
      if (t == t1) return finish(Status::success);
    }

    if (acceptance.adaptive()) {
      // A step cut short to end at a save time says little about the step
      // the controller wanted: after accepting it, keep the larger of the
      // two proposals (otherwise a save time just past a step end would
      // shrink the next steps by up to factormax each).
      const double proposed = h * acceptance.factor();
      dt_abs = acceptance.accepted() && clipped ? math::max(proposed, dt_abs) : proposed;
      if (!StepAcceptance::bound_step_size(control, dt_abs)) return finish(Status::dt_min_reached);
    }
    return acceptance.accepted() ? StepOutcome::accepted : StepOutcome::rejected;
  }

  KOKKOS_INLINE_FUNCTION StepOutcome finish(Status s) {
    status = s;
    return StepOutcome::finished;
  }
};

// Integrates y from t0 to t1 > t0 in place. Returns the trajectory's status.
// T (state) and P (parameters) are double for a solve, or dual numbers for
// pathwise forward sensitivities on the same Brownian path and mesh.
template <class Method, class Fields, class T, class P, int N, class Observer>
KOKKOS_INLINE_FUNCTION Status integrate_sde_trajectory(const Fields& sde, const P* p, double t0,
                                                       double t1, T (&y)[N],
                                                       const StepSizeControl& control,
                                                       const BrownianKey& key, Observer& observer,
                                                       StepCounts& counts) {
  constexpr int M = Fields::M;
  SdeStepper<Method, N, M, T> stepper;
  const bool ok = stepper.begin(t0, t1, y, control);
  counts = stepper.counts;
  if (!ok) return stepper.status;
  observer.begin(t0, y);
  if (t0 == t1) return Status::success;
  // One cursor per noise dimension: queries come in increasing time (a
  // rejected step's retry is earlier, which the cursor also handles).
  BrownianPaths<M> paths(key, t0, t1);
  const PidCoefficients pid = stepper.pid(control);
  while (true) {
    double stop = t1, next_save;
    if (observer.pending_save_time(next_save) && next_save < stop) stop = next_save;
    const StepOutcome outcome = stepper.attempt(sde, p, control, pid, stop, paths, observer);
    if (observer_stopped(observer, y)) {
      counts = stepper.counts;
      return Status::event_occurred;
    }
    if (outcome == StepOutcome::finished) break;
  }
  for (int i = 0; i < N; ++i) y[i] = stepper.y[i];
  counts = stepper.counts;
  return stepper.status;
}

}  // namespace kode
