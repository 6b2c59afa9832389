// lane_map: a scalar function applied to each lane of a pack, so that code
// templated on its number type (the MLP's activations, kernels/neural/mlp.hpp)
// runs on W trajectories at once with each lane's bits exactly the scalar
// function's for that trajectory.
//
// Why lane by lane: the transcendental functions (exp, log, tanh) come from
// the C library, and a vector version of them (libmvec, SLEEF) rounds
// differently, so lanes would no longer reproduce the one-trajectory
// kernel bit for bit. The arithmetic around them (the linear layers) stays in
// pack operations; only these calls go one lane at a time.
//
// LanePack<W> lanes are doubles; LaneDual<K, W> lanes are DualN<K> numbers
// (lane_dual.hpp), for forward sensitivities in lanes. Host only, as
// lane_pack.hpp.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/dual.hpp"
#include "kode/kernels/simd/lane_dual.hpp"

namespace kode {

// Lane l of the result is f(lane l of x); f takes and returns a double.
// Built in registers (lane_generate), not lane by lane through memory.
template <int W, class F>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_map(const LanePack<W>& x, const F& f) {
  return lane_generate<W>([&](int l) { return f(x[l]); });
}

// The same for dual numbers: f takes and returns a DualN<K>, and lane l of
// the result is f(lane l of x), value and tangents.
template <int K, int W, class F>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> lane_map(const LaneDual<K, W>& x, const F& f) {
  LaneDual<K, W> r(0.0);
  for (int l = 0; l < W; ++l) lane_set(r, l, f(lane_get(x, l)));
  return r;
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
