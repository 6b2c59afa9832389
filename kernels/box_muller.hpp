// Standard normal pairs by the Box-Muller transform (G. E. P. Box,
// M. E. Muller, Ann. Math. Statist. 29 (1958) 610-611),
//   z1 = sqrt(-2 log u1) cos(2 pi u2),   z2 = sqrt(-2 log u1) sin(2 pi u2),
// with log and sin/cos written here as polynomials over plain IEEE arithmetic,
// once for a double and for a SIMD pack of doubles (simd/lane_pack.hpp).
//
// Why not libm: an SDE step's time goes into drawing the Brownian tree's
// normals (docs/benchmarks.md, "SDE"), and the SDE lanes kernel draws those
// of W trajectories at once (simd/brownian_lanes.hpp). libm's log and sincos
// are scalar calls; written as element-wise arithmetic the same function runs
// on a pack of W draws, and every lane gives exactly the bits the double
// version gives (no operation depends on the lane count), so a path does not
// depend on how its draws were grouped.
//
// The approximations are fdlibm's (Sun Microsystems, 1993; as in FreeBSD's
// msun e_log.c, k_sin.c, k_cos.c): within one ulp on the reduced arguments,
// checked against long double references in tests/unit/test_box_muller.cpp.
// Both arguments lie in (0, 1) (open_unit_interval), which makes the
// reductions exact and short:
//  - log u = k ln 2 + log m with u = 2^k m, m in [sqrt(2)/2, sqrt(2));
//  - 2 pi u = q pi/2 + 2 pi r with q = round(4u) and r = u - q/4 in
//    [-1/8, 1/8] exactly (u is a multiple of 2^-53), so |2 pi r| <= pi/4.
#pragma once

#include <cstdint>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/counter_rng.hpp"
#include "kode/kernels/lane_ops.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

namespace kode {

namespace box_muller_detail {

// log(m) = f - (f^2/2 - s (f^2/2 + R(s^2))), s = f / (2 + f), f = m - 1:
// fdlibm's Remez polynomial R for log((1 + s)/(1 - s)) = 2s + 2s^3/3 + ...
constexpr double kLg1 = 6.666666666666735130e-01, kLg2 = 3.999999999940941908e-01,
                 kLg3 = 2.857142874366239149e-01, kLg4 = 2.222219843214978396e-01,
                 kLg5 = 1.818357216161805012e-01, kLg6 = 1.531383769920937332e-01,
                 kLg7 = 1.479819860511658591e-01;
// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 32 significant bits, so k * kLn2Hi is
// exact for every exponent k.
constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
// sin x = x + x^3 (S1 + x^2 (S2 + ...)) and
// cos x = 1 - x^2/2 + x^4 (C1 + x^2 (C2 + ...)) on [-pi/4, pi/4].
constexpr double kS1 = -1.66666666666666324348e-01, kS2 = 8.33333333332248946124e-03,
                 kS3 = -1.98412698298579493134e-04, kS4 = 2.75573137070700676789e-06,
                 kS5 = -2.50507602534068634195e-08, kS6 = 1.58969099521155010221e-10;
constexpr double kC1 = 4.16666666666666019037e-02, kC2 = -1.38888888888741095749e-03,
                 kC3 = 2.48015872894767294178e-05, kC4 = -2.75573143513906633035e-07,
                 kC5 = 2.08757232129817482790e-09, kC6 = -1.13596475577881948265e-11;
constexpr double kTwoPi = 6.283185307179586477;
constexpr double kSqrt2 = 1.41421356237309504880;
// 2^52 + 2^51: adding it to x in [0, 2^51) rounds x to the nearest integer,
// which then sits in the low mantissa bits.
constexpr double kRoundingShift = 6755399441055744.0;
// A double with exponent field E and mantissa bits B has the bits (E << 52) | B.
constexpr std::uint64_t kMantissaBits = 0x000fffffffffffffULL;
constexpr std::uint64_t kExponentOfOne = 0x3ff0000000000000ULL;
// 2^52 as a bit pattern: OR-ing an integer E < 2^52 into its mantissa gives
// the double 2^52 + E.
constexpr std::uint64_t kTwoTo52Bits = 0x4330000000000000ULL;
constexpr double kTwoTo52 = 4503599627370496.0;

}  // namespace box_muller_detail

// log(u) for 0 < u < 1 (u normal). V: double or LanePack<W>.
template <class V>
KOKKOS_FORCEINLINE_FUNCTION V log_open_unit(const V& u) {
  using namespace box_muller_detail;
  const auto bits = lane_bits(u);
  // u = 2^(E - 1023) m, m in [1, 2); then m in [sqrt(2)/2, sqrt(2)).
  V m = lane_from_bits((bits & kMantissaBits) | kExponentOfOne);
  V k = lane_from_bits((bits >> 52) | kTwoTo52Bits) - (kTwoTo52 + 1023.0);
  const auto above = m > kSqrt2;
  m = lane_select(above, 0.5 * m, m);
  k = lane_select(above, k + 1.0, k);
  const V f = m - 1.0;
  const V s = f / (2.0 + f);
  const V z = s * s, w = z * z;
  const V r = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7))) + w * (kLg2 + w * (kLg4 + w * kLg6));
  const V half_f2 = 0.5 * f * f;
  return k * kLn2Hi - ((half_f2 - (s * (half_f2 + r) + k * kLn2Lo)) - f);
}

// sin(2 pi u) and cos(2 pi u) for 0 < u < 1.
template <class V>
KOKKOS_FORCEINLINE_FUNCTION void sincos_two_pi(const V& u, V& sine, V& cosine) {
  using namespace box_muller_detail;
  const V q = (4.0 * u + kRoundingShift) - kRoundingShift;  // round(4u), in 0..4
  const V x = kTwoPi * (u - 0.25 * q);                      // in [-pi/4, pi/4]
  const V z = x * x;
  const V sin_x = x + z * x * (kS1 + z * (kS2 + z * (kS3 + z * (kS4 + z * (kS5 + z * kS6)))));
  const V r = z * (kC1 + z * (kC2 + z * (kC3 + z * (kC4 + z * (kC5 + z * kC6)))));
  const V half_z = 0.5 * z, one_minus = 1.0 - half_z;
  const V cos_x = one_minus + (((1.0 - one_minus) - half_z) + z * r);
  // 2 pi u = q pi/2 + x: quarter turns q = 1, 2, 3 rotate (cos x, sin x).
  const auto odd = (q == 1.0) | (q == 3.0);
  const auto sine_negative = (q == 2.0) | (q == 3.0);
  const auto cosine_negative = (q == 1.0) | (q == 2.0);
  const V s = lane_select(odd, cos_x, sin_x), c = lane_select(odd, sin_x, cos_x);
  sine = lane_select(sine_negative, -s, s);
  cosine = lane_select(cosine_negative, -c, c);
}

// The Box-Muller pair of two uniforms in (0, 1): (r cos phi, r sin phi).
template <class V>
KOKKOS_FORCEINLINE_FUNCTION void box_muller(const V& u1, const V& u2, V& z1, V& z2) {
  const V r = lane_sqrt(-2.0 * log_open_unit(u1));
  V s, c;
  sincos_two_pi(u2, s, c);
  z1 = r * c;
  z2 = r * s;
}

// Both standard normals of one Box-Muller pair (cosine and sine branch),
// independent of each other: two normals for the price of one Philox draw.
struct NormalPair {
  double z1, z2;
};
KOKKOS_INLINE_FUNCTION NormalPair standard_normal_pair(PhiloxOutput bits) {
  NormalPair z;
  box_muller(open_unit_interval(bits.a), open_unit_interval(bits.b), z.z1, z.z2);
  return z;
}

// The pairs of n <= W draws at once, in one pack of W lanes where the build
// has lanes (lanes past n compute on u = 1/2 and are dropped): z[i] equals
// standard_normal_pair(bits[i]) bit for bit.
template <int W>
KOKKOS_INLINE_FUNCTION void standard_normal_pairs(const PhiloxOutput (&bits)[W], int n,
                                                  NormalPair (&z)[W]) {
#if KODE_HAVE_LANES
  if constexpr (W >= 2) {
    const auto uniform = [&](std::uint64_t PhiloxOutput::*half) {
      return lane_generate<W>(
          [&](int l) { return l < n ? open_unit_interval(bits[l].*half) : 0.5; });
    };
    LanePack<W> z1, z2;
    box_muller(uniform(&PhiloxOutput::a), uniform(&PhiloxOutput::b), z1, z2);
    for (int l = 0; l < n; ++l) z[l] = NormalPair{z1[l], z2[l]};
    return;
  }
#endif
  for (int l = 0; l < n; ++l) z[l] = standard_normal_pair(bits[l]);
}

}  // namespace kode
