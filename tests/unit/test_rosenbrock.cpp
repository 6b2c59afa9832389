// The Rosenbrock methods (kernels/stiff/: Rosenbrock23, Rodas5P): the
// Jacobian from the model's rhs on dual numbers, the order of convergence of
// the step and of its dense output at fixed steps, L-stability on a very
// stiff problem, and the Robertson kinetics against tight and published
// references with the PID controller.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "../analytic_solutions.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/models/robertson.hpp"
#include "kode/kernels/models/van_der_pol.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock23.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"
#include "stiff_test_helpers.hpp"

namespace {

using kode_test::ProtheroRobinson;
using kode_test::Recorder;

using kode::Rodas5P;
using kode::Rosenbrock23;
using kode::StepCounts;
using kode::StepSizeControl;

StepSizeControl fixed_steps(double dt, int n_steps) {
  StepSizeControl c;
  c.adaptive = false;
  c.dt0 = dt;
  c.max_steps = n_steps + 1;
  return c;
}

// Global errors at t1 and at a save time inside steps, n fixed steps on [0, t1].
template <class Method, class Model, int N, class Exact>
void errors(const Model& model, const double* p, const double (&y0)[N], double t1, int n,
            double t_mid, const Exact& exact, double& e_end, double& e_mid) {
  double y[N];
  for (int i = 0; i < N; ++i) y[i] = y0[i];
  Recorder<N> r;
  r.ts = {t_mid};
  StepCounts counts;
  const kode::Status s = kode::integrate_rosenbrock_trajectory<Method>(
      model, p, 0.0, t1, y, fixed_steps(t1 / n, n), r, counts);
  REQUIRE(s == kode::Status::success);
  REQUIRE(counts.num_steps == n);
  REQUIRE(r.ys.size() == 1);
  e_end = std::fabs(y[0] - exact(t1));
  e_mid = std::fabs(r.ys[0][0] - exact(t_mid));
}

// The observed orders at t1 and at the interior time t_mid (dense output)
// from n0, 2 n0, 4 n0, 8 n0 fixed steps, each within 0.2 of the expected one.
template <class Method, class Model, int N, class Exact>
void check_order(const Model& model, const double* p, const double (&y0)[N], double t1,
                 double t_mid, const Exact& exact, int n0, double expected_end,
                 double expected_mid) {
  double e_end[4], e_mid[4];
  for (int k = 0; k < 4; ++k)
    errors<Method>(model, p, y0, t1, n0 << k, t_mid, exact, e_end[k], e_mid[k]);
  for (int k = 0; k + 1 < 4; ++k) {
    const double order_end = std::log2(e_end[k] / e_end[k + 1]);
    const double order_mid = std::log2(e_mid[k] / e_mid[k + 1]);
    INFO(Method::name << ", steps " << (n0 << k) << ": errors " << e_end[k] << " (end), "
                      << e_mid[k] << " (dense); orders " << order_end << ", " << order_mid);
    if (expected_end > 0.0) REQUIRE(std::fabs(order_end - expected_end) < 0.2);
    if (expected_mid > 0.0) REQUIRE(std::fabs(order_mid - expected_mid) < 0.2);
  }
}

// Prothero-Robinson at lambda from y0 = 0.5, off the slow manifold sin t
// (y = sin t + 0.5 e^(lambda t)), over [0, 2] with n fixed steps: the error
// at t = 2.
template <class Method>
double prothero_robinson_error(double lambda, int n) {
  const ProtheroRobinson m;
  double y[1] = {0.5};
  Recorder<1> r;
  StepCounts counts;
  REQUIRE(kode::integrate_rosenbrock_trajectory<Method>(m, &lambda, 0.0, 2.0, y,
                                                        fixed_steps(2.0 / n, n), r,
                                                        counts) == kode::Status::success);
  return std::fabs(y[0] - (std::sin(2.0) + 0.5 * std::exp(2.0 * lambda)));
}

// Robertson from (1, 0, 0) to t1 with the PID controller at rtol: y(t1).
template <class Method>
void robertson(double t1, double rtol, double (&y)[3], StepCounts& counts) {
  const kode::models::Robertson m;
  const double p[3] = {0.04, 3e7, 1e4};
  StepSizeControl c;
  c.rtol = rtol;
  c.atol = 1e-20;  // below y2 ~ 1e-13 at t = 1e11
  c.max_steps = 1000000;
  y[0] = 1.0;
  y[1] = y[2] = 0.0;
  Recorder<3> r;
  REQUIRE(kode::integrate_rosenbrock_trajectory<Method>(m, p, 0.0, t1, y, c, r, counts) ==
          kode::Status::success);
}

}  // namespace

TEST_CASE("the Jacobian and df/dt come from the model's rhs on dual numbers", "[stiff]") {
  const kode::models::Robertson m;
  const double p[3] = {0.04, 3e7, 1e4}, y[3] = {0.9, 2e-5, 0.1};
  double f[3], jac[3][3], f_t[3];
  kode::rhs_with_jacobian(m, p, 1.5, y, f, jac, f_t);
  const double expected[3][3] = {{-p[0], p[2] * y[2], p[2] * y[1]},
                                 {p[0], -2.0 * p[1] * y[1] - p[2] * y[2], -p[2] * y[1]},
                                 {0.0, 2.0 * p[1] * y[1], 0.0}};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f_t[i] == 0.0);
    for (int j = 0; j < 3; ++j) REQUIRE(std::fabs(jac[i][j] - expected[i][j]) <= 1e-15 * 1e4);
  }
  const ProtheroRobinson pr;
  const double lambda = -3.0, t = 0.7, y1[1] = {0.2};
  double f1[1], j1[1][1], ft1[1];
  kode::rhs_with_jacobian(pr, &lambda, t, y1, f1, j1, ft1);
  REQUIRE(j1[0][0] == lambda);
  REQUIRE(std::fabs(ft1[0] - (-lambda * std::cos(t) - std::sin(t))) < 1e-15);
}

TEST_CASE("Rosenbrock23 converges with order 2 at fixed steps, dense output too", "[stiff]") {
  SECTION("logistic growth (autonomous, nonlinear)") {
    const kode::models::Logistic m;
    const double p[2] = {1.5, 10.0}, y0[1] = {0.5};
    check_order<Rosenbrock23>(
        m, p, y0, 4.0, 1.2345, [&](double t) { return kode_test::logistic(p[0], p[1], y0[0], t); },
        40, 2.0, 2.0);
  }
  SECTION("Prothero-Robinson, lambda = -2 (non-autonomous)") {
    const ProtheroRobinson m;
    const double lambda = -2.0, y0[1] = {0.0};
    check_order<Rosenbrock23>(
        m, &lambda, y0, 3.0, 1.2345, [](double t) { return std::sin(t); }, 40, 2.0, 2.0);
  }
}

TEST_CASE("Rosenbrock23 is L-stable: stiffness-independent order 2 at large steps", "[stiff]") {
  // lambda = -1e6 with h = 0.1 ... 0.025 (lambda h down to -1e5), from y0 =
  // 0.5, off the slow manifold sin t: an explicit method overflows at once;
  // the L-stable step damps the transient in one step and then follows sin t
  // with the same O(h^2) error as for a non-stiff lambda (measured: 6.6e-4,
  // 1.7e-4, 4.1e-5 against 7.4e-4, 1.9e-4, 4.6e-5 for lambda = -2).
  double e[3];
  for (int k = 0; k < 3; ++k) e[k] = prothero_robinson_error<Rosenbrock23>(-1e6, 20 << k);
  INFO("errors " << e[0] << ", " << e[1] << ", " << e[2]);
  REQUIRE(e[0] < 1e-3);
  for (int k = 0; k + 1 < 3; ++k) REQUIRE(std::fabs(std::log2(e[k] / e[k + 1]) - 2.0) < 0.2);
}

TEST_CASE("Rodas5P converges with order 5 at fixed steps, its dense output too", "[stiff]") {
  SECTION("Prothero-Robinson, lambda = -2 (non-autonomous: exercises c, d and df/dt)") {
    const ProtheroRobinson m;
    const double lambda = -2.0, y0[1] = {0.0};
    // Measured orders at t1 from 20..160 steps: 5.13, 5.08, 5.08.
    check_order<Rodas5P>(
        m, &lambda, y0, 3.0, 1.2345, [](double t) { return std::sin(t); }, 20, 5.0, 0.0);
  }
  SECTION("logistic growth: the dense output at an interior time") {
    // The order-4 continuous extension has a local error O(h^5), the same as
    // the solution's global error, so at a fixed interior time the dense
    // output converges with order 5 (measured 4.96, 4.99, 5.00 from 20..160 steps;
    // the end values of this problem converge faster, ~6, as it settles).
    const kode::models::Logistic m;
    const double p[2] = {1.5, 10.0}, y0[1] = {0.5};
    check_order<Rodas5P>(
        m, p, y0, 4.0, 1.2345, [&](double t) { return kode_test::logistic(p[0], p[1], y0[0], t); },
        20, 0.0, 5.0);
  }
}

TEST_CASE("Rodas5P is L-stable: at lambda h down to -6e5 no worse than at lambda = -2", "[stiff]") {
  // The same steps on the stiff (lambda = -1e6, off the slow manifold) and
  // the non-stiff problem: the transient is damped in the first step and the
  // stiff error stays below the non-stiff one (measured: 4.1e-10 .. 9.4e-14
  // against 1.7e-6 .. 1.3e-12 for 5 .. 80 steps) and falls with h.
  double previous = 1.0;
  for (int n : {5, 10, 20, 40, 80}) {
    const double stiff = prothero_robinson_error<Rodas5P>(-1e6, n);
    const double mild = prothero_robinson_error<Rodas5P>(-2.0, n);
    INFO(n << " steps: error " << stiff << " (lambda = -1e6), " << mild << " (lambda = -2)");
    REQUIRE(stiff <= mild);
    REQUIRE(stiff < 0.5 * previous);
    previous = stiff;
  }
  REQUIRE(previous < 1e-12);
}

TEMPLATE_TEST_CASE(
    "Robertson against a tight reference (t = 40, 1e5) and the published one "
    "(t = 1e11)",
    "[stiff]", Rosenbrock23, Rodas5P) {
  // t = 40, 1e5: SciPy 1.x solve_ivp Radau, rtol 1e-13, atol 1e-21, with the
  // analytic Jacobian (BDF at the same tolerance agrees to 5e-11 relative).
  // t = 1e11: the reference solution of problem ROBER in F. Mazzia and C.
  // Magherini, "Test Set for Initial Value Problem Solvers", release 2.4,
  // University of Bari (2008), computed there with RADAU5 at tight tolerance.
  // Measured worst relative errors at rtol 1e-10, atol 1e-20: Rosenbrock23
  // 5.9e-12, 4.3e-10, 8.3e-8; Rodas5P 5.6e-12, 4.1e-11, 1.9e-8 (with 955,
  // 1451 and 2641 accepted steps against Rosenbrock23's 48719, 190314 and
  // 215375).
  const double ref40[3] = {7.158270687194046e-01, 9.185534764557796e-06, 2.841637457458288e-01};
  const double ref1e5[3] = {1.786592114210012e-02, 7.274751468436637e-08, 9.821340061103787e-01};
  const double ref1e11[3] = {0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050};
  for (double t1 : {40.0, 1e5, 1e11}) {
    double y[3];
    StepCounts counts;
    robertson<TestType>(t1, 1e-10, y, counts);
    const double* ref = t1 == 40.0 ? ref40 : t1 == 1e5 ? ref1e5 : ref1e11;
    for (int i = 0; i < 3; ++i) {
      INFO(TestType::name << ", t1 " << t1 << ", y" << i + 1 << " = " << y[i] << ", reference "
                          << ref[i] << ", " << counts.num_accepted << " accepted, "
                          << counts.num_rejected << " rejected");
      REQUIRE(std::fabs(y[i] - ref[i]) <= 1e-6 * std::fabs(ref[i]));
    }
  }
}

TEMPLATE_TEST_CASE("van der Pol at mu = 1000 against a tight reference", "[stiff]", Rosenbrock23,
                   Rodas5P) {
  // x' = y, y' = mu (1 - x^2) y - x from (2, 0): relaxation oscillations with
  // a period of about (3 - 2 ln 2) mu = 1614. Reference: SciPy 1.x solve_ivp
  // Radau, rtol = atol = 1e-13, analytic Jacobian; LSODA at rtol 1e-12
  // agrees to 1.2e-9 relative. Times on the slow branches, where the state
  // is well defined. Measured worst relative errors at rtol = atol = 1e-10
  // (the save times through the dense output): Rodas5P 1.5e-8 (3754
  // accepted steps to t = 3000), Rosenbrock23 3.3e-7 (70396 steps).
  const double ts[4] = {500.0, 1000.0, 2000.0, 3000.0};
  const double ref[4][2] = {{1.5967689510529302e+00, -1.0303911878389014e-03},
                            {-1.8636462548085324e+00, 7.5354308654272673e-04},
                            {1.7061677321713551e+00, -8.9280970102376209e-04},
                            {-1.5106069367458292e+00, 1.1783800007274820e-03}};
  const kode::models::VanDerPol m;
  const double mu = 1000.0;
  StepSizeControl c;
  c.rtol = c.atol = 1e-10;
  c.max_steps = 10000000;
  double y[2] = {2.0, 0.0};
  Recorder<2> r;
  r.ts.assign(ts, ts + 4);
  StepCounts counts;
  REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(m, &mu, 0.0, 3000.0, y, c, r, counts) ==
          kode::Status::success);
  REQUIRE(r.ys.size() == 4);
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i) {
      INFO(TestType::name << ", t " << ts[k] << ", state " << i << ": " << r.ys[k][i]
                          << ", reference " << ref[k][i] << ", relative error "
                          << std::fabs(r.ys[k][i] - ref[k][i]) / std::fabs(ref[k][i]) << ", "
                          << counts.num_accepted << " accepted steps");
      REQUIRE(std::fabs(r.ys[k][i] - ref[k][i]) <= 1e-6 * std::fabs(ref[k][i]));
    }
}

TEMPLATE_TEST_CASE("a Rosenbrock method stops on a non-finite start and at max_steps", "[stiff]",
                   Rosenbrock23, Rodas5P) {
  const kode::models::Robertson m;
  const double p[3] = {0.04, 3e7, 1e4};
  double y[3] = {std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0};
  Recorder<3> r;
  StepCounts counts;
  StepSizeControl c;
  REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(m, p, 0.0, 1.0, y, c, r, counts) ==
          kode::Status::nonfinite);
  double y2[3] = {1.0, 0.0, 0.0};
  c.max_steps = 5;
  REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(m, p, 0.0, 1e5, y2, c, r, counts) ==
          kode::Status::max_steps_reached);
  REQUIRE(counts.num_steps == 5);
}
