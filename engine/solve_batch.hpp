// Solves a batch of trajectories of one model with one method: copies the
// inputs into trajectory-fastest device Views, launches one thread per
// trajectory, and copies the results back into a host BatchResult.
// Memory is proportional to the batch; callers bound it by chunking.
#pragma once

#include <Kokkos_Core.hpp>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/batch_result.hpp"
#include "engine/solve_spec.hpp"
#include "kernels/dense_interpolant.hpp"
#include "kernels/integrate_trajectory.hpp"
#include "kernels/save_observer.hpp"

namespace kode {

template <class Model, class Tableau, class MemorySpace>
struct SolveBatchKernel {
  static constexpr int N = Model::n_state;
  static constexpr int P = Model::n_param;
  static constexpr int D = dense_degree<Tableau>();
  using Mat = Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace>;

  Model model;
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> params;  // [n_traj, P]
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> y0;      // [n_traj, N]
  SaveViews<N, MemorySpace> save;
  Mat y_final;  // [n_traj, N]
  Kokkos::View<std::int8_t*, MemorySpace> status;
  Kokkos::View<int**, Kokkos::LayoutLeft, MemorySpace> counts;  // [n_traj, 3]
  double t0, t1;
  StepSizeControl control;

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    double p[P > 0 ? P : 1];
    for (int j = 0; j < P; ++j) p[j] = params(traj, j);
    double y[N];
    for (int i = 0; i < N; ++i) y[i] = y0(traj, i);
    SaveObserver<N, D, MemorySpace> observer{save, traj, t1 >= t0 ? 1.0 : -1.0};
    StepCounts c;
    const Status s = integrate_trajectory<Tableau>(model, p, t0, t1, y, control, observer, c);
    for (int i = 0; i < N; ++i) y_final(traj, i) = y[i];
    status(traj) = static_cast<std::int8_t>(s);
    counts(traj, 0) = c.num_steps;
    counts(traj, 1) = c.num_accepted;
    counts(traj, 2) = c.num_rejected;
  }
};

// params: [n_traj][n_param] row-major; y0: [n_traj][n_state] row-major.
template <class Model, class Tableau>
BatchResult solve_batch(const Model& model, const SolveSpec& spec,
                        const std::vector<double>& params, const std::vector<double>& y0,
                        int n_traj) {
  using ExecSpace = Kokkos::DefaultExecutionSpace;
  using Mem = typename ExecSpace::memory_space;
  using Kernel = SolveBatchKernel<Model, Tableau, Mem>;
  constexpr int N = Model::n_state, P = Model::n_param, D = Kernel::D;
  validate_solve_spec(spec);
  if (n_traj < 0 || params.size() != static_cast<size_t>(n_traj) * P ||
      y0.size() != static_cast<size_t>(n_traj) * N)
    throw std::invalid_argument("solve_batch: params/y0 sizes do not match the batch size");

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string label = std::string("kode::") + Model::name + "::" + Tableau::name;
  BatchResult r;
  r.n_traj = n_traj;
  r.n_state = N;
  r.ts = spec.ts;
  if (n_traj == 0) return r;
  const int n_save = static_cast<int>(spec.ts.size());

  Kernel k{model, {}, {}, {}, {}, {}, {}, spec.t0, spec.t1, spec.control};
  {
    Kokkos::View<double**, Kokkos::LayoutLeft, Mem> d_params(label + "::params", n_traj, P);
    Kokkos::View<double**, Kokkos::LayoutLeft, Mem> d_y0(label + "::y0", n_traj, N);
    auto h_params = Kokkos::create_mirror_view(d_params);
    auto h_y0 = Kokkos::create_mirror_view(d_y0);
    for (int t = 0; t < n_traj; ++t) {
      for (int j = 0; j < P; ++j) h_params(t, j) = params[static_cast<size_t>(t) * P + j];
      for (int i = 0; i < N; ++i) h_y0(t, i) = y0[static_cast<size_t>(t) * N + i];
    }
    Kokkos::deep_copy(d_params, h_params);
    Kokkos::deep_copy(d_y0, h_y0);
    k.params = d_params;
    k.y0 = d_y0;
  }
  {
    Kokkos::View<double*, Kokkos::LayoutLeft, Mem> d_ts(label + "::ts", n_save);
    auto h_ts = Kokkos::create_mirror_view(d_ts);
    for (int j = 0; j < n_save; ++j) h_ts(j) = spec.ts[j];
    Kokkos::deep_copy(d_ts, h_ts);
    k.save.ts = d_ts;
  }
  if (n_save > 0) {
    k.save.ys = typename SaveViews<N, Mem>::Cube(label + "::ys", n_traj, n_save, N);
    Kokkos::deep_copy(k.save.ys, nan);
  }
  const int cap = spec.control.max_steps + 1;
  if (spec.save_steps) {
    k.save.step_ts = typename SaveViews<N, Mem>::Mat(label + "::step_ts", n_traj, cap);
    k.save.step_ys = typename SaveViews<N, Mem>::Cube(label + "::step_ys", n_traj, cap, N);
    k.save.n_steps_saved = typename SaveViews<N, Mem>::Count(label + "::n_steps_saved", n_traj);
    Kokkos::deep_copy(k.save.step_ts, nan);
    Kokkos::deep_copy(k.save.step_ys, nan);
  }
  if (spec.dense) {
    k.save.dense_ts = typename SaveViews<N, Mem>::Mat(label + "::dense_ts", n_traj, cap);
    k.save.dense_ys =
        typename SaveViews<N, Mem>::Quad(label + "::dense_ys", n_traj, cap - 1, D + 1, N);
    k.save.n_dense_steps = typename SaveViews<N, Mem>::Count(label + "::n_dense_steps", n_traj);
    Kokkos::deep_copy(k.save.dense_ts, nan);
    Kokkos::deep_copy(k.save.dense_ys, nan);
  }
  k.y_final = typename Kernel::Mat(label + "::y_final", n_traj, N);
  k.status = Kokkos::View<std::int8_t*, Mem>(label + "::status", n_traj);
  k.counts = Kokkos::View<int**, Kokkos::LayoutLeft, Mem>(label + "::counts", n_traj, 3);

  Kokkos::parallel_for(label + "::solve", Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
  Kokkos::fence();

  // Copy back, transposing to row-major [traj][...] order.
  auto h_final = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.y_final);
  auto h_status = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.status);
  auto h_counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.counts);
  r.y_final.resize(static_cast<size_t>(n_traj) * N);
  r.status.resize(n_traj);
  r.num_steps.resize(n_traj);
  r.num_accepted.resize(n_traj);
  r.num_rejected.resize(n_traj);
  for (int t = 0; t < n_traj; ++t) {
    for (int i = 0; i < N; ++i) r.y_final[static_cast<size_t>(t) * N + i] = h_final(t, i);
    r.status[t] = h_status(t);
    r.num_steps[t] = h_counts(t, 0);
    r.num_accepted[t] = h_counts(t, 1);
    r.num_rejected[t] = h_counts(t, 2);
  }
  if (n_save > 0) {
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.ys);
    r.ys.resize(static_cast<size_t>(n_traj) * n_save * N);
    for (int t = 0; t < n_traj; ++t)
      for (int j = 0; j < n_save; ++j)
        for (int i = 0; i < N; ++i)
          r.ys[(static_cast<size_t>(t) * n_save + j) * N + i] = h(t, j, i);
  }
  if (spec.save_steps) {
    auto hts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.step_ts);
    auto hys = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.step_ys);
    auto hn = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.n_steps_saved);
    r.step_capacity = cap;
    r.n_steps_saved.resize(n_traj);
    r.step_ts.resize(static_cast<size_t>(n_traj) * cap);
    r.step_ys.resize(static_cast<size_t>(n_traj) * cap * N);
    for (int t = 0; t < n_traj; ++t) {
      r.n_steps_saved[t] = hn(t);
      for (int s = 0; s < cap; ++s) {
        r.step_ts[static_cast<size_t>(t) * cap + s] = hts(t, s);
        for (int i = 0; i < N; ++i)
          r.step_ys[(static_cast<size_t>(t) * cap + s) * N + i] = hys(t, s, i);
      }
    }
  }
  if (spec.dense) {
    auto hts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.dense_ts);
    auto hys = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.dense_ys);
    auto hn = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.save.n_dense_steps);
    r.dense_degree = D;
    r.dense_capacity = cap - 1;
    r.n_dense_steps.resize(n_traj);
    r.dense_ts.resize(static_cast<size_t>(n_traj) * cap);
    r.dense_ys.resize(static_cast<size_t>(n_traj) * (cap - 1) * (D + 1) * N);
    for (int t = 0; t < n_traj; ++t) {
      r.n_dense_steps[t] = hn(t);
      for (int s = 0; s < cap; ++s) r.dense_ts[static_cast<size_t>(t) * cap + s] = hts(t, s);
      for (int s = 0; s < cap - 1; ++s)
        for (int m = 0; m <= D; ++m)
          for (int i = 0; i < N; ++i)
            r.dense_ys[((static_cast<size_t>(t) * (cap - 1) + s) * (D + 1) + m) * N + i] =
                hys(t, s, m, i);
    }
  }
  return r;
}

}  // namespace kode
