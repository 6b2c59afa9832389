// Pathwise sensitivities of SDE solves (forward mode in
// engine/sensitivity/forward_sensitivity.hpp, the discrete adjoint in
// kernels/sensitivity/sde_adjoint_loop.hpp): the derivative of each computed
// trajectory on its own Brownian path and step mesh.
//  - Forward mode keeps the solve's values and step counts bit for bit.
//  - Adjoint = forward mode on the same path to <= 1e-12 relative, for every
//    built-in SDE model x every SDE method it admits, fixed and adaptive
//    steps, mse and state losses, with and without an Ito-Stratonovich drift
//    conversion (whose (dG/dy) G is differentiated through nested duals).
//  - Checkpointed adjoints bit-identical to store-all ones.
//  - Central finite differences on the same path and fixed mesh.
//  - Geometric Brownian motion: the Monte Carlo mean of the pathwise
//    dX_T/dmu converges to d E[X_T]/d mu = T x0 exp(mu T) within 5 standard
//    errors, for Euler-Maruyama and Milstein, forward and adjoint.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/geometric_brownian_motion.hpp"
#include "kode/kernels/models/langevin_spring_mass_damper.hpp"
#include "kode/kernels/models/ornstein_uhlenbeck.hpp"
#include "kode/kernels/models/stochastic_lotka_volterra.hpp"

namespace {

using GBM = kode::models::GeometricBrownianMotion;
using OU = kode::models::OrnsteinUhlenbeck;
using Langevin = kode::models::LangevinSpringMassDamper;
using SLV = kode::models::StochasticLotkaVolterra;

kode::SolveSpec sde_spec(double t1, double dt, bool adaptive, std::uint64_t seed = 7) {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = t1;
  for (int j = 0; j <= 5; ++j) s.ts.push_back(t1 * j / 5.0);
  s.ts[2] = 0.37 * t1;  // a save time that cuts a step short
  s.control.adaptive = adaptive;
  s.control.rtol = 1e-3;
  s.control.atol = 1e-5;
  s.control.dt0 = dt;
  s.control.max_steps = 1000000;
  s.noise.seed = seed;
  return s;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

double rel(double a, double b) {
  return std::fabs(a - b) / std::max({std::fabs(a), std::fabs(b), 1e-300});
}

// Per-model parameters and initial states for a small batch.
template <class Model>
struct Setup;
template <>
struct Setup<GBM> {
  static std::vector<double> p() { return {0.4, 0.3}; }
  static std::vector<double> y0() { return {1.2}; }
};
template <>
struct Setup<OU> {
  static std::vector<double> p() { return {1.5, 0.4, 0.6}; }
  static std::vector<double> y0() { return {1.0}; }
};
template <>
struct Setup<Langevin> {
  static std::vector<double> p() { return {1.1, 0.4, 2.0, 0.5}; }
  static std::vector<double> y0() { return {1.0, 0.0}; }
};
template <>
struct Setup<SLV> {
  static std::vector<double> p() { return {1.1, 0.4, 0.4, 0.1, 0.15, 0.1}; }
  static std::vector<double> y0() { return {10.0, 5.0}; }
};

template <class Model>
std::vector<double> repeat(const std::vector<double>& row, int n) {
  std::vector<double> out;
  for (int t = 0; t < n; ++t) out.insert(out.end(), row.begin(), row.end());
  return out;
}

// Forward mode vs the plain solve, and the adjoint vs forward mode, for one
// model and method on a batch of paths.
template <class Model, class Method>
void check_model_method(const std::string& calculus) {
  constexpr int N = Model::n_state, P = Model::n_param;
  constexpr int n_traj = 4;
  for (const bool adaptive : {false, true}) {
    if (adaptive && !Method::has_error) continue;
    kode::SolveSpec s = sde_spec(1.0, 0.01, adaptive);
    s.noise.calculus = calculus;
    const int n_save = static_cast<int>(s.ts.size());
    const auto p = repeat<Model>(Setup<Model>::p(), n_traj);
    const auto y0 = repeat<Model>(Setup<Model>::y0(), n_traj);
    INFO(Model::name << " " << Method::name << (adaptive ? " adaptive" : " fixed") << " calculus '"
                     << calculus << "'");

    kode::BatchResult plain;
    kode::BatchSolver<Model, Method>(Model{}).solve(s, p, y0, n_traj, plain);
    const auto fwd = kode::forward_sensitivity_batch<Model, Method>({}, s, p, y0, n_traj);
    CHECK(same_bits(fwd.solution.ys, plain.ys));
    CHECK(same_bits(fwd.solution.y_final, plain.y_final));
    CHECK(fwd.solution.num_steps == plain.num_steps);
    for (int t = 0; t < n_traj; ++t) REQUIRE(plain.status[t] == 0);

    for (const auto kind : {kode::LossKind::mse, kode::LossKind::state}) {
      kode::LossSpec loss;
      loss.kind = kind;
      loss.final_only = false;
      loss.data = plain.ys;
      for (size_t k = 0; k < loss.data.size(); ++k)
        loss.data[k] += 0.1 * std::sin(1.0 + static_cast<double>(k));
      for (int i = 0; i < N; ++i) loss.weights.push_back(0.5 + i);
      kode::AdjointSolver<Model, Method> adjoint;
      kode::AdjointResult a;
      adjoint.solve(s, loss, p, y0, n_traj, a, 100000);
      for (int t = 0; t < n_traj; ++t) {
        REQUIRE(a.gradient_ok[t] == 1);
        CHECK(a.num_steps[t] == plain.num_steps[t]);
        // dL/dp and dL/dy0 by the chain rule over forward mode's Jacobians.
        std::vector<double> gp(P, 0.0), gy(N, 0.0);
        for (int j = 0; j < n_save; ++j)
          for (int i = 0; i < N; ++i) {
            const size_t row = (static_cast<size_t>(t) * n_save + j) * N + i;
            const double yi = fwd.solution.ys[row];
            const double g = kind == kode::LossKind::mse ? 2.0 * (yi - loss.data[row])
                                                         : loss.weights[static_cast<size_t>(i)];
            for (int q = 0; q < P; ++q) gp[q] += g * fwd.dys_dparams[row * P + q];
            for (int m = 0; m < N; ++m) gy[m] += g * fwd.dys_dy0[row * N + m];
          }
        for (int q = 0; q < P; ++q) CHECK(rel(a.dloss_dparams[t * P + q], gp[q]) <= 1e-12);
        for (int m = 0; m < N; ++m) CHECK(rel(a.dloss_dy0[t * N + m], gy[m]) <= 1e-12);
      }
    }
  }
}

template <class Model, class Methods>
struct ForEachAdmitted;
template <class Model, class... Methods>
struct ForEachAdmitted<Model, std::tuple<Methods...>> {
  static void run(const std::string& calculus) {
    (
        [&] {
          if constexpr (Methods::supports(Model::noise))
            check_model_method<Model, Methods>(calculus);
        }(),
        ...);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("SDE adjoint gradients equal forward mode on the same Brownian path", "[sde]",
                   GBM, OU, Langevin, SLV) {
  ForEachAdmitted<TestType, kode::SdeMethods>::run("");
}

TEMPLATE_TEST_CASE("SDE sensitivities through the Ito-Stratonovich conversion", "[sde]", GBM, SLV) {
  // GBM read as a Stratonovich problem: Euler-Maruyama and Milstein add the
  // correction c = 1/2 g g' to the drift, Euler-Heun solves it directly; read
  // as Ito, Euler-Heun subtracts it.
  ForEachAdmitted<TestType, kode::SdeMethods>::run("stratonovich");
  ForEachAdmitted<TestType, kode::SdeMethods>::run("ito");
}

TEST_CASE("checkpointed SDE adjoints are bit-identical to store-all ones", "[sde]") {
  const kode::SolveSpec s = sde_spec(1.0, 0.004, false);
  constexpr int n_traj = 3;
  const auto p = repeat<SLV>(Setup<SLV>::p(), n_traj);
  const auto y0 = repeat<SLV>(Setup<SLV>::y0(), n_traj);
  kode::LossSpec loss;
  loss.weights = {1.0, -0.5};
  loss.final_only = false;
  kode::AdjointSolver<SLV, kode::Milstein> adjoint;
  kode::AdjointResult all;
  adjoint.solve(s, loss, p, y0, n_traj, all, 100000);
  REQUIRE(all.recomputed[0] == 0);
  for (const int c : {24, 40, 100}) {
    kode::AdjointResult cp;
    adjoint.solve(s, loss, p, y0, n_traj, cp, c);
    INFO("checkpoints " << c);
    for (int t = 0; t < n_traj; ++t) {
      REQUIRE(cp.gradient_ok[t] == 1);
      CHECK(cp.slots_used[t] <= c);
      CHECK(cp.recomputed[t] > 0);
      CHECK(cp.recomputed[t] <= all.num_steps[t]);  // at most one extra forward solve
    }
    CHECK(same_bits(cp.dloss_dparams, all.dloss_dparams));
    CHECK(same_bits(cp.dloss_dy0, all.dloss_dy0));
    CHECK(same_bits(cp.loss, all.loss));
  }
}

TEST_CASE("SDE pathwise gradients agree with finite differences on the same path", "[sde]") {
  // Fixed steps: the mesh and the Brownian increments do not move with p, so
  // central differences of the computed X_T approximate its exact derivative.
  const kode::SolveSpec s = sde_spec(1.0, 0.01, false, 11);
  const std::vector<double> p = Setup<SLV>::p(), y0 = Setup<SLV>::y0();
  const auto solve_final = [&](const std::vector<double>& pp, const std::vector<double>& yy) {
    kode::BatchResult r;
    kode::BatchSolver<SLV, kode::Milstein>(SLV{}).solve(s, pp, yy, 1, r);
    return r.y_final;
  };
  const auto fwd = kode::forward_sensitivity_batch<SLV, kode::Milstein>({}, s, p, y0, 1);
  for (int q = 0; q < SLV::n_param; ++q) {
    const double h = 1e-6 * std::max(1.0, std::fabs(p[q]));
    auto up = p, down = p;
    up[q] += h;
    down[q] -= h;
    const auto yu = solve_final(up, y0), yd = solve_final(down, y0);
    for (int i = 0; i < SLV::n_state; ++i) {
      INFO("d y" << i << " / d p" << q);
      const double fd = (yu[i] - yd[i]) / (2 * h);
      CHECK(std::fabs(fwd.dy_final_dparams[i * SLV::n_param + q] - fd) <=
            1e-6 * std::max(1.0, std::fabs(fd)));
    }
  }
  for (int m = 0; m < SLV::n_state; ++m) {
    const double h = 1e-6 * y0[m];
    auto up = y0, down = y0;
    up[m] += h;
    down[m] -= h;
    const auto yu = solve_final(p, up), yd = solve_final(p, down);
    for (int i = 0; i < SLV::n_state; ++i) {
      const double fd = (yu[i] - yd[i]) / (2 * h);
      CHECK(std::fabs(fwd.dy_final_dy0[i * SLV::n_state + m] - fd) <=
            1e-6 * std::max(1.0, std::fabs(fd)));
    }
  }
}

TEMPLATE_TEST_CASE("GBM: the Monte Carlo mean of the pathwise dX_T/dmu is T x0 exp(mu T)", "[sde]",
                   kode::EulerMaruyama, kode::Milstein) {
  // dX = mu X dt + sigma X dW: E[X_T] = x0 exp(mu T), so dE[X_T]/dmu =
  // T x0 exp(mu T) (Kloeden & Platen 1992, Sec. 4.4), and the pathwise
  // derivative dX_T/dmu is an unbiased estimator of it (Glasserman 2004,
  // "Monte Carlo Methods in Financial Engineering", Sec. 7.2). The step
  // h = T/256 makes the schemes' weak error (about mu^2 T h / 2 relative:
  // 5e-4) small against the 5 standard errors allowed (about 1e-2); the tree
  // resolved to the step (dyadic) keeps each path's queries cheap.
  const double mu = 0.5, sigma = 0.3, x0 = 1.0, T = 1.0;
  constexpr int n_traj = 20000;
  kode::SolveSpec s = sde_spec(T, T / 256, false, 2024);
  s.noise.tree_tol = T / 256;
  s.ts = {T};
  const auto p = repeat<GBM>({mu, sigma}, n_traj);
  const auto y0 = repeat<GBM>({x0}, n_traj);
  const double exact = T * x0 * std::exp(mu * T);

  const auto check_mean = [&](const std::vector<double>& d, const char* how) {
    double sum = 0.0, sum2 = 0.0;
    for (int t = 0; t < n_traj; ++t) {
      sum += d[t];
      sum2 += d[t] * d[t];
    }
    const double mean = sum / n_traj;
    const double se = std::sqrt((sum2 / n_traj - mean * mean) / (n_traj - 1));
    INFO(TestType::name << " " << how << ": mean " << mean << " +- " << se << ", exact " << exact);
    CHECK(std::fabs(mean - exact) <= 5.0 * se);
    CHECK(se <= 0.005 * exact);  // the test has the power it claims
  };

  const auto fwd = kode::forward_sensitivity_batch<GBM, TestType>({}, s, p, y0, n_traj);
  std::vector<double> dmu(n_traj);
  for (int t = 0; t < n_traj; ++t) dmu[t] = fwd.dy_final_dparams[static_cast<size_t>(t) * 2];
  check_mean(dmu, "forward");

  kode::LossSpec loss;  // L = X_T
  loss.weights = {1.0};
  kode::AdjointSolver<GBM, TestType> adjoint;
  kode::AdjointResult a;
  adjoint.solve(s, loss, p, y0, n_traj, a, 1000);
  for (int t = 0; t < n_traj; ++t) dmu[t] = a.dloss_dparams[static_cast<size_t>(t) * 2];
  check_mean(dmu, "adjoint");
  // The batch sum is the same estimator's numerator.
  CHECK(rel(a.sum_dloss_dparams[0] / n_traj,
            std::accumulate(dmu.begin(), dmu.end(), 0.0) / n_traj) <= 1e-12);
}

TEST_CASE("backsolve refuses SDE models with a clear error", "[sde]") {
  const kode::SolveSpec s = sde_spec(1.0, 0.01, false);
  kode::LossSpec loss;
  loss.weights = {1.0};
  kode::AdjointSolver<GBM, kode::EulerMaruyama> adjoint;
  kode::AdjointResult a;
  CHECK_THROWS_WITH(adjoint.backsolve(s, loss, {0.4, 0.3}, {1.0}, 1, a),
                    Catch::Matchers::ContainsSubstring("SDE"));
}
