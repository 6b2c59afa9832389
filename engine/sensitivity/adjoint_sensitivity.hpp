// The discrete adjoint of batches (kernels/sensitivity/adjoint_trajectory.hpp):
// per trajectory the loss (kernels/sensitivity/trajectory_loss.hpp) and its
// gradient with respect to the parameters and the initial state, on the
// frozen accepted-step mesh, with bounded per-trajectory memory
// (`checkpoints` slots: store-all while the steps fit, checkpointed beyond),
// plus the batch sums of the gradients in trajectory order (no atomics, so
// the sums are the same bits on every run and backend).
#pragma once

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/kernels/sensitivity/adjoint_trajectory.hpp"
#include "kode/kernels/sensitivity/trajectory_loss.hpp"

namespace kode {

// The loss of every trajectory of a batch (host description).
struct LossSpec {
  LossKind kind = LossKind::state;
  std::vector<double> weights;  // kind state: one per state
  bool final_only = true;       // kind state: the last save time only
  std::vector<double> data;     // kind mse: [n_traj][n_save][n_state] row-major (NaN: missing)
};

struct AdjointResult {
  int n_traj = 0, n_state = 0, n_param = 0;
  std::vector<double> loss;                  // [n_traj]
  std::vector<double> dloss_dparams;         // [n_traj][n_param]
  std::vector<double> dloss_dy0;             // [n_traj][n_state]
  std::vector<double> sum_dloss_dparams;     // [n_param]: sum over the batch in trajectory order
  std::vector<std::int8_t> status;           // [n_traj] the forward solve's
  std::vector<int> num_steps, num_accepted;  // [n_traj]
  std::vector<int> recomputed;               // [n_traj] attempted steps replayed
  std::vector<int> slots_used;               // [n_traj] checkpoint slots used (<= checkpoints)
  std::vector<std::int8_t> gradient_ok;      // [n_traj]
};

template <class Model, class Tableau, class MemorySpace>
struct AdjointKernel {
  static constexpr int N = Model::n_state, P = Model::n_param;
  using Stepper = TrajectoryStepper<Tableau, N>;
  Model model;
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> params, y0;
  Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace> ts;
  TrajectoryLoss<N, MemorySpace> loss;
  AdjointWorkspace<Stepper, N, MemorySpace> work;
  double t0, t1;
  StepSizeControl control;
  Kokkos::View<double*, MemorySpace> loss_out;
  Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace> dloss_dp, dloss_dy0;
  Kokkos::View<int**, Kokkos::LayoutLeft, MemorySpace> info;  // status, steps, accepted,
                                                              // recomputed, slots, ok

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    double p[P > 0 ? P : 1], y[N], gy[N], gp[P > 0 ? P : 1], l;
    for (int q = 0; q < P; ++q) p[q] = params(traj, q);
    for (int i = 0; i < N; ++i) y[i] = y0(traj, i);
    StepCounts c;
    AdjointStats stats;
    const Status s = adjoint_trajectory<Tableau, Model, N, P>(
        model, p, t0, t1, y, control, ts, loss, traj, work, l, gy, gp, c, stats);
    loss_out(traj) = l;
    for (int q = 0; q < P; ++q) dloss_dp(traj, q) = gp[q];
    for (int i = 0; i < N; ++i) dloss_dy0(traj, i) = gy[i];
    info(traj, 0) = static_cast<int>(s);
    info(traj, 1) = c.num_steps;
    info(traj, 2) = c.num_accepted;
    info(traj, 3) = stats.recomputed;
    info(traj, 4) = stats.slots_used;
    info(traj, 5) = stats.gradient_ok ? 1 : 0;
  }
};

template <class Model, class Tableau>
class AdjointSolver {
  static_assert(!is_sde_method<Tableau>::value,
                "kode: the discrete adjoint is implemented for ODE methods only");

 public:
  using ExecSpace = Kokkos::DefaultExecutionSpace;
  using Mem = typename ExecSpace::memory_space;
  using Kernel = AdjointKernel<Model, Tableau, Mem>;
  static constexpr int N = Model::n_state, P = Model::n_param;
  static constexpr int default_checkpoints = 256;

  explicit AdjointSolver(const Model& model = Model{}) : model_(model) {}

  // params [n_traj][n_param], y0 [n_traj][n_state] row-major; `checkpoints`
  // bounds the per-trajectory memory (see adjoint_trajectory.hpp).
  void solve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, AdjointResult& r,
             int checkpoints = default_checkpoints) {
    validate_solve_spec(spec);
    if (checkpoints < 2) throw std::invalid_argument("adjoint: checkpoints must be >= 2");
    if (spec.ts.empty()) throw std::invalid_argument("adjoint: the loss needs save times");
    const int n_save = static_cast<int>(spec.ts.size());
    if (params.size() != static_cast<size_t>(n_traj) * P ||
        y0.size() != static_cast<size_t>(n_traj) * N)
      throw std::invalid_argument("adjoint: params/y0 sizes do not match the batch");
    const std::string label =
        std::string("kode::") + Model::name + "::" + Tableau::name + "::adjoint";
    using Dev2 = Kokkos::View<double**, Kokkos::LayoutLeft, Mem>;
    Dev2 d_params(Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::params"), n_traj, P);
    Dev2 d_y0(Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::y0"), n_traj, N);
    Kokkos::View<double*, Kokkos::LayoutLeft, Mem> d_ts(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::ts"), n_save);
    auto h_params = Kokkos::create_mirror_view(d_params);
    auto h_y0 = Kokkos::create_mirror_view(d_y0);
    auto h_ts = Kokkos::create_mirror_view(d_ts);
    for (int t = 0; t < n_traj; ++t) {
      for (int q = 0; q < P; ++q) h_params(t, q) = params[static_cast<size_t>(t) * P + q];
      for (int i = 0; i < N; ++i) h_y0(t, i) = y0[static_cast<size_t>(t) * N + i];
    }
    for (int j = 0; j < n_save; ++j) h_ts(j) = spec.ts[j];
    Kokkos::deep_copy(d_params, h_params);
    Kokkos::deep_copy(d_y0, h_y0);
    Kokkos::deep_copy(d_ts, h_ts);

    Kernel k{model_, d_params, d_y0, d_ts, {}, {}, spec.t0, spec.t1, spec.control, {}, {}, {}, {}};
    k.loss.kind = loss.kind;
    k.loss.final_only = loss.final_only;
    if (loss.kind == LossKind::state) {
      if (loss.weights.size() != static_cast<size_t>(N))
        throw std::invalid_argument("adjoint: loss weights need one value per state");
      for (int i = 0; i < N; ++i) k.loss.weights[i] = loss.weights[i];
    } else {
      if (loss.data.size() != static_cast<size_t>(n_traj) * n_save * N)
        throw std::invalid_argument("adjoint: mse data must be [n_traj][n_save][n_state]");
      Kokkos::View<double***, Kokkos::LayoutLeft, Mem> d_data(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::data"), n_traj, n_save, N);
      auto h_data = Kokkos::create_mirror_view(d_data);
      for (int t = 0; t < n_traj; ++t)
        for (int j = 0; j < n_save; ++j)
          for (int i = 0; i < N; ++i)
            h_data(t, j, i) = loss.data[(static_cast<size_t>(t) * n_save + j) * N + i];
      Kokkos::deep_copy(d_data, h_data);
      k.loss.data = d_data;
    }
    // The workspace persists between calls (n_traj x checkpoints slots); it is
    // written before it is read, so it is never initialised.
    if (static_cast<int>(work_.checkpoints.extent(0)) != n_traj ||
        static_cast<int>(work_.checkpoints.extent(1)) != checkpoints) {
      work_.checkpoints = decltype(work_.checkpoints)();
      work_.segment = decltype(work_.segment)();
      work_.checkpoints = decltype(work_.checkpoints)(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::checkpoints"), n_traj,
          checkpoints);
      work_.segment = decltype(work_.segment)(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::segment"), n_traj, checkpoints,
          N + 2);
    }
    k.work = work_;
    k.loss_out = decltype(k.loss_out)(label + "::loss", n_traj);
    k.dloss_dp = decltype(k.dloss_dp)(label + "::dloss_dparams", n_traj, P);
    k.dloss_dy0 = decltype(k.dloss_dy0)(label + "::dloss_dy0", n_traj, N);
    k.info = decltype(k.info)(label + "::info", n_traj, 6);
    Kokkos::parallel_for(label + "::solve", Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
    ExecSpace().fence();

    auto loss_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.loss_out);
    auto gp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.dloss_dp);
    auto gy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.dloss_dy0);
    auto info = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), k.info);
    r = AdjointResult{};
    r.n_traj = n_traj;
    r.n_state = N;
    r.n_param = P;
    r.sum_dloss_dparams.assign(P, 0.0);
    for (int t = 0; t < n_traj; ++t) {
      r.loss.push_back(loss_h(t));
      for (int q = 0; q < P; ++q) {
        r.dloss_dparams.push_back(gp(t, q));
        r.sum_dloss_dparams[q] += gp(t, q);
      }
      for (int i = 0; i < N; ++i) r.dloss_dy0.push_back(gy(t, i));
      r.status.push_back(static_cast<std::int8_t>(info(t, 0)));
      r.num_steps.push_back(info(t, 1));
      r.num_accepted.push_back(info(t, 2));
      r.recomputed.push_back(info(t, 3));
      r.slots_used.push_back(info(t, 4));
      r.gradient_ok.push_back(static_cast<std::int8_t>(info(t, 5)));
    }
  }

 private:
  Model model_;
  AdjointWorkspace<typename Kernel::Stepper, N, Mem> work_;
};

}  // namespace kode
