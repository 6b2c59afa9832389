// Counter-based random numbers for kernels: Philox4x32-10 (J. K. Salmon,
// M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers: as easy as
// 1, 2, 3", SC'11) from Random123. A draw is a pure function of (key,
// counter), so any value can be recomputed alone, in any order, on any
// rank or device, with no generator state to carry.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

#include "kode/kernels/compat.hpp"

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

// 64 random bits to a double strictly inside (0, 1): the top 52 bits k give
// (k + 1/2) 2^-52, exact in a double, so 0 and 1 never occur and log(u) is
// always finite. (With 53 bits, k + 1/2 would round and could give exactly 1.)
KOKKOS_INLINE_FUNCTION double open_unit_interval(std::uint64_t bits) {
  return (static_cast<double>(bits >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

// One standard normal from 128 random bits by the Box-Muller transform
// (G. E. P. Box, M. E. Muller, Ann. Math. Statist. 29 (1958) 610-611).
KOKKOS_INLINE_FUNCTION double standard_normal(PhiloxOutput bits) {
  const double u1 = open_unit_interval(bits.a), u2 = open_unit_interval(bits.b);
  return math::sqrt(-2.0 * math::log(u1)) * math::cos(6.283185307179586 * u2);
}

// Both standard normals of one Box-Muller pair (cosine and sine branch),
// independent of each other: two normals for the price of one Philox draw.
struct NormalPair {
  double z1, z2;
};
KOKKOS_INLINE_FUNCTION NormalPair standard_normal_pair(PhiloxOutput bits) {
  const double u1 = open_unit_interval(bits.a), u2 = open_unit_interval(bits.b);
  const double r = math::sqrt(-2.0 * math::log(u1)), phi = 6.283185307179586 * u2;
  return NormalPair{r * math::cos(phi), r * math::sin(phi)};
}

}  // namespace kode
