// Engine properties of SDE batches: the Brownian path of trajectory k is
// keyed by (noise.seed, first_trajectory + k, noise dimension) alone, so a
// trajectory's result is bit-identical whatever the batch size and its
// position, rejected steps see the same path, seeds reproduce, save times
// off the step grid end steps there, and a failing trajectory changes
// nothing in the others.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/kernels/models/geometric_brownian_motion.hpp"
#include "kode/kernels/models/ornstein_uhlenbeck.hpp"
#include "kode/kernels/models/stochastic_lotka_volterra.hpp"
#include "kode/kernels/sde/additive_srk.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/euler_maruyama.hpp"

namespace {

using kode::Status;
using kode::models::GeometricBrownianMotion;
using kode::models::OrnsteinUhlenbeck;
using kode::models::StochasticLotkaVolterra;

// Everything trajectory a of ra stored equals trajectory b of rb, double by
// double (==; no NaN occurs in the compared entries).
void require_same_trajectory(const kode::BatchResult& ra, int a, const kode::BatchResult& rb,
                             int b) {
  const int n = ra.n_state, ns = ra.n_save();
  REQUIRE(rb.n_state == n);
  REQUIRE(rb.n_save() == ns);
  CHECK(ra.status[a] == rb.status[b]);
  CHECK(ra.num_steps[a] == rb.num_steps[b]);
  CHECK(ra.num_accepted[a] == rb.num_accepted[b]);
  CHECK(ra.num_rejected[a] == rb.num_rejected[b]);
  bool same = true;
  for (int i = 0; i < n; ++i)
    same = same &&
           ra.y_final[static_cast<size_t>(a) * n + i] == rb.y_final[static_cast<size_t>(b) * n + i];
  for (int j = 0; j < ns * n; ++j)
    same = same &&
           ra.ys[static_cast<size_t>(a) * ns * n + j] == rb.ys[static_cast<size_t>(b) * ns * n + j];
  if (!ra.n_steps_saved.empty()) {
    REQUIRE(ra.n_steps_saved[a] == rb.n_steps_saved[b]);
    for (int s = 0; s < ra.n_steps_saved[a]; ++s) {
      same = same && ra.step_ts[static_cast<size_t>(a) * ra.step_capacity + s] ==
                         rb.step_ts[static_cast<size_t>(b) * rb.step_capacity + s];
      for (int i = 0; i < n; ++i)
        same = same && ra.step_ys[(static_cast<size_t>(a) * ra.step_capacity + s) * n + i] ==
                           rb.step_ys[(static_cast<size_t>(b) * rb.step_capacity + s) * n + i];
    }
  }
  CHECK(same);
}

// Rows [begin, end) of a row-major [n][width] array.
std::vector<double> rows(const std::vector<double>& v, int width, int begin, int end) {
  return std::vector<double>(v.begin() + static_cast<size_t>(begin) * width,
                             v.begin() + static_cast<size_t>(end) * width);
}

// Solves trajectories [0, n) in one batch and again in chunks starting at
// `cuts`, each chunk with first_trajectory = its first global index, and
// requires every trajectory to be bit-identical in both.
template <class Model, class Method>
kode::BatchResult check_chunking_invariance(kode::SolveSpec spec, const std::vector<double>& p,
                                            const std::vector<double>& y0, int n,
                                            const std::vector<int>& cuts) {
  constexpr int P = Model::n_param, N = Model::n_state;
  spec.first_trajectory = 0;
  const auto whole = kode::solve_batch<Model, Method>({}, spec, p, y0, n);
  for (size_t c = 0; c < cuts.size(); ++c) {
    const int begin = cuts[c], end = c + 1 < cuts.size() ? cuts[c + 1] : n;
    spec.first_trajectory = static_cast<std::uint64_t>(begin);
    const auto part = kode::solve_batch<Model, Method>({}, spec, rows(p, P, begin, end),
                                                       rows(y0, N, begin, end), end - begin);
    for (int k = begin; k < end; ++k) {
      INFO(Method::name << ": trajectory " << k << " in the chunk [" << begin << ", " << end
                        << ")");
      require_same_trajectory(whole, k, part, k - begin);
    }
  }
  return whole;
}

}  // namespace

// Mutations caught: a kernel that keys the path by the batch-local index
// (dropping first_trajectory) or by the global index without the offset of
// the thread, or any per-batch state leaking into a trajectory.
TEST_CASE("SDE trajectories are bit-identical whatever the batch size and position",
          "[sde][batch]") {
  const int n = 40;
  const std::vector<int> cuts = {0, 1, 8, 21};  // chunks of 1, 7, 13 and 19 trajectories

  // Euler-Maruyama on stochastic Lotka-Volterra: two noise dimensions, per
  // trajectory parameters and initial states; every step saved.
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 5.0;
  spec.ts = {1.0, 2.5, 5.0};
  spec.save_steps = true;
  spec.control.adaptive = false;
  spec.control.dt0 = 0.01;
  spec.noise.seed = 31337;
  std::vector<double> p, y0;
  for (int k = 0; k < n; ++k) {
    p.insert(p.end(), {1.0 + 0.01 * k, 0.5, 1.0, 0.5, 0.2, 0.1 + 0.005 * k});
    y0.insert(y0.end(), {2.0 + 0.05 * k, 1.0});
  }
  check_chunking_invariance<StochasticLotkaVolterra, kode::EulerMaruyama>(spec, p, y0, n, cuts);

  // Adaptive ShARK on Ornstein-Uhlenbeck: accepted and rejected steps depend
  // on the path, so equality covers the controller's decisions too.
  kode::SolveSpec adaptive;
  adaptive.t0 = 0.0;
  adaptive.t1 = 2.0;
  adaptive.ts = {0.5, 1.0, 2.0};
  adaptive.save_steps = true;
  adaptive.control.rtol = adaptive.control.atol = 1e-4;
  adaptive.control.dt0 = 0.1;
  adaptive.noise.seed = 4242;
  std::vector<double> q, x0;
  for (int k = 0; k < n; ++k) {
    q.insert(q.end(), {1.0 + 0.05 * k, 0.5, 0.3 + 0.01 * k});
    x0.push_back(1.0 + 0.1 * k);
  }
  const auto r =
      check_chunking_invariance<OrnsteinUhlenbeck, kode::Shark>(adaptive, q, x0, n, cuts);
  int rejected = 0;
  for (int k = 0; k < n; ++k) {
    REQUIRE(r.status[k] == 0);
    rejected += r.num_rejected[k];
  }
  INFO("rejected steps in the batch: " << rejected);
  CHECK(rejected > 0);
}

// ShARK with the PID controller retries a rejected step with a smaller dt on
// the same Brownian path (the tree is queried again, not redrawn), so as the
// tolerance tightens the adaptive solution converges to the solution of that
// path, here a fixed-step ShARK solution at dt = 2^-12 (error ~1e-8: order
// 2 on this linear drift, see test_sde_convergence.cpp; far below the
// errors compared). The error must decrease with every 10-fold
// tightening, steps must have been rejected at each tolerance, and the
// tightest must be close.
// Mutation caught (tried): a loop that, after a rejection, measures the
// retried step's increment from the rejected step's end (`at_t = at_next`
// on rejection) integrates another path: the error no longer decreases.
TEST_CASE("rejected steps do not change the Brownian path", "[sde][batch]") {
  const int n = 50;
  const std::vector<double> p = [] {
    std::vector<double> v;
    for (int k = 0; k < n; ++k) v.insert(v.end(), {3.0, 0.5, 1.0});  // theta, mu, sigma
    return v;
  }();
  const std::vector<double> y0(n, 2.0);
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 1.0;
  spec.ts = {1.0};
  spec.noise.seed = 99;
  spec.control.adaptive = false;
  spec.control.dt0 = 0x1p-12;
  spec.control.max_steps = 5000;
  const auto fine = kode::solve_batch<OrnsteinUhlenbeck, kode::Shark>({}, spec, p, y0, n);

  spec.control.adaptive = true;
  spec.control.dt0 = 0.1;
  spec.control.max_steps = 100000;
  double previous = INFINITY;
  for (double tol : {1e-2, 1e-3, 1e-4, 1e-5}) {
    spec.control.rtol = spec.control.atol = tol;
    const auto r = kode::solve_batch<OrnsteinUhlenbeck, kode::Shark>({}, spec, p, y0, n);
    double err = 0.0;
    int rejected = 0;
    for (int k = 0; k < n; ++k) {
      REQUIRE(r.status[k] == 0);
      err += std::fabs(r.y_final[k] - fine.y_final[k]) / n;
      rejected += r.num_rejected[k];
    }
    INFO("rtol = atol = " << tol << ": mean |error| " << err << " (previous " << previous << "), "
                          << rejected << " rejected steps");
    CHECK(rejected > 0);
    CHECK(err < previous);
    previous = err;
  }
  CHECK(previous < 1e-6);
}

// Mutation caught: a kernel that ignores noise.seed (e.g. keys paths by the
// trajectory alone), or draws anything from non-reproducible state.
TEST_CASE("the same seed reproduces a batch bit for bit, another seed gives other paths",
          "[sde][batch]") {
  const int n = 16;
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 1.0;
  spec.ts = {0.5, 1.0};
  spec.control.adaptive = false;
  spec.control.dt0 = 0.01;
  std::vector<double> p, y0(n, 1.0);
  for (int k = 0; k < n; ++k) p.insert(p.end(), {0.5, 0.4});
  spec.noise.seed = 1;
  const auto a =
      kode::solve_batch<GeometricBrownianMotion, kode::EulerMaruyama>({}, spec, p, y0, n);
  const auto again =
      kode::solve_batch<GeometricBrownianMotion, kode::EulerMaruyama>({}, spec, p, y0, n);
  spec.noise.seed = 2;
  const auto b =
      kode::solve_batch<GeometricBrownianMotion, kode::EulerMaruyama>({}, spec, p, y0, n);
  CHECK(a.ys == again.ys);
  CHECK(a.y_final == again.y_final);
  int differ = 0, distinct_paths = 0;
  for (int k = 0; k < n; ++k) {
    differ += a.y_final[k] != b.y_final[k];
    // Trajectories with identical inputs still follow different paths.
    distinct_paths += k > 0 && a.y_final[k] != a.y_final[k - 1];
  }
  CHECK(differ == n);
  CHECK(distinct_paths == n - 1);
}

// With constant dt = 0.1, save times 0.05 and 0.37 are not on the grid
// 0, 0.1, 0.2, ...: a step ends exactly at each (the step after it continues
// with dt = 0.1), so the grid is 0, 0.05, 0.15, ..., 0.35, 0.37, 0.47, ...,
// 0.97, 1. The saved values are the solver's states at those step ends (not
// interpolated), and they are Euler-Maruyama steps on the trajectory's own
// Brownian path, recomputed here from the tree.
// Mutations caught: saving by interpolation within a step that crosses a
// save time (step times would miss 0.05 and 0.37, values differ); steps
// that ignore save times; increments not taken from the trajectory's tree.
TEST_CASE("save times off the step grid end steps there and save the solver's states",
          "[sde][batch]") {
  const double mu = 0.5, sigma = 0.4, x0 = 1.0;
  const int n = 3;
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 1.0;
  spec.ts = {0.05, 0.37, 1.0};
  spec.save_steps = true;
  spec.control.adaptive = false;
  spec.control.dt0 = 0.1;
  spec.noise.seed = 8;
  spec.first_trajectory = 100;
  std::vector<double> p, y0(n, x0);
  for (int k = 0; k < n; ++k) p.insert(p.end(), {mu, sigma});
  const auto r =
      kode::solve_batch<GeometricBrownianMotion, kode::EulerMaruyama>({}, spec, p, y0, n);
  const std::vector<double> grid = {0,    0.05, 0.15, 0.25, 0.35, 0.37, 0.47,
                                    0.57, 0.67, 0.77, 0.87, 0.97, 1.0};
  const double tol = kode::brownian_tree_tol(spec.t0, spec.t1, spec.noise);
  for (int k = 0; k < n; ++k) {
    INFO("trajectory " << k);
    REQUIRE(r.status[k] == 0);
    REQUIRE(r.n_steps_saved[k] == static_cast<int>(grid.size()));
    const double* ts = &r.step_ts[static_cast<size_t>(k) * r.step_capacity];
    const double* ys = &r.step_ys[static_cast<size_t>(k) * r.step_capacity];
    for (size_t s = 0; s < grid.size(); ++s) CHECK(std::fabs(ts[s] - grid[s]) < 1e-12);
    // The save times themselves are step ends, exactly.
    CHECK(ts[1] == 0.05);
    CHECK(ts[5] == 0.37);
    CHECK(ts[12] == 1.0);
    // Saved values are those step ends' states, bit for bit.
    CHECK(r.ys[static_cast<size_t>(k) * 3 + 0] == ys[1]);
    CHECK(r.ys[static_cast<size_t>(k) * 3 + 1] == ys[5]);
    CHECK(r.ys[static_cast<size_t>(k) * 3 + 2] == ys[12]);
    // Euler-Maruyama on the engine's step times with the increments of
    // trajectory 100 + k's tree: x' = x + mu x h + sigma x dW.
    const kode::VirtualBrownianTree w(spec.t0, spec.t1, tol, spec.noise.seed,
                                      spec.first_trajectory + k, 0);
    double x = x0;
    for (size_t s = 1; s < grid.size(); ++s) {
      const double h = ts[s] - ts[s - 1];
      x = x + h * (mu * x) + sigma * x * (w(ts[s]) - w(ts[s - 1]));
      CHECK(std::fabs(x - ys[s]) <= 1e-14 * std::fabs(x));
    }
  }
}

namespace {
// Solves `healthy` (n trajectories), the same with trajectory `bad` given
// `bad_params`, and the healthy ones without `bad` (two chunks around it,
// keeping their global indices); every healthy trajectory must be
// bit-identical in all three, and `bad` must get `expected`.
template <class Model, class Method>
void check_status_isolation(const kode::SolveSpec& spec, const std::vector<double>& healthy_p,
                            const std::vector<double>& y0, int n, int bad,
                            const std::vector<double>& bad_params, Status expected) {
  constexpr int P = Model::n_param, N = Model::n_state;
  auto s = spec;
  s.first_trajectory = 0;
  const auto clean = kode::solve_batch<Model, Method>({}, s, healthy_p, y0, n);
  for (int k = 0; k < n; ++k) REQUIRE(clean.status[k] == 0);
  auto mixed_p = healthy_p;
  for (int j = 0; j < P; ++j) mixed_p[static_cast<size_t>(bad) * P + j] = bad_params[j];
  const auto mixed = kode::solve_batch<Model, Method>({}, s, mixed_p, y0, n);
  CHECK(mixed.status[bad] == static_cast<std::int8_t>(expected));
  const auto before =
      kode::solve_batch<Model, Method>({}, s, rows(healthy_p, P, 0, bad), rows(y0, N, 0, bad), bad);
  s.first_trajectory = static_cast<std::uint64_t>(bad + 1);
  const auto after = kode::solve_batch<Model, Method>({}, s, rows(healthy_p, P, bad + 1, n),
                                                      rows(y0, N, bad + 1, n), n - bad - 1);
  for (int k = 0; k < n; ++k) {
    if (k == bad) continue;
    INFO("healthy trajectory " << k);
    require_same_trajectory(clean, k, mixed, k);
    if (k < bad)
      require_same_trajectory(clean, k, before, k);
    else
      require_same_trajectory(clean, k, after, k - bad - 1);
  }
}
}  // namespace

// Mutations caught: a batch that stops, or shares any state (step size,
// controller history, status) between trajectories, when one fails.
TEST_CASE("a failing SDE trajectory gets its status and leaves the others bit-identical",
          "[sde][batch][status]") {
  const int n = 8, bad = 3;
  // GBM with mu = 1e5: each Euler-Maruyama step multiplies by ~1 + 1e5/128,
  // so x overflows to Inf within 128 steps -> nonfinite.
  kode::SolveSpec em;
  em.t0 = 0.0;
  em.t1 = 1.0;
  em.ts = {0.25, 0.5, 1.0};
  em.control.adaptive = false;
  em.control.dt0 = 0x1p-7;
  em.noise.seed = 5;
  std::vector<double> gp, gy(n, 1.0);
  for (int k = 0; k < n; ++k) gp.insert(gp.end(), {0.1 * k, 0.3});
  check_status_isolation<GeometricBrownianMotion, kode::EulerMaruyama>(
      em, gp, gy, n, bad, {1e5, 0.3}, Status::nonfinite);

  // OU with theta = 1e5 under adaptive ShARK: stiff, so the explicit steps
  // must stay below ~2/theta = 2e-5 and the trajectory exhausts max_steps
  // (the healthy ones need < 100 steps here).
  kode::SolveSpec sh;
  sh.t0 = 0.0;
  sh.t1 = 1.0;
  sh.ts = {0.5, 1.0};
  sh.control.rtol = sh.control.atol = 1e-3;
  sh.control.dt0 = 0.05;
  sh.control.max_steps = 300;
  sh.noise.seed = 6;
  std::vector<double> op, oy(n, 1.0);
  for (int k = 0; k < n; ++k) op.insert(op.end(), {1.0 + 0.1 * k, 0.0, 0.2});
  check_status_isolation<OrnsteinUhlenbeck, kode::Shark>(sh, op, oy, n, bad, {1e5, 0.0, 0.2},
                                                         Status::max_steps_reached);
  // The same with dtmin: the bad trajectory stops with dt_min_reached.
  sh.control.max_steps = 100000;
  sh.control.dtmin = 1e-4;
  check_status_isolation<OrnsteinUhlenbeck, kode::Shark>(sh, op, oy, n, bad, {1e5, 0.0, 0.2},
                                                         Status::dt_min_reached);
}
