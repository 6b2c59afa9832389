// The training objective of `kode train` (engine/train/training_objective.hpp)
// against finite differences of its own loss on a fixed step mesh, for a
// tiny neural ODE (every MLP option on) and for parameter estimation with
// log parameters and a learnt subset; the data split and the minibatches.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "kode/engine/models/builtin_models.hpp"
#include "kode/engine/train/trainer.hpp"
#include "kode/engine/train/training_objective.hpp"

namespace {

using kode::TrainSettings;

// n trajectories of `n_state` states at n_save save times in [0, 1],
// deterministic "observations" with a missing one (NaN).
kode::TrainingData synthetic_data(int n, int n_state, int n_save) {
  kode::TrainingData d;
  d.n_traj = n;
  d.n_state = n_state;
  d.n_save = n_save;
  for (int j = 0; j < n_save; ++j) d.ts.push_back(static_cast<double>(j) / (n_save - 1));
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n_state; ++i) d.y0.push_back(0.5 + 0.3 * std::sin(1.7 * t + i));
  for (int t = 0; t < n; ++t)
    for (int j = 0; j < n_save; ++j)
      for (int i = 0; i < n_state; ++i) d.ys.push_back(0.4 * std::cos(0.9 * t + 1.3 * j + 2.1 * i));
  d.ys[3] = std::nan("");
  for (int i = 0; i < n_state; ++i) d.state_names.push_back("y" + std::to_string(i));
  return d;
}

// Constant steps: the mesh does not move with theta, so finite differences
// of the discrete loss are the derivative the adjoint computes.
kode::SolveSpec fixed_mesh(const kode::TrainingData& d, const char* method) {
  kode::SolveSpec spec;
  spec.method = method;
  spec.t0 = d.ts.front();
  spec.t1 = d.ts.back();
  spec.ts = d.ts;
  spec.control.adaptive = false;
  spec.control.dt0 = 1.0 / 32;
  return spec;
}

double total_loss(kode::TrainingObjective& f, const std::vector<double>& theta,
                  const TrainSettings& s, kode::TrajectoryGradients& g) {
  f.gradients(theta, s.spec, s.data.y0, s.data.ys, s.data.n_traj, g);
  double l = 0;
  for (double x : g.loss) l += x;
  return l;
}

// Every component of the summed gradient against central differences.
void check_against_finite_differences(const TrainSettings& s, double h) {
  auto f = kode::make_training_objective(s);
  const std::vector<double> theta = f->initial_theta();
  kode::TrajectoryGradients g;
  total_loss(*f, theta, s, g);
  REQUIRE(std::all_of(g.ok.begin(), g.ok.end(), [](auto ok) { return ok == 1; }));
  const int K = f->n_learnable();
  std::vector<double> sum(static_cast<size_t>(K), 0.0);
  for (int t = 0; t < g.n; ++t)
    for (int k = 0; k < K; ++k) sum[k] += g.gradient[static_cast<size_t>(t) * K + k];
  kode::TrajectoryGradients scratch;
  double worst = 0;
  for (int k = 0; k < K; ++k) {
    std::vector<double> plus = theta, minus = theta;
    plus[k] += h;
    minus[k] -= h;
    const double fd =
        (total_loss(*f, plus, s, scratch) - total_loss(*f, minus, s, scratch)) / (2 * h);
    const double err = std::fabs(fd - sum[k]) / std::max(1e-3, std::fabs(fd));
    worst = std::max(worst, err);
    INFO("component " << k << ": adjoint " << sum[k] << ", finite differences " << fd);
    CHECK(err < 1e-6);
  }
  INFO("worst relative difference " << worst);
  CHECK(worst < 1e-6);
}

}  // namespace

TEST_CASE("training gradient of a tiny neural ODE equals finite differences", "[train]") {
  for (const char* method : {"tsit5", "dopri5", "heun"}) {
    TrainSettings s;
    s.data = synthetic_data(5, 2, 7);
    s.network.in_size = s.network.out_size = 2;
    s.network.width = 3;
    s.network.depth = 2;
    s.network.activation = kode::MlpActivation::tanh;
    s.network.final_activation = kode::MlpFinalActivation::tanh;
    s.network.time_input = true;
    s.network.learnt_scale = true;
    s.seed = 7;
    s.spec = fixed_mesh(s.data, method);
    INFO("method " << method);
    check_against_finite_differences(s, 1e-6);
  }
}

TEST_CASE("parameter-estimation gradient (log scale, a learnt subset) equals finite differences",
          "[train]") {
  const kode::ModelRegistry models = kode::builtin_models();
  TrainSettings s;
  s.data = synthetic_data(4, 3, 6);
  s.data.state_names = {"depot", "central", "peripheral"};
  s.model = "pk_two_compartment";
  s.learn = kode::LearnKind::params;
  s.model_info = models.find("pk_two_compartment");
  s.initial_params = {1.2, 5.0, 20.0, 2.0, 40.0};
  s.learnt_params = {0, 1, 3};  // ka, cl, q; v1, v2 fixed
  s.log_params = true;
  s.spec = fixed_mesh(s.data, "tsit5");
  check_against_finite_differences(s, 1e-6);
  // The fixed parameters keep their values.
  auto f = kode::make_training_objective(s);
  const std::vector<double> p = f->model_params({0.0, 1.0, 2.0});
  CHECK(p == std::vector<double>{1.0, std::exp(1.0), 20.0, std::exp(2.0), 40.0});
}

TEST_CASE("hybrid model gradient (network + a learnt parameter) equals finite differences",
          "[train]") {
  const kode::ModelRegistry models = kode::builtin_models();
  TrainSettings s;
  s.data = synthetic_data(4, 2, 6);
  s.data.state_names = {"x", "v"};
  s.model = "damped_oscillator";
  s.learn = kode::LearnKind::both;
  s.model_info = models.find("damped_oscillator");
  s.network.in_size = s.network.out_size = 2;
  s.network.width = 3;
  s.network.depth = 1;
  s.network.activation = kode::MlpActivation::silu;
  s.seed = 3;
  s.initial_params = {0.2, 1.3};
  s.learnt_params = {1};  // omega; zeta fixed
  s.log_params = true;
  s.spec = fixed_mesh(s.data, "dopri5");
  REQUIRE(s.n_learnable() == s.network.n_weights() + 1);
  check_against_finite_differences(s, 1e-6);
}

TEST_CASE("data split: disjoint, complete, seeded", "[train]") {
  const kode::DataSplit a = kode::split_data(100, 0.25, 3), b = kode::split_data(100, 0.25, 3);
  CHECK(a.train == b.train);
  CHECK(a.validation == b.validation);
  CHECK(a.validation.size() == 25);
  std::set<int> all(a.train.begin(), a.train.end());
  all.insert(a.validation.begin(), a.validation.end());
  CHECK(all.size() == 100);
  CHECK(std::is_sorted(a.train.begin(), a.train.end()));
  CHECK(kode::split_data(100, 0.25, 4).validation != a.validation);
  CHECK(kode::split_data(10, 0.0, 3).validation.empty());
}

TEST_CASE("minibatches: distinct training trajectories drawn from (seed, step)", "[train]") {
  const kode::DataSplit split = kode::split_data(50, 0.2, 1);
  std::vector<int> counts(50, 0);
  for (long long step = 0; step < 200; ++step) {
    const std::vector<int> b = kode::minibatch(split.train, 8, 1, step);
    REQUIRE(b.size() == 8);
    CHECK(std::set<int>(b.begin(), b.end()).size() == 8);
    for (int i : b) {
      CHECK(std::binary_search(split.train.begin(), split.train.end(), i));
      ++counts[i];
    }
    CHECK(b == kode::minibatch(split.train, 8, 1, step));
  }
  CHECK(kode::minibatch(split.train, 8, 1, 0) != kode::minibatch(split.train, 8, 1, 1));
  CHECK(kode::minibatch(split.train, 8, 1, 0) != kode::minibatch(split.train, 8, 2, 0));
  // Every training trajectory is drawn, none of the validation ones: 1600
  // draws over 40 trajectories, 40 expected each (binomial sd ~6).
  for (int i : split.train) CHECK((counts[i] > 15 && counts[i] < 70));
  for (int i : split.validation) CHECK(counts[i] == 0);
  CHECK(kode::minibatch(split.train, 100, 1, 5) == split.train);
}
