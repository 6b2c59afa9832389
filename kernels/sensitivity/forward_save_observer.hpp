// kernels/sensitivity/: derivatives of solved trajectories. Forward mode
// carries K tangents per state component (dual.hpp's DualN<K>) through the
// same steps as the solve: the parameters' and initial states' derivatives
// on the frozen accepted-step mesh (see integrate_trajectory.hpp).
//
// This observer is the forward-mode SaveAt: at the save times `ts` it stores
// each state's value (the solve's, bit for bit) and its K tangents, with the
// step's own interpolant between step ends, exactly where and how
// save_observer.hpp stores the plain solve's values. Arrays are
// trajectory-fastest (LayoutLeft).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/save_times.hpp"

namespace kode {

template <int N, int K, class MemorySpace>
struct ForwardSaveViews {
  Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace> ts;  // [n_save]
  Kokkos::View<double***, Kokkos::LayoutLeft, MemorySpace> ys;      // [n_traj, n_save, N]
  Kokkos::View<double****, Kokkos::LayoutLeft, MemorySpace> dys;    // [n_traj, n_save, N, K]
};

template <int N, int K, class MemorySpace>
struct ForwardSaveObserver {
  using Scalar = DualN<K>;
  const ForwardSaveViews<N, K, MemorySpace>& v;
  int traj;
  double direction;
  int next_save = 0;

  KOKKOS_INLINE_FUNCTION int n_save() const { return static_cast<int>(v.ts.extent(0)); }

  KOKKOS_INLINE_FUNCTION void store(int j, const Scalar (&y)[N]) const {
    for (int i = 0; i < N; ++i) {
      v.ys(traj, j, i) = y[i].v;
      for (int k = 0; k < K; ++k) v.dys(traj, j, i, k) = tangent(y[i], k);
    }
  }

  KOKKOS_INLINE_FUNCTION void begin(double t0, const Scalar (&y0)[N]) {
    while (next_save < n_save() && v.ts(next_save) == t0) store(next_save++, y0);
  }

  KOKKOS_INLINE_FUNCTION bool pending_save_time(double& t) const {
    if (next_save >= n_save()) return false;
    t = v.ts(next_save);
    return true;
  }

  // Save times a trajectory never reached (it stopped early): NaN.
  KOKKOS_INLINE_FUNCTION void finish() {
    const double nan = math::quiet_nan();
    for (int j = next_save; j < n_save(); ++j)
      for (int i = 0; i < N; ++i) {
        v.ys(traj, j, i) = nan;
        for (int k = 0; k < K; ++k) v.dys(traj, j, i, k) = nan;
      }
  }

  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant& s) {
    visit_save_times_in_step<Scalar, N>(v.ts, n_save(), next_save, direction, s,
                                        [&](int j, const Scalar(&y)[N]) { store(j, y); });
  }
};

}  // namespace kode
