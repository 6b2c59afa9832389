// Forward sensitivities (engine/sensitivity/forward_sensitivity.hpp): the
// Jacobians dy(t_k)/dp and dy(t_k)/dy0 of the computed solution on its frozen
// accepted-step mesh, carried by dual numbers through the solver's steps.
//  - The values, step counts and statuses are the plain solve's, bit for bit,
//    for every method, constant and PID steps (the controller reads values).
//  - Against closed forms: logistic n(t; r, k, n0) and the damped oscillator
//    x(t; zeta, omega, x0, v0), differentiated exactly by evaluating the
//    closed-form expressions themselves on dual numbers.
//  - Against central finite differences of the solver output on a fixed
//    step mesh (constant steps: finite differences do not move the mesh) for
//    every built-in ODE model and several methods, forward and backward.
#include <Kokkos_Core.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"
#include "kode/kernels/models/pk_two_compartment.hpp"
#include "kode/kernels/models/spring_mass_damper.hpp"
#include "kode/kernels/models/van_der_pol.hpp"

namespace {

kode::SolveSpec spec_over(double t0, double t1, int n_save) {
  kode::SolveSpec s;
  s.t0 = t0;
  s.t1 = t1;
  for (int j = 0; j < n_save; ++j) s.ts.push_back(t0 + (t1 - t0) * j / (n_save - 1));
  // Interior save times off the step ends exercise the interpolant's tangent.
  s.ts[1] = t0 + (t1 - t0) * 0.123;
  return s;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Logistic n(t) = k n0 e^{rt} / (k + n0 (e^{rt} - 1)) on any scalar.
template <class S>
S logistic_closed_form(S r, S k, S n0, double t) {
  const S e = kode::math::exp(r * t);
  return k * n0 * e / (k + n0 * (e - 1.0));
}

// Underdamped oscillator x(t), v(t) (tests/analytic_solutions.hpp) on any scalar.
template <class S>
void oscillator_closed_form(S zeta, S omega, S x0, S v0, double t, S& x, S& v) {
  const S wd = omega * kode::math::sqrt(1.0 - zeta * zeta);
  const S a = x0, b = (v0 + zeta * omega * x0) / wd;
  const S e = kode::math::exp(-zeta * omega * t);
  const S c = kode::math::cos(wd * t), s = kode::math::sin(wd * t);
  x = e * (a * c + b * s);
  v = -zeta * omega * x + e * wd * (-a * s + b * c);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("forward sensitivities keep the solve's values and mesh bit for bit",
                        "[sensitivity][forward]", kode::OdeMethods) {
  using Model = kode::models::LotkaVolterra;
  const std::vector<double> p = {1.5, 1.0, 3.0, 1.0, 1.2, 0.8, 2.5, 1.1};
  const std::vector<double> y0 = {1.0, 1.0, 2.0, 0.5};
  for (const bool adaptive : {true, false}) {
    if (adaptive && !TestType::has_error) continue;
    for (const bool backward : {false, true}) {
      kode::SolveSpec s = backward ? spec_over(4.0, 0.0, 9) : spec_over(0.0, 4.0, 9);
      s.control.rtol = 1e-7;
      s.control.atol = 1e-9;
      s.control.adaptive = adaptive;
      if (!adaptive) s.control.dt0 = 0.01;
      INFO(TestType::name << (adaptive ? " pid" : " constant") << (backward ? " backward" : ""));
      const auto plain = kode::solve_batch<Model, TestType>({}, s, p, y0, 2);
      const auto sens = kode::forward_sensitivity_batch<Model, TestType>({}, s, p, y0, 2);
      CHECK(same_bits(plain.ys, sens.solution.ys));
      CHECK(same_bits(plain.y_final, sens.solution.y_final));
      CHECK(plain.num_steps == sens.solution.num_steps);
      CHECK(plain.num_accepted == sens.solution.num_accepted);
      CHECK(plain.status == sens.solution.status);
    }
  }
}

TEST_CASE("forward sensitivities of the logistic model match the closed form",
          "[sensitivity][forward][analytic]") {
  using Model = kode::models::Logistic;
  using D3 = kode::DualN<3>;
  const double r = 1.3, k = 10.0, n0 = 0.5;
  kode::SolveSpec s = spec_over(0.0, 6.0, 7);
  s.control.rtol = 1e-12;
  s.control.atol = 1e-12;
  const auto out = kode::forward_sensitivity_batch<Model, kode::Dopri8>({}, s, {r, k}, {n0}, 1);
  REQUIRE(out.solution.status[0] == 0);
  for (size_t j = 0; j < s.ts.size(); ++j) {
    const D3 exact =
        logistic_closed_form(D3::variable(r, 0), D3::variable(k, 1), D3::variable(n0, 2), s.ts[j]);
    INFO("t = " << s.ts[j]);
    const double scale = 1.0 + std::fabs(kode::tangent(exact, 0));
    CHECK(std::fabs(out.solution.ys[j] - exact.v) <= 1e-10 * (1.0 + exact.v));
    CHECK(std::fabs(out.dys_dparams[j * 2 + 0] - kode::tangent(exact, 0)) <= 1e-9 * scale);
    CHECK(std::fabs(out.dys_dparams[j * 2 + 1] - kode::tangent(exact, 1)) <= 1e-9 * scale);
    CHECK(std::fabs(out.dys_dy0[j] - kode::tangent(exact, 2)) <= 1e-9 * scale);
  }
}

TEST_CASE("forward sensitivities of the damped oscillator match the closed form",
          "[sensitivity][forward][analytic]") {
  using Model = kode::models::DampedOscillator;
  using D4 = kode::DualN<4>;
  const double zeta = 0.2, omega = 2.0, x0 = 1.0, v0 = -0.5;
  kode::SolveSpec s = spec_over(0.0, 8.0, 9);
  s.control.rtol = 1e-12;
  s.control.atol = 1e-12;
  const auto out =
      kode::forward_sensitivity_batch<Model, kode::Tsit5>({}, s, {zeta, omega}, {x0, v0}, 1);
  REQUIRE(out.solution.status[0] == 0);
  for (size_t j = 0; j < s.ts.size(); ++j) {
    D4 x, v;
    oscillator_closed_form(D4::variable(zeta, 0), D4::variable(omega, 1), D4::variable(x0, 2),
                           D4::variable(v0, 3), s.ts[j], x, v);
    const D4 exact[2] = {x, v};
    for (int i = 0; i < 2; ++i)
      for (int m = 0; m < 4; ++m) {
        const double got =
            m < 2 ? out.dys_dparams[(j * 2 + i) * 2 + m] : out.dys_dy0[(j * 2 + i) * 2 + (m - 2)];
        INFO("t = " << s.ts[j] << ", d state " << i << " / d input " << m);
        CHECK(std::fabs(got - kode::tangent(exact[i], m)) <=
              1e-8 * (1.0 + std::fabs(kode::tangent(exact[i], m))));
      }
  }
}

namespace {

// Central finite differences of the solver output on a constant-step mesh:
// every tangent against (y(q + h) - y(q - h)) / 2h, h = 1e-6 max(1, |q|).
template <class Model, class Tableau>
void check_against_finite_differences(const std::vector<double>& p, const std::vector<double>& y0,
                                      double t0, double t1, double dt) {
  constexpr int N = Model::n_state, P = Model::n_param;
  kode::SolveSpec s = spec_over(t0, t1, 5);
  s.control.adaptive = false;
  s.control.dt0 = dt;
  s.control.max_steps = 100000;
  const auto out = kode::forward_sensitivity_batch<Model, Tableau>({}, s, p, y0, 1);
  REQUIRE(out.solution.status[0] == 0);
  const int n_save = static_cast<int>(s.ts.size());
  for (int q = 0; q < P + N; ++q) {
    std::vector<double> pp = p, pm = p, yp = y0, ym = y0;
    double& up = q < P ? pp[q] : yp[q - P];
    double& um = q < P ? pm[q] : ym[q - P];
    const double h = 1e-6 * std::fmax(1.0, std::fabs(up));
    up += h;
    um -= h;
    const auto plus = kode::solve_batch<Model, Tableau>({}, s, pp, yp, 1);
    const auto minus = kode::solve_batch<Model, Tableau>({}, s, pm, ym, 1);
    for (int j = 0; j < n_save; ++j)
      for (int i = 0; i < N; ++i) {
        const size_t row = static_cast<size_t>(j) * N + i;
        const double fd = (plus.ys[row] - minus.ys[row]) / (2.0 * h);
        const double got = q < P ? out.dys_dparams[row * P + q] : out.dys_dy0[row * N + (q - P)];
        INFO(Model::name << " " << Tableau::name << " t = " << s.ts[j] << " d state " << i
                         << " / d input " << q << ": forward " << got << ", finite difference "
                         << fd);
        CHECK(std::fabs(got - fd) <= 1e-6 * (std::fabs(fd) + 1e-3));
      }
  }
}

template <class Tableau>
void check_every_model() {
  using namespace kode::models;
  check_against_finite_differences<Logistic, Tableau>({1.3, 10.0}, {0.5}, 0.0, 3.0, 0.01);
  check_against_finite_differences<LotkaVolterra, Tableau>({1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0.0,
                                                           3.0, 0.005);
  check_against_finite_differences<SpringMassDamper, Tableau>({1.0, 0.4, 4.0}, {1.0, 0.0}, 0.0, 3.0,
                                                              0.01);
  check_against_finite_differences<DampedOscillator, Tableau>({0.2, 2.0}, {1.0, -0.5}, 3.0, 0.0,
                                                              0.01);
  check_against_finite_differences<Lorenz, Tableau>({10.0, 28.0, 8.0 / 3.0}, {1.0, 1.0, 1.0}, 0.0,
                                                    0.5, 0.001);
  check_against_finite_differences<VanDerPol, Tableau>({1.5}, {2.0, 0.0}, 0.0, 3.0, 0.005);
  check_against_finite_differences<PkTwoCompartment, Tableau>({1.2, 0.5, 10.0, 0.8, 20.0},
                                                              {100.0, 0.0, 0.0}, 0.0, 12.0, 0.02);
}

}  // namespace

TEMPLATE_TEST_CASE("forward sensitivities agree with finite differences on a fixed mesh",
                   "[sensitivity][forward][fd]", kode::Heun, kode::Bosh3, kode::Tsit5, kode::Dopri5,
                   kode::Dopri8) {
  check_every_model<TestType>();
}
