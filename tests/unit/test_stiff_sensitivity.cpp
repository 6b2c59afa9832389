// Forward sensitivities through the stiff methods (Rosenbrock23, Rodas5P,
// Kvaerno3/4/5): dual numbers carried through the Jacobian (its tangent from
// nested dual numbers), the LU of W, the Rosenbrock stages and the ESDIRK
// Newton iterations (kernels/stiff/, engine/sensitivity/forward_sensitivity.hpp).
//  - The values, step counts and statuses are the plain solve's, bit for bit
//    (every decision reads values only).
//  - Against central finite differences of the solver output on a fixed step
//    mesh (finite differences then do not move the mesh): Robertson, van der
//    Pol at mu = 100, the PK model with fast absorption.
//  - Against an independent reference for the exact ODE's sensitivities:
//    Robertson's dy(40)/dk and dy(40)/dy0 from the sensitivity equations
//    S' = J S + df/dp solved by SciPy's Radau.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/kernels/models/pk_two_compartment.hpp"
#include "kode/kernels/models/robertson.hpp"
#include "kode/kernels/models/van_der_pol.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/kvaerno3.hpp"
#include "kode/kernels/stiff/kvaerno4.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock23.hpp"

namespace {

using K3 = kode::Esdirk<kode::Kvaerno3>;
using K4 = kode::Esdirk<kode::Kvaerno4>;
using K5 = kode::Esdirk<kode::Kvaerno5>;

const std::vector<double> robertson_k = {0.04, 3e7, 1e4};
const std::vector<double> robertson_y0 = {1.0, 0.0, 0.0};

kode::SolveSpec spec_with_saves(double t0, double t1, std::vector<double> ts) {
  kode::SolveSpec s;
  s.t0 = t0;
  s.t1 = t1;
  s.ts = std::move(ts);
  s.control.max_steps = 1000000;
  return s;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Every tangent against finite differences of the solver output on the
// spec's mesh (constant steps): central differences with h and h/2,
// h = 1e-3 |q| (1e-3 for q = 0), combined by Richardson extrapolation,
// (4 D(h/2) - D(h)) / 3, whose truncation error is O(h^4). A smaller h
// drowns in the rounding noise of a thousand steps (measured on the PK case:
// 1e-6 relative at h = 1e-5 |q|, 1e-4 at 1e-6 |q|). Each state component is
// judged on its own scale: the error in y_i that the derivative's error
// implies for a perturbation of q by |q| (or 1), at most 1e-6 of the finite
// difference's or 1e-9 of the largest |y_i| saved.
template <class Model, class Method>
void check_against_finite_differences(const kode::SolveSpec& s, const std::vector<double>& p,
                                      const std::vector<double>& y0) {
  constexpr int N = Model::n_state, P = Model::n_param;
  const auto out = kode::forward_sensitivity_batch<Model, Method>({}, s, p, y0, 1);
  REQUIRE(out.solution.status[0] == 0);
  const int n_save = static_cast<int>(s.ts.size());
  double y_scale[N] = {};
  for (int j = 0; j < n_save; ++j)
    for (int i = 0; i < N; ++i)
      y_scale[i] =
          std::fmax(y_scale[i], std::fabs(out.solution.ys[static_cast<size_t>(j) * N + i]));
  for (int q = 0; q < P + N; ++q) {
    const double q0 = q < P ? p[q] : y0[q - P];
    const double q_scale = q0 != 0.0 ? std::fabs(q0) : 1.0;
    // The solution with input q moved by delta.
    auto moved = [&](double delta) {
      std::vector<double> pq = p, yq = y0;
      (q < P ? pq[q] : yq[q - P]) += delta;
      const auto r = kode::solve_batch<Model, Method>({}, s, pq, yq, 1);
      REQUIRE(r.num_steps == out.solution.num_steps);
      return r.ys;
    };
    const double h = 1e-3 * q_scale;
    const auto plus = moved(h), minus = moved(-h), plus2 = moved(0.5 * h), minus2 = moved(-0.5 * h);
    for (int j = 0; j < n_save; ++j)
      for (int i = 0; i < N; ++i) {
        const size_t row = static_cast<size_t>(j) * N + i;
        const double d1 = (plus[row] - minus[row]) / (2.0 * h);
        const double d2 = (plus2[row] - minus2[row]) / h;
        const double fd = (4.0 * d2 - d1) / 3.0;
        const double got = q < P ? out.dys_dparams[row * P + q] : out.dys_dy0[row * N + (q - P)];
        INFO(Model::name << " " << Method::name << " t = " << s.ts[j] << " d state " << i
                         << " / d input " << q << ": forward " << got << ", finite difference "
                         << fd << " (central: " << d2 << ")");
        CHECK(std::fabs(got - fd) * q_scale <= 1e-6 * std::fabs(fd) * q_scale + 1e-9 * y_scale[i]);
      }
  }
}

}  // namespace

TEMPLATE_TEST_CASE("stiff forward sensitivities keep the solve's values and mesh bit for bit",
                   "[sensitivity][forward][stiff]", kode::Rosenbrock23, kode::Rodas5P, K3, K4, K5) {
  using Model = kode::models::Robertson;
  // Two trajectories with different rates: each its own mesh.
  const std::vector<double> p = {0.04, 3e7, 1e4, 0.05, 1e7, 3e4};
  const std::vector<double> y0 = {1.0, 0.0, 0.0, 0.9, 0.0, 0.1};
  kode::SolveSpec s = spec_with_saves(0.0, 40.0, {0.0, 0.37, 4.0, 40.0});
  s.control.rtol = 1e-6;
  s.control.atol = 1e-10;
  const auto plain = kode::solve_batch<Model, TestType>({}, s, p, y0, 2);
  const auto sens = kode::forward_sensitivity_batch<Model, TestType>({}, s, p, y0, 2);
  REQUIRE(plain.status == std::vector<std::int8_t>{0, 0});
  CHECK(same_bits(plain.ys, sens.solution.ys));
  CHECK(same_bits(plain.y_final, sens.solution.y_final));
  CHECK(plain.num_steps == sens.solution.num_steps);
  CHECK(plain.num_accepted == sens.solution.num_accepted);
  CHECK(plain.num_rejected == sens.solution.num_rejected);
  CHECK(plain.status == sens.solution.status);
  // At t0 the sensitivities are the seeds: dy0/dp = 0, dy0/dy0 = I.
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      CHECK(sens.dys_dparams[i * 3 + j] == 0.0);
      CHECK(sens.dys_dy0[i * 3 + j] == (i == j ? 1.0 : 0.0));
    }
  }
}

// Kvaerno3 and Kvaerno4 are the same ESDIRK code as Kvaerno5 with other
// coefficients (their bits are checked above).
TEMPLATE_TEST_CASE("stiff forward sensitivities agree with finite differences on a fixed mesh",
                   "[sensitivity][forward][stiff][fd]", kode::Rosenbrock23, kode::Rodas5P, K5) {
  using namespace kode::models;
  SECTION("Robertson (k2 h = 3e4 at the step size: stiff)") {
    // From near its slow manifold (y2 ~ 3.6e-5), every input nonzero.
    kode::SolveSpec s = spec_with_saves(0.0, 2.0, {0.0, 0.0123, 0.5, 2.0});
    s.control.adaptive = false;
    s.control.dt0 = 1e-3;
    check_against_finite_differences<Robertson, TestType>(s, robertson_k, {0.99, 3.6e-5, 0.01});
  }
  SECTION("van der Pol at mu = 100, along a slow branch") {
    // Before the jump near t = 80.7, where the sensitivities grow so fast
    // that finite differences stop converging (at t = 79 they err by 1e-5).
    kode::SolveSpec s = spec_with_saves(0.0, 70.0, {0.0, 33.3, 60.0, 70.0});
    s.control.adaptive = false;
    s.control.dt0 = 0.01;
    check_against_finite_differences<VanDerPol, TestType>(s, {100.0}, {2.0, 0.0});
  }
  SECTION("two-compartment PK with fast absorption (ka = 1e3 per hour)") {
    kode::SolveSpec s = spec_with_saves(0.0, 12.0, {0.0, 0.25, 3.0, 12.0});
    s.control.adaptive = false;
    s.control.dt0 = 0.01;
    check_against_finite_differences<PkTwoCompartment, TestType>(s, {1e3, 0.5, 10.0, 0.8, 20.0},
                                                                 {100.0, 0.0, 0.0});
  }
}

TEMPLATE_TEST_CASE("stiff forward sensitivities of Robertson match the sensitivity equations",
                   "[sensitivity][forward][stiff][reference]", kode::Rodas5P, K5) {
  // Reference: SciPy 1.x solve_ivp Radau, rtol 1e-12, atol 1e-20, on the 15
  // states (y, dy/dk1..3, dy/dy0_1..3) of y' = f, S' = J S + df/dp, with the
  // analytic Jacobian of the whole system (tests/unit/
  // reference/robertson_sensitivity_reference.py). Rows: y1, y2, y3 at t = 40.
  const double dy_dk[3][3] = {
      {-4.2475587717057337e+00, -2.2883550889056735e-09, 1.3730807973446258e-05},
      {4.5911962492538959e-05, -1.1380595093501291e-13, -2.3571921138463385e-10},
      {4.2475128597432503e+00, 2.2884688948566043e-09, -1.3730572254234878e-05}};
  const double dy_dy0[3][3] = {
      {7.8448449578669699e-01, 7.2120641841111099e-01, 7.2121289087955065e-01},
      {3.4141641226610367e-06, 9.5485653378904077e-07, 9.5510808679771940e-07},
      {2.1551209004917957e-01, 2.7879262673235455e-01, 2.7878615401236490e-01}};
  kode::SolveSpec s = spec_with_saves(0.0, 40.0, {40.0});
  s.control.rtol = 1e-10;
  s.control.atol = 1e-20;
  const auto out = kode::forward_sensitivity_batch<kode::models::Robertson, TestType>(
      {}, s, robertson_k, robertson_y0, 1);
  REQUIRE(out.solution.status[0] == 0);
  for (int i = 0; i < 3; ++i) {
    for (int q = 0; q < 3; ++q) {
      INFO(TestType::name << " dy" << i + 1 << "/dk" << q + 1 << " = " << out.dys_dparams[i * 3 + q]
                          << ", reference " << dy_dk[i][q]);
      CHECK(std::fabs(out.dys_dparams[i * 3 + q] - dy_dk[i][q]) <= 1e-6 * std::fabs(dy_dk[i][q]));
      INFO(TestType::name << " dy" << i + 1 << "/dy0_" << q + 1 << " = " << out.dys_dy0[i * 3 + q]
                          << ", reference " << dy_dy0[i][q]);
      CHECK(std::fabs(out.dys_dy0[i * 3 + q] - dy_dy0[i][q]) <= 1e-6 * std::fabs(dy_dy0[i][q]));
    }
  }
}
