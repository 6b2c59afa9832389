// Ensemble statistics of sweeps: Welford's running update and Chan, Golub &
// LeVeque's pairwise merge agree with the two-pass textbook formulas, a merge
// equals accumulating the concatenation, and the sweep plan enforces the
// statistics-block alignment that makes /ensemble independent of chunking.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "kode/engine/config/config.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/sweep/ensemble_statistics.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace {

using Catch::Approx;
using Catch::Matchers::ContainsSubstring;
using kode::EnsembleStatistics;

// width 2 samples: (x, 1e8 + x), the second a classic cancellation trap for
// the one-pass sum-of-squares formula.
std::vector<std::vector<double>> samples(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(3.0, 2.0);
  std::vector<std::vector<double>> out;
  for (int i = 0; i < n; ++i) {
    const double x = normal(rng);
    out.push_back({x, 1e8 + x});
  }
  return out;
}

}  // namespace

TEST_CASE("Welford's update matches the two-pass mean and variance") {
  const auto xs = samples(1000, 1);
  EnsembleStatistics s(2);
  for (const auto& x : xs) s.add(x.data());
  for (int k = 0; k < 2; ++k) {
    double mean = 0.0, m2 = 0.0, lo = INFINITY, hi = -INFINITY;
    for (const auto& x : xs) mean += x[k];
    mean /= xs.size();
    for (const auto& x : xs) {
      m2 += (x[k] - mean) * (x[k] - mean);
      lo = std::min(lo, x[k]);
      hi = std::max(hi, x[k]);
    }
    CHECK(s.mean[k] == Approx(mean).epsilon(1e-14));
    // The shifted column has the same variance: no cancellation.
    CHECK(s.variance()[k] == Approx(m2 / (xs.size() - 1)).epsilon(1e-8));
    CHECK(s.min[k] == lo);
    CHECK(s.max[k] == hi);
  }
  CHECK(s.count == 1000);
}

TEST_CASE("Chan et al.'s merge equals accumulating the concatenation") {
  const auto xs = samples(777, 2);
  EnsembleStatistics whole(2), left(2), right(2);
  for (size_t i = 0; i < xs.size(); ++i) {
    whole.add(xs[i].data());
    (i < 300 ? left : right).add(xs[i].data());
  }
  left.merge(right);
  CHECK(left.count == whole.count);
  for (int k = 0; k < 2; ++k) {
    CHECK(left.mean[k] == Approx(whole.mean[k]).epsilon(1e-14));
    CHECK(left.variance()[k] == Approx(whole.variance()[k]).epsilon(1e-8));
    CHECK(left.min[k] == whole.min[k]);
    CHECK(left.max[k] == whole.max[k]);
  }
}

TEST_CASE("Merging empty statistics changes nothing; no samples give NaN") {
  EnsembleStatistics a(1), empty(1);
  const double x = 2.5;
  a.add(&x);
  a.merge(empty);
  CHECK(a.count == 1);
  CHECK(a.mean[0] == 2.5);
  CHECK(std::isnan(a.variance()[0]));  // one sample: no unbiased variance
  empty.merge(a);
  CHECK(empty.mean[0] == 2.5);
  EnsembleStatistics none(1);
  CHECK(std::isnan(none.or_nan(none.mean)[0]));
}

TEST_CASE("The sweep plan keeps chunks aligned to statistics blocks") {
  const kode::ModelRegistry models = kode::builtin_models();
  kode::Config config;
  config.read_text(
      "[model]\nname = damped_oscillator\n[params]\nzeta = linspace(0.1, 0.9, 50)\n"
      "omega = linspace(1, 2, 100)\n[y0]\nx = 1\nv = 0\n[time]\nt1 = 1\n"
      "[output]\nfile = out.h5\n",
      "test.ini");
  const kode::SweepPlan plan = kode::sweep_plan_from_config(config, models);
  CHECK(plan.n_traj == 5000);
  CHECK(plan.chunk == 4096);
  CHECK(plan.n_chunks == 2);
  CHECK(plan.n_blocks == (5000 + kode::statistics_block_size - 1) / kode::statistics_block_size);
  CHECK(plan.design.names() ==
        std::vector<std::string>{"params.zeta", "params.omega", "y0.x", "y0.v"});

  // Any positive chunk: rounded up to whole statistics blocks, and said so.
  config.set("sweep.chunk", "1000", "command line");
  const kode::SweepPlan rounded = kode::sweep_plan_from_config(config, models);
  CHECK(rounded.chunk == 1024);
  CHECK(rounded.n_chunks == 5);
  CHECK(rounded.chunk_note.find("1000 rounded up to 1024") != std::string::npos);
  config.set("sweep.chunk", "2048", "command line");
  CHECK(kode::sweep_plan_from_config(config, models).chunk_note.empty());
  config.set("sweep.chunk", "0", "command line");
  CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                    ContainsSubstring("sweep.chunk") && ContainsSubstring(">= 1"));
  config.set("sweep.chunk", "100000", "command line");  // one chunk: any size
  CHECK(kode::sweep_plan_from_config(config, models).chunk == 5000);
  config.set("sweep.schedule", "guided", "command line");
  CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                    ContainsSubstring("sweep.schedule"));
}
