// The continuous adjoint solved backwards ("backsolve",
// kernels/sensitivity/backsolve_adjoint.hpp): it differentiates the ODE, not
// the computed solution, so it is checked against the discrete adjoint
// (itself checked against forward mode and finite differences in
// test_adjoint.cpp) at the distance the tolerance allows:
//  - stable problems (damped oscillator, logistic, Lotka-Volterra), forward
//    and backward in time, mse and state losses: the relative distance is
//    below 100 x rtol at rtol = 1e-6 and at 1e-10 (so it shrinks with the
//    tolerance, as a discretisation error does);
//  - Lorenz, where it fails, shown rather than hidden: over t in [0, 1] the
//    distance is more than 1e4 x rtol (the backward reconstruction of y
//    amplifies the forward solve's error), and over [0, 10] the backward
//    solve does not even finish (or is wrong by more than 10%) while the
//    discrete adjoint is fine;
//  - a failed forward solve gives its status and NaN gradients.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"
#include "models_with_vjp.hpp"

namespace {

kode::SolveSpec spec_over(double t0, double t1, int n_save, double tol) {
  kode::SolveSpec s;
  s.t0 = t0;
  s.t1 = t1;
  for (int j = 0; j < n_save; ++j) s.ts.push_back(t0 + (t1 - t0) * j / (n_save - 1));
  s.control.rtol = tol;
  s.control.atol = tol;
  s.control.max_steps = 100000;
  return s;
}

// max_k |a_k - b_k| / max_k |b_k| over the parameter and initial-state
// gradients.
double relative_distance(const kode::AdjointResult& a, const kode::AdjointResult& b) {
  double diff = 0.0, scale = 0.0;
  const auto add = [&](const std::vector<double>& x, const std::vector<double>& y) {
    for (size_t k = 0; k < x.size(); ++k) {
      diff = std::fmax(diff, std::fabs(x[k] - y[k]));
      scale = std::fmax(scale, std::fabs(y[k]));
    }
  };
  add(a.dloss_dparams, b.dloss_dparams);
  add(a.dloss_dy0, b.dloss_dy0);
  return diff / scale;
}

template <class Model, class Tableau>
void check_close_to_adjoint(const std::vector<double>& p, const std::vector<double>& y0, double t0,
                            double t1, kode::LossKind kind) {
  constexpr int N = Model::n_state;
  for (const double tol : {1e-6, 1e-10}) {
    const kode::SolveSpec s = spec_over(t0, t1, 9, tol);
    kode::LossSpec loss;
    loss.kind = kind;
    if (kind == kode::LossKind::mse) {
      loss.data = kode::solve_batch<Model, Tableau>({}, s, p, y0, 1).ys;
      for (size_t k = 0; k < loss.data.size(); ++k)
        loss.data[k] += 0.1 * std::sin(1.0 + static_cast<double>(k));
    } else {
      loss.weights.assign(N, 0.0);
      loss.weights[0] = 1.0;
      loss.final_only = false;
    }
    kode::AdjointSolver<Model, Tableau> solver;
    kode::AdjointResult discrete, backsolve;
    solver.solve(s, loss, p, y0, 1, discrete, 4096);
    solver.backsolve(s, loss, p, y0, 1, backsolve);
    REQUIRE(discrete.gradient_ok[0] == 1);
    REQUIRE(backsolve.gradient_ok[0] == 1);
    REQUIRE(backsolve.backward_status[0] == 0);
    // The loss comes from the same forward states.
    CHECK(backsolve.loss[0] == discrete.loss[0]);
    const double d = relative_distance(backsolve, discrete);
    INFO(Model::name << " " << Tableau::name << " tol " << tol << " [" << t0 << ", " << t1
                     << "]: relative distance " << d);
    CHECK(d <= 100.0 * tol);
  }
}

}  // namespace

TEST_CASE("backsolve uses a model's own vjp when it has one", "[sensitivity][backsolve][vjp]") {
  const kode::SolveSpec s = spec_over(0.0, 10.0, 9, 1e-8);
  kode::LossSpec loss;
  loss.kind = kode::LossKind::state;
  loss.weights = {1.0, 0.5};
  loss.final_only = false;
  const std::vector<double> p = {0.2, 2.0}, y0 = {1.0, 0.0};
  kode::AdjointResult dual, hand, wrong;
  kode::AdjointSolver<kode::models::DampedOscillator, kode::Tsit5>().backsolve(s, loss, p, y0, 1,
                                                                               dual);
  kode_test::OscillatorWithVjp model;
  kode::AdjointSolver<kode_test::OscillatorWithVjp, kode::Tsit5>(model).backsolve(s, loss, p, y0, 1,
                                                                                  hand);
  model.scale = 2.0;
  kode::AdjointSolver<kode_test::OscillatorWithVjp, kode::Tsit5>(model).backsolve(s, loss, p, y0, 1,
                                                                                  wrong);
  // The same products up to rounding (the backward mesh may move by a hair).
  const double d = relative_distance(hand, dual);
  INFO("vjp vs dual numbers: relative distance " << d);
  CHECK(d <= 1e-9);
  CHECK(relative_distance(wrong, dual) > 0.1);
}

TEST_CASE("backsolve is within the tolerance of the discrete adjoint on stable problems",
          "[sensitivity][backsolve]") {
  using kode::LossKind;
  check_close_to_adjoint<kode::models::DampedOscillator, kode::Tsit5>({0.2, 2.0}, {1.0, 0.0}, 0.0,
                                                                      10.0, LossKind::mse);
  check_close_to_adjoint<kode::models::DampedOscillator, kode::Dopri5>({0.2, 2.0}, {1.0, 0.0}, 0.0,
                                                                       10.0, LossKind::state);
  check_close_to_adjoint<kode::models::Logistic, kode::Dopri8>({1.3, 2.0}, {0.1}, 0.0, 6.0,
                                                               LossKind::mse);
  check_close_to_adjoint<kode::models::LotkaVolterra, kode::Tsit5>({1.5, 1.0, 3.0, 1.0}, {1.0, 1.0},
                                                                   0.0, 5.0, LossKind::mse);
  // Backward in time (t1 < t0).
  check_close_to_adjoint<kode::models::DampedOscillator, kode::Tsit5>({0.2, 2.0}, {1.0, 0.0}, 5.0,
                                                                      0.0, LossKind::mse);
}

TEST_CASE("backsolve fails on Lorenz, and the discrete adjoint does not",
          "[sensitivity][backsolve]") {
  using Model = kode::models::Lorenz;
  const std::vector<double> p = {10.0, 28.0, 8.0 / 3.0}, y0 = {1.0, 1.0, 20.0};
  kode::LossSpec loss;
  loss.kind = kode::LossKind::state;
  loss.weights = {1.0, 0.0, 0.0};
  loss.final_only = true;
  kode::AdjointSolver<Model, kode::Tsit5> solver;
  kode::AdjointResult discrete, backsolve;

  // Short horizon: it finishes, but far outside the tolerance.
  const double tol = 1e-8;
  kode::SolveSpec s = spec_over(0.0, 1.0, 2, tol);
  solver.solve(s, loss, p, y0, 1, discrete, 4096);
  solver.backsolve(s, loss, p, y0, 1, backsolve);
  REQUIRE(discrete.gradient_ok[0] == 1);
  REQUIRE(backsolve.gradient_ok[0] == 1);
  const double d = relative_distance(backsolve, discrete);
  INFO("Lorenz over [0, 1] at tol 1e-8: backsolve's relative distance " << d);
  CHECK(d > 1e4 * tol);

  // Long horizon: the backward solve blows up.
  s = spec_over(0.0, 10.0, 2, tol);
  solver.solve(s, loss, p, y0, 1, discrete, 4096);
  solver.backsolve(s, loss, p, y0, 1, backsolve);
  REQUIRE(discrete.gradient_ok[0] == 1);
  INFO("Lorenz over [0, 10]: backward status " << int(backsolve.backward_status[0]));
  if (backsolve.backward_status[0] == 0) {
    CHECK(relative_distance(backsolve, discrete) > 0.1);
  } else {
    CHECK(backsolve.gradient_ok[0] == 0);
    CHECK(std::isnan(backsolve.dloss_dparams[0]));
  }
}

TEST_CASE("backsolve reports a failed forward solve", "[sensitivity][backsolve]") {
  using Model = kode::models::DampedOscillator;
  kode::SolveSpec s = spec_over(0.0, 10.0, 5, 1e-8);
  s.control.max_steps = 3;
  kode::LossSpec loss;
  loss.kind = kode::LossKind::state;
  loss.weights = {1.0, 0.0};
  kode::AdjointSolver<Model, kode::Tsit5> solver;
  kode::AdjointResult r;
  solver.backsolve(s, loss, {0.2, 2.0}, {1.0, 0.0}, 1, r);
  CHECK(r.status[0] == static_cast<std::int8_t>(kode::Status::max_steps_reached));
  CHECK(r.gradient_ok[0] == 0);
  CHECK(std::isnan(r.dloss_dy0[0]));
}
