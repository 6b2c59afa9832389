// The Box-Muller transcendental functions of box_muller.hpp: accuracy against
// long double (x87, 64-bit mantissa) references over 10^6 uniforms of the
// kind the Brownian tree draws plus the reduction boundaries, and packs of
// SIMD lanes that give the double version's bits.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>

#include "kode/kernels/box_muller.hpp"

namespace {

constexpr int kSamples = 1000000;

// |x - ref| in units of the spacing of doubles at ref.
double ulps(double x, long double ref) {
  const double r = static_cast<double>(ref);
  const double spacing = std::nextafter(std::fabs(r), INFINITY) - std::fabs(r);
  return static_cast<double>(std::fabs(static_cast<long double>(x) - ref)) / spacing;
}

double uniform(int i) {
  return kode::open_unit_interval(kode::philox_draw(11, i, 0).a);
}

}  // namespace

TEST_CASE("Box-Muller log: within one ulp of log on (0, 1)", "[box_muller]") {
  double worst = 0.0;
  auto check = [&](double u) {
    const double e = ulps(kode::log_open_unit(u), std::log(static_cast<long double>(u)));
    worst = std::fmax(worst, e);
  };
  for (int i = 0; i < kSamples; ++i) check(uniform(i));
  // The ends of open_unit_interval's range, around the reduction's switch at
  // sqrt(2)/2 (and sqrt(2)/2^k), and near 1 where log u ~ u - 1.
  const double ends[] = {0x1p-53,
                         3 * 0x1p-53,
                         1.0 - 0x1p-53,
                         1.0 - 3 * 0x1p-53,
                         0.5,
                         0.25,
                         0.70710678118654746,
                         0.70710678118654757,
                         0.35355339059327373,
                         0.35355339059327379,
                         0.99,
                         0.999999};
  for (double u : ends) check(u);
  INFO("worst error: " << worst << " ulp");
  CHECK(worst < 1.0);
}

TEST_CASE("Box-Muller sincos: sin and cos of 2 pi u within 2^-52 (one ulp of 1) absolute",
          "[box_muller]") {
  const long double two_pi = 6.283185307179586476925286766559L;
  double worst = 0.0;
  auto check = [&](double u) {
    double s, c;
    kode::sincos_two_pi(u, s, c);
    const long double a = two_pi * u;
    worst = std::fmax(worst, static_cast<double>(std::fabs(s - std::sin(a))));
    worst = std::fmax(worst, static_cast<double>(std::fabs(c - std::cos(a))));
    // The quadrants put the right sign on each.
    CHECK(std::signbit(s) == std::signbit(static_cast<double>(std::sin(a))));
  };
  for (int i = 0; i < kSamples; ++i) check(uniform(i));
  // Quarter turns, the reduction's rounding switches at odd eighths, and the
  // ends.
  const double points[] = {
      0.25,    0.5,          0.75, 0.125, 0.375, 0.625, 0.875, 0.125 + 0x1p-53, 0.875 - 0x1p-53,
      0x1p-53, 1.0 - 0x1p-53};
  for (double u : points) check(u);
  INFO("worst absolute error: " << worst);
  CHECK(worst <= 0x1p-52);
}

namespace {

template <int W>
void check_philox_pack_matches_scalar() {
  // Keys and counters with all 64 bits in use.
  std::uint64_t lo[W], hi[W];
  for (int trial = 0; trial < 2000; ++trial) {
    std::uint64_t key[W];
    for (int l = 0; l < W; ++l) {
      key[l] = kode::philox_draw(99, trial * W + l, l % 3 == 2 ? 1 : 0).a;
      const kode::PhiloxOutput c = kode::philox_draw(98, trial * W + l, 0);
      lo[l] = c.a;
      hi[l] = l % 2 ? c.b : static_cast<std::uint64_t>(l);  // small ones too
    }
    for (int n = 0; n <= W; ++n) {
      kode::PhiloxOutput out[W];
      kode::philox_draws(key, lo, hi, n, out);
      for (int l = 0; l < n; ++l) {
        const kode::PhiloxOutput one = kode::philox_draw(key[l], lo[l], hi[l]);
        REQUIRE(out[l].a == one.a);
        REQUIRE(out[l].b == one.b);
      }
    }
  }
}

#if KODE_HAVE_LANES
template <int W>
void check_pack_matches_scalar() {
  kode::PhiloxOutput bits[W];
  for (int trial = 0; trial < 2000; ++trial) {
    for (int l = 0; l < W; ++l) bits[l] = kode::philox_draw(5, trial * W + l, 1);
    for (int n = 0; n <= W; ++n) {
      kode::NormalPair z[W];
      kode::standard_normal_pairs(bits, n, z);
      for (int l = 0; l < n; ++l) {
        const kode::NormalPair one = kode::standard_normal_pair(bits[l]);
        REQUIRE(z[l].z1 == one.z1);
        REQUIRE(z[l].z2 == one.z2);
      }
    }
  }
}
#endif

}  // namespace

TEST_CASE("Box-Muller: a pack of lanes gives each draw the double version's bits",
          "[box_muller][lanes]") {
#if KODE_HAVE_LANES
  check_pack_matches_scalar<2>();
  check_pack_matches_scalar<4>();
  check_pack_matches_scalar<8>();
  check_pack_matches_scalar<KODE_SIMD_LANES>();
#else
  SKIP("this build has no SIMD lanes");
#endif
}

TEST_CASE("Philox: W counters at once give Random123's philox4x32-10 bits, one by one",
          "[box_muller][lanes]") {
  check_philox_pack_matches_scalar<1>();
  check_philox_pack_matches_scalar<2>();
  check_philox_pack_matches_scalar<4>();
  check_philox_pack_matches_scalar<8>();
}

TEST_CASE("Box-Muller: the pairs are standard normal and uncorrelated", "[box_muller]") {
  // Sample moments over 10^6 pairs; bounds are 5 standard errors (the
  // variance of z^2 is 2, of z1 z2 is 1).
  double m1 = 0.0, m2 = 0.0, s1 = 0.0, s2 = 0.0, c = 0.0;
  for (int i = 0; i < kSamples; ++i) {
    const kode::NormalPair z = kode::standard_normal_pair(kode::philox_draw(21, i, 0));
    m1 += z.z1;
    m2 += z.z2;
    s1 += z.z1 * z.z1;
    s2 += z.z2 * z.z2;
    c += z.z1 * z.z2;
  }
  const double n = kSamples, se = 1.0 / std::sqrt(n);
  CHECK(std::fabs(m1 / n) < 5 * se);
  CHECK(std::fabs(m2 / n) < 5 * se);
  CHECK(std::fabs(s1 / n - 1.0) < 5 * std::sqrt(2.0) * se);
  CHECK(std::fabs(s2 / n - 1.0) < 5 * std::sqrt(2.0) * se);
  CHECK(std::fabs(c / n) < 5 * se);
}
