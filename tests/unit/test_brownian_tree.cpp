// The virtual Brownian tree: exact Brownian marginals and independent
// increments (checked statistically over many paths, bounds of 5 standard
// errors computed from the sample size), and a path that is a pure function
// of (seed, trajectory, dimension): bitwise reproducible and independent of
// the order of queries.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <utility>
#include <vector>

#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/brownian_walker.hpp"

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

TEST_CASE("Brownian tree: space-time Levy area H ~ N(0, (t - s)/12), independent of W_{s,t}",
          "[brownian]") {
  auto tree = [](int i) {
    return kode::VirtualBrownianTree(0.0, 1.0, kTol, 7, static_cast<std::uint64_t>(i), 0);
  };
  // A non-dyadic step, a dyadic step (both ends tree nodes) and the root.
  for (auto [s, t] : {std::pair<double, double>{0.21, 0.58}, {0.25, 0.5}, {0.0, 1.0}}) {
    const double h = t - s;
    std::vector<double> dw(kPaths), hh(kPaths);
    for (int i = 0; i < kPaths; ++i) {
      const auto inc = tree(i).levy(s, t);
      dw[i] = inc.dw;
      hh[i] = inc.h;
    }
    double mh = 0.0, vh = 0.0, vw = 0.0, cwh = 0.0;
    for (int i = 0; i < kPaths; ++i) mh += hh[i] / kPaths;
    for (int i = 0; i < kPaths; ++i) {
      vh += (hh[i] - mh) * (hh[i] - mh) / (kPaths - 1);
      vw += dw[i] * dw[i] / kPaths;
      cwh += dw[i] * hh[i] / kPaths;
    }
    INFO("[" << s << ", " << t << "]: mean H " << mh << ", var H " << vh << " (want " << h / 12
             << "), var W " << vw << ", corr " << cwh / std::sqrt(vw * vh));
    CHECK(std::fabs(mh) < 5.0 * std::sqrt(h / 12.0 / kPaths));
    CHECK(std::fabs(vh - h / 12.0) < 5.0 * h / 12.0 * std::sqrt(2.0 / (kPaths - 1)));
    CHECK(std::fabs(vw - h) < 5.0 * h * std::sqrt(2.0 / kPaths));
    CHECK(std::fabs(cwh / std::sqrt(vw * vh)) < 5.0 / std::sqrt(static_cast<double>(kPaths)));
  }
}

TEST_CASE("Brownian tree: Levy areas of adjacent steps combine to the area of their union",
          "[brownian]") {
  // H of [s, u] from its halves' (W, H): H = (l H1 + r H2)/h + (r W1 - l W2)/(2h).
  // Holds path by path (rounding only): the tree carries one consistent path.
  const kode::VirtualBrownianTree w(0.0, 2.0, kTol, 5, 11, 0);
  const double s = 0.3, m = 0.71, u = 1.9, l = m - s, r = u - m, h = u - s;
  const auto a = w.levy(s, m), b = w.levy(m, u), whole = w.levy(s, u);
  CHECK(std::fabs(a.dw + b.dw - whole.dw) < 1e-13);
  CHECK(std::fabs((l * a.h + r * b.h) / h + (r * a.dw - l * b.dw) / (2 * h) - whole.h) < 1e-12);
}

TEST_CASE("Brownian tree: the conditional split keeps the (W, H) law", "[brownian]") {
  // Draw (W, H) of [0, h] and split at l with fresh normals: the parts must
  // be independent with variances l, l/12, r, r/12 (the split's formulas).
  const double h = 1.5, l = 0.4, r = h - l;
  double s_w1 = 0, s_h1 = 0, s_w2 = 0, s_h2 = 0, s_w1w2 = 0, s_w1h1 = 0, s_h1h2 = 0;
  for (int i = 0; i < kPaths; ++i) {
    const auto z0 = kode::standard_normal_pair(kode::philox_draw(3, i, 0));
    const auto z1 = kode::standard_normal_pair(kode::philox_draw(3, i, 1));
    const double w = std::sqrt(h) * z0.z1, hh = std::sqrt(h / 12) * z0.z2;
    const auto left = kode::split_interval(h, l, w, hh, z1);
    const double w2 = w - left.dw;
    const double h2 = (h * hh - l * left.h - 0.5 * (r * left.dw - l * w2)) / r;
    s_w1 += left.dw * left.dw;
    s_h1 += left.h * left.h;
    s_w2 += w2 * w2;
    s_h2 += h2 * h2;
    s_w1w2 += left.dw * w2;
    s_w1h1 += left.dw * left.h;
    s_h1h2 += left.h * h2;
  }
  const double n = kPaths, se = 5.0 * std::sqrt(2.0 / n);
  CHECK(std::fabs(s_w1 / n / l - 1) < se);
  CHECK(std::fabs(s_h1 / n / (l / 12) - 1) < se);
  CHECK(std::fabs(s_w2 / n / r - 1) < se);
  CHECK(std::fabs(s_h2 / n / (r / 12) - 1) < se);
  CHECK(std::fabs(s_w1w2 / std::sqrt(s_w1 * s_w2)) < 5.0 / std::sqrt(n));
  CHECK(std::fabs(s_w1h1 / std::sqrt(s_w1 * s_h1)) < 5.0 / std::sqrt(n));
  CHECK(std::fabs(s_h1h2 / std::sqrt(s_h1 * s_h2)) < 5.0 / std::sqrt(n));
}

TEST_CASE("Brownian tree: the midpoint split is split_interval at l = h/2", "[brownian]") {
  // The tree's loop writes the midpoint split out (no divisions); it must be
  // the general conditional law at l = h/2: W1 = W/2 + 3H/2 + sqrt(h)/4 z1,
  // H1 = H/4 - sqrt(h)/8 z1 + sqrt(h/48) z2 (Foster 2020).
  const double h = 0.37, w = 0.8, hh = -0.1;
  const kode::NormalPair z{0.3, -1.2};
  const auto general = kode::split_interval(h, 0.5 * h, w, hh, z);
  CHECK(std::fabs(general.dw - (0.5 * w + 1.5 * hh + 0.25 * std::sqrt(h) * z.z1)) < 1e-15);
  CHECK(std::fabs(general.h -
                  (0.25 * hh - 0.125 * std::sqrt(h) * z.z1 + std::sqrt(h / 48) * z.z2)) < 1e-15);
  // And a dyadic query (exact node value) agrees with the leaf formula at a
  // nearby non-dyadic time to O(sqrt(dt)): the node path is continuous.
  const kode::VirtualBrownianTree tree(0.0, 1.0, 1e-6, 3, 4, 0);
  CHECK(std::fabs(tree(0.25) - tree(0.25 + 1e-9)) < 1e-3);
  CHECK(std::fabs(tree(0.25) - tree(0.25 - 1e-9)) < 1e-3);
}

TEST_CASE("Brownian walker: cached descents give the tree's values bit for bit", "[brownian]") {
  // Monotone queries (fixed dyadic and irregular steps), backward retries
  // (rejected steps), repeats, exact tree nodes and t0/t1: every value must
  // equal a fresh root-to-leaf query exactly. A walker that kept a stale
  // node, or missed the early return at a midpoint, would differ.
  for (double tol : {1e-6, 1.0 / 4096.0}) {
    const kode::VirtualBrownianTree tree(0.0, 2.0, tol, 77, 5, 1);
    kode::BrownianWalker<> walker(tree);
    kode::BrownianWalker<4> shallow(tree);  // cache shallower than the descent
    std::vector<double> ts;
    for (int k = 0; k <= 512; ++k) ts.push_back(2.0 * k / 512.0);
    double t = 0.0;
    std::uint64_t bits = 12345;
    while (t < 2.0) {
      bits = bits * 6364136223846793005ull + 1442695040888963407ull;
      const double u = static_cast<double>(bits >> 11) * 0x1p-53;
      t += 0.02 * u;
      ts.push_back(t);
      if (u < 0.2) ts.push_back(t - 0.01 * u);  // a retry, earlier
      if (u > 0.9) ts.push_back(t);             // the same t again
    }
    ts.push_back(0.5);
    ts.push_back(0.25);
    ts.push_back(2.0);
    ts.push_back(0.0);
    int mismatches = 0;
    for (double q : ts) {
      const auto want = tree.state(q), got = walker.state(q), got4 = shallow.state(q);
      mismatches += !(got.w == want.w && got.integral == want.integral);
      mismatches += !(got4.w == want.w && got4.integral == want.integral);
    }
    INFO("tol " << tol << ": " << ts.size() << " queries");
    CHECK(mismatches == 0);
  }
}
