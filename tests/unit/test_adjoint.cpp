// The discrete adjoint (engine/sensitivity/adjoint_sensitivity.hpp): the
// gradient of a trajectory's loss on the frozen accepted-step mesh.
//  - Equal to the forward-mode gradient on the same mesh (chain rule over the
//    save times from ForwardSensitivitySolver) to <= 1e-12 relative, for every
//    built-in ODE model x {heun, bosh3, tsit5, dopri5, dopri8} x {constant,
//    PID}, forward and backward in time, mse and state losses.
//  - Checkpointed gradients bit-identical to store-all ones at several
//    checkpoint counts; the slots used stay within the bound; store-all
//    recomputes nothing, checkpointing at most one forward solve.
//  - Central finite differences of the loss on a fixed step mesh.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"
#include "kode/kernels/models/pk_two_compartment.hpp"
#include "kode/kernels/models/spring_mass_damper.hpp"
#include "kode/kernels/models/van_der_pol.hpp"

namespace {

kode::SolveSpec spec_over(double t0, double t1, int n_save, bool adaptive, double dt) {
  kode::SolveSpec s;
  s.t0 = t0;
  s.t1 = t1;
  for (int j = 0; j < n_save; ++j) s.ts.push_back(t0 + (t1 - t0) * j / (n_save - 1));
  s.ts[1] = t0 + (s.ts[2] - t0) * 0.37;  // interpolated inside a step
  s.control.adaptive = adaptive;
  s.control.rtol = 1e-6;
  s.control.atol = 1e-8;
  if (!adaptive) s.control.dt0 = dt;
  s.control.max_steps = 100000;
  return s;
}

// Data off the solution so that the residuals are not zero.
std::vector<double> synthetic_data(const kode::BatchResult& r) {
  std::vector<double> d = r.ys;
  for (size_t k = 0; k < d.size(); ++k) d[k] += 0.1 * std::sin(1.0 + static_cast<double>(k));
  return d;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

template <class Model, class Tableau>
void check_adjoint_equals_forward(const std::vector<double>& p, const std::vector<double>& y0,
                                  double t0, double t1, double dt) {
  constexpr int N = Model::n_state, P = Model::n_param;
  for (const bool adaptive : {true, false}) {
    const kode::SolveSpec s = spec_over(t0, t1, 6, adaptive, dt);
    const int n_save = static_cast<int>(s.ts.size());
    const auto fwd = kode::forward_sensitivity_batch<Model, Tableau>({}, s, p, y0, 1);
    REQUIRE(fwd.solution.status[0] == 0);
    for (const auto kind : {kode::LossKind::mse, kode::LossKind::state}) {
      kode::LossSpec loss;
      loss.kind = kind;
      loss.data = synthetic_data(fwd.solution);
      for (int i = 0; i < N; ++i) loss.weights.push_back(0.5 + i);
      loss.final_only = false;
      kode::AdjointSolver<Model, Tableau> adjoint;
      kode::AdjointResult a;
      adjoint.solve(s, loss, p, y0, 1, a, 100000);
      INFO(Model::name << " " << Tableau::name << (adaptive ? " pid" : " constant")
                       << (kind == kode::LossKind::mse ? " mse" : " state"));
      REQUIRE(a.status[0] == 0);
      REQUIRE(a.gradient_ok[0] == 1);
      CHECK(a.recomputed[0] == 0);  // store-all: nothing replayed
      CHECK(a.num_steps[0] == fwd.solution.num_steps[0]);
      // The forward-mode gradient by the chain rule over the save times.
      std::vector<double> gp(P, 0.0), gy(N, 0.0), scale_p(P, 0.0), scale_y(N, 0.0);
      double l = 0.0;
      for (int j = 0; j < n_save; ++j)
        for (int i = 0; i < N; ++i) {
          const size_t row = static_cast<size_t>(j) * N + i;
          const double y = fwd.solution.ys[row];
          const double g =
              kind == kode::LossKind::mse ? 2.0 * (y - loss.data[row]) : loss.weights[i];
          l += kind == kode::LossKind::mse ? (y - loss.data[row]) * (y - loss.data[row])
                                           : loss.weights[i] * y;
          for (int q = 0; q < P; ++q) {
            gp[q] += g * fwd.dys_dparams[row * P + q];
            scale_p[q] += std::fabs(g * fwd.dys_dparams[row * P + q]);
          }
          for (int m = 0; m < N; ++m) {
            gy[m] += g * fwd.dys_dy0[row * N + m];
            scale_y[m] += std::fabs(g * fwd.dys_dy0[row * N + m]);
          }
        }
      CHECK(std::fabs(a.loss[0] - l) <= 1e-13 * (1.0 + std::fabs(l)));
      for (int q = 0; q < P; ++q) {
        INFO("d loss / d param " << q << ": adjoint " << a.dloss_dparams[q] << ", forward "
                                 << gp[q]);
        CHECK(std::fabs(a.dloss_dparams[q] - gp[q]) <= 1e-12 * (scale_p[q] + 1e-300));
      }
      for (int m = 0; m < N; ++m) {
        INFO("d loss / d y0 " << m << ": adjoint " << a.dloss_dy0[m] << ", forward " << gy[m]);
        CHECK(std::fabs(a.dloss_dy0[m] - gy[m]) <= 1e-12 * (scale_y[m] + 1e-300));
      }
    }
  }
}

template <class Tableau>
void check_every_model() {
  using namespace kode::models;
  check_adjoint_equals_forward<Logistic, Tableau>({1.3, 10.0}, {0.5}, 0.0, 3.0, 0.01);
  check_adjoint_equals_forward<LotkaVolterra, Tableau>({1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0.0, 3.0,
                                                       0.005);
  check_adjoint_equals_forward<SpringMassDamper, Tableau>({1.0, 0.4, 4.0}, {1.0, 0.0}, 0.0, 3.0,
                                                          0.01);
  check_adjoint_equals_forward<DampedOscillator, Tableau>({0.2, 2.0}, {1.0, -0.5}, 3.0, 0.0, 0.01);
  check_adjoint_equals_forward<Lorenz, Tableau>({10.0, 28.0, 8.0 / 3.0}, {1.0, 1.0, 1.0}, 0.0, 0.5,
                                                0.001);
  check_adjoint_equals_forward<VanDerPol, Tableau>({1.5}, {2.0, 0.0}, 0.0, 3.0, 0.005);
  check_adjoint_equals_forward<PkTwoCompartment, Tableau>({1.2, 0.5, 10.0, 0.8, 20.0},
                                                          {100.0, 0.0, 0.0}, 0.0, 12.0, 0.02);
}

}  // namespace

TEMPLATE_TEST_CASE("the discrete adjoint equals forward mode on the same mesh",
                   "[sensitivity][adjoint]", kode::Heun, kode::Bosh3, kode::Tsit5, kode::Dopri5,
                   kode::Dopri8) {
  check_every_model<TestType>();
}

TEST_CASE("checkpointed adjoint gradients are bit-identical to store-all ones",
          "[sensitivity][adjoint][checkpoint]") {
  using Model = kode::models::LotkaVolterra;
  const std::vector<double> p = {1.5, 1.0, 3.0, 1.0, 1.2, 0.8, 2.5, 1.1, 1.6, 1.1, 3.1, 0.9};
  const std::vector<double> y0 = {1.0, 1.0, 2.0, 0.5, 0.7, 1.3};
  for (const bool adaptive : {true, false}) {
    kode::SolveSpec s = spec_over(0.0, 20.0, 41, adaptive, 0.02);
    s.control.rtol = 1e-8;
    s.control.atol = 1e-10;
    const auto plain = kode::solve_batch<Model, kode::Dopri5>({}, s, p, y0, 3);
    kode::LossSpec loss;
    loss.kind = kode::LossKind::mse;
    loss.data = synthetic_data(plain);
    kode::AdjointSolver<Model, kode::Dopri5> adjoint;
    kode::AdjointResult all;
    adjoint.solve(s, loss, p, y0, 3, all, 100000);
    for (int t = 0; t < 3; ++t) {
      REQUIRE(all.gradient_ok[t] == 1);
      CHECK(all.recomputed[t] == 0);
      CHECK(all.slots_used[t] == all.num_accepted[t] + 1);
    }
    for (const int c : {32, 37, 64, 100}) {
      kode::AdjointResult chk;
      adjoint.solve(s, loss, p, y0, 3, chk, c);
      INFO((adaptive ? "pid" : "constant") << ", " << c << " checkpoints");
      for (int t = 0; t < 3; ++t) {
        REQUIRE(chk.gradient_ok[t] == 1);
        CHECK(chk.slots_used[t] <= c);
        // Each segment replayed once: at most one extra forward solve.
        CHECK(chk.recomputed[t] > 0);
        CHECK(chk.recomputed[t] <= chk.num_steps[t]);
      }
      CHECK(same_bits(all.loss, chk.loss));
      CHECK(same_bits(all.dloss_dparams, chk.dloss_dparams));
      CHECK(same_bits(all.dloss_dy0, chk.dloss_dy0));
      CHECK(same_bits(all.sum_dloss_dparams, chk.sum_dloss_dparams));
    }
    // Beyond about C^2/2 accepted steps (here 290-490 steps in 3 slots) the
    // gradient is refused, not wrong.
    kode::AdjointResult tiny;
    adjoint.solve(s, loss, p, y0, 3, tiny, 3);
    for (int t = 0; t < 3; ++t) {
      CHECK(tiny.gradient_ok[t] == 0);
      CHECK(std::isnan(tiny.dloss_dparams[static_cast<size_t>(t) * 4]));
      CHECK(tiny.loss[t] == all.loss[t]);  // the loss itself is still the forward's
    }
  }
}

TEST_CASE("adjoint gradients agree with finite differences on a fixed mesh",
          "[sensitivity][adjoint][fd]") {
  using Model = kode::models::VanDerPol;
  const std::vector<double> p = {1.5}, y0 = {2.0, 0.0};
  const kode::SolveSpec s = spec_over(0.0, 4.0, 9, false, 0.01);
  kode::LossSpec loss;
  loss.kind = kode::LossKind::mse;
  loss.data = synthetic_data(kode::solve_batch<Model, kode::Tsit5>({}, s, p, y0, 1));
  const auto loss_of = [&](const std::vector<double>& pp, const std::vector<double>& yy) {
    const auto r = kode::solve_batch<Model, kode::Tsit5>({}, s, pp, yy, 1);
    double l = 0.0;
    for (size_t k = 0; k < r.ys.size(); ++k)
      l += (r.ys[k] - loss.data[k]) * (r.ys[k] - loss.data[k]);
    return l;
  };
  kode::AdjointSolver<Model, kode::Tsit5> adjoint;
  kode::AdjointResult a;
  adjoint.solve(s, loss, p, y0, 1, a, 40);  // checkpointed: 400 steps in 40 slots
  REQUIRE(a.gradient_ok[0] == 1);
  for (int q = 0; q < 3; ++q) {
    std::vector<double> pp = p, pm = p, yp = y0, ym = y0;
    double& up = q < 1 ? pp[q] : yp[q - 1];
    double& um = q < 1 ? pm[q] : ym[q - 1];
    const double h = 1e-6 * std::fmax(1.0, std::fabs(up));
    up += h;
    um -= h;
    const double fd = (loss_of(pp, yp) - loss_of(pm, ym)) / (2.0 * h);
    const double got = q < 1 ? a.dloss_dparams[q] : a.dloss_dy0[q - 1];
    INFO("input " << q << ": adjoint " << got << ", finite difference " << fd);
    CHECK(std::fabs(got - fd) <= 1e-6 * (std::fabs(fd) + 1e-3));
  }
}
