// The discrete adjoint with a model's own vector-Jacobian product
// (reverse_step_vjp in kernels/sensitivity/adjoint_trajectory.hpp): the
// stage-by-stage reverse through the step, its interpolant (Hermite or the
// method's dense output) and the save times inside it gives the gradient of
// the dual-number reverse (itself equal to forward mode, test_adjoint.cpp)
// to rounding, for heun, bosh3, tsit5, dopri5 and dopri8, constant and PID
// steps, forward and backward in time, mse and state losses; checkpointed
// and store-all gradients stay bit-identical; and a wrong vjp shows, so the
// product is really used.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "models_with_vjp.hpp"

namespace {

kode::SolveSpec spec_over(double t0, double t1, bool adaptive) {
  kode::SolveSpec s;
  s.t0 = t0;
  s.t1 = t1;
  for (int j = 0; j < 7; ++j) s.ts.push_back(t0 + (t1 - t0) * j / 6);
  s.ts[1] = t0 + (s.ts[2] - t0) * 0.37;  // inside a step
  s.control.adaptive = adaptive;
  s.control.rtol = 1e-7;
  s.control.atol = 1e-9;
  if (!adaptive) s.control.dt0 = std::fabs(t1 - t0) / 300.0;
  s.control.max_steps = 100000;
  return s;
}

// max |a - b| over the gradients, relative to their largest |b|.
double relative_distance(const kode::AdjointResult& a, const kode::AdjointResult& b) {
  double diff = 0.0, scale = 0.0;
  for (size_t k = 0; k < b.dloss_dparams.size(); ++k) {
    diff = std::fmax(diff, std::fabs(a.dloss_dparams[k] - b.dloss_dparams[k]));
    scale = std::fmax(scale, std::fabs(b.dloss_dparams[k]));
  }
  for (size_t k = 0; k < b.dloss_dy0.size(); ++k) {
    diff = std::fmax(diff, std::fabs(a.dloss_dy0[k] - b.dloss_dy0[k]));
    scale = std::fmax(scale, std::fabs(b.dloss_dy0[k]));
  }
  return diff / scale;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

template <class WithVjp, class Plain, class Tableau>
void check_vjp_equals_dual(const std::vector<double>& p, const std::vector<double>& y0, double t0,
                           double t1) {
  constexpr int N = Plain::n_state;
  for (const bool adaptive : {true, false}) {
    const kode::SolveSpec s = spec_over(t0, t1, adaptive);
    for (const auto kind : {kode::LossKind::mse, kode::LossKind::state}) {
      kode::LossSpec loss;
      loss.kind = kind;
      loss.data = kode::solve_batch<Plain, Tableau>({}, s, p, y0, 1).ys;
      for (size_t k = 0; k < loss.data.size(); ++k)
        loss.data[k] += 0.1 * std::sin(1.0 + static_cast<double>(k));
      for (int i = 0; i < N; ++i) loss.weights.push_back(0.5 + i);
      loss.final_only = false;
      kode::AdjointResult dual, vjp, checkpointed;
      kode::AdjointSolver<Plain, Tableau>().solve(s, loss, p, y0, 1, dual, 100000);
      kode::AdjointSolver<WithVjp, Tableau> solver;
      solver.solve(s, loss, p, y0, 1, vjp, 100000);
      // Fewer slots than steps, enough for about C^2 / 2 of them.
      const int slots = static_cast<int>(std::ceil(std::sqrt(2.0 * vjp.num_accepted[0]))) + 1;
      solver.solve(s, loss, p, y0, 1, checkpointed, slots);
      INFO(Plain::name << " " << Tableau::name << (adaptive ? " pid" : " constant")
                       << (kind == kode::LossKind::mse ? " mse" : " state") << " [" << t0 << ", "
                       << t1 << "], " << vjp.num_accepted[0] << " steps");
      REQUIRE(dual.gradient_ok[0] == 1);
      REQUIRE(vjp.gradient_ok[0] == 1);
      REQUIRE(checkpointed.gradient_ok[0] == 1);
      CHECK(vjp.loss[0] == dual.loss[0]);  // the same forward pass
      const double d = relative_distance(vjp, dual);
      INFO("vjp vs dual reverse: relative distance " << d);
      CHECK(d <= 1e-12);
      CHECK(checkpointed.recomputed[0] > 0);
      CHECK(same_bits(checkpointed.dloss_dparams, vjp.dloss_dparams));
      CHECK(same_bits(checkpointed.dloss_dy0, vjp.dloss_dy0));
    }
  }
}

}  // namespace

TEMPLATE_TEST_CASE("the discrete adjoint with a model's vjp equals the dual-number reverse",
                   "[sensitivity][adjoint][vjp]", kode::Heun, kode::Bosh3, kode::Tsit5,
                   kode::Dopri5, kode::Dopri8) {
  using kode_test::LotkaVolterraWithVjp;
  using kode_test::OscillatorWithVjp;
  check_vjp_equals_dual<OscillatorWithVjp, kode::models::DampedOscillator, TestType>(
      {0.2, 2.0}, {1.0, 0.0}, 0.0, 6.0);
  check_vjp_equals_dual<LotkaVolterraWithVjp, kode::models::LotkaVolterra, TestType>(
      {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0.0, 4.0);
  // Backward in time.
  check_vjp_equals_dual<OscillatorWithVjp, kode::models::DampedOscillator, TestType>(
      {0.2, 2.0}, {1.0, 0.0}, 3.0, 0.0);
}

TEST_CASE("a wrong vjp changes the discrete adjoint's gradient", "[sensitivity][adjoint][vjp]") {
  const kode::SolveSpec s = spec_over(0.0, 6.0, true);
  kode::LossSpec loss;
  loss.kind = kode::LossKind::state;
  loss.weights = {1.0, 0.5};
  loss.final_only = false;
  kode_test::OscillatorWithVjp model;
  kode::AdjointResult right, wrong;
  kode::AdjointSolver<kode_test::OscillatorWithVjp, kode::Tsit5>(model).solve(s, loss, {0.2, 2.0},
                                                                              {1.0, 0.0}, 1, right);
  model.scale = 2.0;
  kode::AdjointSolver<kode_test::OscillatorWithVjp, kode::Tsit5>(model).solve(s, loss, {0.2, 2.0},
                                                                              {1.0, 0.0}, 1, wrong);
  // Only the parameter part is scaled: dL/dy0 stays, dL/dp doubles.
  CHECK(same_bits(right.dloss_dy0, wrong.dloss_dy0));
  for (int q = 0; q < 2; ++q)
    CHECK(std::fabs(wrong.dloss_dparams[q] - 2.0 * right.dloss_dparams[q]) <=
          1e-13 * std::fabs(right.dloss_dparams[q]));
}
