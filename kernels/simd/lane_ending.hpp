// The lanes whose trajectory ended in an attempted step of a lane time loop
// (simd/integrate_lanes.hpp for ODEs, simd/integrate_sde_lanes.hpp for
// SDEs): each one's status, in the one-trajectory steppers' order of tests
// (non-finite, then t1 reached, then dt below dtmin, then max_steps), and its
// step counts, read from the integer lanes of the loop's count vectors.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_counts.hpp"

namespace kode {

// Calls finish(lane, status, counts) for every lane in `ended`.
template <int W, class Finish>
KOKKOS_INLINE_FUNCTION void for_each_ended_lane(
    const LaneMask<W>& ended, const LaneMask<W>& nonfinite, const LaneMask<W>& reached_t1,
    const LaneMask<W>& too_small, const LaneMask<W>& steps, const LaneMask<W>& accepted,
    const LaneMask<W>& rejected, Finish&& finish) {
  for (int l = 0; l < W; ++l) {
    if (!ended[l]) continue;
    const Status end = nonfinite[l]    ? Status::nonfinite
                       : reached_t1[l] ? Status::success
                       : too_small[l]  ? Status::dt_min_reached
                                       : Status::max_steps_reached;
    finish(l, end,
           StepCounts{static_cast<int>(steps[l]), static_cast<int>(accepted[l]),
                      static_cast<int>(rejected[l])});
  }
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
