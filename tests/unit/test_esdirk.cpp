// The ESDIRK methods (kernels/stiff/esdirk.hpp with the Kvaerno 3/2, 4/3 and
// 5/4 tableaus): the order of each at fixed steps and of the cubic Hermite
// dense output, L-stability on a very stiff problem, Robertson and van der
// Pol (mu = 1000) against the references of test_rosenbrock.cpp with the PID
// controller, and a Newton iteration that cannot converge ending the
// trajectory with status implicit_solve_failed after smaller retries.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "../analytic_solutions.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/models/robertson.hpp"
#include "kode/kernels/models/van_der_pol.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/kvaerno3.hpp"
#include "kode/kernels/stiff/kvaerno4.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"
#include "stiff_test_helpers.hpp"

namespace {

using kode_test::ProtheroRobinson;
using kode_test::Recorder;

using kode::StepCounts;
using kode::StepSizeControl;
using K3 = kode::Esdirk<kode::Kvaerno3>;
using K4 = kode::Esdirk<kode::Kvaerno4>;
using K5 = kode::Esdirk<kode::Kvaerno5>;

// Fixed steps with a Newton iteration converged far below the
// discretisation error (its norm's weights are rtol = atol = 1e-13).
StepSizeControl fixed_steps(double dt, int n_steps) {
  StepSizeControl c;
  c.adaptive = false;
  c.dt0 = dt;
  c.max_steps = n_steps + 1;
  c.rtol = c.atol = 1e-13;
  return c;
}

template <class Method, class Model, int N, class Exact>
void errors(const Model& model, const double* p, const double (&y0)[N], double t1, int n,
            double t_mid, const Exact& exact, double& e_end, double& e_mid) {
  double y[N];
  for (int i = 0; i < N; ++i) y[i] = y0[i];
  Recorder<N> r;
  r.ts = {t_mid};
  StepCounts counts;
  REQUIRE(kode::integrate_rosenbrock_trajectory<Method>(
              model, p, 0.0, t1, y, fixed_steps(t1 / n, n), r, counts) == kode::Status::success);
  REQUIRE(counts.num_steps == n);
  REQUIRE(r.ys.size() == 1);
  e_end = std::fabs(y[0] - exact(t1));
  e_mid = std::fabs(r.ys[0][0] - exact(t_mid));
}

// Observed orders at t1 and at t_mid (dense output) from n0 .. 8 n0 steps.
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

}  // namespace

TEMPLATE_TEST_CASE("ESDIRK methods converge with their order at fixed steps", "[stiff]", K3, K4,
                   K5) {
  const ProtheroRobinson m;
  const double lambda = -2.0, y0[1] = {0.0};
  // Measured orders from n0 .. 8 n0 steps: kvaerno3 2.85, 2.92, 2.96;
  // kvaerno4 4.00, 4.00, 4.00; kvaerno5 4.85, 4.92, 4.96.
  const int n0 = TestType::order == 5 ? 10 : TestType::order == 4 ? 40 : 20;
  check_order<TestType>(
      m, &lambda, y0, 3.0, 1.2345, [](double t) { return std::sin(t); }, n0, TestType::order, 0.0);
}

TEMPLATE_TEST_CASE("the ESDIRK dense output is the cubic Hermite interpolant", "[stiff]", K3, K4,
                   K5) {
  // At a fixed interior time the cubic Hermite interpolant's own error is
  // O(h^4) and does not accumulate, so the dense output converges with order
  // min(p, 4). t = 4/3 sits at theta = 1/3 or 2/3 of its step for every
  // step count n0 2^k, where the Hermite error's weight theta^2 (1 - theta)^2
  // is the same (measured from 40 .. 320 steps: kvaerno3 3.05, 2.98, 3.01;
  // kvaerno4 4.11, 4.05, 4.03; kvaerno5 3.99, 3.98, 4.00).
  const kode::models::Logistic m;
  const double p[2] = {1.5, 10.0}, y0[1] = {0.5};
  check_order<TestType>(
      m, p, y0, 4.0, 4.0 / 3.0, [&](double t) { return kode_test::logistic(p[0], p[1], y0[0], t); },
      40, 0.0, TestType::order < 4 ? TestType::order : 4.0);
}

TEMPLATE_TEST_CASE("ESDIRK methods are L-stable: a stiff transient costs no accuracy", "[stiff]",
                   K3, K4, K5) {
  // lambda = -1e6 from y0 = 0.5, off the slow manifold sin t, against
  // lambda = -2 (solution sin t + 0.5 e^(-2t)) with the same fixed steps
  // (measured for 10, 20, 40 steps: kvaerno3 3.1e-10 .. 2.2e-11 against
  // 8.4e-5 .. 1.5e-6; kvaerno5 7.5e-10 .. 5.6e-11 against 3.9e-7 .. 4.4e-10).
  const ProtheroRobinson m;
  for (int n : {10, 20, 40}) {
    double e[2];
    const double lambdas[2] = {-1e6, -2.0};
    for (int k = 0; k < 2; ++k) {
      double y[1] = {0.5};
      Recorder<1> r;
      StepCounts counts;
      REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(m, &lambdas[k], 0.0, 2.0, y,
                                                              fixed_steps(2.0 / n, n), r,
                                                              counts) == kode::Status::success);
      e[k] = std::fabs(y[0] - (std::sin(2.0) + 0.5 * std::exp(2.0 * lambdas[k])));
    }
    INFO(TestType::name << ", " << n << " steps: error " << e[0] << " (lambda = -1e6), " << e[1]
                        << " (lambda = -2)");
    REQUIRE(e[0] <= e[1]);
  }
}

TEMPLATE_TEST_CASE("ESDIRK methods on Robertson and van der Pol (mu = 1000)", "[stiff]", K3, K4,
                   K5) {
  // References as in test_rosenbrock.cpp: Robertson at t = 1e5 (SciPy Radau,
  // rtol 1e-13) and 1e11 (Mazzia & Magherini's test set); van der Pol at
  // t = 3000 (SciPy Radau, rtol 1e-13). Measured worst relative errors at
  // rtol 1e-9 (Robertson 1e5, 1e11; van der Pol) and accepted steps:
  // kvaerno3 7.3e-10, 3.0e-8, 2.4e-8 (10060, 20616, 31986); kvaerno4 7.7e-10,
  // 2.2e-8, 6.1e-7 (1732, 4088, 7484); kvaerno5 4.3e-9, 1.0e-8, 1.8e-7 (327,
  // 650, 1377).
  StepSizeControl c;
  c.rtol = 1e-9;
  c.atol = 1e-20;
  c.max_steps = 1000000;
  const kode::models::Robertson rob;
  const double k[3] = {0.04, 3e7, 1e4};
  const double ref1e5[3] = {1.786592114210012e-02, 7.274751468436637e-08, 9.821340061103787e-01};
  const double ref1e11[3] = {0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050};
  for (double t1 : {1e5, 1e11}) {
    double y[3] = {1.0, 0.0, 0.0};
    Recorder<3> r;
    StepCounts counts;
    REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(rob, k, 0.0, t1, y, c, r, counts) ==
            kode::Status::success);
    const double* ref = t1 == 1e5 ? ref1e5 : ref1e11;
    for (int i = 0; i < 3; ++i) {
      INFO(TestType::name << ", Robertson t1 " << t1 << ", y" << i + 1 << " relative error "
                          << std::fabs(y[i] - ref[i]) / ref[i] << ", " << counts.num_accepted
                          << " accepted, " << counts.num_rejected << " rejected");
      REQUIRE(std::fabs(y[i] - ref[i]) <= 1e-6 * std::fabs(ref[i]));
    }
  }
  const kode::models::VanDerPol vdp;
  const double mu = 1000.0, ref3000[2] = {-1.5106069367458292e+00, 1.1783800007274820e-03};
  c.atol = 1e-9;
  double y[2] = {2.0, 0.0};
  Recorder<2> r;
  StepCounts counts;
  REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(vdp, &mu, 0.0, 3000.0, y, c, r, counts) ==
          kode::Status::success);
  for (int i = 0; i < 2; ++i) {
    INFO(TestType::name << ", van der Pol state " << i << " relative error "
                        << std::fabs(y[i] - ref3000[i]) / std::fabs(ref3000[i]) << ", "
                        << counts.num_accepted << " accepted, " << counts.num_rejected
                        << " rejected");
    REQUIRE(std::fabs(y[i] - ref3000[i]) <= 1e-6 * std::fabs(ref3000[i]));
  }
}

TEMPLATE_TEST_CASE("a Newton iteration that cannot converge ends with implicit_solve_failed",
                   "[stiff]", K3, K5) {
  // One iteration allowed: the convergence test needs two, so every stage
  // fails; the step is retried ever smaller and then the trajectory stops.
  const kode::models::Robertson rob;
  const double k[3] = {0.04, 3e7, 1e4};
  StepSizeControl c;
  c.newton_max_iters = 1;
  double y[3] = {1.0, 0.0, 0.0};
  Recorder<3> r;
  StepCounts counts;
  REQUIRE(kode::integrate_rosenbrock_trajectory<TestType>(rob, k, 0.0, 1.0, y, c, r, counts) ==
          kode::Status::implicit_solve_failed);
  REQUIRE(counts.num_accepted == 0);
  REQUIRE(counts.num_rejected == counts.num_steps);
  REQUIRE(y[0] == 1.0);
}
