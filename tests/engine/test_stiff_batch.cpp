// Linearly implicit (stiff) methods in the batch solver and the model
// registry: Robertson's kinetics over a parameter grid with rosenbrock23 and
// rodas5p,
// each trajectory bit-identical whatever its batch position, a failing
// trajectory isolated, the save times through the method's dense output,
// and sensitivities refused with a message naming why.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/robertson.hpp"

namespace {

using kode::models::Robertson;

kode::SolveSpec robertson_spec() {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 40.0;
  s.ts = {1e-4, 1e-2, 0.4, 1.0, 7.3, 40.0};
  s.control.rtol = 1e-7;
  s.control.atol = 1e-13;
  s.control.max_steps = 100000;
  return s;
}

// k1 over a grid, k2 and k3 scaled around the classic values; trajectory
// `bad` starts at NaN.
void grid(int n, int bad, std::vector<double>& p, std::vector<double>& y0) {
  for (int i = 0; i < n; ++i) {
    p.insert(p.end(), {0.04 * (0.5 + i / double(n)), 3e7 * (1.0 + 0.01 * i), 1e4});
    y0.insert(y0.end(), {i == bad ? std::numeric_limits<double>::quiet_NaN() : 1.0, 0.0, 0.0});
  }
}

bool same_bits(const double* a, const double* b, int n) {
  return std::memcmp(a, b, sizeof(double) * n) == 0;
}

}  // namespace

TEMPLATE_TEST_CASE("stiff batches: each trajectory's bits whatever its position, failures isolated",
                   "[stiff]", kode::Rosenbrock23, kode::Rodas5P, kode::Esdirk<kode::Kvaerno5>) {
  const kode::SolveSpec spec = robertson_spec();
  const int n = 13, bad = 5, ns = static_cast<int>(spec.ts.size());
  std::vector<double> p, y0;
  grid(n, bad, p, y0);
  kode::BatchSolver<Robertson, TestType> solver;
  STATIC_REQUIRE(decltype(solver)::lanes == 1);
  kode::BatchResult all;
  solver.solve(spec, p, y0, n, all);
  for (int i = 0; i < n; ++i) {
    INFO(TestType::name << ", trajectory " << i);
    if (i == bad) {
      REQUIRE(all.status[i] == static_cast<int>(kode::Status::nonfinite));
      continue;
    }
    REQUIRE(all.status[i] == 0);
    // Mass is conserved (y1 + y2 + y3 = 1) to the tolerance.
    const double* y = &all.y_final[3 * i];
    REQUIRE(std::fabs(y[0] + y[1] + y[2] - 1.0) < 1e-9);
    kode::BatchResult one;
    solver.solve(spec, std::vector<double>(p.begin() + 3 * i, p.begin() + 3 * i + 3),
                 std::vector<double>(y0.begin() + 3 * i, y0.begin() + 3 * i + 3), 1, one);
    REQUIRE(one.num_steps[0] == all.num_steps[i]);
    REQUIRE(same_bits(one.y_final.data(), &all.y_final[3 * i], 3));
    REQUIRE(same_bits(one.ys.data(), &all.ys[static_cast<size_t>(3) * ns * i], 3 * ns));
  }
  // The last save time is t1: the final state itself.
  REQUIRE(same_bits(&all.ys[(static_cast<size_t>(0) * ns + ns - 1) * 3], &all.y_final[0], 3));
}

TEMPLATE_TEST_CASE("stiff save times are the kernel's dense output, accurate to the tolerance",
                   "[stiff]", kode::Rosenbrock23, kode::Rodas5P, kode::Esdirk<kode::Kvaerno5>) {
  // The classic parameters: the state at t = 40 against the reference of
  // tests/unit/test_rosenbrock.cpp, and the save times inside steps against
  // a solve that ends exactly there.
  kode::SolveSpec spec = robertson_spec();
  spec.control.rtol = 1e-9;
  spec.control.atol = 1e-15;
  const std::vector<double> p = {0.04, 3e7, 1e4}, y0 = {1.0, 0.0, 0.0};
  kode::BatchSolver<Robertson, TestType> solver;
  kode::BatchResult r;
  solver.solve(spec, p, y0, 1, r);
  REQUIRE(r.status[0] == 0);
  const double ref40[3] = {7.158270687194046e-01, 9.185534764557796e-06, 2.841637457458288e-01};
  for (int i = 0; i < 3; ++i) REQUIRE(std::fabs(r.y_final[i] - ref40[i]) < 1e-6 * ref40[i]);
  for (size_t j = 0; j + 1 < spec.ts.size(); ++j) {
    kode::SolveSpec to_tj = spec;
    to_tj.t1 = spec.ts[j];
    to_tj.ts = {spec.ts[j]};
    kode::BatchResult e;
    solver.solve(to_tj, p, y0, 1, e);
    for (int i = 0; i < 3; ++i) {
      INFO(TestType::name << ", save time " << spec.ts[j] << ", state " << i << ": dense "
                          << r.ys[3 * j + i] << ", solved to it " << e.y_final[i]);
      // A native dense output (Rosenbrock's) errs by about the local error,
      // which the tolerance controls. The ESDIRKs' cubic Hermite does not: it
      // errs by h^4 max|y''''| / 384 whatever the method's order. At
      // t = 1e-4, y3 = k2 k1^2 t^3 / 3 - 2 k2^2 k1^3 t^5 / 15 + ..., so
      // y3'''' = -16 k2^2 k1^3 t = -9.2e7, and a step of 3e-5 there gives
      // 2e-13 = 1.3e-5 of y3: measured 2.1e-13. Hence 1e-4 for the Hermite.
      const double rel = TestType::dense_order > 0 ? 1e-6 : 1e-4;
      REQUIRE(std::fabs(r.ys[3 * j + i] - e.y_final[i]) <= rel * std::fabs(e.y_final[i]) + 1e-13);
    }
  }
}

TEMPLATE_TEST_CASE(
    "the registry solves robertson with a stiff method and refuses its sensitivities", "[stiff]",
    kode::Rosenbrock23, kode::Rodas5P, kode::Esdirk<kode::Kvaerno3>) {
  const kode::ModelRegistry models = kode::builtin_models();
  const kode::ModelInfo* robertson = models.find("robertson");
  REQUIRE(robertson != nullptr);
  REQUIRE(robertson->state_names == std::vector<std::string>{"y1", "y2", "y3"});
  REQUIRE(robertson->param_names == std::vector<std::string>{"k1", "k2", "k3"});
  REQUIRE(robertson->jacobian);
  const std::string name = TestType::name;
  const kode::SolverInfo* info = kode::find_solver(name);
  REQUIRE(info != nullptr);
  REQUIRE(info->stiff);
  REQUIRE(info->adaptive);
  REQUIRE(info->order == TestType::order);
  REQUIRE_FALSE(kode::find_solver("tsit5")->stiff);

  kode::SolveSpec spec = robertson_spec();
  spec.method = name;
  const kode::BatchResult r = robertson->solve(spec, {0.04, 3e7, 1e4}, {1.0, 0.0, 0.0}, 1);
  REQUIRE(r.status[0] == 0);
  kode::BatchResult direct;
  kode::BatchSolver<Robertson, TestType>().solve(spec, {0.04, 3e7, 1e4}, {1.0, 0.0, 0.0}, 1,
                                                 direct);
  REQUIRE(same_bits(r.y_final.data(), direct.y_final.data(), 3));

  // Forward sensitivities run through the stiff methods; the adjoints do not yet.
  REQUIRE(robertson->stiff_sensitivities);
  REQUIRE(robertson->make_forward_solver(name) != nullptr);
  try {
    robertson->make_adjoint_solver(name);
    FAIL("adjoint sensitivities with " << name << " were not refused");
  } catch (const std::invalid_argument& e) {
    REQUIRE(std::string(e.what()).find("not available for adjoint sensitivities") !=
            std::string::npos);
  }
  REQUIRE_THROWS_AS(models.find("lorenz")->make_solver("rosenbrock24"), std::invalid_argument);
}
