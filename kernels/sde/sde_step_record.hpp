// One accepted SDE step as the save observers see it.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

// What SaveObserver::step needs of an SDE step: its ends (the linear
// evaluate() is never used, because steps stop at save times). Time and T are
// LanePacks for the steps of W trajectories in SIMD lanes
// (simd/integrate_sde_lanes.hpp).
template <int N, class T = double, class Time = double>
struct SdeStepRecord {
  static constexpr int n_states = N;
  using value_type = T;
  Time t0, dt;
  const T (&y0)[N];
  const T (&y1)[N];
  KOKKOS_INLINE_FUNCTION void evaluate(Time theta, T (&y)[N]) const {
    for (int i = 0; i < N; ++i) y[i] = y0[i] + theta * (y1[i] - y0[i]);
  }
};

}  // namespace kode
