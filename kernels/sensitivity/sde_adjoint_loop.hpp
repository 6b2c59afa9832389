// The discrete adjoint of an SDE trajectory: pathwise gradients, the
// derivative of the computed solution on its own Brownian path and its frozen
// accepted-step mesh (as Diffrax's RecursiveCheckpointAdjoint differentiates
// an SDE solve through its virtual Brownian tree). The loop below plugs the
// SDE time loop (SdeStepper, integrate_sde_trajectory.hpp) into
// adjoint_of_loop (adjoint_trajectory.hpp): the same checkpointing, the same
// bounded memory, store-all and checkpointed gradients bit-identical.
//
// A step is reversed on dual numbers: the method's own step evaluated with
// y_n and p seeded as P + N tangents and the step's Brownian increments
// re-queried from the same tree (a cursor's answers are the tree's, bit for
// bit, in any query order: brownian_walker.hpp), so nothing about the path is
// stored. Milstein's (dG/dy) G and the Ito-Stratonovich drift conversion are
// differentiated through nested dual numbers (sde_vector_fields.hpp).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/save_times.hpp"
#include "kode/kernels/sde/integrate_sde_trajectory.hpp"
#include "kode/kernels/sensitivity/adjoint_trajectory.hpp"
#include "kode/kernels/sensitivity/trajectory_loss.hpp"

namespace kode {

// The reverse of one accepted SDE step (t, dt, y) with increments `inc`:
// ybar <- (dy1/dy)^T (ybar + sum_j g_j), pbar += (dy1/dp)^T (ybar + sum_j g_j)
// over the save times [j_lo, j_hi) of the step (which end it: SDE steps stop
// at save times).
template <class Method, class Fields, int N, int P, int M, class MemorySpace>
KOKKOS_INLINE_FUNCTION void reverse_sde_step(
    const Fields& sde, const double* p, double t, double dt, const double (&y)[N],
    const BrownianIncrement (&inc)[M],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj, int j_lo, int j_hi, double (&ybar)[N],
    double* pbar) {
  constexpr int K = P + N;
  using D = DualN<K>;
  D pd[P > 0 ? P : 1], yd[N], y1[N], err[N];
  for (int q = 0; q < P; ++q) pd[q] = D::variable(p[q], q);
  for (int i = 0; i < N; ++i) {
    yd[i] = D::variable(y[i], P + i);
    err[i] = 0.0;
  }
  Method::step(sde, pd, t, dt, yd, inc, y1, err);
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
  // The save times of the step, valued as the forward LossObserver valued
  // them (the step's end, or its linear record in between).
  const int n_save = static_cast<int>(ts.extent(0));
  int cursor = j_lo;
  const SdeStepRecord<N, D> record{t, dt, yd, y1};
  visit_save_times_in_step<D, N>(ts, j_hi, cursor, 1.0, record, [&](int j, const D(&yj)[N]) {
    double v[N], g[N];
    for (int i = 0; i < N; ++i) v[i] = yj[i].v;
    loss.cotangent(traj, j, n_save, v, g);
    accumulate(yj, g);
  });
  for (int i = 0; i < N; ++i) ybar[i] = out[i];
}

// The SDE time loop for adjoint_of_loop. Its State adds to the stepper the
// cursor of the next save time (where the next step must stop), so a
// checkpoint replays the same stops.
template <class Method, class Fields, int N, int P, class MemorySpace>
struct SdeAdjointLoop {
  static constexpr int M = Fields::M;
  struct State : SdeStepper<Method, N, M> {
    int next_stop = 0;  // first save time after t
  };
  const Fields& sde;
  const double* p;
  const StepSizeControl& control;
  const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts;
  const TrajectoryLoss<N, MemorySpace>& loss;
  int traj;
  BrownianPaths<M> paths;
  PidCoefficients pid = State::pid(control);

  KOKKOS_INLINE_FUNCTION bool begin(State& st, double t0, double t1, const double (&y0)[N]) const {
    const bool ok = st.begin(t0, t1, y0, control);
    st.next_stop = 0;
    skip_reached(st);
    return ok;
  }
  template <class Observer>
  KOKKOS_INLINE_FUNCTION StepOutcome attempt(State& st, Observer& observer) {
    double stop = st.t1;
    if (st.next_stop < static_cast<int>(ts.extent(0)) && ts(st.next_stop) < stop)
      stop = ts(st.next_stop);
    const StepOutcome o = st.attempt(sde, p, control, pid, stop, paths, observer);
    skip_reached(st);
    return o;
  }
  KOKKOS_INLINE_FUNCTION void reverse(double t, double dt, const double (&y)[N], int j_lo, int j_hi,
                                      double (&ybar)[N], double* pbar) {
    BrownianIncrement inc[M];
    for (int j = 0; j < M; ++j) {
      const BrownianState a = paths.walker[j].state(t), b = paths.walker[j].state(t + dt);
      inc[j] = levy_increment(a, t, b, t + dt);
    }
    reverse_sde_step<Method, Fields, N, P>(sde, p, t, dt, y, inc, ts, loss, traj, j_lo, j_hi, ybar,
                                           pbar);
  }

 private:
  // Save times at or before t are behind the trajectory (the observer saved
  // them when the step ending there was accepted, or at begin for t0).
  KOKKOS_INLINE_FUNCTION void skip_reached(State& st) const {
    while (st.next_stop < static_cast<int>(ts.extent(0)) && ts(st.next_stop) <= st.t)
      ++st.next_stop;
  }
};

// Loss, dL/dp and dL/dy0 of one SDE trajectory on the Brownian path `key`.
// Returns the forward status.
template <class Method, class Fields, int N, int P, class MemorySpace>
KOKKOS_INLINE_FUNCTION Status sde_adjoint_trajectory(
    const Fields& sde, const double* p, double t0, double t1, const double (&y0)[N],
    const StepSizeControl& control, const BrownianKey& key,
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj,
    const AdjointWorkspace<typename SdeAdjointLoop<Method, Fields, N, P, MemorySpace>::State, N,
                           MemorySpace>& work,
    double& loss_out, double (&dloss_dy0)[N], double* dloss_dp, StepCounts& counts,
    AdjointStats& stats) {
  SdeAdjointLoop<Method, Fields, N, P, MemorySpace> loop{
      sde, p, control, ts, loss, traj, BrownianPaths<Fields::M>(key, t0, t1)};
  return adjoint_of_loop<N, P>(loop, t0, t1, y0, ts, loss, traj, work, loss_out, dloss_dy0,
                               dloss_dp, counts, stats);
}

}  // namespace kode
