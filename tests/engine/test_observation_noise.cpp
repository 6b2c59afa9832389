// Observation noise ([noise] observation_sigma, observation_seed): the noise
// of an entry is a pure function of (seed, global trajectory, save index,
// state), so chunked batches give the same observations as one batch; it is
// N(0, sigma_i^2) per state; sigma 0 copies exactly and NaN stays NaN; and
// the config keys are parsed, validated and resolved as docs/config.md says.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/config/problem_from_config.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace {

using Catch::Matchers::ContainsSubstring;
using kode::BatchResult;
using kode::ObservationNoise;

// A result of n_traj trajectories whose states are arbitrary distinct values.
BatchResult make_result(int n_traj, int n_save, int n_state) {
  BatchResult r;
  r.n_traj = n_traj;
  r.n_state = n_state;
  for (int j = 0; j < n_save; ++j) r.ts.push_back(0.1 * j);
  for (int k = 0; k < n_traj; ++k)
    for (int j = 0; j < n_save; ++j)
      for (int i = 0; i < n_state; ++i) r.ys.push_back(std::sin(1.0 + k + 0.3 * j + 7.0 * i));
  return r;
}

// Trajectories [first, first + count) of `r` as a batch of their own.
BatchResult rows(const BatchResult& r, int first, int count) {
  BatchResult out = r;
  const size_t width = r.ts.size() * static_cast<size_t>(r.n_state);
  out.n_traj = count;
  out.ys.assign(r.ys.begin() + static_cast<std::ptrdiff_t>(first * width),
                r.ys.begin() + static_cast<std::ptrdiff_t>((first + count) * width));
  return out;
}

kode::Config base_sweep_config(const std::string& extra) {
  kode::Config config;
  config.read_text(
      "[model]\nname = lotka_volterra\n[params]\nalpha = 1.5\nbeta = 1\ngamma = 3\n"
      "delta = linspace(0.5, 1.5, 4)\n[y0]\nx = 1\ny = 1\n[time]\nt1 = 2\n"
      "[save]\nts = linspace(0, 2, 5)\n[output]\nfile = out.h5\n" +
          extra,
      "test.ini");
  return config;
}

}  // namespace

TEST_CASE("observation noise: a pure function of the global indices, not of the batching") {
  const ObservationNoise noise{{0.5, 2.0, 1e-3}, 17};
  const BatchResult all = make_result(10, 7, 3);
  const std::vector<double> whole = kode::observe_states(noise, all, 100);
  // Chunks of 4 and 6 trajectories with their global first indices.
  std::vector<double> chunked = kode::observe_states(noise, rows(all, 0, 4), 100);
  const std::vector<double> second = kode::observe_states(noise, rows(all, 4, 6), 104);
  chunked.insert(chunked.end(), second.begin(), second.end());
  REQUIRE(chunked.size() == whole.size());
  for (size_t e = 0; e < whole.size(); ++e) CHECK(chunked[e] == whole[e]);

  // The noise does not depend on the states either: observed - clean is the
  // same for other clean values.
  BatchResult shifted = all;
  for (double& y : shifted.ys) y += 3.0;
  const std::vector<double> moved = kode::observe_states(noise, shifted, 100);
  for (size_t e = 0; e < whole.size(); ++e)
    CHECK(std::fabs((moved[e] - shifted.ys[e]) - (whole[e] - all.ys[e])) < 1e-12);

  // Another seed or another first index gives other observations.
  const std::vector<double> reseeded = kode::observe_states({noise.sigma, 18}, all, 100);
  const std::vector<double> offset = kode::observe_states(noise, all, 101);
  int same_seed = 0, same_offset = 0;
  for (size_t e = 0; e < whole.size(); ++e) {
    same_seed += reseeded[e] == whole[e];
    same_offset += offset[e] == whole[e];
  }
  CHECK(same_seed == 0);
  CHECK(same_offset == 0);
}

TEST_CASE("observation noise: N(0, sigma_i^2) per state, independent across states") {
  const std::vector<double> sigma{0.5, 2.0, 1e-3};
  const ObservationNoise noise{sigma, 5};
  const int n_traj = 4000, n_save = 10, n_state = 3;
  const BatchResult r = make_result(n_traj, n_save, n_state);
  const std::vector<double> obs = kode::observe_states(noise, r, 123456789);
  const double n = static_cast<double>(n_traj) * n_save;
  std::vector<double> z[3];
  for (int i = 0; i < n_state; ++i) {
    double sum = 0.0, sum2 = 0.0;
    for (size_t e = static_cast<size_t>(i); e < obs.size(); e += n_state) {
      const double d = obs[e] - r.ys[e];
      sum += d;
      sum2 += d * d;
      z[i].push_back(d / sigma[static_cast<size_t>(i)]);
    }
    const double mean = sum / n;
    const double sd = std::sqrt((sum2 - n * mean * mean) / (n - 1));
    const double s = sigma[static_cast<size_t>(i)];
    // Standard errors of the mean and of the standard deviation of normals.
    CHECK(std::fabs(mean) < 5.0 * s / std::sqrt(n));
    CHECK(std::fabs(sd - s) < 5.0 * s / std::sqrt(2.0 * (n - 1)));
  }
  // Correlation of the normals of neighbouring states: 0 within 5 SE.
  for (int i = 0; i + 1 < n_state; ++i) {
    double c = 0.0;
    for (size_t e = 0; e < z[i].size(); ++e) c += z[i][e] * z[i + 1][e];
    CHECK(std::fabs(c / n) < 5.0 / std::sqrt(n));
  }
}

TEST_CASE("observation noise: sigma 0 copies the states exactly and NaN stays NaN") {
  const ObservationNoise noise{{0.0, 1.0}, 3};
  BatchResult r = make_result(3, 4, 2);
  r.ys[0] = -0.0;                            // trajectory 0, save 0, state 0
  r.ys[(1 * 4 + 2) * 2 + 1] = std::nan("");  // trajectory 1, save 2, state 1
  const std::vector<double> obs = kode::observe_states(noise, r, 0);
  REQUIRE(obs.size() == r.ys.size());
  for (size_t e = 0; e < obs.size(); e += 2) {
    CHECK(obs[e] == r.ys[e]);
    CHECK(std::signbit(obs[e]) == std::signbit(r.ys[e]));
  }
  CHECK(std::isnan(obs[(1 * 4 + 2) * 2 + 1]));
  for (size_t e = 1; e < obs.size(); e += 2)
    if (!std::isnan(r.ys[e])) CHECK(obs[e] != r.ys[e]);
}

TEST_CASE("observation noise: config keys parsed, validated and resolved") {
  const kode::ModelRegistry models = kode::builtin_models();

  SECTION("absent: no observations") {
    const kode::SweepPlan plan = kode::sweep_plan_from_config(base_sweep_config(""), models);
    CHECK_FALSE(plan.observation.enabled());
    CHECK_THAT(plan.config_text, !ContainsSubstring("observation"));
  }
  SECTION("one number for every state; the seed follows sweep.seed") {
    const kode::SweepPlan plan = kode::sweep_plan_from_config(
        base_sweep_config("[noise]\nobservation_sigma = 0.25\n[sweep]\nseed = 9\n"), models);
    CHECK(plan.observation.sigma == std::vector<double>{0.25, 0.25});
    CHECK(plan.observation.seed == 9);
    CHECK_THAT(plan.config_text, ContainsSubstring("[noise]\nobservation_sigma = list(0.25, "
                                                   "0.25)\nobservation_seed = 9\n"));
    // The resolved text resolves to itself (what resume and merge rely on).
    kode::Config again;
    again.read_text(plan.config_text, "resolved");
    CHECK(kode::sweep_plan_from_config(again, models).config_text == plan.config_text);
  }
  SECTION("a list, one per state; noise.seed before sweep.seed; observation_seed first") {
    kode::Config config = base_sweep_config(
        "[noise]\nobservation_sigma = list(0.1, 0)\nseed = 4\n[sweep]\nseed = 9\n");
    kode::SweepPlan plan = kode::sweep_plan_from_config(config, models);
    CHECK(plan.observation.sigma == std::vector<double>{0.1, 0.0});
    CHECK(plan.observation.seed == 4);
    config.set("noise.observation_seed", "77", "command line");
    plan = kode::sweep_plan_from_config(config, models);
    CHECK(plan.observation.seed == 77);
  }
  SECTION("bad values name the key") {
    kode::Config config = base_sweep_config("[noise]\nobservation_sigma = list(0.1)\n");
    CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                      ContainsSubstring("noise.observation_sigma") &&
                          ContainsSubstring("one sigma per state") && ContainsSubstring("x, y"));
    config.set("noise.observation_sigma", "list(0.1, -1)", "command line");
    CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                      ContainsSubstring("noise.observation_sigma") && ContainsSubstring("'y'") &&
                          ContainsSubstring(">= 0"));
    config.set("noise.observation_sigma", "uniform(0, 1)", "command line");
    CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                      ContainsSubstring("noise.observation_sigma"));
    config.set("noise.observation_sigma", "nan", "command line");
    CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                      ContainsSubstring("noise.observation_sigma"));
    config.set("noise.observation_sigma", "0.1", "command line");
    config.set("noise.observation_seed", "-1", "command line");
    CHECK_THROWS_WITH(kode::sweep_plan_from_config(config, models),
                      ContainsSubstring("noise.observation_seed") && ContainsSubstring(">= 0"));
    config.set("noise.observation_seed", "1", "command line");
    config.set("output.save", "statistics", "command line");
    CHECK_THROWS_WITH(
        kode::sweep_plan_from_config(config, models),
        ContainsSubstring("noise.observation_sigma") && ContainsSubstring("output.save"));
    config.set("output.save", "final", "command line");
    CHECK(kode::sweep_plan_from_config(config, models).observation.enabled());
  }
}

TEST_CASE("observation noise: kode solve reports observation_seed alone as unused") {
  const kode::ModelRegistry models = kode::builtin_models();
  kode::Config config;
  config.read_text(
      "[model]\nname = logistic\n[params]\nr = 1\nk = 10\n[y0]\nn = 0.5\n[time]\nt1 = 1\n"
      "[noise]\nobservation_seed = 3\nseed = 2\n",
      "test.ini");
  kode::SingleProblem p = kode::problem_from_config(config, models);
  CHECK_FALSE(p.observation.enabled());
  CHECK(p.unused_keys == std::vector<std::string>{"noise.seed", "noise.observation_seed"});

  // With observations, noise.seed keys them: used, not reported.
  kode::Config without_seed;
  without_seed.read_text(
      "[model]\nname = logistic\n[params]\nr = 1\nk = 10\n[y0]\nn = 0.5\n[time]\nt1 = 1\n"
      "[noise]\nobservation_sigma = 0.5\nseed = 2\n",
      "test.ini");
  p = kode::problem_from_config(without_seed, models);
  CHECK(p.observation.seed == 2);
  CHECK(p.unused_keys.empty());
  CHECK_THAT(kode::resolved_config_text(p, without_seed),
             ContainsSubstring("[noise]\nobservation_sigma = list(0.5)\nobservation_seed = 2\n"));
}
