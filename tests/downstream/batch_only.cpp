// The batch solver from C++ with kode::batch alone (Kokkos only: this
// executable links no MPI, HDF5 or Boost): a batch of this project's SIR
// model, whose s + i + r must stay 1 on every trajectory.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdio>
#include <kode/engine/batch/solve_batch.hpp>
#include <kode/engine/solvers/solver_registry.hpp>
#include <vector>

#include "sir_model.hpp"

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const int n = 16;
  std::vector<double> params, y0;
  for (int k = 0; k < n; ++k) {
    params.insert(params.end(), {0.1 + 0.05 * k, 0.1});
    y0.insert(y0.end(), {0.99, 0.01, 0.0});
  }
  kode::SolveSpec spec;
  spec.t1 = 100.0;
  spec.control.rtol = 1e-10;
  spec.control.atol = 1e-12;
  spec.ts = {25.0, 50.0, 100.0};
  const kode::BatchResult r = kode::solve_batch<SirModel, kode::Tsit5>({}, spec, params, y0, n);
  double worst = 0.0;
  for (int k = 0; k < n; ++k) {
    if (r.status[k] != 0) {
      std::printf("trajectory %d: status %d\n", k, static_cast<int>(r.status[k]));
      return 1;
    }
    for (int j = 0; j < r.n_save(); ++j) {
      const double* y = &r.ys[(static_cast<size_t>(k) * r.n_save() + j) * 3];
      worst = std::fmax(worst, std::fabs(y[0] + y[1] + y[2] - 1.0));
    }
  }
  std::printf("batch-only sir: %d trajectories, max |s+i+r-1| = %.3g\n", n, worst);
  return worst < 1e-9 ? 0 : 1;
}
