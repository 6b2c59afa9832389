// Dense output: the interpolant of one step, started from the exact solution,
// has local error O(h^{q+1}) where q is its order (Tsit5, Dopri5: 4;
// Dopri8, Diffrax's interpolant: 5; cubic Hermite: 3). The step's own local
// error O(h^{p+1}) adds to it, so the observed local order at an off-grid
// point is min(p, q) + 1 (Hairer-Norsett-Wanner I, Sec. II.6).
// Stored dense output (save.dense) must reproduce save.ts values, and within
// an adaptive solve it must stay within the solver tolerance.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "../analytic_solutions.hpp"
#include "kode/engine/batch/dense_solution.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"

namespace {

constexpr double zeta = 0.1, omega = 2.0;

// Error of the interpolant at theta inside one step of size h taken from the
// exact state at t = 0.3.
template <class Tableau>
double one_step_interpolation_error(double h, double theta) {
  const double ta = 0.3;
  const auto ya = kode_test::damped_oscillator(zeta, omega, 1.0, 0.0, ta);
  kode::SolveSpec s;
  s.t0 = ta;
  s.t1 = ta + h;
  s.ts = {ta + theta * h};
  s.control.adaptive = false;
  s.control.dt0 = h;
  auto r = kode::solve_batch<kode::models::DampedOscillator, Tableau>({}, s, {zeta, omega},
                                                                      {ya.x, ya.v}, 1);
  REQUIRE(r.status[0] == 0);
  REQUIRE(r.num_steps[0] == 1);
  const auto exact = kode_test::damped_oscillator(zeta, omega, 1.0, 0.0, s.ts[0]);
  return std::hypot(r.ys[0] - exact.x, r.ys[1] - exact.v);
}

template <class Tableau>
constexpr int interpolant_order() {
  return Tableau::dense_order > 0 ? Tableau::dense_order : 3;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("dense output converges at the interpolant's local order", "[dense]",
                        kode::OdeMethods) {
  const int expected = std::min(TestType::order, interpolant_order<TestType>()) + 1;
  for (double theta : {0.37, 0.81}) {
    // Halve h until the error is below 1e-13 (round-off); judge the finest
    // pair above that.
    std::vector<double> h, e;
    for (double step = 0.5; step > 1e-4; step /= 2) {
      h.push_back(step);
      e.push_back(one_step_interpolation_error<TestType>(step, theta));
      if (e.back() < 1e-13) break;
    }
    int pair = -1;
    for (size_t i = 0; i + 1 < e.size(); ++i)
      if (e[i + 1] >= 1e-13) pair = static_cast<int>(i);
    REQUIRE(pair >= 0);
    const double observed = std::log2(e[pair] / e[pair + 1]);
    INFO(TestType::name << " theta " << theta << ": h " << h[pair] << " -> " << h[pair + 1]
                        << ", errors " << e[pair] << " -> " << e[pair + 1] << ", observed "
                        << observed << ", expected " << expected);
    CHECK(std::fabs(observed - expected) < 0.25);
  }
}

TEMPLATE_TEST_CASE("stored dense output reproduces save-at values and meets the tolerance",
                   "[dense]", kode::Heun, kode::Bosh3, kode::Tsit5, kode::Dopri5, kode::Dopri8) {
  for (const double direction : {1.0, -1.0}) {
    kode::SolveSpec s;
    s.t0 = direction > 0 ? 0.0 : 10.0;
    s.t1 = direction > 0 ? 10.0 : 0.0;
    s.control.rtol = 1e-8;
    s.control.atol = 1e-8;
    s.control.max_steps = 100000;
    s.dense = true;
    for (int j = 0; j <= 40; ++j) s.ts.push_back(s.t0 + (s.t1 - s.t0) * (j + 0.123) / 41.0);
    const auto y0 = kode_test::damped_oscillator(zeta, omega, 1.0, 0.0, s.t0);
    auto r = kode::solve_batch<kode::models::DampedOscillator, TestType>({}, s, {zeta, omega},
                                                                         {y0.x, y0.v}, 1);
    REQUIRE(r.status[0] == 0);
    REQUIRE(r.n_dense_steps[0] == r.num_accepted[0]);
    double worst = 0.0;
    for (size_t j = 0; j < s.ts.size(); ++j) {
      double y[2];
      REQUIRE(kode::evaluate_dense(r, 0, s.ts[j], y));
      // Same interpolant, evaluated from its node values: equal up to rounding.
      CHECK(std::fabs(y[0] - r.ys[2 * j]) <= 1e-12);
      CHECK(std::fabs(y[1] - r.ys[2 * j + 1]) <= 1e-12);
      const auto ex = kode_test::damped_oscillator(zeta, omega, 1.0, 0.0, s.ts[j]);
      worst = std::max(
          worst, std::fabs(y[0] - ex.x) / (s.control.atol + s.control.rtol * std::fabs(ex.x)));
    }
    INFO(TestType::name << " direction " << direction << ": worst error / tolerance " << worst);
    // Global error is not bounded by the local tolerance alone; within a
    // factor 100 here (and the anti-damped backward solve amplifies errors by
    // e^{zeta omega T} ~ 7.4).
    CHECK(worst < (direction > 0 ? 100.0 : 1000.0));
    double out[2];
    CHECK_FALSE(kode::evaluate_dense(r, 0, s.t1 + direction * 1e-3, out));
    REQUIRE(kode::evaluate_dense(r, 0, s.t1, out));
    CHECK(out[0] == r.y_final[0]);
  }
}
