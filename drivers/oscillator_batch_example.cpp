// The batch API without the CLI: a small batch of damped oscillators over a
// (zeta, omega) grid, every trajectory with its own adaptive Tsit5 steps,
// checked against the closed-form solution. It links kode::batch alone
// (Kokkos only: no MPI, HDF5 or Boost), as C++ code that calls the batch
// solver does.
//   oscillator_batch_example [n_zeta n_omega]
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"

namespace {
// x(t) of x'' + 2 zeta omega x' + omega^2 x = 0, x(0) = 1, x'(0) = 0, zeta < 1.
double exact_x(double zeta, double omega, double t) {
  const double wd = omega * std::sqrt(1.0 - zeta * zeta);
  return std::exp(-zeta * omega * t) * (std::cos(wd * t) + zeta * omega / wd * std::sin(wd * t));
}
}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const int nz = argc > 2 ? std::atoi(argv[1]) : 4;
  const int nw = argc > 2 ? std::atoi(argv[2]) : 5;
  if (nz < 1 || nw < 1) {
    std::fprintf(stderr, "usage: oscillator_batch_example [n_zeta n_omega]\n");
    return 2;
  }
  const int n = nz * nw;
  kode::SolveSpec spec;
  spec.method = "tsit5";
  spec.t0 = 0.0;
  spec.t1 = 10.0;
  spec.control.rtol = 1e-6;
  spec.control.atol = 1e-8;
  spec.ts = {10.0};
  std::vector<double> params, y0;
  for (int i = 0; i < nz; ++i)
    for (int j = 0; j < nw; ++j) {
      params.push_back(nz == 1 ? 0.05 : 0.05 + 0.9 * i / (nz - 1));
      params.push_back(nw == 1 ? 0.5 : 0.5 + 4.5 * j / (nw - 1));
      y0.push_back(1.0);
      y0.push_back(0.0);
    }
  const auto start = std::chrono::steady_clock::now();
  const auto r =
      kode::solve_batch<kode::models::DampedOscillator, kode::Tsit5>({}, spec, params, y0, n);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf(
      "damped oscillator batch: %d trajectories, tsit5, rtol 1e-6, atol 1e-8, t in [0, 10]\n", n);
  std::printf("%6s %6s %14s %12s %6s %6s %7s\n", "zeta", "omega", "x(10)", "|x - exact|", "steps",
              "rejct", "status");
  double worst = 0.0;
  long steps = 0;
  int failed = 0;
  for (int t = 0; t < n; ++t) {
    const double zeta = params[2 * t], omega = params[2 * t + 1];
    const double x = r.y_final[2 * t], err = std::fabs(x - exact_x(zeta, omega, 10.0));
    worst = std::fmax(worst, err);
    steps += r.num_steps[t];
    failed += r.status[t] != 0;
    if (n <= 100)
      std::printf("%6.3f %6.3f %14.10f %12.3e %6d %6d %7s\n", zeta, omega, x, err,
                  r.num_accepted[t], r.num_rejected[t],
                  kode::status_name(static_cast<kode::Status>(r.status[t])));
  }
  std::printf(
      "summary: %d trajectories, %d failed, %ld steps attempted, largest error %.3e, "
      "%.3f ms (%s)\n",
      n, failed, steps, worst, 1e3 * seconds, Kokkos::DefaultExecutionSpace::name());
  return failed == 0 ? 0 : 1;
}
