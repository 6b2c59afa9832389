// The neural ODE's vector field in SIMD lanes against one trajectory per
// thread (docs/benchmarks.md, "Neural ODE vector field in SIMD lanes"): the
// batch solve of y' = MLP(y), 2 states, through BatchSolver with the build's
// lanes (kernels/models/neural_ode.hpp is lane-capable) and with Lanes = 1,
// alternating the two `--reps` times in one process, and checking that both
// give the same bits.
//
//   neural_lanes_bench [--n 20000] [--width 64] [--depth 2]
//                      [--activation softplus|tanh|relu|silu|elu]
//                      [--method tsit5|dopri5|bosh3] [--reps 3] [--min-seconds 1]
//
// Network: Equinox's initialisation (Mlp::initialize, seed 7) times 2, so
// the field is not nearly linear. Trajectories: y0 on a circle of radius
// 1 + i/n, t in [0, 1], rtol 1e-6, atol 1e-8, final state only (so the time
// is the steps, and the steps are the network). Timed: BatchSolver::solve,
// repeated until --min-seconds, after one warm-up call per solver. ns/rhs
// divides by steps x (stages - FSAL) per trajectory, leaving out the two
// evaluations of each trajectory's start (f(t0, y0), Hairer's initial step).
// Built as build/drivers/neural_lanes_bench (KODE_ENABLE_BENCHMARKS); run it
// pinned to one core (taskset -c 0).
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/neural_ode.hpp"

namespace {

using Model = kode::models::NeuralOde<2>;

struct Options {
  long n = 20000;
  int width = 64, depth = 2, reps = 3;
  std::string activation = "softplus", method = "tsit5";
  double min_seconds = 1.0;
};

kode::MlpActivation activation_of(const std::string& name) {
  const char* names[] = {"softplus", "tanh", "relu", "silu", "elu"};
  for (int k = 0; k < 5; ++k)
    if (name == names[k]) return static_cast<kode::MlpActivation>(k);
  std::fprintf(stderr, "unknown --activation %s\n", name.c_str());
  std::exit(2);
}

// Seconds per call of solver.solve, over at least min_seconds.
template <class Solver>
double seconds_per_solve(Solver& solver, const kode::SolveSpec& s, const std::vector<double>& y0,
                         int n, kode::BatchResult& r, double min_seconds) {
  using clock = std::chrono::steady_clock;
  const std::vector<double> no_params;
  double seconds = 0.0;
  int calls = 0;
  while (seconds < min_seconds || calls == 0) {
    const auto start = clock::now();
    solver.solve(s, no_params, y0, n, r);
    seconds += std::chrono::duration<double>(clock::now() - start).count();
    ++calls;
  }
  return seconds / calls;
}

template <class Method>
int run(const Options& o, const Model& model) {
  const int n = static_cast<int>(o.n);
  std::vector<double> y0;
  for (int i = 0; i < n; ++i) {
    const double r = 1.0 + static_cast<double>(i) / n, a = 6.283185307179586 * i / n;
    y0.push_back(r * std::cos(a));
    y0.push_back(r * std::sin(a));
  }
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 1.0;
  s.ts = {1.0};
  s.control.rtol = 1e-6;
  s.control.atol = 1e-8;
  s.control.max_steps = 100000;

  using Lanes = kode::BatchSolver<Model, Method>;
  using One = kode::BatchSolver<Model, Method, 1>;
  Lanes lanes(model);
  One one(model);
  kode::BatchResult rl, r1;
  const std::vector<double> no_params;
  lanes.solve(s, no_params, y0, n, rl);  // warm-up: allocates the solver's Views
  one.solve(s, no_params, y0, n, r1);
  const bool same =
      std::memcmp(rl.y_final.data(), r1.y_final.data(), rl.y_final.size() * sizeof(double)) == 0 &&
      rl.num_steps == r1.num_steps && rl.status == r1.status;
  long steps = 0;
  for (int t = 0; t < n; ++t) steps += rl.num_steps[t];
  const double evals_per_traj =
      static_cast<double>(steps) / n * (Method::stages - (Method::fsal ? 1 : 0));
  std::printf(
      "# neural_ode N=2 width=%d depth=%d activation=%s method=%s n=%d lanes=%d "
      "steps/traj=%.2f rhs/traj=%.1f lanes_vs_one=%s\n",
      o.width, o.depth, o.activation.c_str(), Method::name, n, Lanes::lanes,
      static_cast<double>(steps) / n, evals_per_traj, same ? "identical" : "DIFFER");
  for (int rep = 0; rep < o.reps; ++rep) {
    const double t1 = seconds_per_solve(one, s, y0, n, r1, o.min_seconds);
    const double tl = seconds_per_solve(lanes, s, y0, n, rl, o.min_seconds);
    std::printf(
        "rep %d: one lane %.3f us/traj (%.1f ns/rhs)  %d lanes %.3f us/traj (%.1f ns/rhs)  "
        "speedup %.2f\n",
        rep + 1, 1e6 * t1 / n, 1e9 * t1 / n / evals_per_traj, Lanes::lanes, 1e6 * tl / n,
        1e9 * tl / n / evals_per_traj, t1 / tl);
  }
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--n") {
      o.n = std::atol(v);
    } else if (k == "--width") {
      o.width = std::atoi(v);
    } else if (k == "--depth") {
      o.depth = std::atoi(v);
    } else if (k == "--activation") {
      o.activation = v;
    } else if (k == "--method") {
      o.method = v;
    } else if (k == "--reps") {
      o.reps = std::atoi(v);
    } else if (k == "--min-seconds") {
      o.min_seconds = std::atof(v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  Kokkos::ScopeGuard kokkos(argc, argv);
  int rc = 0;
  {
    kode::Mlp mlp;
    mlp.in_size = mlp.out_size = 2;
    mlp.width = o.width;
    mlp.depth = o.depth;
    mlp.activation = activation_of(o.activation);
    mlp.validate();
    std::vector<double> w(mlp.n_weights());
    mlp.initialize(7, w.data());
    Kokkos::View<double*> weights("bench::weights", w.size());
    auto h = Kokkos::create_mirror_view(weights);
    for (size_t k = 0; k < w.size(); ++k) h(k) = 2.0 * w[k];
    Kokkos::deep_copy(weights, h);
    Model model;
    model.mlp = mlp;
    model.set_weights(weights.data());
    if (o.method == "tsit5") {
      rc = run<kode::Tsit5>(o, model);
    } else if (o.method == "dopri5") {
      rc = run<kode::Dopri5>(o, model);
    } else if (o.method == "bosh3") {
      rc = run<kode::Bosh3>(o, model);
    } else {
      std::fprintf(stderr, "--method: tsit5, dopri5 or bosh3\n");
      rc = 2;
    }
  }
  return rc;
}
