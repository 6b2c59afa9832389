// Sweep designs: the values of every trajectory are a pure function of
// (design, seed, trajectory index); grids enumerate in the documented order;
// random, Latin hypercube and Sobol designs have the statistical and
// stratification properties they promise; every malformed design is a
// ConfigError that names its key.
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/random/sobol.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kode/engine/config/config.hpp"
#include "kode/engine/sweep/sweep_design.hpp"

namespace {

using Catch::Matchers::ContainsSubstring;
using kode::ConfigError;
using kode::Design;
using kode::make_design;

std::vector<double> all_values(const Design& d) {
  std::vector<double> out(static_cast<std::size_t>(d.size()) * d.n_names());
  d.fill(0, static_cast<int>(d.size()), out.data());
  return out;
}

bool same_bits(const double* a, const double* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(double)) == 0;
}

struct Moments {
  double mean = 0.0, var = 0.0;
};

// Two-pass mean and (unbiased) variance.
Moments moments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(x.size() - 1);
  return m;
}

// Column k of a design's values.
std::vector<double> column(const Design& d, int k) {
  std::vector<double> row(d.n_names()), col;
  for (long long i = 0; i < d.size(); ++i) {
    d.values(i, row.data());
    col.push_back(row[k]);
  }
  return col;
}

}  // namespace

TEST_CASE("fixed values and axes parse as numpy defines them", "[sweep_design]") {
  CHECK(kode::parse_design_value(" 2.5 ", "params.k").a == 2.5);
  const auto list = kode::parse_design_value("list(3, -1, 2e3)", "params.k");
  CHECK(list.axis_size() == 3);
  CHECK(list.axis_value(2) == 2000.0);
  // numpy.linspace(0, 1, 5) = [0, 0.25, 0.5, 0.75, 1]
  const auto lin = kode::parse_design_value("linspace(0, 1, 5)", "params.k");
  for (int i = 0; i < 5; ++i) CHECK(lin.axis_value(i) == 0.25 * i);
  // Last point exactly b even when (b - a)/(n - 1) does not divide evenly.
  CHECK(kode::parse_design_value("linspace(0.1, 0.7, 7)", "p").axis_value(6) == 0.7);
  CHECK(kode::parse_design_value("linspace(4, 9, 1)", "p").axis_value(0) == 4.0);
  // numpy.logspace(-1, 2, 4) = [0.1, 1, 10, 100]; numpy.logspace(0, 1, 3)[1] = 10**0.5.
  const auto log = kode::parse_design_value("logspace(-1, 2, 4)", "params.k");
  CHECK(log.axis_value(0) == 0.1);
  CHECK(log.axis_value(1) == 1.0);
  CHECK(log.axis_value(2) == 10.0);
  CHECK(log.axis_value(3) == 100.0);
  CHECK(kode::parse_design_value("logspace(0, 1, 3)", "p").axis_value(1) == std::pow(10.0, 0.5));
}

TEST_CASE("grid: size is the product of the axes, the first name varies slowest",
          "[sweep_design]") {
  const Design d = make_design({"params.a", "params.b", "y0.x"},
                               {"list(1, 2)", "7", "linspace(0, 1, 3)"}, "grid", {}, {}, 1);
  REQUIRE(d.size() == 6);
  CHECK(d.grid_points() == 6);
  const std::vector<double> v = all_values(d);
  const std::vector<double> expected = {1, 7, 0, 1, 7, 0.5, 1, 7, 1,  //
                                        2, 7, 0, 2, 7, 0.5, 2, 7, 1};
  CHECK(v == expected);

  // Without a [sweep] design line, axes alone make a grid.
  CHECK(make_design({"params.a"}, {"list(1, 2)"}, "", {}, {}, 1).kind() == "grid");
  // Fixed values only: one trajectory.
  CHECK(make_design({"params.a"}, {"3"}, "", {}, {}, 1).size() == 1);
}

TEST_CASE("paths repeat each point: index = point * paths + path", "[sweep_design]") {
  const Design d = make_design({"params.a"}, {"list(10, 20)"}, "grid", {}, 3, 1);
  REQUIRE(d.size() == 6);
  const std::vector<double> v = all_values(d);
  CHECK(v == std::vector<double>{10, 10, 10, 20, 20, 20});
  CHECK(d.path_of(4) == 1);
  CHECK(d.grid_point_of(4) == 1);
}

TEST_CASE("axes crossed with samples: the same sample design at every grid point",
          "[sweep_design]") {
  for (const char* kind : {"random", "lhs", "sobol"}) {
    const Design d = make_design({"params.a", "params.b", "params.c"},
                                 {"list(1, 2, 3)", "normal(0, 1)", "uniform(0, 1)"}, kind, 5, 2, 9);
    REQUIRE(d.size() == 3 * 5 * 2);
    std::vector<double> row(3), first(3);
    for (long long i = 0; i < d.size(); ++i) {
      d.values(i, row.data());
      CHECK(row[0] == 1.0 + static_cast<double>(i / 10));  // grid point slowest
      // The same draw for every grid point and path of a sample.
      d.values((i / 2) % 5 * 2, first.data());
      CHECK(row[1] == first[1]);
      CHECK(row[2] == first[2]);
    }
  }
}

TEST_CASE("values(i) equals fill() over any chunking, in any evaluation order", "[sweep_design]") {
  const std::vector<std::string> names = {"params.a", "params.b", "params.c", "y0.x"};
  const std::vector<std::string> vals = {"lognormal(0, 0.5)", "linspace(0, 1, 4)", "normal(2, 3)",
                                         "uniform(-1, 1)"};
  for (const char* kind : {"random", "lhs", "sobol"}) {
    const Design d = make_design(names, vals, kind, 37, 2, 1234);
    const std::size_t n = 4;
    std::vector<double> one(static_cast<std::size_t>(d.size()) * n);
    for (long long i = 0; i < d.size(); ++i) d.values(i, &one[static_cast<std::size_t>(i) * n]);

    for (int chunk : {1, 3, 7, 64, 1000}) {
      std::vector<double> chunked(one.size());
      for (long long first = 0; first < d.size(); first += chunk) {
        const int count = static_cast<int>(std::min<long long>(chunk, d.size() - first));
        d.fill(first, count, &chunked[static_cast<std::size_t>(first) * n]);
      }
      CHECK(same_bits(one.data(), chunked.data(), one.size()));
    }

    // Shuffled order, each index evaluated by a design built separately:
    // nothing depends on what was evaluated before.
    std::vector<long long> order(static_cast<std::size_t>(d.size()));
    std::iota(order.begin(), order.end(), 0LL);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
    const Design again = make_design(names, vals, kind, 37, 2, 1234);
    std::vector<double> row(n);
    for (long long i : order) {
      again.values(i, row.data());
      CHECK(same_bits(row.data(), &one[static_cast<std::size_t>(i) * n], n));
    }
  }
}

TEST_CASE("random values are Philox of (seed, sample, name position) alone", "[sweep_design]") {
  const std::uint64_t seed = 0x123456789abcdefULL;
  const Design d = make_design({"params.a", "params.b"}, {"uniform(2, 5)", "normal(1, 2)"},
                               "random", 1000000, {}, seed);
  // Any trajectory of a million, re-run alone, from the documented formula.
  for (long long i : {0LL, 1LL, 999999LL, 123457LL}) {
    double row[2];
    d.values(i, row);
    const auto s = static_cast<std::uint64_t>(i);
    const double u0 = kode::unit_open(kode::philox_bits(seed, s, 0, 0).lo);
    const double u1 = kode::unit_open(kode::philox_bits(seed, s, 1, 0).lo);
    CHECK(row[0] == 2.0 + 3.0 * u0);
    CHECK(row[1] == 1.0 + 2.0 * kode::normal_quantile(u1));
  }
}

TEST_CASE("different seeds give different values", "[sweep_design]") {
  for (const char* kind : {"random", "lhs", "sobol"}) {
    const auto a = all_values(make_design({"p.a"}, {"uniform(0, 1)"}, kind, 64, {}, 1));
    const auto b = all_values(make_design({"p.a"}, {"uniform(0, 1)"}, kind, 64, {}, 2));
    int equal = 0;
    for (std::size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
    CHECK(equal == 0);
  }
}

TEST_CASE("random draws have the distributions' means and variances", "[sweep_design]") {
  // N draws: the sample mean has standard error sqrt(var/N) and the sample
  // variance sqrt((mu4 - var^2)/N) (mu4 the fourth central moment). Every
  // bound is 5 standard errors: a correct sampler fails with probability
  // below 1e-6 per check (and the seed is fixed, so the test is
  // deterministic).
  const long long N = 200000;
  const double n = static_cast<double>(N);
  const Design d =
      make_design({"params.u", "params.g", "params.l"},
                  {"uniform(2, 5)", "normal(1, 2)", "lognormal(0.5, 0.4)"}, "random", N, {}, 42);

  // uniform(2, 5): mean 3.5, var w^2/12, mu4 = w^4/80 with w = 3.
  const Moments u = moments(column(d, 0));
  const double w = 3.0, var_u = w * w / 12.0, mu4_u = std::pow(w, 4) / 80.0;
  CHECK(std::fabs(u.mean - 3.5) < 5.0 * std::sqrt(var_u / n));
  CHECK(std::fabs(u.var - var_u) < 5.0 * std::sqrt((mu4_u - var_u * var_u) / n));

  // normal(1, 2): mean 1, var 4, mu4 = 3 sigma^4.
  const Moments g = moments(column(d, 1));
  CHECK(std::fabs(g.mean - 1.0) < 5.0 * std::sqrt(4.0 / n));
  CHECK(std::fabs(g.var - 4.0) < 5.0 * std::sqrt((3.0 * 16.0 - 16.0) / n));

  // lognormal(0.5, 0.4): mean exp(mu + s^2/2), var (exp(s^2) - 1) exp(2 mu + s^2);
  // log of the values is normal(0.5, 0.4).
  const std::vector<double> l = column(d, 2);
  const double s2 = 0.16;
  const double mean_l = std::exp(0.5 + s2 / 2.0);
  const double var_l = (std::exp(s2) - 1.0) * std::exp(1.0 + s2);
  const Moments lm = moments(l);
  CHECK(std::fabs(lm.mean - mean_l) < 5.0 * std::sqrt(var_l / n));
  std::vector<double> logs;
  for (double x : l) logs.push_back(std::log(x));
  const Moments ll = moments(logs);
  CHECK(std::fabs(ll.mean - 0.5) < 5.0 * std::sqrt(s2 / n));
  CHECK(std::fabs(ll.var - s2) < 5.0 * std::sqrt(2.0 * s2 * s2 / n));
}

TEST_CASE("unit_open maps 64 bits into the open interval (0, 1)", "[sweep_design]") {
  CHECK(kode::unit_open(0) == 0x1p-53);
  CHECK(kode::unit_open(~std::uint64_t{0}) == 1.0 - 0x1p-53);
  CHECK(kode::unit_open(std::uint64_t{1} << 63) == 0.5 + 0x1p-53);
}

TEST_CASE("normal_quantile (AS 241) agrees with Boost.Math to ~1e-15", "[sweep_design]") {
  // Reference: boost::math::quantile of the standard normal, which inverts
  // erfc to full double precision.
  const boost::math::normal_distribution<double> std_normal;
  std::vector<double> ps = {1e-300, 1e-100,  1e-20, 0x1p-53,  1e-10,     1e-5,
                            0.01,   0.02425, 0.075, 0.2,      0.5,       0.7,
                            0.925,  0.975,   0.99,  1 - 1e-5, 1 - 1e-10, 1 - 0x1p-53};
  for (int k = 1; k < 1000; ++k) ps.push_back(k / 1000.0);
  for (double p : ps) {
    const double x = kode::normal_quantile(p);
    const double ref = boost::math::quantile(std_normal, p);
    INFO("p = " << p << ", x = " << x << ", reference = " << ref);
    CHECK(std::fabs(x - ref) <= 1e-15 + 1e-14 * std::fabs(ref));
  }
  // Phi^-1(0.975) = 1.959963984540054 (the familiar 1.96 of 95% intervals).
  CHECK(std::fabs(kode::normal_quantile(0.975) - 1.959963984540054) < 1e-15);
  CHECK(kode::normal_quantile(0.5) == 0.0);
}

TEST_CASE("permute_index is a bijection of {0..n-1}", "[sweep_design]") {
  for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 5ULL, 16ULL, 17ULL, 1000ULL, 4097ULL}) {
    for (std::uint32_t stream : {0u, 5u}) {
      std::vector<char> hit(n, 0);
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t j = kode::permute_index(i, n, 99, stream);
        REQUIRE(j < n);
        hit[j] += 1;
      }
      CHECK(std::count(hit.begin(), hit.end(), 1) == static_cast<long>(n));
    }
  }
  // Different streams (names) get different permutations.
  int same = 0;
  for (std::uint64_t i = 0; i < 1000; ++i)
    same += kode::permute_index(i, 1000, 99, 0) == kode::permute_index(i, 1000, 99, 1);
  CHECK(same < 20);
}

TEST_CASE("lhs: exactly one point in each of the samples strata per name", "[sweep_design]") {
  for (long long N : {1LL, 7LL, 1000LL, 1024LL}) {
    // uniform(0, 1) returns u itself, so the stratum is floor(value * N).
    const Design d =
        make_design({"p.a", "p.b", "p.c"}, {"uniform(0, 1)", "uniform(0, 1)", "uniform(0, 1)"},
                    "lhs", N, {}, 2026);
    REQUIRE(d.size() == N);
    for (int k = 0; k < 3; ++k) {
      std::vector<int> count(static_cast<std::size_t>(N), 0);
      for (double v : column(d, k)) {
        REQUIRE(v > 0.0);
        REQUIRE(v < 1.0);
        count[static_cast<std::size_t>(std::floor(v * static_cast<double>(N)))] += 1;
      }
      CHECK(std::count(count.begin(), count.end(), 1) == N);
    }
    // The dimensions are permuted independently (not all on the diagonal).
    if (N >= 1000) {
      const auto a = column(d, 0), b = column(d, 1);
      const double strata = static_cast<double>(N);
      int same_stratum = 0;
      for (std::size_t i = 0; i < a.size(); ++i)
        same_stratum += std::floor(a[i] * strata) == std::floor(b[i] * strata);
      CHECK(same_stratum < 20);
    }
  }
  // A normal LHS: strata of probability, through the quantile function.
  const Design g = make_design({"p.g"}, {"normal(0, 1)"}, "lhs", 500, {}, 3);
  const boost::math::normal_distribution<double> std_normal;
  std::vector<int> count(500, 0);
  for (double x : column(g, 0))
    count[static_cast<std::size_t>(std::floor(cdf(std_normal, x) * 500))]++;
  CHECK(std::count(count.begin(), count.end(), 1) == 500);
}

TEST_CASE("sobol: the first points are the Joe-Kuo Sobol sequence", "[sweep_design]") {
  // Gray-code-ordered Sobol points, dimensions 1-3 of Joe & Kuo (2008):
  // dimension 1 has v_k = 2^-k; dimension 2 the polynomial x + 1 with
  // m_1 = 1; dimension 3 the polynomial x^2 + x + 1 with m = (1, 3). Worked
  // by hand from those direction numbers; the same values are the first 8
  // points of scipy.stats.qmc.Sobol(d=3, scramble=False).
  const double expected[8][3] = {{0, 0, 0},
                                 {0.5, 0.5, 0.5},
                                 {0.75, 0.25, 0.25},
                                 {0.25, 0.75, 0.75},
                                 {0.375, 0.375, 0.625},
                                 {0.875, 0.875, 0.125},
                                 {0.625, 0.125, 0.875},
                                 {0.125, 0.625, 0.375}};
  const kode::SobolDirections sobol(3);
  for (int i = 0; i < 8; ++i)
    for (int d = 0; d < 3; ++d)
      CHECK(static_cast<double>(sobol.bits(static_cast<std::uint64_t>(i), d)) * 0x1p-64 ==
            expected[i][d]);

  // Point i computed directly equals point i of Boost's stepping engine,
  // which starts at point 1.
  const int dims = 21;
  const kode::SobolDirections direct(dims);
  boost::random::sobol_engine<std::uint64_t, 64> engine(dims);
  for (std::uint64_t i = 1; i <= 5000; ++i)
    for (int d = 0; d < dims; ++d) REQUIRE(direct.bits(i, d) == engine());
}

TEST_CASE("sobol design: balanced strata, finite tails, low discrepancy", "[sweep_design]") {
  const int m = 12;
  const long long N = 1LL << m;
  const Design d =
      make_design({"p.a", "p.b", "p.g"}, {"uniform(0, 1)", "uniform(0, 1)", "normal(0, 1)"},
                  "sobol", N, {}, 77);
  const auto a = column(d, 0), b = column(d, 1), g = column(d, 2);
  // The digitally shifted first two Sobol dimensions form a (0, m, 2)-net:
  // every elementary interval [i 2^-k, (i+1) 2^-k) x [j 2^-(m-k), (j+1)
  // 2^-(m-k)) holds exactly one of the 2^m points (Niederreiter, "Random
  // number generation and quasi-Monte Carlo methods", SIAM 1992, ch. 4).
  for (int k = 0; k <= m; ++k) {
    std::vector<int> count(static_cast<std::size_t>(N), 0);
    for (long long i = 0; i < N; ++i) {
      const auto ia = static_cast<long long>(std::floor(a[i] * std::ldexp(1.0, k)));
      const auto ib = static_cast<long long>(std::floor(b[i] * std::ldexp(1.0, m - k)));
      count[static_cast<std::size_t>((ia << (m - k)) + ib)] += 1;
    }
    CHECK(std::count(count.begin(), count.end(), 1) == N);
  }
  // One point per 1/N interval bounds |mean - 1/2| by 1/(2N); independent
  // random points would be off by about 0.29/sqrt(N), 37 times more here.
  CHECK(std::fabs(moments(a).mean - 0.5) <= 0.5 / static_cast<double>(N) + 1e-15);
  // The seeded shift moves point 0 off u = 0 (2^-53 after unit_open, an
  // 8-sigma outlier that alone would move the mean by 8/N); the mean of the
  // normal is then far closer to 0 than a random sample's 1/sqrt(N).
  for (double x : g) REQUIRE(std::isfinite(x));
  CHECK(std::fabs(moments(g).mean) < 0.1 / std::sqrt(static_cast<double>(N)));
}

TEST_CASE("huge sweeps cost no memory: any index is computed directly", "[sweep_design]") {
  const Design d = make_design({"p.a", "p.b"}, {"linspace(0, 1, 1000000)", "uniform(0, 1)"}, "lhs",
                               1000000000LL, 4, 5);
  REQUIRE(d.size() == 4000000000000000LL);
  double row[2];
  d.values(d.size() - 1, row);
  CHECK(row[0] == 1.0);
  CHECK(row[1] > 0.0);
  CHECK(row[1] < 1.0);
  CHECK_THROWS_AS(d.values(d.size(), row), std::out_of_range);
}

TEST_CASE("malformed designs are ConfigErrors naming the key", "[sweep_design]") {
  const auto bad_value = [](const std::string& text, const std::string& phrase) {
    INFO("value '" << text << "'");
    CHECK_THROWS_AS(make_design({"params.omega"}, {text}, "", {}, {}, 1), ConfigError);
    CHECK_THROWS_WITH(make_design({"params.omega"}, {text}, "", {}, {}, 1),
                      ContainsSubstring("params.omega") && ContainsSubstring(phrase));
  };
  bad_value("list()", "at least one value");
  bad_value("list(1, , 2)", "list item 2");
  bad_value("linspace(0, 1, 0)", "n >= 1, got 0");
  bad_value("logspace(0, 1, -3)", "n >= 1, got -3");
  bad_value("linspace(0, 1, 2.5)", "not an integer");
  bad_value("linspace(0, 1)", "takes 3 arguments");
  bad_value("logspace(0, 400, 3)", "overflow");
  bad_value("uniform(1, 1)", "a < b");
  bad_value("uniform(2, 1)", "a < b");
  bad_value("normal(0, 0)", "sigma > 0");
  bad_value("normal(0, -1)", "sigma > 0");
  bad_value("lognormal(1, 0)", "sigma > 0");
  bad_value("unifrom(0, 1)", "did you mean 'uniform'");
  bad_value("gamma(1, 2)", "unknown design function 'gamma'");
  bad_value("1.5x", "not a number");
  bad_value("1e400", "out of the range");
  bad_value("omega", "expected a number or a design");
  bad_value("linspace(0, 1, 3", "expected a number or a design");
  bad_value("uniform(0, 1e400)", "uniform argument b");
  bad_value("", "empty value");

  const auto bad_sweep = [](const std::vector<std::string>& vals, const std::string& kind,
                            std::optional<long long> samples, std::optional<long long> paths,
                            const std::string& key, const std::string& phrase) {
    std::vector<std::string> names;
    for (std::size_t k = 0; k < vals.size(); ++k) names.push_back("params.p" + std::to_string(k));
    CHECK_THROWS_AS(make_design(names, vals, kind, samples, paths, 1), ConfigError);
    CHECK_THROWS_WITH(make_design(names, vals, kind, samples, paths, 1),
                      ContainsSubstring(key) && ContainsSubstring(phrase));
  };
  bad_sweep({"uniform(0, 1)"}, "random", {}, {}, "sweep.samples", "needs sweep.samples");
  bad_sweep({"normal(0, 1)"}, "", {}, {}, "params.p0", "needs sweep.samples");
  bad_sweep({"uniform(0, 1)"}, "lhs", 0, {}, "sweep.samples", ">= 1");
  bad_sweep({"list(1, 2)", "uniform(0, 1)"}, "grid", {}, {}, "params.p1", "design = grid");
  bad_sweep({"list(1, 2)"}, "grid", 10, {}, "sweep.samples", "not used by design = grid");
  bad_sweep({"list(1, 2)"}, "sobol", 10, {}, "sweep.design", "at least one random distribution");
  bad_sweep({"list(1, 2)"}, "grd", {}, {}, "sweep.design", "did you mean 'grid'");
  bad_sweep({"list(1, 2)"}, "grid", {}, 0, "sweep.paths", ">= 1");
  bad_sweep({"linspace(0, 1, 100000000)", "linspace(0, 1, 100000000)"}, "grid", {}, {}, "sweep",
            "more than 2^53");
}
