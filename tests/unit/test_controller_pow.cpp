// controller_pow (kernels/controller_pow.hpp): x^e for the step-size
// controller. Its accuracy against libm's pow over the controller's whole
// range (subnormal to huge mean squares, the exponents PID settings give),
// its special values, and the property it exists for: the pack version gives
// each lane the scalar version's bits.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kode/kernels/controller_pow.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();

std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

// x from the smallest subnormal to 1e300, log-spaced with an irregular
// mantissa, plus powers of two and values next to sqrt(2) and 1.
std::vector<double> sample_bases() {
  std::vector<double> xs = {std::numeric_limits<double>::denorm_min(),
                            1e-310,
                            2.2250738585072014e-308,
                            0.5,
                            1.0,
                            2.0,
                            std::nextafter(1.0, 0.0),
                            std::nextafter(1.0, 2.0),
                            1.4142135623730951,
                            std::nextafter(1.4142135623730951, 2.0),
                            std::nextafter(1.4142135623730951, 0.0),
                            1e300};
  for (int i = 0; i <= 20000; ++i)
    xs.push_back(std::pow(10.0, -320.0 + 620.0 * i / 20000.0) * (1.0 + 0.37 * std::sin(i)));
  return xs;
}

const double exponents[] = {-0.5 / 5.0, -0.5 / 4.0, -0.5 / 3.0, -0.5 / 2.0, -0.5,      -0.1,
                            0.2,        -0.35,      0.15,       -0.7 / 5.0, 1.0 / 3.0, 2.0};

}  // namespace

TEST_CASE("controller_pow is within (|e ln x| + 8) eps of pow", "[controller][pow]") {
  double worst = 0.0;
  for (double e : exponents) {
    for (double x : sample_bases()) {
      const double exact = std::pow(x, e);
      const double y = std::fabs(e * std::log(x));
      if (y > 700.0) continue;  // outside the clamp (tested below)
      const double got = kode::controller_pow(x, e);
      const double rel = std::fabs(got - exact) / exact;
      const double bound = (y + 8.0) * eps;
      INFO("x = " << x << ", e = " << e << ": " << got << " vs pow " << exact << ", relative "
                  << rel << " > " << bound);
      REQUIRE(rel <= bound);
      worst = std::max(worst, rel / ((y + 8.0) * eps));
    }
  }
  INFO("worst error as a fraction of the bound: " << worst);
  CHECK(worst > 0.0);  // the comparison ran on values that differ somewhere
}

TEST_CASE("controller_pow's special values", "[controller][pow]") {
  REQUIRE(kode::controller_pow(0.0, -0.1) == std::numeric_limits<double>::infinity());
  REQUIRE(kode::controller_pow(0.0, 0.2) == 0.0);
  REQUIRE(kode::controller_pow(0.0, 0.0) == 1.0);
  REQUIRE(kode::controller_pow(1.0, -0.1) == 1.0);
  REQUIRE(kode::controller_pow(5.0, 0.0) == 1.0);
  // |e ln x| beyond 708 is clamped: finite, no overflow, no zero.
  const double big = kode::controller_pow(1e-300, -3.0);
  REQUIRE(std::isfinite(big));
  REQUIRE(big == kode::controller_pow(1e-290, -3.0));
  REQUIRE(kode::controller_pow(1e300, -3.0) > 0.0);
}

TEST_CASE("pid_adapt: the I controller's factor, clamped, and the PID history",
          "[controller][pid]") {
  kode::StepSizeControl c;  // Diffrax's defaults: I controller, safety 0.9, factors [0.2, 10]
  const auto pid = kode::pid_coefficients(c, 5);
  kode::PidHistory h;
  auto d = kode::pid_adapt(c, pid, 0.25, h);
  REQUIRE(d.accept);
  REQUIRE(std::fabs(d.factor - 0.9 * std::pow(0.25, -0.1)) < 4 * eps);
  d = kode::pid_adapt(c, pid, 4.0, h);
  REQUIRE(!d.accept);
  REQUIRE(std::fabs(d.factor - 0.9 * std::pow(4.0, -0.1)) < 4 * eps);
  REQUIRE(kode::pid_adapt(c, pid, 1e-30, h).factor == 10.0);  // factormax
  REQUIRE(kode::pid_adapt(c, pid, 0.0, h).factor == 10.0);    // error exactly 0
  REQUIRE(kode::pid_adapt(c, pid, 1e30, h).factor == 0.2);    // factormin
  // A PID controller keeps the inverse errors of accepted steps only.
  c.pcoeff = 0.4;
  c.icoeff = 0.3;
  const auto pid2 = kode::pid_coefficients(c, 5);
  kode::PidHistory g;
  kode::pid_adapt(c, pid2, 0.25, g);
  REQUIRE(g.prev_inv_scaled_error == 2.0);
  REQUIRE(g.prev_prev_inv_scaled_error == 1.0);
  kode::pid_adapt(c, pid2, 9.0, g);  // rejected: history unchanged
  REQUIRE(g.prev_inv_scaled_error == 2.0);
  kode::pid_adapt(c, pid2, 0.0, g);  // accepted with zero error: reset to 1
  REQUIRE(g.prev_inv_scaled_error == 1.0);
  REQUIRE(g.prev_prev_inv_scaled_error == 2.0);
}

#if KODE_HAVE_LANES
TEST_CASE("controller_pow on a pack gives each lane the scalar bits", "[controller][pow][simd]") {
  const auto xs = sample_bases();
  for (double e : exponents) {
    for (size_t i = 0; i + 8 <= xs.size(); i += 8) {
      kode::LanePack<8> x;
      for (int l = 0; l < 8; ++l) x.set(l, l == 3 ? 0.0 : xs[i + l]);  // a zero lane too
      const kode::LanePack<8> y = kode::controller_pow(x, e);
      for (int l = 0; l < 8; ++l) {
        INFO("x = " << x[l] << ", e = " << e);
        REQUIRE(bits(y[l]) == bits(kode::controller_pow(x[l], e)));
      }
    }
  }
}
#endif
