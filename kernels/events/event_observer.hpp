// The observer that finds events (event_spec.hpp) in every accepted step and
// passes the step on to an inner observer (the SaveObserver, say).
//
// In each step [t0, t0 + dt] the event function g (y[state] - value, or the
// model's own event(k, t, y, p) when the spec names one) is sampled along
// the step's own interpolant at theta = m / samples_per_step, m = 0 ..
// samples_per_step, and the first sub-interval whose ends change sign in
// the event's direction holds the crossing, which locate_crossing.hpp
// places to the event's time tolerance. A rising crossing goes from g < 0 to
// g >= 0, a falling one from g > 0 to g <= 0, so a level touched exactly at
// a step's end counts once, and a trajectory that starts exactly at the
// level has no event at t0 (its first crossing is when it next reaches the
// level from one side, as in MATLAB's ode suite). Two crossings closer
// together than one sub-interval cancel in the sign test and are missed;
// for SDE steps the interpolant is the straight line between the step's
// ends (integrate_sde_trajectory.hpp), so a crossing is located on it.
//
// A terminal event stops the trajectory at the located time: the inner
// observer sees the step cut there (so saves after the event are never
// made), and the stepper's loop (integrate_trajectory.hpp's run_stepper,
// the SDE loop) asks stopped() after every attempt. Occurrences are
// recorded in EventViews: the first max_records times and states, and the
// count of all occurrences. With the spec not enabled it only forwards to
// the inner observer (one kernel serves solves with and without events).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/events/event_spec.hpp"
#include "kode/kernels/events/locate_crossing.hpp"
#include "kode/kernels/model_concept.hpp"

namespace kode {

template <int N, class MemorySpace>
struct EventViews {
  Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace> t;   // [n_traj, max_records]
  Kokkos::View<double***, Kokkos::LayoutLeft, MemorySpace> y;  // [n_traj, max_records, N]
  Kokkos::View<int*, Kokkos::LayoutLeft, MemorySpace> count;   // [n_traj]
};

// The part of a step before a terminal event: [t0, t0 + fraction * dt],
// evaluated through the whole step's interpolant, so the saves inside it
// are the values the uncut step would have given.
template <int N, class Step>
struct TruncatedStep {
  double t0, dt;
  const double (&y0)[N];
  const double (&y1)[N];  // the state at the event
  const Step& whole;
  double fraction;
  template <class Theta>
  KOKKOS_INLINE_FUNCTION void evaluate(const Theta& theta, double (&out)[N]) const {
    whole.evaluate(theta * fraction, out);
  }
};

// No model events (a level crossing only).
struct NoModelEvents {};

// Model: the model whose event functions the spec may name (NoModelEvents:
// none); `model` and `p` point at the trajectory's model and parameters.
template <int N, class Inner, class MemorySpace, class Model = NoModelEvents>
struct EventObserver {
  static constexpr int samples_per_step = 4;
  Inner& inner;
  const EventSpec& spec;
  const EventViews<N, MemorySpace>& views;
  int traj;
  const Model* model = nullptr;
  const double* p = nullptr;
  int n_found = 0;
  bool stopped_ = false;
  double y_stop[N] = {};

  // The event function at (t, y).
  KOKKOS_INLINE_FUNCTION double g(double t, const double (&y)[N]) const {
    if constexpr (has_events<Model>::value) {
      if (spec.model_event >= 0) return model->event(spec.model_event, t, y, p);
    }
    (void)t;
    return y[spec.state] - spec.value;
  }

  KOKKOS_INLINE_FUNCTION bool stopped() const { return stopped_; }

  KOKKOS_INLINE_FUNCTION void begin(double t0, const double (&y0)[N]) { inner.begin(t0, y0); }

  KOKKOS_INLINE_FUNCTION bool pending_save_time(double& t) const {
    return inner.pending_save_time(t);
  }

  // Writes the count and NaN into the records not filled, then finishes
  // the inner observer.
  KOKKOS_INLINE_FUNCTION void finish() {
    inner.finish();
    if (!spec.enabled) return;
    const double nan = math::quiet_nan();
    const int records = static_cast<int>(views.t.extent(1));
    for (int k = n_found; k < records; ++k) {
      views.t(traj, k) = nan;
      for (int i = 0; i < N; ++i) views.y(traj, k, i) = nan;
    }
    views.count(traj) = n_found;
  }

  template <class Step>
  KOKKOS_INLINE_FUNCTION void step(const Step& s) {
    if (!spec.enabled) {
      inner.step(s);
      return;
    }
    if (stopped_) return;
    const bool rising = spec.direction != EventDirection::falling;
    const bool falling = spec.direction != EventDirection::rising;
    const double t_end = s.t0 + s.dt;
    // Nothing finer than the rounding of t itself is meaningful.
    const double resolution =
        2.0 * 2.220446049250313e-16 * math::max(math::fabs(s.t0), math::fabs(t_end));
    const double theta_tol = math::max(spec.time_tol, resolution) / math::fabs(s.dt);
    double a = 0.0, ga = g(s.t0, s.y0);
    for (int m = 1; m <= samples_per_step; ++m) {
      const double b = static_cast<double>(m) / samples_per_step;
      double yb[N];
      if (m == samples_per_step) {
        for (int i = 0; i < N; ++i) yb[i] = s.y1[i];
      } else {
        s.evaluate(b, yb);
      }
      const double gb = g(m == samples_per_step ? t_end : s.t0 + b * s.dt, yb);
      // h = orientation * g goes from < 0 to >= 0 across the crossing.
      double orientation = 0.0;
      if (rising && ga < 0.0 && gb >= 0.0) orientation = 1.0;
      if (falling && ga > 0.0 && gb <= 0.0) orientation = -1.0;
      if (orientation != 0.0) {
        auto h = [&](double theta) {
          double y[N];
          s.evaluate(theta, y);
          return orientation * g(s.t0 + theta * s.dt, y);
        };
        const double theta =
            locate_crossing(h, a, orientation * ga, b, orientation * gb, theta_tol);
        double y[N];
        if (theta == 1.0) {
          for (int i = 0; i < N; ++i) y[i] = s.y1[i];
        } else {
          s.evaluate(theta, y);
        }
        const double t = theta == 1.0 ? t_end : s.t0 + theta * s.dt;
        record(t, y);
        if (spec.terminal) {
          stopped_ = true;
          for (int i = 0; i < N; ++i) y_stop[i] = y[i];
          inner.step(TruncatedStep<N, Step>{s.t0, t - s.t0, s.y0, y_stop, s, theta});
          return;
        }
      }
      a = b;
      ga = gb;
    }
    inner.step(s);
  }

 private:
  KOKKOS_INLINE_FUNCTION void record(double t, const double (&y)[N]) {
    if (n_found < static_cast<int>(views.t.extent(1))) {
      views.t(traj, n_found) = t;
      for (int i = 0; i < N; ++i) views.y(traj, n_found, i) = y[i];
    }
    ++n_found;
  }
};

}  // namespace kode
