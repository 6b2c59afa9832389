// The cost of a gradient relative to the forward solve (docs/benchmarks.md,
// "Sensitivities"): the W1 problem (damped oscillators over a (zeta, omega)
// grid, tsit5, rtol 1e-6, atol 1e-8, 101 save times on [0, 10]) solved
// plainly, with forward sensitivities (2 parameters + 2 initial states = 4
// tangents), and by the discrete adjoint of an mse loss at the 101 save
// times, store-all (every step kept) and checkpointed (C slots). Each timed
// over repeated calls after one warm-up call; one process, one core.
//   gradient_bench [--n N] [--min-seconds S] [--checkpoints C]
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"

namespace {

using Model = kode::models::DampedOscillator;
using Method = kode::Tsit5;

template <class F>
double seconds_per_call(double min_seconds, F&& call) {
  using clock = std::chrono::steady_clock;
  call();  // warm-up
  int reps = 0;
  double total = 0.0;
  while (total < min_seconds || reps == 0) {
    const auto start = clock::now();
    call();
    total += std::chrono::duration<double>(clock::now() - start).count();
    ++reps;
  }
  return total / reps;
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  int n = 2000, checkpoints = 32;
  double min_seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--n") n = std::atoi(argv[i + 1]);
    if (a == "--min-seconds") min_seconds = std::atof(argv[i + 1]);
    if (a == "--checkpoints") checkpoints = std::atoi(argv[i + 1]);
  }
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 10.0;
  spec.control.rtol = 1e-6;
  spec.control.atol = 1e-8;
  for (int j = 0; j <= 100; ++j) spec.ts.push_back(j == 100 ? 10.0 : 0.1 * j);
  const int nz = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int nw = (n + nz - 1) / nz;
  std::vector<double> params, y0;
  for (int i = 0; i < n; ++i) {
    params.push_back(0.05 + 0.9 * (i / nw) / std::max(1, nz - 1));
    params.push_back(0.5 + 4.5 * (i % nw) / std::max(1, nw - 1));
    y0.push_back(1.0);
    y0.push_back(0.0);
  }

  kode::BatchSolver<Model, Method> plain;
  kode::BatchResult r;
  const double t_solve =
      seconds_per_call(min_seconds, [&] { plain.solve(spec, params, y0, n, r); });
  double steps = 0;
  for (int t = 0; t < n; ++t) steps += r.num_accepted[t];

  kode::ForwardSensitivitySolver<Model, Method> forward;
  kode::ForwardSensitivityResult f;
  const double t_forward =
      seconds_per_call(min_seconds, [&] { forward.solve(spec, params, y0, n, f); });

  kode::LossSpec loss;
  loss.kind = kode::LossKind::mse;
  loss.data = r.ys;
  for (size_t k = 0; k < loss.data.size(); ++k) loss.data[k] += 0.01 * std::sin(0.1 * k);
  kode::AdjointSolver<Model, Method> adjoint;
  kode::AdjointResult a;
  const int store_all = 256;  // the default: more than W1's steps
  const double t_adjoint = seconds_per_call(
      min_seconds, [&] { adjoint.solve(spec, loss, params, y0, n, a, store_all); });
  int ok_all = 0;
  for (int t = 0; t < n; ++t) ok_all += a.gradient_ok[t];
  const double t_checkpointed = seconds_per_call(
      min_seconds, [&] { adjoint.solve(spec, loss, params, y0, n, a, checkpoints); });
  int ok_chk = 0;
  double recomputed = 0;
  for (int t = 0; t < n; ++t) {
    ok_chk += a.gradient_ok[t];
    recomputed += a.recomputed[t];
  }

  std::printf("# W1 gradients, %d trajectories, %.1f accepted steps each, backend %s\n", n,
              steps / n, Kokkos::DefaultExecutionSpace::name());
  std::printf("%-34s %12s %10s\n", "what", "s per batch", "x solve");
  std::printf("%-34s %12.4g %10.2f\n", "solve (101 save times)", t_solve, 1.0);
  std::printf("%-34s %12.4g %10.2f\n", "forward sensitivities (4 tangents)", t_forward,
              t_forward / t_solve);
  std::printf("%-34s %12.4g %10.2f   (%d/%d gradients)\n", "adjoint, store-all", t_adjoint,
              t_adjoint / t_solve, ok_all, n);
  std::printf("%-34s %12.4g %10.2f   (%d/%d gradients, %.0f attempts replayed each, C = %d)\n",
              "adjoint, checkpointed", t_checkpointed, t_checkpointed / t_solve, ok_chk, n,
              recomputed / n, checkpoints);
  return 0;
}
