// The adaptive (or constant-step) time loop of one trajectory. Each
// trajectory has its own t, dt, controller history, status and counts, so a
// batch of them never steps in lockstep (unlike vmap over a single loop).
//
// The loop follows Diffrax's diffeqsolve for explicit Runge-Kutta methods:
// initial step by Hairer's algorithm, the PID controller of
// step_size_controller.hpp, the last step clipped to end exactly at t1, a
// rejected step retried from the same t with a smaller dt. Where kode differs
// it is to stop a trajectory with a status code instead of continuing:
// NaN/Inf in the state or error estimate -> nonfinite; a proposed |dt| below
// dtmin -> dt_min_reached; max_steps attempted steps -> max_steps_reached.
//
// The Observer receives the start and every accepted step (with the step's
// interpolant) and implements saving; see save_observer.hpp.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/explicit_rk_step.hpp"
#include "kode/kernels/initial_step.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// What one attempted step did to its trajectory.
enum class StepOutcome : std::int8_t { rejected, accepted, finished };

// The explicit state of one trajectory's time loop (Diffrax's `State` carry):
// t, the next |dt|, y, the FSAL derivative f(t, y), the controller's state,
// the step counts and the status. begin() starts it, attempt() advances it
// by one attempted step. The struct is trivially copyable, so a copy is a
// checkpoint from which the same attempts replay bit for bit (the adjoint's
// recomputation, kernels/sensitivity/).
template <class Tableau, int N, class T = double>
struct TrajectoryStepper {
  static constexpr int S = Tableau::stages;
  double t = 0.0, t1 = 0.0, direction = 1.0, clip_tol = 0.0, dt_abs = 0.0;
  T y[N];
  T f0[N];  // f(t, y): the first stage of the next step
  StepAcceptance acceptance;
  StepCounts counts;
  Status status = Status::success;
  // The last accepted step: [t_prev, t_prev + dt_prev] (valid after attempt()
  // returned accepted or finished with success).
  double t_prev = 0.0, dt_prev = 0.0;

  // Starts at (t0, y0): f0, the initial step (Hairer's algorithm when
  // control.dt0 is not given, from values only). Returns false when y0 or
  // f(t0, y0) is not finite (status nonfinite).
  template <class Model, class Param>
  KOKKOS_INLINE_FUNCTION bool begin(const Model& model, const Param* p, double t0, double t1_,
                                    const T (&y0)[N], const StepSizeControl& control) {
    t = t0;
    t1 = t1_;
    direction = t1 >= t0 ? 1.0 : -1.0;
    for (int i = 0; i < N; ++i) y[i] = y0[i];
    model.rhs(t0, y, p, f0);
    if (!all_finite(y) || !all_finite(f0)) {
      status = Status::nonfinite;
      return false;
    }
    acceptance = StepAcceptance(control.adaptive && Tableau::has_error);
    dt_abs = control.dt0;
    if (!(dt_abs > 0.0) && t0 != t1)
      dt_abs = initial_step_size_of_values(model, p, t0, direction, y, f0, Tableau::order,
                                           control.rtol, control.atol);
    dt_abs = StepAcceptance::clamp_first_step(control, dt_abs);
    clip_tol = step_clip_tolerance(t0, t1);
    return true;
  }

  // The PID exponents for this method (constant: computed once per solve).
  KOKKOS_INLINE_FUNCTION static PidCoefficients pid(const StepSizeControl& control) {
    return pid_coefficients(control, Tableau::order);
  }

  // One attempted step from t, with the settings begin() had and pid(control).
  // The observer sees every accepted step with its interpolant. `finished`
  // (with `status`) when the trajectory reached t1 or stopped early; never
  // call attempt() again after that.
  template <class Model, class Param, class Observer>
  KOKKOS_FORCEINLINE_FUNCTION StepOutcome attempt(const Model& model, const Param* p,
                                                  const StepSizeControl& control,
                                                  const PidCoefficients& pid, Observer& observer) {
    if (counts.num_steps >= control.max_steps) return finish(Status::max_steps_reached);
    double t_next = t + direction * dt_abs;
    if (direction * (t_next - t1) >= -clip_tol) t_next = t1;
    const double dt = t_next - t;
    T k[S][N], f1[N], y1[N], err[N];
    for (int i = 0; i < N; ++i) k[0][i] = f0[i];
    explicit_rk_step<Tableau>(model, p, t, dt, y, k, y1, err);
    ++counts.num_steps;
    if (!acceptance.judge(control, pid, y, y1, err, counts)) return finish(Status::nonfinite);

    bool done = false;
    if (acceptance.accepted()) {
      if constexpr (Tableau::fsal) {
        for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
      } else {
        model.rhs(t_next, y1, p, f1);
        if (!all_finite(f1)) return finish(Status::nonfinite);
      }
      observer.step(StepInterpolant<Tableau, N, T>{t, dt, y, y1, k[0], f1, k});
      for (int i = 0; i < N; ++i) {
        y[i] = y1[i];
        f0[i] = f1[i];
      }
      t_prev = t;
      dt_prev = dt;
      t = t_next;
      done = t == t1;
    }
    if (done) return finish(Status::success);

    if (acceptance.adaptive()) {
      dt_abs = math::fabs(dt) * acceptance.factor();
      if (!StepAcceptance::bound_step_size(control, dt_abs)) return finish(Status::dt_min_reached);
    }
    return acceptance.accepted() ? StepOutcome::accepted : StepOutcome::rejected;
  }

  KOKKOS_INLINE_FUNCTION StepOutcome finish(Status s) {
    status = s;
    return StepOutcome::finished;
  }
};

// Observers that can end a trajectory (a terminal event:
// events/event_observer.hpp) have stopped() and the state there, y_stop.
template <class Observer, class = void>
struct observer_can_stop : std::false_type {};
template <class Observer>
struct observer_can_stop<Observer, std::void_t<decltype(std::declval<const Observer&>().stopped())>>
    : std::true_type {};

// After an attempt: true when the observer ended the trajectory, with y its
// state at the event.
template <class Observer, class T, int N>
KOKKOS_INLINE_FUNCTION bool observer_stopped(const Observer& observer, T (&y)[N]) {
  if constexpr (observer_can_stop<Observer>::value) {
    if (observer.stopped()) {
      for (int i = 0; i < N; ++i) y[i] = observer.y_stop[i];
      return true;
    }
  }
  return false;
}

// Runs a stepper (TrajectoryStepper here, RosenbrockStepper for the stiff
// methods) from (t0, y) to t1: begin(), the observer's start, attempts until
// finished or until the observer stops it (status event_occurred). y becomes
// the final state; returns the trajectory's status.
template <class Stepper, class Model, class T, class Param, int N, class Observer>
KOKKOS_FORCEINLINE_FUNCTION Status run_stepper(Stepper& stepper, const Model& model, const Param* p,
                                               double t0, double t1, T (&y)[N],
                                               const StepSizeControl& control, Observer& observer,
                                               StepCounts& counts) {
  const bool ok = stepper.begin(model, p, t0, t1, y, control);
  counts = stepper.counts;
  if (!ok) return stepper.status;
  observer.begin(t0, y);
  if (t0 == t1) return Status::success;
  const PidCoefficients pid = stepper.pid(control);
  while (true) {
    const StepOutcome outcome = stepper.attempt(model, p, control, pid, observer);
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

// Integrates y from t0 to t1 in place. Returns the trajectory's status.
// T (state) and Param (parameters) are double for a solve, or dual numbers to
// carry forward sensitivities: every decision (initial step, accept/reject,
// next step size, where steps end) reads values only, so the values and the
// accepted-step mesh are those of the double solve, bit for bit.
template <class Tableau, class Model, class T, class Param, int N, class Observer>
KOKKOS_INLINE_FUNCTION Status integrate_trajectory(const Model& model, const Param* p, double t0,
                                                   double t1, T (&y)[N],
                                                   const StepSizeControl& control,
                                                   Observer& observer, StepCounts& counts) {
  static_assert(Tableau::has_error || Tableau::stages > 0, "tableau must have stages");
  TrajectoryStepper<Tableau, N, T> stepper;
  return run_stepper(stepper, model, p, t0, t1, y, control, observer, counts);
}

}  // namespace kode
