// The forward-sensitivity SaveAt (sensitivity/forward_save_observer.hpp) for
// W trajectories in the lanes of a pack (simd/integrate_lanes.hpp with
// DualN<K> trajectories): each lane stores its values and K tangents at its
// save times. The save times of all lanes are interpolated at once in
// LaneSaveCursor's rounds (lane_save_cursor.hpp), as for a solve, so every
// value and tangent is the one-trajectory observer's, bit for bit.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/sensitivity/forward_save_observer.hpp"
#include "kode/kernels/simd/lane_dual.hpp"
#include "kode/kernels/simd/lane_save_cursor.hpp"

namespace kode {

template <int N, int K, class MemorySpace, int W>
struct LaneForwardSaveObserver {
  using Scalar = DualN<K>;
  using Scalar1 = ForwardSaveObserver<N, K, MemorySpace>;
  const ForwardSaveViews<N, K, MemorySpace>& v;
  double direction;
  int traj[W] = {};
  LaneSaveCursor<W, MemorySpace> cursor{v.ts, direction};

  KOKKOS_INLINE_FUNCTION void start(int lane, int trajectory) {
    traj[lane] = trajectory;
    cursor.set(lane, 0);
  }
  KOKKOS_INLINE_FUNCTION void begin(int lane, double t0, const Scalar (&y0)[N]) {
    Scalar1 o = scalar(lane);
    o.begin(t0, y0);
    cursor.set(lane, o.next_save);
  }
  // Save times the lane's trajectory never reached: NaN.
  KOKKOS_INLINE_FUNCTION void finish(int lane) {
    Scalar1 o = scalar(lane);
    o.finish();
  }

  template <class Mask, class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const Interpolant& s) {
    cursor.visit_rounds(stepped, s, [&](int l, int j, const LaneDual<K, W>* from) {
      for (int i = 0; i < N; ++i) {
        v.ys(traj[l], j, i) = from[i].v[l];
        for (int k = 0; k < K; ++k) v.dys(traj[l], j, i, k) = from[i].d[k][l];
      }
    });
  }

 private:
  KOKKOS_INLINE_FUNCTION Scalar1 scalar(int lane) const {
    return Scalar1{v, traj[lane], direction, cursor.index(lane)};
  }
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
