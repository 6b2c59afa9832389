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

#include <type_traits>

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
  constexpr int S = Tableau::stages;
  static_assert(Tableau::has_error || S > 0, "tableau must have stages");
  const double direction = t1 >= t0 ? 1.0 : -1.0;

  T k[S][N];
  T f1[N], y1[N], err[N];
  model.rhs(t0, y, p, k[0]);
  if (!all_finite(y) || !all_finite(k[0])) return Status::nonfinite;
  observer.begin(t0, y);
  if (t0 == t1) return Status::success;

  StepAcceptance acceptance(control, control.adaptive && Tableau::has_error, Tableau::order);
  double dt_abs = control.dt0;
  if (!(dt_abs > 0.0)) {
    if constexpr (std::is_same<T, double>::value && std::is_same<Param, double>::value) {
      dt_abs = initial_step_size(model, p, t0, direction, y, k[0], Tableau::order, control.rtol,
                                 control.atol);
    } else {
      // Hairer's initial step is a constant of the mesh: computed from values.
      constexpr int P = Model::n_param > 0 ? Model::n_param : 1;
      double pv[P], yv[N], fv[N];
      for (int j = 0; j < Model::n_param; ++j) pv[j] = value(p[j]);
      for (int i = 0; i < N; ++i) {
        yv[i] = value(y[i]);
        fv[i] = value(k[0][i]);
      }
      dt_abs = initial_step_size(model, pv, t0, direction, yv, fv, Tableau::order, control.rtol,
                                 control.atol);
    }
  }
  if (control.dtmax > 0.0) dt_abs = math::min(dt_abs, control.dtmax);
  if (control.dtmin > 0.0) dt_abs = math::max(dt_abs, control.dtmin);

  double t = t0;
  // Steps that would end within ~100 ulp of t1 end exactly at t1 instead, so
  // that no step (and no dense-output interval) is vanishingly short.
  const double clip_tol = 100.0 * 2.220446049250313e-16 * math::max(math::fabs(t0), math::fabs(t1));

  while (true) {
    if (counts.num_steps >= control.max_steps) return Status::max_steps_reached;
    double t_next = t + direction * dt_abs;
    if (direction * (t_next - t1) >= -clip_tol) t_next = t1;
    const double dt = t_next - t;
    explicit_rk_step<Tableau>(model, p, t, dt, y, k, y1, err);
    ++counts.num_steps;
    if (!acceptance.judge(y, y1, err, counts)) return Status::nonfinite;

    if (acceptance.accepted()) {
      if constexpr (Tableau::fsal) {
        for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
      } else {
        model.rhs(t_next, y1, p, f1);
        if (!all_finite(f1)) return Status::nonfinite;
      }
      observer.step(StepInterpolant<Tableau, N, T>{t, dt, y, y1, k[0], f1, k});
      for (int i = 0; i < N; ++i) {
        y[i] = y1[i];
        k[0][i] = f1[i];
      }
      t = t_next;
      if (t == t1) return Status::success;
    }

    if (acceptance.adaptive()) {
      dt_abs = math::fabs(dt) * acceptance.factor();
      if (!acceptance.bound_step_size(dt_abs)) return Status::dt_min_reached;
    }
  }
}

}  // namespace kode
