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
#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/brownian_walker.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// What SaveObserver::step needs of an SDE step: its ends (the linear
// evaluate() is never used, because steps stop at save times).
template <int N>
struct SdeStepRecord {
  double t0, dt;
  const double (&y0)[N];
  const double (&y1)[N];
  KOKKOS_INLINE_FUNCTION void evaluate(double theta, double (&y)[N]) const {
    for (int i = 0; i < N; ++i) y[i] = y0[i] + theta * (y1[i] - y0[i]);
  }
};

// The Brownian paths of one trajectory (one tree per noise dimension).
struct BrownianKey {
  std::uint64_t seed;
  std::uint64_t trajectory;
  double tol;
};

// Integrates y from t0 to t1 > t0 in place. Returns the trajectory's status.
template <class Method, class Fields, int N, class Observer>
KOKKOS_INLINE_FUNCTION Status integrate_sde_trajectory(const Fields& sde, const double* p,
                                                       double t0, double t1, double (&y)[N],
                                                       const StepSizeControl& control,
                                                       const BrownianKey& key, Observer& observer,
                                                       StepCounts& counts) {
  constexpr int M = Fields::M;
  if (!all_finite(y)) return Status::nonfinite;
  observer.begin(t0, y);
  if (t0 == t1) return Status::success;

  StepAcceptance acceptance(control.adaptive && Method::has_error);
  const PidCoefficients pid = pid_coefficients(control, Method::error_order);
  double dt_abs = control.dt0;
  if (control.dtmax > 0.0) dt_abs = math::min(dt_abs, control.dtmax);
  if (control.dtmin > 0.0) dt_abs = math::max(dt_abs, control.dtmin);

  // One cursor per noise dimension: queries come in increasing time (a
  // rejected step's retry is earlier, which the cursor also handles).
  BrownianWalker<> paths[M];
  for (int j = 0; j < M; ++j)
    paths[j] = BrownianWalker<>(VirtualBrownianTree(t0, t1, key.tol, key.seed, key.trajectory,
                                                    static_cast<std::uint32_t>(j)));
  // W and its time integral at the current t, per noise dimension.
  BrownianState at_t[M];
  double t = t0;
  const double clip_tol = 100.0 * 2.220446049250313e-16 * math::max(math::fabs(t0), math::fabs(t1));
  double y1[N], err[N];
  for (int i = 0; i < N; ++i) err[i] = 0.0;

  while (true) {
    if (counts.num_steps >= control.max_steps) return Status::max_steps_reached;
    double stop = t1;
    double next_save;
    if (observer.pending_save_time(next_save) && next_save < stop) stop = next_save;
    double t_next = t + dt_abs;
    const bool clipped = t_next - stop >= -clip_tol;
    if (clipped) t_next = stop;
    const double h = t_next - t;

    BrownianState at_next[M];
    BrownianIncrement inc[M];
    for (int j = 0; j < M; ++j) {
      at_next[j] = paths[j].state(t_next);
      inc[j] = levy_increment(at_t[j], t, at_next[j], t_next);
    }
    Method::step(sde, p, t, h, y, inc, y1, err);
    ++counts.num_steps;
    if (!acceptance.judge(control, pid, y, y1, err, counts)) return Status::nonfinite;

    if (acceptance.accepted()) {
      observer.step(SdeStepRecord<N>{t, h, y, y1});
      for (int i = 0; i < N; ++i) y[i] = y1[i];
      for (int j = 0; j < M; ++j) at_t[j] = at_next[j];
      t = t_next;
      if (t == t1) return Status::success;
    }

    if (acceptance.adaptive()) {
      // A step cut short to end at a save time says little about the step
      // the controller wanted: after accepting it, keep the larger of the
      // two proposals (otherwise a save time just past a step end would
      // shrink the next steps by up to factormax each).
      const double proposed = h * acceptance.factor();
      dt_abs = acceptance.accepted() && clipped ? math::max(proposed, dt_abs) : proposed;
      if (!StepAcceptance::bound_step_size(control, dt_abs)) return Status::dt_min_reached;
    }
  }
}

}  // namespace kode
