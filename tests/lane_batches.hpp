// Shared by the SIMD-lane tests (tests/unit/test_simd_lanes.cpp,
// test_sde_lanes.cpp, test_neural_lanes.cpp, test_adjoint_lanes.cpp,
// test_forward_lanes.cpp): batches whose trajectories end at different
// steps and for different reasons, the solve settings they run with, and a bit-for-bit comparison
// of result arrays.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"

namespace kode_test {

inline std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

// x and y hold the same bits (NaN payloads included); names the first
// difference otherwise.
inline void require_same_bits(const std::vector<double>& x, const std::vector<double>& y,
                              const char* what) {
  INFO(what);
  REQUIRE(x.size() == y.size());
  size_t i = 0;
  while (i < x.size() && bits(x[i]) == bits(y[i])) ++i;
  INFO("first difference at index " << i << ": " << (i < x.size() ? x[i] : 0.0) << " vs "
                                    << (i < y.size() ? y[i] : 0.0));
  REQUIRE(i == x.size());
}

// Two batch results field by field, bit for bit (NaN payloads included),
// naming the first trajectory or array that differs.
inline void require_same_results(const kode::BatchResult& a, const kode::BatchResult& b) {
  REQUIRE(a.n_traj == b.n_traj);
  for (int t = 0; t < a.n_traj; ++t) {
    INFO("trajectory " << t << ": status " << int(a.status[t]) << " vs " << int(b.status[t])
                       << ", steps " << a.num_steps[t] << " vs " << b.num_steps[t] << ", accepted "
                       << a.num_accepted[t] << " vs " << b.num_accepted[t]);
    REQUIRE(a.status[t] == b.status[t]);
    REQUIRE(a.num_steps[t] == b.num_steps[t]);
    REQUIRE(a.num_accepted[t] == b.num_accepted[t]);
  }
  require_same_bits(a.ys, b.ys, "ys");
  require_same_bits(a.y_final, b.y_final, "y_final");
  require_same_bits(a.step_ts, b.step_ts, "step_ts");
  require_same_bits(a.step_ys, b.step_ys, "step_ys");
  require_same_bits(a.dense_ts, b.dense_ts, "dense_ts");
  require_same_bits(a.dense_ys, b.dense_ys, "dense_ys");
  REQUIRE(a.num_rejected == b.num_rejected);
  REQUIRE(a.n_steps_saved == b.n_steps_saved);
  REQUIRE(a.n_dense_steps == b.n_dense_steps);
}

// Solves the batch with one trajectory per thread and with W per thread in
// SIMD lanes, and requires the same bits.
template <class Model, class Method, int W>
void require_lanes_match(const Model& model, const kode::SolveSpec& s, const std::vector<double>& p,
                         const std::vector<double>& y0, int n) {
  kode::BatchResult one, packed;
  kode::BatchSolver<Model, Method, 1>(model).solve(s, p, y0, n, one);
  kode::BatchSolver<Model, Method, W> lanes(model);
  STATIC_REQUIRE(decltype(lanes)::lanes == W);
  lanes.solve(s, p, y0, n, packed);
  require_same_results(one, packed);
}

// An oscillator batch whose trajectories differ in stiffness and so in step
// counts (lanes finish at different steps), with a few that end early: a
// non-finite y0 (stops in begin), and y0 = 1e300 (overflows mid-run).
inline void oscillator_batch(int n, std::vector<double>& p, std::vector<double>& y0) {
  p.clear();
  y0.clear();
  for (int i = 0; i < n; ++i) {
    p.push_back(0.05 + 0.9 * ((i * 37) % 101) / 100.0);  // zeta
    p.push_back(0.5 + 8.0 * ((i * 53) % 97) / 96.0);     // omega
    double x = 1.0 + 0.01 * i, v = 0.0;
    if (i % 23 == 7) x = std::numeric_limits<double>::quiet_NaN();
    if (i % 31 == 11) x = 1e300, v = -1e300;
    y0.push_back(x);
    y0.push_back(v);
  }
}

// Lorenz (sigma 10, beta 8/3) from a spread of starts and rho in [28, 32]:
// chaotic, so step counts vary widely and a small max_steps or a dtmin stops
// some trajectories mid-run.
inline void lorenz_batch(int n, std::vector<double>& p, std::vector<double>& y0) {
  p.clear();
  y0.clear();
  for (int i = 0; i < n; ++i) {
    p.insert(p.end(), {10.0, 28.0 + (i % 5), 8.0 / 3.0});
    y0.insert(y0.end(), {1.0 + 0.1 * i, 1.0, 1.0});
  }
}

// Over [0, 3], save times 0.5, 1, 2, 3, at most 150 attempted steps.
inline kode::SolveSpec lorenz_spec() {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 3.0;
  s.ts = {0.5, 1.0, 2.0, 3.0};
  s.control.rtol = 1e-7;
  s.control.atol = 1e-9;
  s.control.max_steps = 150;
  return s;
}

// Over [0, 6] or [6, 0]: save times at t0, inside, at a step end (for
// constant steps) and at t1.
inline kode::SolveSpec oscillator_spec(bool adaptive, bool backward) {
  kode::SolveSpec s;
  s.t0 = backward ? 6.0 : 0.0;
  s.t1 = backward ? 0.0 : 6.0;
  const double dir = backward ? -1.0 : 1.0;
  for (double u : {0.0, 0.05, 0.5, 1.0, 1.2345, 3.0, 5.999, 6.0}) s.ts.push_back(s.t0 + dir * u);
  s.control.adaptive = adaptive;
  s.control.dt0 = adaptive ? 0.0 : 0.05;
  s.control.rtol = 1e-6;
  s.control.atol = 1e-8;
  s.control.max_steps = 600;  // enough; keeps the step and dense arrays small
  return s;
}

}  // namespace kode_test
