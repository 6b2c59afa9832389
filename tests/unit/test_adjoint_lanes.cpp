// The discrete adjoint in SIMD lanes (kernels/simd/adjoint_lanes.hpp,
// engine/sensitivity/adjoint_lanes_kernel.hpp) must give every trajectory the
// bits of the one-trajectory adjoint -- loss, dL/dp, dL/dy0, their batch sum,
// status, counts, checkpoint slots, replayed attempts -- for every ODE
// method, adaptive and constant steps, both directions of time, both loss
// kinds (mse with missing observations, weighted states at the last or at
// every save time), and batches mixing trajectories the lanes reverse with
// ones they hand to the one-trajectory kernel (failed solves, more steps than
// the slots), with partial packs and partial blocks.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../lane_batches.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/neural_ode.hpp"

#if KODE_HAVE_LANES
namespace {

using kode::models::DampedOscillator;
using kode::models::Lorenz;

void require_same_bits(const kode::AdjointResult& a, const kode::AdjointResult& b) {
  const auto same = kode_test::require_same_bits;
  REQUIRE(a.n_traj == b.n_traj);
  for (int t = 0; t < a.n_traj; ++t) {
    INFO("trajectory " << t << ": status " << int(a.status[t]) << " vs " << int(b.status[t]));
    REQUIRE(a.status[t] == b.status[t]);
    REQUIRE(a.num_steps[t] == b.num_steps[t]);
    REQUIRE(a.num_accepted[t] == b.num_accepted[t]);
    REQUIRE(a.recomputed[t] == b.recomputed[t]);
    REQUIRE(a.slots_used[t] == b.slots_used[t]);
    REQUIRE(a.gradient_ok[t] == b.gradient_ok[t]);
  }
  same(a.loss, b.loss, "loss");
  same(a.dloss_dparams, b.dloss_dparams, "dloss_dparams");
  same(a.dloss_dy0, b.dloss_dy0, "dloss_dy0");
  same(a.sum_dloss_dparams, b.sum_dloss_dparams, "sum_dloss_dparams");
}

// mse data near the solution with some observations missing (NaN).
kode::LossSpec mse_loss(int n, int n_save, int n_state) {
  kode::LossSpec l;
  l.kind = kode::LossKind::mse;
  for (int k = 0; k < n * n_save * n_state; ++k)
    l.data.push_back(k % 17 == 3 ? std::numeric_limits<double>::quiet_NaN()
                                 : 0.3 * std::sin(0.37 * k));
  return l;
}

template <class Model, class Method, int W>
void compare(const kode::SolveSpec& s, const kode::LossSpec& loss, const std::vector<double>& p,
             const std::vector<double>& y0, int n, int checkpoints) {
  kode::AdjointResult one, packed;
  kode::AdjointSolver<Model, Method, 1>().solve(s, loss, p, y0, n, one, checkpoints);
  kode::AdjointSolver<Model, Method, W> lanes;
  STATIC_REQUIRE(decltype(lanes)::lanes == W);
  lanes.solve(s, loss, p, y0, n, packed, checkpoints);
  require_same_bits(one, packed);
  // Again on the same solver (its workspace and dispatch state reused).
  lanes.solve(s, loss, p, y0, n, packed, checkpoints);
  require_same_bits(one, packed);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("adjoint lanes give each trajectory the one-trajectory adjoint's bits",
                        "[simd][lanes][adjoint]", kode::OdeMethods) {
  std::vector<double> p, y0;
  const int n = 203;  // not a multiple of any block (32 W)
  kode_test::oscillator_batch(n, p, y0);
  for (bool adaptive : {true, false}) {
    for (bool backward : {false, true}) {
      INFO("adaptive " << adaptive << ", backward " << backward);
      const kode::SolveSpec s = kode_test::oscillator_spec(adaptive, backward);
      const int n_save = static_cast<int>(s.ts.size());
      kode::LossSpec state;
      state.weights.push_back(0.7);
      state.weights.push_back(-1.3);
      state.final_only = false;
      // 256 slots hold every trajectory's steps; 40 hold only some (the rest
      // are checkpointed by the one-trajectory kernel).
      compare<DampedOscillator, TestType, 2>(s, mse_loss(n, n_save, 2), p, y0, n, 256);
      compare<DampedOscillator, TestType, 4>(s, state, p, y0, n, 40);
      state.final_only = true;
      compare<DampedOscillator, TestType, 8>(s, state, p, y0, n, 256);
    }
  }
}

TEST_CASE("adjoint lanes: three states, stopped trajectories, crowded slots, small batches",
          "[simd][lanes][adjoint]") {
  std::vector<double> p, y0;
  const int n = 77;
  kode_test::lorenz_batch(n, p, y0);
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 1.5;
  for (double t : {0.5, 1.0, 1.5}) s.ts.push_back(t);
  s.control.rtol = 1e-7;
  s.control.atol = 1e-9;
  s.control.max_steps = 150;  // stops some Lorenz trajectories mid-run
  const kode::LossSpec loss = mse_loss(n, 3, 3);
  compare<Lorenz, kode::Dopri5, 4>(s, loss, p, y0, n, 256);
  // Every trajectory beyond 8 slots: the second call skips the lanes.
  s.control.max_steps = 4096;
  compare<Lorenz, kode::Tsit5, 2>(s, loss, p, y0, n, 8);
  // Empty, single and partial-pack batches.
  for (int m : {0, 1, 3, 9}) {
    kode_test::oscillator_batch(m, p, y0);
    const kode::SolveSpec so = kode_test::oscillator_spec(true, false);
    compare<DampedOscillator, kode::Tsit5, 8>(so, mse_loss(m, 8, 2), p, y0, m, 256);
  }
}

TEST_CASE("the adjoint's default lane count", "[simd][lanes][adjoint]") {
  using Mem = Kokkos::DefaultExecutionSpace::memory_space;
  constexpr bool host = std::is_same<Mem, Kokkos::HostSpace>::value;
  // Models reversed on dual numbers run in lanes where the solve does; models
  // with their own vjp or shared weights (the neural field) do not.
  STATIC_REQUIRE(kode::AdjointSolver<DampedOscillator, kode::Tsit5>::lanes ==
                 (host ? KODE_SIMD_LANES : 1));
  STATIC_REQUIRE(kode::AdjointSolver<kode::models::NeuralOde<2>, kode::Tsit5>::lanes == 1);
  STATIC_REQUIRE(kode::default_adjoint_lanes<DampedOscillator, kode::Tsit5, true>() == 1);
}
#endif
