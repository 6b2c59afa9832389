// SIMD lanes (kernels/simd/): a batch solved with W trajectories per thread
// must give every trajectory the bits of the one-trajectory kernel -- states,
// save times, step and dense records, counts and statuses -- for every ODE
// method, adaptive and constant steps, both directions of time, and batches
// whose trajectories end at different steps and for different reasons (lanes
// refill mid-pack), with partial packs and partial blocks.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../lane_batches.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/hybrid.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/neural_ode.hpp"

#if KODE_HAVE_LANES
namespace {

using kode::models::DampedOscillator;
using kode::models::Lorenz;

template <class Model, class Method, int W>
void compare(const kode::SolveSpec& s, const std::vector<double>& p, const std::vector<double>& y0,
             int n) {
  kode_test::require_lanes_match<Model, Method, W>(Model{}, s, p, y0, n);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("lanes give each trajectory the one-trajectory kernel's bits",
                        "[simd][lanes]", kode::OdeMethods) {
  std::vector<double> p, y0;
  const int n = 203;  // not a multiple of any block (32 W)
  kode_test::oscillator_batch(n, p, y0);
  for (bool adaptive : {true, false}) {
    for (bool backward : {false, true}) {
      INFO("adaptive " << adaptive << ", backward " << backward);
      kode::SolveSpec s = kode_test::oscillator_spec(adaptive, backward);
      compare<DampedOscillator, TestType, 2>(s, p, y0, n);
      compare<DampedOscillator, TestType, 8>(s, p, y0, n);
      s.save_steps = true;
      s.dense = true;
      compare<DampedOscillator, TestType, 4>(s, p, y0, n);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("lanes stop trajectories for the same reasons at the same steps",
                        "[simd][lanes]", kode::OdeMethods) {
  std::vector<double> p, y0;
  const int n = 77;
  kode_test::lorenz_batch(n, p, y0);
  kode::SolveSpec s = kode_test::lorenz_spec();  // max_steps 150 stops some mid-run
  compare<Lorenz, TestType, 4>(s, p, y0, n);
  s.control.max_steps = 4096;
  s.control.dtmin = 2e-3;
  compare<Lorenz, TestType, 4>(s, p, y0, n);
  s.control.dtmin = 0.0;
  s.control.dtmax = 0.01;
  compare<Lorenz, TestType, 8>(s, p, y0, n);
}

TEST_CASE("lanes handle empty and tiny batches, and trajectories that end after one step",
          "[simd][lanes]") {
  std::vector<double> p, y0;
  for (int n : {0, 1, 3, 9}) {
    kode_test::oscillator_batch(n, p, y0);
    compare<DampedOscillator, kode::Tsit5, 8>(kode_test::oscillator_spec(true, false), p, y0, n);
  }
  kode::SolveSpec s;
  s.t0 = 2.0;
  s.t1 = 3.0;
  s.ts = {2.0, 3.0};
  s.save_steps = true;
  kode_test::oscillator_batch(5, p, y0);
  s.control.max_steps = 1;  // every trajectory ends after one step: a refill per lane per step
  compare<DampedOscillator, kode::Tsit5, 4>(s, p, y0, 5);
}

TEST_CASE("the default lane count", "[simd][lanes]") {
  using Mem = Kokkos::DefaultExecutionSpace::memory_space;
  constexpr bool host = std::is_same<Mem, Kokkos::HostSpace>::value;
  // ODE methods of models with a templated time (the neural field too) run in
  // lanes on host spaces; rhs(double t, ...) models (a hybrid model's network
  // correction) do not, nor do SDE sensitivities (default_lanes with Sde; SDE
  // batch solves: test_sde_lanes.cpp).
  STATIC_REQUIRE(kode::BatchSolver<DampedOscillator, kode::Tsit5>::lanes ==
                 (host ? KODE_SIMD_LANES : 1));
  STATIC_REQUIRE(kode::BatchSolver<kode::models::NeuralOde<2>, kode::Tsit5>::lanes ==
                 (host ? KODE_SIMD_LANES : 1));
  STATIC_REQUIRE(kode::BatchSolver<kode::models::Hybrid<DampedOscillator>, kode::Tsit5>::lanes ==
                 1);
  STATIC_REQUIRE(kode::default_lanes<DampedOscillator, kode::Tsit5, true>() == 1);
}
#endif
