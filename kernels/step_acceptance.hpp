// The accept/reject decision on one attempted step and the bounds on the next
// step size: the part of the time loop that the ODE loop
// (integrate_trajectory.hpp) and the SDE loop (sde/integrate_sde_trajectory.hpp)
// share, written once so that both (and later the adjoint's replay of the
// accepted-step mesh) decide identically.
//
// For an adaptive method the step is judged by the RMS norm of its scaled
// error (error_norm.hpp, HNW eq. II.4.11) through the PID controller
// (step_size_controller.hpp); a constant-step method accepts every finite
// step. NaN/Inf in the new state or its error estimate stops the trajectory
// (Status::nonfinite); a proposed |dt| below dtmin stops it with
// Status::dt_min_reached; dtmax caps every proposal.
#pragma once

#include <type_traits>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// On values only (dual.hpp's value()): a trajectory's status never depends
// on its tangents.
template <class T, int N>
KOKKOS_INLINE_FUNCTION bool all_finite(const T (&v)[N]) {
  bool ok = true;
  for (int i = 0; i < N; ++i) ok = ok && math::isfinite(value(v[i]));
  return ok;
}

// Steps that would end within ~100 ulp of t1 end exactly at t1 instead, so
// that no step (and no dense-output interval) is vanishingly short: the
// tolerance every time loop (ODE, SDE, SIMD lanes) clips with.
KOKKOS_INLINE_FUNCTION double step_clip_tolerance(double t0, double t1) {
  return 100.0 * 2.220446049250313e-16 * math::max(math::fabs(t0), math::fabs(t1));
}

// The controller's state between steps (PID history, last verdict); the
// settings (StepSizeControl) and the PID exponents are constants passed to
// each call, so that the state stays a few registers (a copy of the settings
// inside it kept GCC from keeping the loop's state in registers: 1.5x slower).
class StepAcceptance {
 public:
  // `adaptive`: the method has an error estimate and the control asks for
  // PID steps.
  KOKKOS_INLINE_FUNCTION explicit StepAcceptance(bool adaptive = false) : adaptive_(adaptive) {}

  KOKKOS_INLINE_FUNCTION bool adaptive() const { return adaptive_; }

  // Judges the attempted step y0 -> y1 with error estimate err and counts it
  // as accepted or rejected. Returns false, counting nothing, when y1 or the
  // error norm is not finite: the trajectory then stops as nonfinite. With
  // dual numbers the decision reads the values only (Diffrax's stop_gradient
  // in its PID controller): the accepted-step mesh is a constant of the
  // solution, so gradients are those of the solution on that frozen mesh.
  template <class T, int N>
  KOKKOS_FORCEINLINE_FUNCTION bool judge(const StepSizeControl& control, const PidCoefficients& pid,
                                         const T (&y0)[N], const T (&y1)[N], const T (&err)[N],
                                         StepCounts& counts) {
    if constexpr (std::is_same<T, double>::value) {
      return judge_values(control, pid, y0, y1, err, counts);
    } else {
      double v0[N], v1[N], e[N];
      for (int i = 0; i < N; ++i) {
        v0[i] = value(y0[i]);
        v1[i] = value(y1[i]);
        e[i] = value(err[i]);
      }
      return judge_values(control, pid, v0, v1, e, counts);
    }
  }

  // The last judged step's verdict, and the controller's factor for the
  // next |dt| relative to that step's |dt| (1 for constant steps).
  KOKKOS_INLINE_FUNCTION bool accepted() const { return decision_.accept; }
  KOKKOS_INLINE_FUNCTION double factor() const { return decision_.factor; }

  // The first |dt| (control.dt0 or the initial-step algorithm's) put inside
  // [dtmin, dtmax], where those are set.
  KOKKOS_INLINE_FUNCTION static double clamp_first_step(const StepSizeControl& control,
                                                        double dt_abs) {
    if (control.dtmax > 0.0) dt_abs = math::min(dt_abs, control.dtmax);
    if (control.dtmin > 0.0) dt_abs = math::max(dt_abs, control.dtmin);
    return dt_abs;
  }

  // Caps a proposed next |dt| at dtmax; false when it falls below dtmin.
  KOKKOS_INLINE_FUNCTION static bool bound_step_size(const StepSizeControl& control,
                                                     double& dt_abs) {
    if (control.dtmax > 0.0) dt_abs = math::min(dt_abs, control.dtmax);
    return !(control.dtmin > 0.0 && dt_abs < control.dtmin);
  }

 private:
  template <int N>
  KOKKOS_FORCEINLINE_FUNCTION bool judge_values(const StepSizeControl& control,
                                                const PidCoefficients& pid, const double (&y0)[N],
                                                const double (&y1)[N], const double (&err)[N],
                                                StepCounts& counts) {
    if (!all_finite(y1)) return false;
    decision_ = PidDecision{true, 1.0};
    if (adaptive_) {
      const double e = scaled_error_mean_square(y0, y1, err, control.rtol, control.atol);
      if (!math::isfinite(e)) return false;
      decision_ = pid_adapt(control, pid, e, history_);
    }
    if (decision_.accept)
      ++counts.num_accepted;
    else
      ++counts.num_rejected;
    return true;
  }

  PidHistory history_;
  PidDecision decision_{true, 1.0};
  bool adaptive_;
};

}  // namespace kode
