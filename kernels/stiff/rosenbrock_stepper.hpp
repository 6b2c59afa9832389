// The explicit state of one trajectory's time loop with a Rosenbrock method
// (rosenbrock23.hpp), as TrajectoryStepper (integrate_trajectory.hpp) is for
// the explicit RK methods: t, the next |dt|, y, f(t, y), the Jacobian and
// df/dt at (t, y), the controller's state (StepAcceptance: the same PID
// controller and accept/reject rule), the counts and the status. It steps
// the linearly implicit (Rosenbrock) methods and the ESDIRK methods
// (esdirk.hpp) alike: both factor W = I - h gamma J once per attempt.
//
// The Jacobian is formed once per accepted point (a rejected step retries
// from the same (t, y) with the same J and a new W). A step whose implicit
// solve fails (W singular to working precision, or a Newton iteration that
// does not converge) is counted as rejected and retried with a quarter of
// the step; after ten such failures in a row, below dtmin, or with constant
// steps, the trajectory stops with status implicit_solve_failed.
//
// S (state) and Param (parameters) are double for a solve, or dual numbers
// carrying forward sensitivities, as in TrajectoryStepper: every decision
// (initial step, pivots, Newton convergence, accept/reject, step sizes)
// reads values only, so values and mesh are the double solve's, bit for bit,
// and the tangents are the derivatives of that computation (J's tangent,
// which needs second derivatives of f, from nested dual numbers:
// rhs_jacobian.hpp).
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/initial_step.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_acceptance.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/implicit_solve.hpp"
#include "kode/kernels/stiff/rhs_jacobian.hpp"

namespace kode {

template <class Method, int N, class S = double>
struct RosenbrockStepper {
  double t = 0.0, t1 = 0.0, direction = 1.0, clip_tol = 0.0, dt_abs = 0.0;
  S y[N];
  S f0[N];           // f(t, y)
  S jacobian[N][N];  // df/dy at (t, y)
  S f_t[N];          // df/dt at (t, y)
  StepAcceptance acceptance;
  StepCounts counts;
  Status status = Status::success;
  double t_prev = 0.0, dt_prev = 0.0;  // the last accepted step
  // Implicit solves that failed in a row; each retry quarters the step, so
  // ten of them shrink it by 4^10 ~ 1e6 before the trajectory gives up.
  int failed_solves = 0;
  static constexpr int max_failed_solves = 10;

  // Starts at (t0, y0): f, J and df/dt there, and the initial step
  // (Hairer's algorithm when control.dt0 is not given). Returns false when
  // y0, f or J is not finite (status nonfinite).
  template <class Model, class Param>
  KOKKOS_INLINE_FUNCTION bool begin(const Model& model, const Param* p, double t0, double t1_,
                                    const S (&y0)[N], const StepSizeControl& control) {
    t = t0;
    t1 = t1_;
    direction = t1 >= t0 ? 1.0 : -1.0;
    for (int i = 0; i < N; ++i) y[i] = y0[i];
    if (!all_finite(y) || !linearise(model, p)) {
      status = Status::nonfinite;
      return false;
    }
    acceptance = StepAcceptance(control.adaptive && Method::has_error);
    dt_abs = control.dt0;
    if (!(dt_abs > 0.0) && t0 != t1)
      dt_abs = initial_step_size_of_values(model, p, t0, direction, y, f0, Method::error_order,
                                           control.rtol, control.atol);
    dt_abs = StepAcceptance::clamp_first_step(control, dt_abs);
    clip_tol = step_clip_tolerance(t0, t1);
    return true;
  }

  KOKKOS_INLINE_FUNCTION static PidCoefficients pid(const StepSizeControl& control) {
    return pid_coefficients(control, Method::error_order);
  }

  // One attempted step from t; the observer sees every accepted step with
  // its interpolant. `finished` (with `status`) when the trajectory reached
  // t1 or stopped early.
  template <class Model, class Param, class Observer>
  KOKKOS_INLINE_FUNCTION StepOutcome attempt(const Model& model, const Param* p,
                                             const StepSizeControl& control,
                                             const PidCoefficients& pid, Observer& observer) {
    if (counts.num_steps >= control.max_steps) return finish(Status::max_steps_reached);
    double t_next = t + direction * dt_abs;
    if (direction * (t_next - t1) >= -clip_tol) t_next = t1;
    const double dt = t_next - t;
    S y1[N], err[N];
    typename Method::template Stages<N, S> s;
    ++counts.num_steps;
    if (Method::step(model, p, t, dt, y, f0, jacobian, f_t, control, y1, err, s) !=
        ImplicitSolve::converged) {
      // W singular or Newton failed: a rejected attempt, retried with a
      // quarter of the step (constant steps cannot shrink; neither can a
      // step at dtmin), at most max_failed_solves times in a row.
      ++counts.num_rejected;
      dt_abs = 0.25 * math::fabs(dt);
      if (!acceptance.adaptive() || ++failed_solves > max_failed_solves ||
          !StepAcceptance::bound_step_size(control, dt_abs))
        return finish(Status::implicit_solve_failed);
      return StepOutcome::rejected;
    }
    failed_solves = 0;
    if (!acceptance.judge(control, pid, y, y1, err, counts)) return finish(Status::nonfinite);

    if (acceptance.accepted()) {
      observer.step(typename Method::template Interpolant<N, S>{t, dt, y, y1, s});
      for (int i = 0; i < N; ++i) y[i] = y1[i];
      t_prev = t;
      dt_prev = dt;
      t = t_next;
      if (t == t1) return finish(Status::success);
      if (!linearise(model, p)) return finish(Status::nonfinite);
    }
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

 private:
  // f, J and df/dt at (t, y); false when any of them is not finite.
  template <class Model, class Param>
  KOKKOS_INLINE_FUNCTION bool linearise(const Model& model, const Param* p) {
    rhs_with_jacobian(model, p, t, y, f0, jacobian, f_t);
    bool ok = all_finite(f0) && all_finite(f_t);
    for (int i = 0; i < N; ++i) ok = ok && all_finite(jacobian[i]);
    return ok;
  }
};

// Integrates y from t0 to t1 in place with a stiff method (Rosenbrock or
// ESDIRK). Returns the trajectory's status.
// S and Param: double, or dual numbers carrying forward sensitivities (above).
template <class Method, class Model, class S, class Param, int N, class Observer>
KOKKOS_INLINE_FUNCTION Status integrate_rosenbrock_trajectory(const Model& model, const Param* p,
                                                              double t0, double t1, S (&y)[N],
                                                              const StepSizeControl& control,
                                                              Observer& observer,
                                                              StepCounts& counts) {
  RosenbrockStepper<Method, N, S> stepper;
  return run_stepper(stepper, model, p, t0, t1, y, control, observer, counts);
}

}  // namespace kode
