// Trajectories of a batch are independent: a failing trajectory gets its own
// status code and changes nothing in the others, and a trajectory's result is
// bit-identical whatever the batch size and its position in the batch.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/logistic.hpp"

namespace {

using kode::Status;

// Bitwise equality of trajectory `a` of batch ra and trajectory `b` of rb.
void require_same_trajectory(const kode::BatchResult& ra, int a, const kode::BatchResult& rb,
                             int b) {
  const int n = ra.n_state, ns = ra.n_save();
  REQUIRE(rb.n_state == n);
  REQUIRE(rb.n_save() == ns);
  CHECK(ra.status[a] == rb.status[b]);
  CHECK(ra.num_steps[a] == rb.num_steps[b]);
  CHECK(ra.num_accepted[a] == rb.num_accepted[b]);
  CHECK(ra.num_rejected[a] == rb.num_rejected[b]);
  CHECK(std::memcmp(&ra.y_final[static_cast<size_t>(a) * n],
                    &rb.y_final[static_cast<size_t>(b) * n], sizeof(double) * n) == 0);
  CHECK(std::memcmp(&ra.ys[static_cast<size_t>(a) * ns * n],
                    &rb.ys[static_cast<size_t>(b) * ns * n], sizeof(double) * ns * n) == 0);
}

kode::SolveSpec logistic_spec() {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 1.0;
  s.control.rtol = 1e-8;
  s.control.atol = 1e-8;
  for (int j = 0; j <= 10; ++j) s.ts.push_back(j / 10.0);
  return s;
}

// Healthy logistic trajectories: r in [0.5, 2], k = 10, n0 = 1.
void healthy(std::vector<double>& p, std::vector<double>& y0, int count) {
  for (int i = 0; i < count; ++i) {
    p.push_back(0.5 + 1.5 * i / (count - 1));
    p.push_back(10.0);
    y0.push_back(1.0);
  }
}

// One bad trajectory inserted at `bad_at` into a batch of healthy ones; every
// healthy trajectory must be bit-identical to the batch without it.
void check_isolated(const kode::SolveSpec& spec, double bad_r, double bad_k, double bad_n0,
                    Status expected) {
  std::vector<double> p, y0;
  healthy(p, y0, 8);
  const auto clean = kode::solve_batch<kode::models::Logistic, kode::Tsit5>({}, spec, p, y0, 8);
  for (int i = 0; i < 8; ++i) REQUIRE(clean.status[i] == 0);

  const int bad_at = 3;
  std::vector<double> pb(p), yb(y0);
  pb.insert(pb.begin() + 2 * bad_at, {bad_r, bad_k});
  yb.insert(yb.begin() + bad_at, bad_n0);
  const auto mixed = kode::solve_batch<kode::models::Logistic, kode::Tsit5>({}, spec, pb, yb, 9);
  CHECK(mixed.status[bad_at] == static_cast<std::int8_t>(expected));
  for (int i = 0; i < 8; ++i) require_same_trajectory(clean, i, mixed, i < bad_at ? i : i + 1);
}

}  // namespace

TEST_CASE("NaN in one trajectory gives it status nonfinite and leaves the others alone",
          "[status]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  check_isolated(logistic_spec(), nan, 10.0, 1.0, Status::nonfinite);
  check_isolated(logistic_spec(), 1.0, 10.0, nan, Status::nonfinite);
  // Finite inputs whose right-hand side overflows to Inf:
  // r n (1 - n/k) with r = 1e200, n0 = 1e200, k = 1.
  check_isolated(logistic_spec(), 1e200, 1.0, 1e200, Status::nonfinite);
  // Overflow mid-solve: constant steps of 0.1 through the blow-up of
  // n' = n + n^2 at t = ln 2; the iteration overflows to Inf a few steps later.
  auto fixed = logistic_spec();
  fixed.t1 = 3.0;
  fixed.ts = {0.0, 3.0};
  fixed.control.adaptive = false;
  fixed.control.dt0 = 0.1;
  check_isolated(fixed, 1.0, -1.0, 1.0, Status::nonfinite);
}

TEST_CASE("max_steps in one trajectory gives it status max_steps_reached only", "[status]") {
  // n' = n + n^2 (r = 1, k = -1, n0 = 1) blows up at t = ln 2 < 1: the step
  // size shrinks without bound, so this trajectory exhausts max_steps while the
  // healthy ones need fewer than 100 steps.
  auto spec = logistic_spec();
  spec.control.max_steps = 400;
  check_isolated(spec, 1.0, -1.0, 1.0, Status::max_steps_reached);
}

TEST_CASE("dtmin in one trajectory gives it status dt_min_reached only", "[status]") {
  auto spec = logistic_spec();
  spec.control.dtmin = 1e-5;  // healthy trajectories never go below ~1e-3
  spec.control.max_steps = 100000;
  check_isolated(spec, 1.0, -1.0, 1.0, Status::dt_min_reached);
}

TEST_CASE("a trajectory's result is bit-identical whatever the batch size and position",
          "[batch]") {
  kode::SolveSpec spec;
  spec.method = "tsit5";
  spec.t0 = 0.0;
  spec.t1 = 10.0;
  spec.control.rtol = 1e-6;
  spec.control.atol = 1e-8;
  for (int j = 0; j <= 100; ++j) spec.ts.push_back(j / 10.0);
  // W1-like grid of (zeta, omega).
  const int n = 1000;
  std::vector<double> p, y0;
  for (int i = 0; i < n; ++i) {
    p.push_back(0.05 + 0.9 * (i % 40) / 39.0);
    p.push_back(0.5 + 4.5 * (i / 40) / 24.0);
    y0.push_back(1.0);
    y0.push_back(0.0);
  }
  const auto all =
      kode::solve_batch<kode::models::DampedOscillator, kode::Tsit5>({}, spec, p, y0, n);
  for (int pick : {0, 1, 517, 999}) {
    INFO("trajectory " << pick);
    const std::vector<double> p1(p.begin() + 2 * pick, p.begin() + 2 * pick + 2);
    const std::vector<double> y1(y0.begin() + 2 * pick, y0.begin() + 2 * pick + 2);
    const auto alone =
        kode::solve_batch<kode::models::DampedOscillator, kode::Tsit5>({}, spec, p1, y1, 1);
    require_same_trajectory(all, pick, alone, 0);
    // The same trajectory at another position of a differently sized batch.
    std::vector<double> p3(p.begin(), p.begin() + 6), y3(y0.begin(), y0.begin() + 6);
    p3.insert(p3.end(), p1.begin(), p1.end());
    y3.insert(y3.end(), y1.begin(), y1.end());
    const auto four =
        kode::solve_batch<kode::models::DampedOscillator, kode::Tsit5>({}, spec, p3, y3, 4);
    require_same_trajectory(all, pick, four, 3);
  }
}
