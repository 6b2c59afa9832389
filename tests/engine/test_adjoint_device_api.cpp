// The device-resident gradient API of AdjointSolver (solve_device), the one
// the training loop calls every step:
//  - inputs in caller-owned device Views, outputs in the solver's: the
//    per-trajectory loss and gradients equal the host API's bit for bit;
//  - the batch sum of the parameter gradients is the fixed-order block sum
//    (blocks of sum_block trajectories in index order, then the blocks in
//    order), reproduced here on the host bit for bit;
//  - once the solver has seen the batch shape, a call allocates nothing
//    (counted with the Kokkos Tools allocation callback).
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"

namespace {

int& allocations() {
  static int count = 0;
  return count;
}
void on_allocation(const Kokkos_Profiling_SpaceHandle, const char*, const void*,
                   const std::uint64_t) {
  ++allocations();
}

}  // namespace

TEST_CASE("the device gradient API: host-equal, fixed-order sums, no allocation per call",
          "[sensitivity][adjoint][device]") {
  using Model = kode::models::DampedOscillator;
  using Solver = kode::AdjointSolver<Model, kode::Tsit5>;
  const int n = 1000;  // 4 blocks of 256, the last one short
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 5.0;
  for (int j = 0; j <= 10; ++j) spec.ts.push_back(0.5 * j);
  spec.control.rtol = 1e-6;
  spec.control.atol = 1e-8;
  std::vector<double> params, y0;
  for (int t = 0; t < n; ++t) {
    params.push_back(0.05 + 0.9 * (t % 37) / 36.0);
    params.push_back(0.5 + 4.5 * (t / 37) / 27.0);
    y0.push_back(1.0);
    y0.push_back(0.1 * std::sin(t));
  }
  kode::LossSpec loss;
  loss.kind = kode::LossKind::mse;
  loss.data = kode::solve_batch<Model, kode::Tsit5>({}, spec, params, y0, n).ys;
  for (size_t k = 0; k < loss.data.size(); ++k) loss.data[k] += 0.01 * std::cos(0.3 * k);

  // The host API.
  Solver host_solver;
  kode::AdjointResult host;
  host_solver.solve(spec, loss, params, y0, n, host);

  // The same batch in caller-owned device Views.
  const int n_save = static_cast<int>(spec.ts.size());
  Solver::Dev<double**> d_params("test::params", n, 2), d_y0("test::y0", n, 2);
  Solver::Dev<double***> d_data("test::data", n, n_save, 2);
  auto h_params = Kokkos::create_mirror_view(d_params);
  auto h_y0 = Kokkos::create_mirror_view(d_y0);
  auto h_data = Kokkos::create_mirror_view(d_data);
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < 2; ++i) {
      h_params(t, i) = params[2 * t + i];
      h_y0(t, i) = y0[2 * t + i];
      for (int j = 0; j < n_save; ++j) h_data(t, j, i) = loss.data[(t * n_save + j) * 2 + i];
    }
  Kokkos::deep_copy(d_params, h_params);
  Kokkos::deep_copy(d_y0, h_y0);
  Kokkos::deep_copy(d_data, h_data);

  Solver device_solver;
  Kokkos::Tools::Experimental::set_allocate_data_callback(on_allocation);
  allocations() = 0;
  device_solver.solve_device(spec, loss, d_params, d_y0, d_data);  // sizes its buffers
  CHECK(allocations() > 0);  // the callback sees the solver's allocations
  allocations() = 0;
  const Solver::DeviceGradients& out =
      device_solver.solve_device(spec, loss, d_params, d_y0, d_data);
  const int during_second_call = allocations();
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
  CHECK(during_second_call == 0);

  auto loss_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.loss);
  auto gp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.dloss_dparams);
  auto gy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.dloss_dy0);
  auto info = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.info);
  auto sum = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.sum_dloss_dparams);
  bool same = true;
  for (int t = 0; t < n; ++t) {
    same = same && loss_h(t) == host.loss[t] && info(t, 5) == 1;
    for (int i = 0; i < 2; ++i)
      same = same && gp(t, i) == host.dloss_dparams[2 * t + i] &&
             gy(t, i) == host.dloss_dy0[2 * t + i];
  }
  CHECK(same);

  // The fixed-order sum, by hand.
  for (int q = 0; q < 2; ++q) {
    double total = 0.0;
    for (int b = 0; b * Solver::sum_block < n; ++b) {
      double block = 0.0;
      for (int t = b * Solver::sum_block; t < std::min(n, (b + 1) * Solver::sum_block); ++t)
        block += gp(t, q);
      total += block;
    }
    CHECK(std::memcmp(&total, &sum(q), sizeof(double)) == 0);
    CHECK(host.sum_dloss_dparams[q] == sum(q));
  }
}
