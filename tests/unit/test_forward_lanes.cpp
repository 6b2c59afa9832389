// Forward sensitivities in SIMD lanes (engine/sensitivity/forward_lanes_kernel.hpp)
// must give every trajectory the bits of the one-trajectory kernel -- values,
// dy/dp and dy/dy0 at every save time and at t1, status and counts -- for
// every ODE method, adaptive and constant steps, both directions of time, and
// batches whose trajectories stop for different reasons, with partial packs
// and partial blocks.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <vector>

#include "../lane_batches.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/lorenz.hpp"

#if KODE_HAVE_LANES
namespace {

using kode::models::DampedOscillator;
using kode::models::Lorenz;

using kode_test::oscillator_batch;
using kode_test::oscillator_spec;
using kode_test::require_same_bits;

void require_same_bits(const kode::ForwardSensitivityResult& a,
                       const kode::ForwardSensitivityResult& b) {
  REQUIRE(a.solution.n_traj == b.solution.n_traj);
  REQUIRE(a.solution.status == b.solution.status);
  REQUIRE(a.solution.num_steps == b.solution.num_steps);
  REQUIRE(a.solution.num_accepted == b.solution.num_accepted);
  REQUIRE(a.solution.num_rejected == b.solution.num_rejected);
  require_same_bits(a.solution.ys, b.solution.ys, "ys");
  require_same_bits(a.solution.y_final, b.solution.y_final, "y_final");
  require_same_bits(a.dys_dparams, b.dys_dparams, "dys_dparams");
  require_same_bits(a.dys_dy0, b.dys_dy0, "dys_dy0");
  require_same_bits(a.dy_final_dparams, b.dy_final_dparams, "dy_final_dparams");
  require_same_bits(a.dy_final_dy0, b.dy_final_dy0, "dy_final_dy0");
}

template <class Model, class Method, int W>
void compare(const kode::SolveSpec& s, const std::vector<double>& p, const std::vector<double>& y0,
             int n) {
  kode::ForwardSensitivityResult one, packed;
  kode::ForwardSensitivitySolver<Model, Method, 1>().solve(s, p, y0, n, one);
  kode::ForwardSensitivitySolver<Model, Method, W> lanes;
  STATIC_REQUIRE(decltype(lanes)::lanes == W);
  lanes.solve(s, p, y0, n, packed);
  require_same_bits(one, packed);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("forward-sensitivity lanes give each trajectory its one-trajectory bits",
                        "[simd][lanes][forward]", kode::OdeMethods) {
  std::vector<double> p, y0;
  const int n = 203;
  oscillator_batch(n, p, y0);
  for (bool adaptive : {true, false}) {
    for (bool backward : {false, true}) {
      INFO("adaptive " << adaptive << ", backward " << backward);
      const kode::SolveSpec s = oscillator_spec(adaptive, backward);
      compare<DampedOscillator, TestType, 2>(s, p, y0, n);
      compare<DampedOscillator, TestType, 4>(s, p, y0, n);
      compare<DampedOscillator, TestType, 8>(s, p, y0, n);
    }
  }
}

TEST_CASE("forward-sensitivity lanes: three states, stopped trajectories, small batches",
          "[simd][lanes][forward]") {
  std::vector<double> p, y0;
  const int n = 77;
  kode_test::lorenz_batch(n, p, y0);
  kode::SolveSpec s = kode_test::lorenz_spec();
  compare<Lorenz, kode::Tsit5, 4>(s, p, y0, n);
  s.control.max_steps = 4096;
  s.control.dtmin = 2e-3;
  compare<Lorenz, kode::Dopri5, 2>(s, p, y0, n);
  for (int m : {0, 1, 3, 9}) {
    oscillator_batch(m, p, y0);
    compare<DampedOscillator, kode::Tsit5, 8>(oscillator_spec(true, false), p, y0, m);
  }
}
#endif
