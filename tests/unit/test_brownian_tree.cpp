// The virtual Brownian tree: exact Brownian marginals and independent
// increments (checked statistically over many paths, bounds of 5 standard
// errors computed from the sample size), and a path that is a pure function
// of (seed, trajectory, dimension): bitwise reproducible and independent of
// the order of queries.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "kernels/brownian_tree.hpp"

namespace {

constexpr int kPaths = 20000;
constexpr double kTol = 1e-6;

struct Moments {
  double mean = 0.0, variance = 0.0;
};

template <class F>
Moments sample_moments(F f) {
  std::vector<double> x(kPaths);
  double sum = 0.0;
  for (int i = 0; i < kPaths; ++i) sum += (x[i] = f(i));
  Moments m;
  m.mean = sum / kPaths;
  for (double v : x) m.variance += (v - m.mean) * (v - m.mean);
  m.variance /= kPaths - 1;
  return m;
}

}  // namespace

TEST_CASE("Brownian tree: W(t0) = 0, endpoints, bitwise reproducible, query-order free",
          "[brownian]") {
  const kode::VirtualBrownianTree w(0.0, 1.0, kTol, 42, 7, 0);
  CHECK(w(0.0) == 0.0);
  CHECK(w(1.0) == w(2.0));  // clamped to t1
  const double a = w(0.3), b = w(0.77);
  // Another tree object for the same path, queried in another order.
  const kode::VirtualBrownianTree w2(0.0, 1.0, kTol, 42, 7, 0);
  const double b2 = w2(0.77), c2 = w2(0.123), a2 = w2(0.3);
  CHECK(a2 == a);
  CHECK(b2 == b);
  CHECK(c2 == w(0.123));
  // Other seed, trajectory or dimension: another path.
  CHECK(kode::VirtualBrownianTree(0.0, 1.0, kTol, 43, 7, 0)(0.3) != a);
  CHECK(kode::VirtualBrownianTree(0.0, 1.0, kTol, 42, 8, 0)(0.3) != a);
  CHECK(kode::VirtualBrownianTree(0.0, 1.0, kTol, 42, 7, 1)(0.3) != a);
  // Continuous in t: W moves by O(sqrt(dt)) over dt.
  CHECK(std::fabs(w(0.3 + 1e-10) - a) < 1e-3);
}

TEST_CASE("Brownian tree: W(t) ~ N(0, t - t0) at dyadic and non-dyadic t", "[brownian]") {
  for (double t : {0.5, 0.3, 0.77, 1.0}) {
    const auto m = sample_moments([t](int i) {
      return kode::VirtualBrownianTree(0.0, 1.0, kTol, 2026, static_cast<std::uint64_t>(i), 0)(t);
    });
    INFO("t = " << t << ": mean " << m.mean << ", variance " << m.variance);
    // Standard errors: sqrt(t / N) for the mean, t sqrt(2 / (N - 1)) for
    // the variance of normal samples.
    CHECK(std::fabs(m.mean) < 5.0 * std::sqrt(t / kPaths));
    CHECK(std::fabs(m.variance - t) < 5.0 * t * std::sqrt(2.0 / (kPaths - 1)));
  }
}

TEST_CASE("Brownian tree: increments have variance t - s and disjoint ones are uncorrelated",
          "[brownian]") {
  const double t0 = -1.0, t1 = 2.0;  // any span, not only [0, 1]
  auto tree = [&](int i) {
    return kode::VirtualBrownianTree(t0, t1, kTol, 99, static_cast<std::uint64_t>(i), 3);
  };
  const auto inc = sample_moments([&](int i) { return tree(i).increment(0.21, 0.58); });
  CHECK(std::fabs(inc.variance - 0.37) < 5.0 * 0.37 * std::sqrt(2.0 / (kPaths - 1)));
  // Correlation of W(0.3) - W(-0.5) and W(1.7) - W(0.9).
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (int i = 0; i < kPaths; ++i) {
    const auto w = tree(i);
    const double x = w.increment(-0.5, 0.3), y = w.increment(0.9, 1.7);
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  const double correlation = sxy / std::sqrt(sxx * syy);
  INFO("correlation of disjoint increments " << correlation);
  // Standard error of a sample correlation of independent variables ~ 1/sqrt(N).
  CHECK(std::fabs(correlation) < 5.0 / std::sqrt(static_cast<double>(kPaths)));
  // Different noise dimensions of one trajectory are independent paths.
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (int i = 0; i < kPaths; ++i) {
    const double a = kode::VirtualBrownianTree(t0, t1, kTol, 99, i, 0)(1.0);
    const double b = kode::VirtualBrownianTree(t0, t1, kTol, 99, i, 1)(1.0);
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  CHECK(std::fabs(sab / std::sqrt(saa * sbb)) < 5.0 / std::sqrt(static_cast<double>(kPaths)));
}
