// Step-size controllers: constant steps, and the PID controller with exactly
// Diffrax's definition and defaults (diffrax.PIDController), so that kode and
// Diffrax can be compared step for step.
//
// PID control of the step size: G. Soderlind, "Digital filters in adaptive
// time-stepping", ACM TOMS 29 (2003); G. Soderlind & L. Wang, "Adaptive
// time-stepping and computational stability", J. Comput. Appl. Math. 185
// (2006). Diffrax's variant ("(4)" in its source) uses the inverse scaled
// error of each accepted step: with e_n = 1 / ||err_n / (atol + rtol max(|y0|,|y1|))||,
//   h_{n+1} = h_n * clip(safety * e_n^{b1/k} * e_{n-1}^{b2/k} * e_{n-2}^{b3/k})
// where b1 = p+i+d, b2 = -(p+2d), b3 = d and k is the solver's error order.
// The default (p, i, d) = (0, 1, 0) is the classic integral (I) controller.
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/controller_pow.hpp"
#include "kode/kernels/lane_ops.hpp"

namespace kode {

struct StepSizeControl {
  bool adaptive = true;  // false: constant steps of dt0
  double dt0 = 0.0;      // first step; 0 = choose by Hairer's algorithm
  double rtol = 1e-3;
  double atol = 1e-6;
  double pcoeff = 0.0;
  double icoeff = 1.0;
  double dcoeff = 0.0;
  double dtmin = 0.0;  // 0 = no lower bound
  double dtmax = 0.0;  // 0 = no upper bound
  double factormin = 0.2;
  double factormax = 10.0;
  double safety = 0.9;
  int max_steps = 4096;  // attempted steps (accepted + rejected)
  // The simplified Newton iteration of the ESDIRK methods (kernels/stiff/
  // esdirk.hpp): converged when the predicted error of the stage values is
  // at most newton_kappa in the controller's scaled norm, failed after
  // newton_max_iters iterations.
  double newton_kappa = 0.01;
  int newton_max_iters = 10;
};

// Controller history carried by each trajectory between steps.
struct PidHistory {
  double prev_inv_scaled_error = 1.0;
  double prev_prev_inv_scaled_error = 1.0;
};

struct PidDecision {
  bool accept;
  double factor;  // next |dt| = factor * |this step's dt|
};

// The exponents b1/k, b2/k, b3/k of the PID update. They depend only on the
// controller settings and the error order, so a trajectory computes them
// once instead of dividing three times in every step.
struct PidCoefficients {
  double coeff1, coeff2, coeff3;
};

KOKKOS_INLINE_FUNCTION PidCoefficients pid_coefficients(const StepSizeControl& c, int error_order) {
  const double k = static_cast<double>(error_order);
  return PidCoefficients{(c.icoeff + c.pcoeff + c.dcoeff) / k, -(c.pcoeff + 2.0 * c.dcoeff) / k,
                         c.dcoeff / k};
}

// The PID factor from the mean square ms = ||scaled error||_RMS^2, which must
// be finite (the caller stops a trajectory on NaN/Inf first), and the
// verdict `accept` (ms < 1). Arithmetically Diffrax's update with
// inv = 1/sqrt(ms): inv^c = ms^(-c/2), so the default I controller costs one
// power per step and no square root or division on the step's critical path.
// Written once for a double (accept: bool) and for a pack of trajectories
// in SIMD lanes (accept: a lane mask): the same operations in the same order,
// so both give the same bits (controller_pow.hpp). `prev` and `prev_prev`
// are the inverse errors of the last two accepted steps.
template <class V, class Mask>
KOKKOS_FORCEINLINE_FUNCTION V pid_factor(const StepSizeControl& c, const PidCoefficients& e,
                                         const V& mean_square, const Mask& accept, V& prev,
                                         V& prev_prev) {
  const double coeff1 = e.coeff1, coeff2 = e.coeff2, coeff3 = e.coeff3;
  // A zero coefficient contributes exactly 1 (Diffrax skips the power), which
  // keeps 0^0 and inf^0 out of the arithmetic. ms = 0 gives +inf, clamped.
  const V f1 = coeff1 == 0.0 ? V(1.0) : controller_pow(mean_square, -0.5 * coeff1);
  const V f2 = coeff2 == 0.0 ? V(1.0) : controller_pow(prev, coeff2);
  const V f3 = coeff3 == 0.0 ? V(1.0) : controller_pow(prev_prev, coeff3);
  // A rejected step must shrink (factor < 1); an accepted one never shrinks.
  const V lo = lane_select(accept, V(1.0), V(c.factormin));
  const V hi = lane_select(accept, V(c.factormax), V(c.safety));
  const V raw = c.safety * f1 * f2 * f3;
  const V factor = lane_select(raw < lo, lo, lane_select(hi < raw, hi, raw));  // math::clamp
  // The P and D terms need this step's inverse error in later steps; an
  // exactly zero (or infinite) error carries no information and Diffrax
  // resets it to 1.
  if (coeff2 != 0.0 || coeff3 != 0.0) {
    V inv = 1.0 / lane_sqrt(mean_square);
    inv = lane_select(lane_isfinite(inv), inv, V(1.0));
    inv = lane_select(inv == 0.0, V(1.0), inv);
    prev_prev = lane_select(accept, prev, prev_prev);
    prev = lane_select(accept, inv, prev);
  }
  return factor;
}

// One PID update of one trajectory.
KOKKOS_FORCEINLINE_FUNCTION PidDecision pid_adapt(const StepSizeControl& c,
                                                  const PidCoefficients& e, double mean_square,
                                                  PidHistory& h) {
  const bool accept = mean_square < 1.0;
  const double factor =
      pid_factor(c, e, mean_square, accept, h.prev_inv_scaled_error, h.prev_prev_inv_scaled_error);
  return PidDecision{accept, factor};
}

}  // namespace kode
