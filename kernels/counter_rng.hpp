// Counter-based random numbers for kernels: Philox4x32-10 (J. K. Salmon,
// M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers: as easy as
// 1, 2, 3", SC'11) from Random123. A draw is a pure function of (key,
// counter), so any value can be recomputed alone, in any order, on any
// rank or device, with no generator state to carry.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

namespace kode {

struct PhiloxOutput {
  std::uint64_t a, b;  // 128 random bits
};

KOKKOS_INLINE_FUNCTION PhiloxOutput philox_draw(std::uint64_t key, std::uint64_t counter_lo,
                                                std::uint64_t counter_hi) {
  philox4x32_ctr_t c = {
      {static_cast<std::uint32_t>(counter_lo), static_cast<std::uint32_t>(counter_lo >> 32),
       static_cast<std::uint32_t>(counter_hi), static_cast<std::uint32_t>(counter_hi >> 32)}};
  philox4x32_key_t k = {{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)}};
  const philox4x32_ctr_t r = philox4x32_R(10, c, k);
  return PhiloxOutput{(static_cast<std::uint64_t>(r.v[1]) << 32) | r.v[0],
                      (static_cast<std::uint64_t>(r.v[3]) << 32) | r.v[2]};
}

// The draws for n <= W (key, counter) pairs at once: out[i] equals
// philox_draw(key[i], lo[i], hi[i]) bit for bit. Where the build has SIMD
// lanes the W counters run through the ten rounds together, each 32-bit word
// in a 64-bit lane so that its 32 x 32 -> 64-bit products are vector
// multiplies (Salmon et al.'s Philox4x32 round: two such products, XORs with
// the key and the other words; the key bumped by the Weyl constants between
// rounds). The keys differ per lane: W trajectories' Brownian paths
// (simd/brownian_lanes.hpp).
template <int W>
KOKKOS_INLINE_FUNCTION void philox_draws(const std::uint64_t (&key)[W],
                                         const std::uint64_t (&lo)[W], const std::uint64_t (&hi)[W],
                                         int n, PhiloxOutput (&out)[W]) {
#if KODE_HAVE_LANES
  if constexpr (W >= 2) {
    using Bits = LaneBits<W>;
    constexpr std::uint64_t low32 = 0xffffffffULL;
    Bits c0, c1, c2, c3, k0, k1;
    for (int l = 0; l < W; ++l) {
      const std::uint64_t a = l < n ? lo[l] : 0, b = l < n ? hi[l] : 0, k = l < n ? key[l] : 0;
      c0[l] = a & low32;
      c1[l] = a >> 32;
      c2[l] = b & low32;
      c3[l] = b >> 32;
      k0[l] = k & low32;
      k1[l] = k >> 32;
    }
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        // The 32-bit key words wrap as Random123's uint32 additions do.
        k0 = (k0 + 0x9E3779B9ULL) & low32;
        k1 = (k1 + 0xBB67AE85ULL) & low32;
      }
      const Bits p0 = c0 * 0xD2511F53ULL, p1 = c2 * 0xCD9E8D57ULL;
      const Bits next0 = (p1 >> 32) ^ c1 ^ k0, next2 = (p0 >> 32) ^ c3 ^ k1;
      c1 = p1 & low32;
      c3 = p0 & low32;
      c0 = next0;
      c2 = next2;
    }
    for (int l = 0; l < n; ++l) out[l] = PhiloxOutput{(c1[l] << 32) | c0[l], (c3[l] << 32) | c2[l]};
    return;
  }
#endif
  for (int l = 0; l < n; ++l) out[l] = philox_draw(key[l], lo[l], hi[l]);
}

// 64 random bits to a double strictly inside (0, 1): the top 52 bits k give
// (k + 1/2) 2^-52, exact in a double, so 0 and 1 never occur and log(u) is
// always finite. (With 53 bits, k + 1/2 would round and could give exactly 1.)
KOKKOS_INLINE_FUNCTION double open_unit_interval(std::uint64_t bits) {
  return (static_cast<double>(bits >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

// One standard normal from 128 random bits by the Box-Muller transform
// (G. E. P. Box, M. E. Muller, Ann. Math. Statist. 29 (1958) 610-611), with
// libm's log and cos: the observation noise draws one per recorded value,
// where this is not the cost. The Brownian tree's pairs, which are, come from
// box_muller.hpp.
KOKKOS_INLINE_FUNCTION double standard_normal(PhiloxOutput bits) {
  const double u1 = open_unit_interval(bits.a), u2 = open_unit_interval(bits.b);
  return math::sqrt(-2.0 * math::log(u1)) * math::cos(6.283185307179586 * u2);
}

}  // namespace kode
