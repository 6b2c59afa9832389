// kode's side of the benchmark workloads W1 and W2 (docs/benchmarks.md),
// printing one machine-readable line per run in the same format as the peers
// in scripts/bench/ (odeint_peer.cpp, diffrax_peer.py), so that
// scripts/bench/run_all.sh can put them side by side.
//
//   kode_bench --workload W1 --method tsit5 --n 10000 [--min-seconds 1]
//   kode_bench --workload W2 [--n 524288]
//   kode_bench --workload OU --method euler|shark|sra1 [--adaptive] [--n 1000000]
//   --lanes 1: one trajectory per thread (default: the build's SIMD lanes
//   where the model and method allow; the line reports lanes=).
//   --event never|zeros (W1): the cost of [event] detection: a non-terminal
//   event on x, rising through 100 (never crossed: the sampling of every
//   step alone) or crossing 0 either way (every zero of the oscillation
//   located to rounding); batches with events run one trajectory per thread.
//
// W1: damped oscillator on a (zeta, omega) grid, nz = ceil(sqrt(N)) zeta
//     values linspace(0.05, 0.95), nw = ceil(N/nz) omega values
//     linspace(0.5, 5), first N points row-major (zeta slow); t in [0, 10],
//     y0 = (1, 0), rtol 1e-6, atol 1e-8, 101 save times linspace(0, 10, 101).
// W2: Lorenz sigma 10, beta 8/3, rho = linspace(0, 21, N), y0 = (1, 0, 0),
//     t in [0, 1], tsit5, rtol = atol = 1e-8, final state only.
// OU: Ornstein-Uhlenbeck dx = theta (mu - x) dt + sigma dW, theta 1, mu 0.5,
//     sigma 0.3, x0 = 1, t in [0, 1], N Brownian paths (noise seed 2026),
//     final state only; fixed dt = 2^-8, or with --adaptive the PID
//     controller at rtol = atol = 1e-3 from dt0 = 2^-8; Brownian tree
//     tolerance --tree-tol (default 2^-12, as the Diffrax peer).
// Timed: the whole engine call BatchSolver::solve (input copy to device Views,
// the kernel, copy back and transposition to the file layout), repeated until
// --min-seconds have passed, after one warm-up call that allocates the
// solver's buffers (reused by the timed calls, as in a running process).
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/sde_solver_registry.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/lorenz.hpp"
#include "kode/kernels/models/ornstein_uhlenbeck.hpp"

namespace {

double linspace_at(double a, double b, long n, long i) {
  return n <= 1 ? a : a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
}

struct Options {
  std::string workload = "W1";
  std::string method = "tsit5";
  long n = 10000;
  double min_seconds = 1.0;
  int saves = 101;        // W1 save times (the workload has 101; fewer isolates the cost of saving)
  bool adaptive = false;  // OU: PID controller instead of fixed steps
  double tree_tol = 1.0 / 4096.0;  // OU: Brownian tree tolerance
  int lanes = 0;                   // 0: BatchSolver's default; 1: one trajectory per thread
  std::string event = "none";      // W1: none, never or zeros
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "kode_bench: %s\nusage: kode_bench --workload W1|W2|OU [--method NAME] [--n N] "
               "[--min-seconds S] [--saves K] [--adaptive] [--tree-tol TOL] [--lanes 0|1]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--kokkos", 0) == 0) continue;
    if (a == "--adaptive") {
      o.adaptive = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--workload")
      o.workload = v;
    else if (a == "--method")
      o.method = v;
    else if (a == "--n")
      o.n = std::atol(v);
    else if (a == "--min-seconds")
      o.min_seconds = std::atof(v);
    else if (a == "--saves")
      o.saves = std::atoi(v);
    else if (a == "--tree-tol")
      o.tree_tol = std::atof(v);
    else if (a == "--lanes")
      o.lanes = std::atoi(v);
    else if (a == "--event")
      o.event = v;
    else
      usage(("unknown option " + a).c_str());
  }
  if (o.workload != "W1" && o.workload != "W2" && o.workload != "OU")
    usage("workload must be W1, W2 or OU");
  if (o.n < 1) usage("--n must be >= 1");
  if (o.lanes != 0 && o.lanes != 1) usage("--lanes must be 0 (default) or 1");
  if (o.event != "none" && o.event != "never" && o.event != "zeros")
    usage("--event must be none, never or zeros");
  if (o.event != "none" && o.workload != "W1") usage("--event is for workload W1");
  if (o.workload == "W2") o.method = "tsit5";
  return o;
}

template <class Model, class Tableau, class Solver>
void run_with(const Options& o, const kode::SolveSpec& spec, const std::vector<double>& params,
              const std::vector<double>& y0) {
  using clock = std::chrono::steady_clock;
  const int n = static_cast<int>(o.n);
  // One solver for the process, as a long-running application holds it: its
  // buffers are allocated by the warm-up call and reused afterwards.
  Solver solver;
  kode::BatchResult r;
  solver.solve(spec, params, y0, n, r);  // warm-up
  int reps = 0;
  double seconds = 0.0;
  while (seconds < o.min_seconds || reps == 0) {
    const auto start = clock::now();
    solver.solve(spec, params, y0, n, r);
    seconds += std::chrono::duration<double>(clock::now() - start).count();
    ++reps;
  }
  const double per_batch = seconds / reps;
  double accepted = 0, attempted = 0, checksum = 0, sum_sq = 0;
  long failed = 0;
  for (int t = 0; t < n; ++t) {
    accepted += r.num_accepted[t];
    attempted += r.num_steps[t];
    failed += r.status[t] != 0;
    for (int i = 0; i < Model::n_state; ++i) {
      const double y = r.y_final[static_cast<size_t>(t) * Model::n_state + i];
      checksum += y;
      sum_sq += y * y;
    }
  }
  if (o.workload == "OU") {
    const double mean = checksum / n, var = (sum_sq - n * mean * mean) / (n - 1);
    std::printf("# OU x(1): sample mean %.6f var %.6f (exact %.6f, %.6f); steps/path %.2f\n", mean,
                var, 0.5 + 0.5 * std::exp(-1.0), 0.09 * (1 - std::exp(-2.0)) / 2, accepted / n);
  }
  std::printf(
      "peer=kode workload=%s method=%s n=%ld reps=%d seconds=%.6g traj_per_s=%.6g "
      "us_per_traj=%.6g steps=%.0f attempted=%.0f accepted_per_s=%.6g attempted_per_s=%.6g "
      "failed=%ld backend=%s lanes=%d event=%s checksum=%.17g\n",
      o.workload.c_str(), o.method.c_str(), o.n, reps, per_batch, n / per_batch,
      1e6 * per_batch / n, accepted, attempted, accepted / per_batch, attempted / per_batch, failed,
      Kokkos::DefaultExecutionSpace::name(), spec.event.enabled ? 1 : Solver::lanes,
      o.event.c_str(), checksum);
}

template <class Model, class Tableau>
void run(const Options& o, const kode::SolveSpec& spec, const std::vector<double>& params,
         const std::vector<double>& y0) {
  if (o.lanes == 1)
    run_with<Model, Tableau, kode::BatchSolver<Model, Tableau, 1>>(o, spec, params, y0);
  else
    run_with<Model, Tableau, kode::BatchSolver<Model, Tableau>>(o, spec, params, y0);
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const Options o = parse(argc, argv);
  kode::SolveSpec spec;
  spec.method = o.method;
  std::vector<double> params, y0;
  if (o.workload == "W1") {
    spec.t0 = 0.0;
    spec.t1 = 10.0;
    spec.control.rtol = 1e-6;
    spec.control.atol = 1e-8;
    for (int j = 0; j < o.saves; ++j) spec.ts.push_back(linspace_at(0.0, 10.0, o.saves, j));
    if (o.event != "none") {
      spec.event.enabled = true;
      spec.event.state = 0;
      spec.event.terminal = false;
      spec.event.value = o.event == "never" ? 100.0 : 0.0;
      spec.event.direction =
          o.event == "never" ? kode::EventDirection::rising : kode::EventDirection::either;
    }
    const long nz = static_cast<long>(std::ceil(std::sqrt(static_cast<double>(o.n))));
    const long nw = (o.n + nz - 1) / nz;
    for (long i = 0; i < o.n; ++i) {
      params.push_back(linspace_at(0.05, 0.95, nz, i / nw));
      params.push_back(linspace_at(0.5, 5.0, nw, i % nw));
      y0.push_back(1.0);
      y0.push_back(0.0);
    }
    const bool known = kode::dispatch_solver(o.method, [&](auto tag) {
      using Tableau = typename decltype(tag)::type;
      run<kode::models::DampedOscillator, Tableau>(o, spec, params, y0);
    });
    if (!known) usage("unknown method");
  } else if (o.workload == "OU") {
    spec.t0 = 0.0;
    spec.t1 = 1.0;
    spec.ts = {1.0};
    spec.control.adaptive = o.adaptive;
    spec.control.dt0 = 1.0 / 256.0;
    spec.control.rtol = 1e-3;
    spec.control.atol = 1e-3;
    spec.control.max_steps = 100000;
    spec.noise.seed = 2026;
    spec.noise.tree_tol = o.tree_tol;
    for (long i = 0; i < o.n; ++i) {
      params.push_back(1.0);
      params.push_back(0.5);
      params.push_back(0.3);
      y0.push_back(1.0);
    }
    const bool known = kode::dispatch_sde_solver(o.method, [&](auto tag) {
      using Method = typename decltype(tag)::type;
      run<kode::models::OrnsteinUhlenbeck, Method>(o, spec, params, y0);
    });
    if (!known) usage("unknown SDE method");
  } else {
    spec.t0 = 0.0;
    spec.t1 = 1.0;
    spec.control.rtol = 1e-8;
    spec.control.atol = 1e-8;
    for (long i = 0; i < o.n; ++i) {
      params.push_back(10.0);
      params.push_back(linspace_at(0.0, 21.0, o.n, i));
      params.push_back(8.0 / 3.0);
      y0.push_back(1.0);
      y0.push_back(0.0);
      y0.push_back(0.0);
    }
    run<kode::models::Lorenz, kode::Tsit5>(o, spec, params, y0);
  }
  return 0;
}
