// Continuous adjoint ("backsolve", O(1) memory per trajectory) of one
// trajectory: the gradient of its loss L = sum_j l_j(y(t_j))
// (trajectory_loss.hpp) from the adjoint ODE solved backwards in time with
// the same solver and controller,
//   y' = f(t, y, p),   a' = -(df/dy)^T a,   g' = -(df/dp)^T a,
// from t1 (a = dl/dy at t1's save time, g = 0) down to t0, where a(t0) =
// dL/dy0 and g(t0) = dL/dp (Pontryagin; Chen, Rubanova, Bettencourt &
// Duvenaud, "Neural ordinary differential equations", NeurIPS 2018, Alg. 1).
// As Diffrax's BacksolveAdjoint and torchdiffeq's odeint_adjoint, the
// backward solve stops at every save time t_j, where y is re-anchored to the
// stored forward value y(t_j) and a jumps by dl_j/dy(t_j).
//
// It differentiates the ODE, not the computed solution: the backward solve
// has its own steps and errors, so its gradient differs from the discrete
// adjoint's (adjoint_trajectory.hpp) by about the solver tolerance on a
// stable problem. On an unstable or chaotic one (Lorenz over a long horizon)
// the backward reconstruction of y between save times diverges from the
// forward trajectory and the gradient is wrong, sometimes by orders of
// magnitude: the tests show it. The vector-Jacobian products come from one
// evaluation of the model's templated rhs on dual numbers with
// n_state + n_param tangents.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/sensitivity/model_vjp.hpp"
#include "kode/kernels/sensitivity/trajectory_loss.hpp"

namespace kode {

// The augmented system z = (y, a, g) of 2 N + P states.
template <class Model, int N, int P>
struct AugmentedAdjointSystem {
  static constexpr int n_state = 2 * N + P, n_param = P;
  Model model;

  KOKKOS_INLINE_FUNCTION void rhs(double t, const double* z, const double* p, double* dz) const {
    // f and the vector-Jacobian products (a^T df/dy, a^T df/dp) in one go.
    double vy[N], vp[P > 0 ? P : 1];
    model_vjp<Model, N, P>(model, t, z, p, z + N, vy, vp, dz);
    for (int i = 0; i < N; ++i) dz[N + i] = -vy[i];
    for (int q = 0; q < P; ++q) dz[2 * N + q] = -vp[q];
  }
};

// The backward segments observe nothing.
struct IgnoreSteps {
  template <int M>
  KOKKOS_INLINE_FUNCTION void begin(double, const double (&)[M]) const {}
  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant&) const {}
};

// The gradient of trajectory `traj`'s loss into gy [N] and gp [P], from the
// forward solve's states at the save times, ys(traj, j, i), and its final
// state y1. Returns the backward solve's status (counts: its steps, all
// segments together).
template <class Tableau, class Model, int N, int P, class MemorySpace, class StatesView>
KOKKOS_INLINE_FUNCTION Status backsolve_trajectory(
    const Model& model, const double* p, double t0, double t1, const double (&y1)[N],
    const Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>& ts, const StatesView& ys,
    const TrajectoryLoss<N, MemorySpace>& loss, int traj, const StepSizeControl& control,
    double (&gy)[N], double* gp, StepCounts& counts) {
  static_assert(!has_weights<Model>::value,
                "backsolve: models with shared weights are not supported (their adjoint ODE would "
                "carry the whole weight block); use the discrete adjoint");
  constexpr int Z = 2 * N + P;
  const AugmentedAdjointSystem<Model, N, P> system{model};
  const int n_save = static_cast<int>(ts.extent(0));
  double z[Z];
  for (int i = 0; i < N; ++i) z[i] = y1[i];
  for (int i = N; i < Z; ++i) z[i] = 0.0;
  counts = StepCounts{};
  IgnoreSteps ignore;
  double t = t1;
  for (int j = n_save - 1; j >= -1; --j) {
    const double next = j >= 0 ? ts(j) : t0;
    if (next != t) {
      StepCounts c;
      const Status s = integrate_trajectory<Tableau>(system, p, t, next, z, control, ignore, c);
      counts.num_steps += c.num_steps;
      counts.num_accepted += c.num_accepted;
      counts.num_rejected += c.num_rejected;
      if (s != Status::success) return s;
      t = next;
    }
    if (j < 0) break;
    // Re-anchor y at the stored forward state; the loss term of t_j.
    double y[N], g[N];
    for (int i = 0; i < N; ++i) y[i] = z[i] = ys(traj, j, i);
    loss.cotangent(traj, j, n_save, y, g);
    for (int i = 0; i < N; ++i) z[N + i] += g[i];
  }
  for (int i = 0; i < N; ++i) gy[i] = z[N + i];
  for (int q = 0; q < P; ++q) gp[q] = z[2 * N + q];
  return Status::success;
}

}  // namespace kode
