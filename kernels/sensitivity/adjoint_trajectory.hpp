// Discrete adjoint of one trajectory: the gradient of its scalar loss
// (trajectory_loss.hpp) with respect to the parameters and the initial
// state, of the computed solution on its frozen accepted-step mesh, by
// reverse accumulation over the accepted steps:
//   ybar <- (d y_{n+1} / d y_n)^T ybar + sum_j (d y(t_j) / d y_n)^T g_j
//   pbar += (d y_{n+1} / d p)^T ybar   + sum_j (d y(t_j) / d p)^T g_j
// from the last step to the first, where the t_j are the save times inside
// step n (interpolated with the step's own interpolant, exactly where the
// forward solve saved them) and g_j = dL/dy(t_j). Each step's local
// derivatives come from the step itself evaluated on dual numbers with
// n_param + n_state tangents (the model's templated rhs; no hand-written
// derivatives), so a step's reverse costs about one forward step with that
// many tangents. A model with its own vector-Jacobian product
// (model_concept.hpp; the neural-ODE case, thousands of parameters) is
// reversed stage by stage with it instead (reverse_step_vjp).
//
// Memory per trajectory is bounded by C checkpoint slots, each a copy of the
// whole loop state (TrajectoryStepper), plus a segment buffer of C steps:
//  - While the accepted steps fit in C slots, the state after every accepted
//    step is kept ("store-all"): step n's (t_n, dt_n, y_n) are read from
//    slots n and n+1 and nothing is recomputed.
//  - Beyond that the slots are thinned in place (every other one kept) and
//    the stride m between checkpoints doubles (CVODES-style "every m steps",
//    with m adapted to the unknown number of steps). The reverse sweep
//    replays each segment of m steps once from its checkpoint (the same
//    attempts, rejected ones included, bit for bit), storing its steps in the
//    segment buffer. Recomputation: at most one extra forward solve; memory:
//    C checkpoints + C segment steps, for up to about C^2 / 2 accepted steps
//    (beyond, the gradient is NaN and `gradient_ok` is false).
// Store-all and checkpointed gradients are bit-identical: both reverse the
// same step values with the same arithmetic.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/explicit_rk_step.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/save_times.hpp"
#include "kode/kernels/sensitivity/model_vjp.hpp"
#include "kode/kernels/sensitivity/trajectory_loss.hpp"

namespace kode {

// The forward solve's SaveAt, summing the loss instead of storing states:
// the same save times, the same interpolation, in the same order.
template <int N, class MemorySpace>
struct LossObserver {
  const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts;
  const TrajectoryLoss<N, MemorySpace>& loss;
  int traj;
  double direction;
  int next_save = 0;
  double sum = 0.0;

  KOKKOS_INLINE_FUNCTION int n_save() const { return static_cast<int>(ts.extent(0)); }
  KOKKOS_INLINE_FUNCTION void add(int j, const double (&y)[N]) {
    sum += loss.value(traj, j, n_save(), y);
  }
  KOKKOS_INLINE_FUNCTION void begin(double t0, const double (&y0)[N]) {
    while (next_save < n_save() && ts(next_save) == t0) add(next_save++, y0);
  }
  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant& s) {
    visit_save_times_in_step<double, N>(ts, n_save(), next_save, direction, s,
                                        [&](int j, const double(&y)[N]) { add(j, y); });
  }
};

// Observes nothing (the reverse sweep's replays).
struct NoObserver {
  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant&) const {}
};

// Per-trajectory buffers of the adjoint, [n_traj, C, ...], in the layout of
// the memory space's execution space: trajectory-fastest on GPUs (LayoutLeft:
// neighbouring threads' stores coalesce), each trajectory's slots contiguous
// on CPUs (LayoutRight: a thread walks its own slots; trajectory-fastest
// would put consecutive slots n_traj * sizeof(Stepper) apart, a new page per
// accepted step at 10^4 trajectories).
template <class Stepper, int N, class MemorySpace>
struct AdjointWorkspace {
  using Layout = typename MemorySpace::execution_space::array_layout;
  Kokkos::View<Stepper**, Layout, MemorySpace> checkpoints;  // [n_traj, C]
  Kokkos::View<double***, Layout, MemorySpace> segment;      // [n_traj, C, N + 2]
  int capacity() const { return static_cast<int>(checkpoints.extent(1)); }
};

// What the adjoint of one trajectory reports besides the gradient.
struct AdjointStats {
  int accepted = 0;          // accepted steps of the forward solve
  int stride = 1;            // checkpoint stride m at the end of the forward solve
  int slots_used = 0;        // checkpoint slots holding a state (<= C)
  int recomputed = 0;        // attempted steps replayed in the reverse sweep
  bool gradient_ok = false;  // false: not finished successfully, or beyond ~C^2/2 steps
};

// The reverse of one accepted step with the model's own vector-Jacobian
// product (model_concept.hpp): reverse accumulation stage by stage through
// the explicit RK step, its interpolant and the save times inside it, after
// one recomputation of the step's stages in doubles. Cost: S (+1 with a
// Hermite interpolant without FSAL) vjp calls and S rhs calls, whatever the
// number of parameters. Same inputs and outputs as reverse_step; equal to it
// to rounding (the sums are formed in another order).
template <class Tableau, class Model, int N, int P, class MemorySpace>
KOKKOS_INLINE_FUNCTION void reverse_step_vjp(
    const Model& model, const double* p, double t, double dt, const double (&y)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj, int j_lo, int j_hi, double (&ybar)[N],
    double* pbar, double* wbar) {
  constexpr int S = Tableau::stages;
  constexpr bool hermite = Tableau::dense_order == 0;
  double k[S][N], y1[N], err[N], f1[N];
  model.rhs(t, y, p, k[0]);
  explicit_rk_step<Tableau>(model, p, t, dt, y, k, y1, err);
  const bool f1_evaluated = !Tableau::fsal && hermite && j_lo < j_hi;
  if constexpr (Tableau::fsal) {
    for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
  } else {
    // Needed by the Hermite interpolant only, when a save time is inside.
    for (int i = 0; i < N; ++i) f1[i] = 0.0;
    if (f1_evaluated) model.rhs(t + dt, y1, p, f1);
  }
  // Cotangents of the step's inputs and intermediates.
  double y0bar[N], y1bar[N], kbar[S][N], f1bar[N], vy[N], vp[P > 0 ? P : 1];
  for (int i = 0; i < N; ++i) {
    y0bar[i] = 0.0;
    y1bar[i] = ybar[i];
    f1bar[i] = 0.0;
    for (int s = 0; s < S; ++s) kbar[s][i] = 0.0;
  }
  const auto add_vjp = [&](double ts_, const double(&at)[N], const double(&v)[N]) {
    model_vjp<Model, N, P>(model, ts_, at, p, v, vy, vp, nullptr, wbar);
    for (int q = 0; q < P; ++q) pbar[q] += vp[q];
  };

  // The save times inside the step: y(t_j) from the interpolant, which is
  // linear in y0, y1, the stages and f1.
  const int n_save = static_cast<int>(ts.extent(0));
  const double t_end = t + dt;
  const StepInterpolant<Tableau, N, double> interpolant{t, dt, y, y1, k[0], f1, k};
  for (int j = j_hi - 1; j >= j_lo; --j) {
    const double tj = ts(j);
    double yj[N], g[N];
    if (tj == t_end) {
      for (int i = 0; i < N; ++i) yj[i] = y1[i];
    } else {
      interpolant.evaluate((tj - t) / dt, yj);
    }
    loss.cotangent(traj, j, n_save, yj, g);
    if (tj == t_end) {
      for (int i = 0; i < N; ++i) y1bar[i] += g[i];
      continue;
    }
    const double theta = (tj - t) / dt;
    if constexpr (hermite) {
      const double s1 = theta, s2 = s1 * s1, s3 = s2 * s1;
      const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s1;
      const double h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
      for (int i = 0; i < N; ++i) {
        y0bar[i] += h00 * g[i];
        kbar[0][i] += h10 * dt * g[i];  // f0 = k[0]
        y1bar[i] += h01 * g[i];
        f1bar[i] += h11 * dt * g[i];
      }
    } else {
      // Compile-time stage indices, as in StepInterpolant::evaluate.
      static_for<0, S>([&](auto stage) {
        constexpr int st = decltype(stage)::value;
        const double w = dt * Tableau::dense_weight(st, theta);
        for (int i = 0; i < N; ++i) kbar[st][i] += w * g[i];
      });
      for (int i = 0; i < N; ++i) y0bar[i] += g[i];
    }
  }
  // f1 = k[S-1] (FSAL) or f(t + dt, y1).
  if constexpr (Tableau::fsal) {
    for (int i = 0; i < N; ++i) kbar[S - 1][i] += f1bar[i];
  } else {
    if (f1_evaluated) {
      add_vjp(t_end, y1, f1bar);
      for (int i = 0; i < N; ++i) y1bar[i] += vy[i];
    }
  }
  // y1 = y + dt sum_s b_s k_s. (Compile-time stage indices throughout: the
  // coefficients become immediates and zero entries cost nothing.)
  for (int i = 0; i < N; ++i) y0bar[i] += y1bar[i];
  static_for<0, S>([&](auto stage) {
    constexpr int st = decltype(stage)::value;
    constexpr double b = Tableau::b(st);
    if constexpr (b != 0.0)
      for (int i = 0; i < N; ++i) kbar[st][i] += dt * b * y1bar[i];
  });
  // The stages, last first: k_s = f(t + c_s dt, y + dt sum_{r<s} a_sr k_r).
  static_for<0, S>([&](auto index) {
    constexpr int st = S - 1 - decltype(index)::value;
    double ys[N];
    for (int i = 0; i < N; ++i) {
      double acc = 0.0;
      static_for<0, st>([&](auto prev) {
        constexpr int r = decltype(prev)::value;
        constexpr double a = Tableau::a(st, r);
        if constexpr (a != 0.0) acc += a * k[r][i];
      });
      ys[i] = y[i] + dt * acc;
    }
    add_vjp(t + Tableau::c(st) * dt, ys, kbar[st]);
    for (int i = 0; i < N; ++i) {
      y0bar[i] += vy[i];
      static_for<0, st>([&](auto prev) {
        constexpr int r = decltype(prev)::value;
        constexpr double a = Tableau::a(st, r);
        if constexpr (a != 0.0) kbar[r][i] += dt * a * vy[i];
      });
    }
  });
  for (int i = 0; i < N; ++i) ybar[i] = y0bar[i];
}

// The reverse of one accepted step (t, dt, y) on dual numbers: updates ybar
// and pbar with the step's and its save times' contributions (save indices
// [j_lo, j_hi)).
template <class Tableau, class Model, int N, int P, class MemorySpace>
KOKKOS_INLINE_FUNCTION void reverse_step_dual(
    const Model& model, const double* p, double t, double dt, const double (&y)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj, int j_lo, int j_hi, double (&ybar)[N],
    double* pbar) {
  constexpr int K = P + N;
  constexpr int S = Tableau::stages;
  using D = DualN<K>;
  D pd[P > 0 ? P : 1], yd[N], k[S][N], y1[N], err[N], f1[N];
  for (int q = 0; q < P; ++q) pd[q] = D::variable(p[q], q);
  for (int i = 0; i < N; ++i) yd[i] = D::variable(y[i], P + i);
  model.rhs(t, yd, pd, k[0]);
  explicit_rk_step<Tableau>(model, pd, t, dt, yd, k, y1, err);
  if constexpr (Tableau::fsal) {
    for (int i = 0; i < N; ++i) f1[i] = k[S - 1][i];
  } else {
    if (j_lo < j_hi && Tableau::dense_order == 0) model.rhs(t + dt, y1, pd, f1);
  }
  double out[N];
  for (int i = 0; i < N; ++i) out[i] = 0.0;
  const auto accumulate = [&](const D(&yo)[N], const double(&g)[N]) {
    for (int m = 0; m < N; ++m) {
      if (g[m] == 0.0) continue;
      for (int i = 0; i < N; ++i) out[i] += g[m] * tangent(yo[m], P + i);
      for (int q = 0; q < P; ++q) pbar[q] += g[m] * tangent(yo[m], q);
    }
  };
  accumulate(y1, ybar);
  const int n_save = static_cast<int>(ts.extent(0));
  const double t1 = t + dt;
  const StepInterpolant<Tableau, N, D> interpolant{t, dt, yd, y1, k[0], f1, k};
  for (int j = j_hi - 1; j >= j_lo; --j) {
    D yj[N];
    const double tj = ts(j);
    if (tj == t1) {
      for (int i = 0; i < N; ++i) yj[i] = y1[i];
    } else {
      interpolant.evaluate((tj - t) / dt, yj);
    }
    double v[N], g[N];
    for (int i = 0; i < N; ++i) v[i] = yj[i].v;
    loss.cotangent(traj, j, n_save, v, g);
    accumulate(yj, g);
  }
  for (int i = 0; i < N; ++i) ybar[i] = out[i];
}

// The reverse of one accepted step: with the model's own vjp when it has
// one (then also dL/dtheta into wbar for a model with shared weights), on
// dual numbers otherwise. (The stage-by-stage reverse with dual-number
// vector-Jacobian products instead, model_vjp, was measured slower on W1:
// 5.9-6.4x the solve against 4.1-4.3x for the whole step on dual numbers.)
template <class Tableau, class Model, int N, int P, class MemorySpace>
KOKKOS_INLINE_FUNCTION void reverse_step(
    const Model& model, const double* p, double t, double dt, const double (&y)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj, int j_lo, int j_hi, double (&ybar)[N],
    double* pbar, double* wbar = nullptr) {
  if constexpr (has_vjp<Model>::value || has_weights<Model>::value)
    reverse_step_vjp<Tableau, Model, N, P, MemorySpace>(model, p, t, dt, y, ts, loss, traj, j_lo,
                                                        j_hi, ybar, pbar, wbar);
  else
    reverse_step_dual<Tableau, Model, N, P, MemorySpace>(model, p, t, dt, y, ts, loss, traj, j_lo,
                                                         j_hi, ybar, pbar);
}

// The time loop the adjoint drives, for explicit RK methods: its checkpoint
// State is the whole TrajectoryStepper; a step is reversed by reverse_step.
template <class Tableau, class Model, int N, int P, class MemorySpace>
struct OdeAdjointLoop {
  using State = TrajectoryStepper<Tableau, N>;
  const Model& model;
  const double* p;
  const StepSizeControl& control;
  const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts;
  const TrajectoryLoss<N, MemorySpace>& loss;
  int traj;
  double* wbar = nullptr;  // shared weights: this trajectory's dL/dtheta row
  PidCoefficients pid = State::pid(control);

  KOKKOS_INLINE_FUNCTION bool begin(State& st, double t0, double t1, const double (&y0)[N]) const {
    return st.begin(model, p, t0, t1, y0, control);
  }
  template <class Observer>
  KOKKOS_FORCEINLINE_FUNCTION StepOutcome attempt(State& st, Observer& observer) {
    return st.attempt(model, p, control, pid, observer);
  }
  KOKKOS_INLINE_FUNCTION void reverse(double t, double dt, const double (&y)[N], int j_lo, int j_hi,
                                      double (&ybar)[N], double* pbar) const {
    reverse_step<Tableau, Model, N, P>(model, p, t, dt, y, ts, loss, traj, j_lo, j_hi, ybar, pbar,
                                       wbar);
  }
};

// What the forward pass of the adjoint leaves for its reverse sweep.
struct AdjointForward {
  int stride = 1;    // checkpoint stride m
  int used = 0;      // checkpoint slots holding a state
  int accepted = 0;  // accepted steps
  // The last accepted step's start and size (the end state's t_prev, dt_prev).
  double last_t = 0.0, last_dt = 0.0;
  bool reversible = false;  // finished successfully and within the slots' reach
  KOKKOS_INLINE_FUNCTION int segments() const { return (accepted + stride - 1) / stride; }
};

// The forward pass of adjoint_of_loop: the loss (into loss_out when the
// solve succeeds) and checkpoints of the loop state in work's slots of
// `traj`, thinned in place when they run out. Returns the forward status.
template <int N, class Loop, class MemorySpace>
KOKKOS_INLINE_FUNCTION Status
adjoint_forward(Loop& loop, double t0, double t1, const double (&y0)[N],
                const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
                const TrajectoryLoss<N, MemorySpace>& loss, int traj,
                const AdjointWorkspace<typename Loop::State, N, MemorySpace>& work,
                double& loss_out, StepCounts& counts, AdjointStats& stats, AdjointForward& f) {
  using State = typename Loop::State;
  const int C = work.capacity();
  State st;
  const bool ok = loop.begin(st, t0, t1, y0);
  counts = st.counts;
  if (!ok) return st.status;
  const double direction = t1 >= t0 ? 1.0 : -1.0;
  LossObserver<N, MemorySpace> observer{ts, loss, traj, direction};
  observer.begin(t0, y0);
  int m = 1, used = 0, accepted = 0;
  work.checkpoints(traj, used++) = st;  // accepted step index 0
  StepOutcome outcome = t0 == t1 ? StepOutcome::finished : StepOutcome::rejected;
  while (outcome != StepOutcome::finished) {
    outcome = loop.attempt(st, observer);
    const bool stepped =
        outcome == StepOutcome::accepted ||
        (outcome == StepOutcome::finished && st.status == Status::success && t0 != t1);
    if (!stepped) continue;
    ++accepted;
    if (accepted % m != 0) continue;
    if (used == C) {
      // Thin: keep the checkpoints at multiples of 2m, in place, in order.
      for (int c = 0; 2 * c < used; ++c) work.checkpoints(traj, c) = work.checkpoints(traj, 2 * c);
      used = (used + 1) / 2;
      m *= 2;
      if (accepted % m != 0) continue;
    }
    work.checkpoints(traj, used++) = st;
  }
  counts = st.counts;
  stats.accepted = accepted;
  stats.stride = m;
  stats.slots_used = used;
  f.stride = m;
  f.used = used;
  f.accepted = accepted;
  f.last_t = st.t_prev;
  f.last_dt = st.dt_prev;
  if (t0 != t1 && st.status != Status::success) return st.status;
  loss_out = observer.sum;
  f.reversible = m <= C;  // else the segment buffer cannot hold a segment
  return st.status;
}

// Segment c of the reverse sweep: its accepted steps (t_n, dt_n, y_n), n =
// c m .. c m + count - 1, into work.segment(traj, 0 .. count - 1, :).
// Store-all (m = 1): slot c holds the state before step c, slot c + 1 after
// it; else the segment is replayed from its checkpoint (the same attempts,
// rejected ones included, bit for bit). Returns count.
template <int N, class Loop, class MemorySpace>
KOKKOS_INLINE_FUNCTION int adjoint_segment(
    Loop& loop, const AdjointWorkspace<typename Loop::State, N, MemorySpace>& work, int traj, int c,
    const AdjointForward& f, AdjointStats& stats) {
  using State = typename Loop::State;
  const int m = f.stride, first = c * m;
  const int count = (c + 1) * m <= f.accepted ? m : f.accepted - first;
  if (m == 1) {
    const State& before = work.checkpoints(traj, c);
    const double t_after = c + 1 < f.used ? work.checkpoints(traj, c + 1).t_prev : f.last_t;
    const double dt_after = c + 1 < f.used ? work.checkpoints(traj, c + 1).dt_prev : f.last_dt;
    work.segment(traj, 0, 0) = t_after;
    work.segment(traj, 0, 1) = dt_after;
    for (int i = 0; i < N; ++i) work.segment(traj, 0, 2 + i) = before.y[i];
  } else {
    State r = work.checkpoints(traj, c);
    NoObserver none;
    for (int s = 0; s < count;) {
      double yb[N];
      for (int i = 0; i < N; ++i) yb[i] = r.y[i];
      const StepOutcome o = loop.attempt(r, none);
      ++stats.recomputed;
      if (o == StepOutcome::rejected) continue;
      work.segment(traj, s, 0) = r.t_prev;
      work.segment(traj, s, 1) = r.dt_prev;
      for (int i = 0; i < N; ++i) work.segment(traj, s, 2 + i) = yb[i];
      ++s;
    }
  }
  return count;
}

// The save times at t0 exactly, [0, returned index): they belong to begin(),
// where y(t0) = y0, not to the first step.
template <class MemorySpace>
KOKKOS_INLINE_FUNCTION int save_times_at_start(
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts, double t0) {
  const int n_save = static_cast<int>(ts.extent(0));
  int j = 0;
  while (j < n_save && ts(j) == t0) ++j;
  return j;
}

// The last terms of the reverse sweep: the cotangents of the save times at
// t0 ([0, j_t0), last to first), added to ybar at y(t0) = y0.
template <int N, class MemorySpace>
KOKKOS_INLINE_FUNCTION void add_start_cotangents(const TrajectoryLoss<N, MemorySpace>& loss,
                                                 int traj, int j_t0, int n_save,
                                                 const double (&y0)[N], double (&ybar)[N]) {
  for (int j = j_t0 - 1; j >= 0; --j) {
    double g[N];
    loss.cotangent(traj, j, n_save, y0, g);
    for (int i = 0; i < N; ++i) ybar[i] += g[i];
  }
}

// Loss, dL/dp and dL/dy0 of one trajectory, for the time loop `loop`
// (OdeAdjointLoop, SdeAdjointLoop of sde_adjoint_loop.hpp): begin(State&,
// t0, t1, y0), attempt(State&, observer) and reverse(t, dt, y, j_lo, j_hi,
// ybar, pbar), its State trivially copyable with y, counts, status, t_prev
// and dt_prev. Returns the forward status.
template <int N, int P, class Loop, class MemorySpace>
KOKKOS_INLINE_FUNCTION Status adjoint_of_loop(
    Loop& loop, double t0, double t1, const double (&y0)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj,
    const AdjointWorkspace<typename Loop::State, N, MemorySpace>& work, double& loss_out,
    double (&dloss_dy0)[N], double* dloss_dp, StepCounts& counts, AdjointStats& stats) {
  const double nan = math::quiet_nan();
  loss_out = nan;
  for (int i = 0; i < N; ++i) dloss_dy0[i] = nan;
  for (int q = 0; q < P; ++q) dloss_dp[q] = nan;

  // ---- forward: the loss, and checkpoints of the loop state ----
  AdjointForward f;
  const Status status =
      adjoint_forward<N>(loop, t0, t1, y0, ts, loss, traj, work, loss_out, counts, stats, f);
  if (!f.reversible) return status;

  // ---- reverse sweep ----
  const double direction = t1 >= t0 ? 1.0 : -1.0;
  double ybar[N], pbar[P > 0 ? P : 1];
  for (int i = 0; i < N; ++i) ybar[i] = 0.0;
  for (int q = 0; q < P; ++q) pbar[q] = 0.0;
  const int n_save = static_cast<int>(ts.extent(0));
  int j_hi = n_save;  // save times not yet reversed: [0, j_hi)
  const int j_t0 = save_times_at_start(ts, t0);
  for (int c = f.segments() - 1; c >= 0; --c) {
    const int count = adjoint_segment<N>(loop, work, traj, c, f, stats);
    for (int s = count - 1; s >= 0; --s) {
      const double tn = work.segment(traj, s, 0), dtn = work.segment(traj, s, 1);
      double yn[N];
      for (int i = 0; i < N; ++i) yn[i] = work.segment(traj, s, 2 + i);
      int j_lo = j_hi;
      while (j_lo > j_t0 && direction * (ts(j_lo - 1) - tn) > 0.0) --j_lo;
      loop.reverse(tn, dtn, yn, j_lo, j_hi, ybar, pbar);
      j_hi = j_lo;
    }
  }
  add_start_cotangents(loss, traj, j_t0, n_save, y0, ybar);
  for (int i = 0; i < N; ++i) dloss_dy0[i] = ybar[i];
  for (int q = 0; q < P; ++q) dloss_dp[q] = pbar[q];
  stats.gradient_ok = true;
  return status;
}

// Loss, dL/dp and dL/dy0 of one ODE trajectory, and for a model with shared
// weights dL/dtheta into dloss_dweights[0 .. model.n_weights()) (NaN where
// the gradient is not available, as dL/dp). Returns the forward status.
template <class Tableau, class Model, int N, int P, class MemorySpace>
KOKKOS_INLINE_FUNCTION Status
adjoint_trajectory(const Model& model, const double* p, double t0, double t1, const double (&y0)[N],
                   const StepSizeControl& control,
                   const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
                   const TrajectoryLoss<N, MemorySpace>& loss, int traj,
                   const AdjointWorkspace<TrajectoryStepper<Tableau, N>, N, MemorySpace>& work,
                   double& loss_out, double (&dloss_dy0)[N], double* dloss_dp, StepCounts& counts,
                   AdjointStats& stats, double* dloss_dweights = nullptr) {
  OdeAdjointLoop<Tableau, Model, N, P, MemorySpace> loop{model, p, control, ts, loss, traj};
  int n_weights = 0;
  if constexpr (has_weights<Model>::value) {
    n_weights = model.n_weights();
    for (int k = 0; k < n_weights; ++k) dloss_dweights[k] = 0.0;
    loop.wbar = dloss_dweights;
  }
  const Status s = adjoint_of_loop<N, P>(loop, t0, t1, y0, ts, loss, traj, work, loss_out,
                                         dloss_dy0, dloss_dp, counts, stats);
  if (!stats.gradient_ok)
    for (int k = 0; k < n_weights; ++k) dloss_dweights[k] = math::quiet_nan();
  return s;
}

}  // namespace kode
