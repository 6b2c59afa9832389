// x^e for the step-size controller, written once for a double and for a SIMD
// pack of trajectories (simd/lane_pack.hpp) with the same operations in the
// same order, so that a trajectory's step sizes are bit-identical whether it
// runs alone or in a lane of a pack. libm's pow cannot give that (it is one
// scalar call per lane, and a vector libm's pow rounds differently), and it
// was a fifth of the packed kernel's time.
//
// Method (the textbook one, e.g. J.-M. Muller, "Elementary Functions", 3rd
// ed., chapters 11 and 14): x = 2^k m with m in [sqrt(1/2), sqrt(2));
// ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716, by its odd series to
// s^23 (truncation < 1e-18 relative); y = e ln x; exp(y) = 2^n exp(r) with
// n = round(y / ln 2) and r = y - n ln 2 (Cody-Waite: ln 2 split so n ln2_hi
// is exact), exp(r) by its Taylor series to r^13 (|r| <= 0.35, truncation
// < 1e-17); 2^n assembled in the exponent bits.
//
// Accuracy: relative error below (|e ln x| + 8) eps, eps = 2^-52 (the ln x
// rounding is amplified by |y|; tested in tests/unit/test_controller_pow.cpp).
// The controller clamps its factor to [factormin, factormax] and needs far
// less. Domain: finite x >= 0 (subnormal included) and finite e; |e ln x| is
// clamped to 708 (results within [e^-708, e^708], no overflow); x = 0 gives
// +inf, 0 or 1 for e < 0, e > 0, e = 0, as pow does.
#pragma once

#include <cstdint>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/lane_ops.hpp"
#include "kode/kernels/simd/lane_pack.hpp"  // its overloads must precede the template

namespace kode {

template <class V>
KOKKOS_FORCEINLINE_FUNCTION V controller_pow(const V& x, double e) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 32 significant bits
  constexpr double ln2_lo = 1.90821492927058770002e-10;  // ln 2 - ln2_hi
  constexpr double inv_ln2 = 1.44269504088896338700e+00;
  constexpr double two54 = 18014398509481984.0;   // 2^54: scales subnormals up
  constexpr double two52 = 4503599627370496.0;    // 2^52
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer
  constexpr double min_normal = 2.2250738585072014e-308;
  constexpr std::uint64_t mantissa = 0x000fffffffffffffULL;
  constexpr std::uint64_t one_bits = 0x3ff0000000000000ULL;    // 1.0
  constexpr std::uint64_t two52_bits = 0x4330000000000000ULL;  // 2^52

  // x = 2^k m, m in [sqrt(1/2), sqrt(2)).
  const auto tiny = x < min_normal;
  const V xs = lane_select(tiny, V(x * two54), x);
  const auto bits = lane_bits(xs);
  // The biased exponent as a double, exactly: 2^52 + e_biased - 2^52.
  const V biased = lane_from_bits(((bits >> 52) & 0x7ffULL) | two52_bits) - two52;
  V m = lane_from_bits((bits & mantissa) | one_bits);
  const auto high = m > 1.4142135623730951;
  m = lane_select(high, V(m * 0.5), m);
  const V k =
      (biased - 1023.0) + lane_select(high, V(1.0), V(0.0)) - lane_select(tiny, V(54.0), V(0.0));

  // ln m = 2 s (1 + s^2/3 + s^4/5 + ... + s^22/23), by Estrin's scheme: the
  // controller's factor is on the critical path of the next step, and with
  // Horner's rule (a chain of 11 dependent multiply-adds here, 13 in exp
  // below) x^e held ~45% of the samples of the packed W1 time loop (perf,
  // AVX2, 4 lanes); Estrin's chains are 4 long.
  const V s = (m - 1.0) / (m + 1.0);
  const V s2 = s * s;
  const V s4 = s2 * s2;
  const V s8 = s4 * s4;
  const V q01 = s2 * (1.0 / 3.0) + 1.0, q23 = s2 * (1.0 / 7.0) + 1.0 / 5.0;
  const V q45 = s2 * (1.0 / 11.0) + 1.0 / 9.0, q67 = s2 * (1.0 / 15.0) + 1.0 / 13.0;
  const V q89 = s2 * (1.0 / 19.0) + 1.0 / 17.0, q1011 = s2 * (1.0 / 23.0) + 1.0 / 21.0;
  const V q0to3 = s4 * q23 + q01, q4to7 = s4 * q67 + q45, q8to11 = s4 * q1011 + q89;
  const V q = s8 * (s8 * q8to11 + q4to7) + q0to3;
  const V ln_x = k * ln2_hi + (k * ln2_lo + 2.0 * s * q);

  // exp(y), y = e ln x clamped to [-708, 708].
  V y = ln_x * e;
  y = lane_select(y < -708.0, V(-708.0), y);
  y = lane_select(y > 708.0, V(708.0), y);
  const V shifted = y * inv_ln2 + shifter;
  const auto n_bits = lane_bits(shifted);  // low bits: n in two's complement
  const V n = shifted - shifter;
  const V r = (y - n * ln2_hi) - n * ln2_lo;
  // exp(r) = sum r^i / i!, i = 0..13, by Estrin's scheme (as ln m above).
  const V r2 = r * r;
  const V r4 = r2 * r2;
  const V r8 = r4 * r4;
  const V p01 = r + 1.0, p23 = r * (1.0 / 6.0) + 0.5;
  const V p45 = r * (1.0 / 120.0) + 1.0 / 24.0, p67 = r * (1.0 / 5040.0) + 1.0 / 720.0;
  const V p89 = r * (1.0 / 362880.0) + 1.0 / 40320.0;
  const V p1011 = r * (1.0 / 39916800.0) + 1.0 / 3628800.0;
  const V p1213 = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  const V p0to3 = r2 * p23 + p01, p4to7 = r2 * p67 + p45, p8to11 = r2 * p1011 + p89;
  const V p = r8 * (r4 * p1213 + p8to11) + (r4 * p4to7 + p0to3);
  // 2^n: n + 1023 in [1, 2045] placed in the exponent field (the shifter's
  // own bits are 2^51 and above, which the shift by 52 discards).
  const V result = p * lane_from_bits((n_bits + 1023ULL) << 52);

  const double at_zero = e < 0.0 ? __builtin_inf() : (e > 0.0 ? 0.0 : 1.0);
  return lane_select(x == 0.0, V(at_zero), result);
}

}  // namespace kode
