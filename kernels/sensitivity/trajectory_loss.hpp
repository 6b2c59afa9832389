// The scalar loss of one trajectory and its cotangents, read by the discrete
// adjoint (adjoint_trajectory.hpp): a sum over the save times t_j of
//   kind state:  sum_i w_i y_i(t_j)              (every t_j, or the last only)
//   kind mse:    sum_i (y_i(t_j) - d_ji)^2        (d: data [n_traj, n_save, N];
//                                                  NaN entries are missing
//                                                  observations and skipped)
// with cotangents dL/dy(t_j) = w (state) or 2 (y - d) (mse).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"

namespace kode {

enum class LossKind : int { state = 0, mse = 1 };

template <int N, class MemorySpace>
struct TrajectoryLoss {
  LossKind kind = LossKind::state;
  double weights[N] = {};  // kind state
  bool final_only = true;  // kind state: the last save time only
  Kokkos::View<const double***, Kokkos::LayoutLeft, MemorySpace> data;  // kind mse

  KOKKOS_INLINE_FUNCTION bool counts(int j, int n_save) const {
    return kind == LossKind::mse || !final_only || j == n_save - 1;
  }

  KOKKOS_INLINE_FUNCTION double value(int traj, int j, int n_save, const double (&y)[N]) const {
    double sum = 0.0;
    if (!counts(j, n_save)) return sum;
    for (int i = 0; i < N; ++i) {
      if (kind == LossKind::state) {
        sum += weights[i] * y[i];
      } else {
        const double d = data(traj, j, i);
        if (math::isfinite(d)) sum += (y[i] - d) * (y[i] - d);
      }
    }
    return sum;
  }

  KOKKOS_INLINE_FUNCTION void cotangent(int traj, int j, int n_save, const double (&y)[N],
                                        double (&g)[N]) const {
    for (int i = 0; i < N; ++i) {
      g[i] = 0.0;
      if (!counts(j, n_save)) continue;
      if (kind == LossKind::state) {
        g[i] = weights[i];
      } else {
        const double d = data(traj, j, i);
        if (math::isfinite(d)) g[i] = 2.0 * (y[i] - d);
      }
    }
  }
};

}  // namespace kode
