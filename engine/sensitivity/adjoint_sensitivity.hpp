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
#include "kode/engine/sensitivity/adjoint_lanes_kernel.hpp"
#include "kode/kernels/sensitivity/adjoint_trajectory.hpp"
#include "kode/kernels/sensitivity/backsolve_adjoint.hpp"
#include "kode/kernels/sensitivity/sde_adjoint_loop.hpp"
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
  std::vector<double> sum_dloss_dparams;     // [n_param]: sum over the batch in a fixed order
  int n_weights = 0;                         // models with shared weights (model_concept.hpp):
  std::vector<double> dloss_dweights;        // [n_traj][n_weights]
  std::vector<double> sum_dloss_dweights;    // [n_weights]: sum over the batch in a fixed order
  std::vector<std::int8_t> status;           // [n_traj] the forward solve's
  std::vector<int> num_steps, num_accepted;  // [n_traj]
  std::vector<int> recomputed;               // [n_traj] attempted steps replayed (backsolve:
                                             // the backward solve's attempted steps)
  std::vector<int> slots_used;               // [n_traj] checkpoint slots used (<= checkpoints)
  std::vector<std::int8_t> gradient_ok;      // [n_traj]
  std::vector<std::int8_t> backward_status;  // [n_traj] backsolve only: the backward solve's
};

// The time loop the adjoint drives (adjoint_of_loop): the RK loop for ODE
// methods, the SDE loop (pathwise gradients) for SDE methods.
template <class Model, class Method, class MemorySpace, bool = is_sde_method<Method>::value>
struct AdjointLoopFor {
  using type = OdeAdjointLoop<Method, Model, Model::n_state, Model::n_param, MemorySpace>;
};
template <class Model, class Method, class MemorySpace>
struct AdjointLoopFor<Model, Method, MemorySpace, true> {
  using type =
      SdeAdjointLoop<Method, SdeVectorFields<Model>, Model::n_state, Model::n_param, MemorySpace>;
};

template <class Model, class Tableau, class MemorySpace>
struct AdjointKernel {
  using ModelType = Model;
  using MemorySpaceType = MemorySpace;
  static constexpr int N = Model::n_state, P = Model::n_param;
  static constexpr bool sde = is_sde_method<Tableau>::value;
  using Stepper = typename AdjointLoopFor<Model, Tableau, MemorySpace>::type::State;
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
  typename FieldsFor<Model, Tableau>::type fields;            // SDE methods only
  BrownianKey noise_key;  // trajectory: first index of the batch
  // Shared weights: one row of dL/dtheta per trajectory, contiguous.
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> dloss_dweights;  // [n_traj, n_weights]

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    double p[P > 0 ? P : 1] = {}, y[N], gy[N], gp[P > 0 ? P : 1], l;
    for (int q = 0; q < P; ++q) p[q] = params(traj, q);
    for (int i = 0; i < N; ++i) y[i] = y0(traj, i);
    StepCounts c;
    AdjointStats stats;
    Status s;
    if constexpr (sde) {
      BrownianKey key = noise_key;
      key.trajectory += static_cast<std::uint64_t>(traj);
      s = sde_adjoint_trajectory<Tableau, decltype(fields), N, P>(
          fields, p, t0, t1, y, control, key, ts, loss, traj, work, l, gy, gp, c, stats);
    } else {
      double* wbar = dloss_dweights.extent(1) > 0 ? &dloss_dweights(traj, 0) : nullptr;
      s = adjoint_trajectory<Tableau, Model, N, P>(model, p, t0, t1, y, control, ts, loss, traj,
                                                   work, l, gy, gp, c, stats, wbar);
    }
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

template <class Model, class Tableau, class MemorySpace>
struct BacksolveKernel {
  static constexpr int N = Model::n_state, P = Model::n_param;
  Model model;
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> params;
  Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace> ts;
  TrajectoryLoss<N, MemorySpace> loss;
  Kokkos::View<const double***, Kokkos::LayoutLeft, MemorySpace> ys;    // the forward solve's
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> y_end;  // [n_traj, N]
  Kokkos::View<const std::int8_t*, MemorySpace> forward_status;
  double t0, t1;
  StepSizeControl control;
  Kokkos::View<double*, MemorySpace> loss_out;
  Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace> dloss_dp, dloss_dy0;
  Kokkos::View<int**, Kokkos::LayoutLeft, MemorySpace> info;  // backward status, steps, accepted

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    double p[P > 0 ? P : 1] = {}, y1[N], gy[N] = {}, gp[P > 0 ? P : 1] = {};
    for (int q = 0; q < P; ++q) p[q] = params(traj, q);
    for (int i = 0; i < N; ++i) y1[i] = y_end(traj, i);
    const int n_save = static_cast<int>(ts.extent(0));
    double l = 0.0;
    for (int j = 0; j < n_save; ++j) {
      double y[N];
      for (int i = 0; i < N; ++i) y[i] = ys(traj, j, i);
      l += loss.value(traj, j, n_save, y);
    }
    StepCounts c;
    Status s = static_cast<Status>(forward_status(traj));
    if (s == Status::success)
      s = backsolve_trajectory<Tableau, Model, N, P>(model, p, t0, t1, y1, ts, ys, loss, traj,
                                                     control, gy, gp, c);
    const bool ok = s == Status::success;
    const double nan = math::quiet_nan();
    loss_out(traj) = l;
    for (int q = 0; q < P; ++q) dloss_dp(traj, q) = ok ? gp[q] : nan;
    for (int i = 0; i < N; ++i) dloss_dy0(traj, i) = ok ? gy[i] : nan;
    info(traj, 0) = static_cast<int>(s);
    info(traj, 1) = c.num_steps;
    info(traj, 2) = c.num_accepted;
  }
};

// Lanes: trajectories per thread of the discrete adjoint
// (adjoint_lanes_kernel.hpp; 1 = AdjointKernel, one per thread), by default
// the build's SIMD width where the model and method allow it; gradients are
// the same bits for every Lanes.
template <class Model, class Tableau,
          int Lanes = default_adjoint_lanes<Model, Tableau, is_sde_method<Tableau>::value>()>
class AdjointSolver {
  static_assert(check_model<Model>(), "kode model: see kernels/model_concept.hpp");
  static_assert(!is_sde_method<Tableau>::value || check_sde_model_derivatives<Model>(),
                "kode SDE model: see kernels/model_concept.hpp");
  static_assert(Lanes == 1 || (KODE_HAVE_LANES && !is_sde_method<Tableau>::value &&
                               !has_vjp<Model>::value && !has_weights<Model>::value),
                "adjoint in SIMD lanes: host builds, ODE methods, models without vjp or weights");

 public:
  using ExecSpace = Kokkos::DefaultExecutionSpace;
  using Mem = typename ExecSpace::memory_space;
  using Kernel = AdjointKernel<Model, Tableau, Mem>;
  static constexpr int N = Model::n_state, P = Model::n_param;
  static constexpr int lanes = Lanes;
  static constexpr int default_checkpoints = 256;

  explicit AdjointSolver(const Model& model = Model{}) : model_(model), forward_(model) {}

  template <class T>
  using Dev = Kokkos::View<T, Kokkos::LayoutLeft, Mem>;

  // The outputs of solve_device, on the device. Owned by the solver and
  // reused by the next call (valid until then).
  struct DeviceGradients {
    Dev<double*> loss;                       // [n_traj]
    Dev<double**> dloss_dparams, dloss_dy0;  // [n_traj, P], [n_traj, N]
    // [n_traj, 6]: status, attempted steps, accepted steps, attempts replayed,
    // checkpoint slots used, gradient ok (1/0).
    Dev<int**> info;
    // [P]: sum over the batch in a fixed order (blocks of sum_block
    // trajectories in index order, then the blocks in order): the same bits
    // on every run and backend, no atomics.
    Dev<double*> sum_dloss_dparams;
    // Models with shared weights (else 0 columns): [n_traj, n_weights], one
    // contiguous row per trajectory, and their batch sum [n_weights] in the
    // same fixed order. Memory: n_traj x n_weights doubles.
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> dloss_dweights;
    Dev<double*> sum_dloss_dweights;
  };
  static constexpr int sum_block = 256;

  // The discrete adjoint of a batch whose inputs are already on the device
  // (the training loop's API): params [n_traj, P], y0 [n_traj, N] and, for
  // an mse loss, data [n_traj, n_save, N] (loss.data is ignored). Nothing
  // leaves the device, and once the solver has seen this n_traj, n_save and
  // `checkpoints`, a call allocates nothing.
  const DeviceGradients& solve_device(const SolveSpec& spec, const LossSpec& loss,
                                      const Dev<const double**>& params,
                                      const Dev<const double**>& y0,
                                      const Dev<const double***>& data,
                                      int checkpoints = default_checkpoints) {
    validate_solve_spec(spec);
    if (spec.event.enabled)
      throw std::invalid_argument(
          "[event] cannot be combined with [sensitivity]: a terminal event moves the end of "
          "the trajectory, which these sensitivities do not differentiate");
    if constexpr (Kernel::sde) validate_sde_spec(spec);
    if (checkpoints < 2) throw std::invalid_argument("adjoint: checkpoints must be >= 2");
    if (spec.ts.empty()) throw std::invalid_argument("adjoint: the loss needs save times");
    const int n_traj = static_cast<int>(params.extent(0));
    const int n_save = static_cast<int>(spec.ts.size());
    if (static_cast<int>(params.extent(1)) != P || static_cast<int>(y0.extent(0)) != n_traj ||
        static_cast<int>(y0.extent(1)) != N)
      throw std::invalid_argument(
          "adjoint: params must be [n_traj, n_param], y0 [n_traj, n_state]");
    const std::string label = this->label("adjoint");
    set_save_times(spec.ts, label);
    TrajectoryLoss<N, Mem> l = loss_terms(loss);
    if (loss.kind == LossKind::mse) {
      if (static_cast<int>(data.extent(0)) != n_traj ||
          static_cast<int>(data.extent(1)) != n_save || static_cast<int>(data.extent(2)) != N)
        throw std::invalid_argument("adjoint: mse data must be [n_traj, n_save, n_state]");
      l.data = data;
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
    ensure_outputs(n_traj, label);
    Kernel k{model_,
             params,
             y0,
             ts_,
             l,
             work_,
             spec.t0,
             spec.t1,
             spec.control,
             out_.loss,
             out_.dloss_dparams,
             out_.dloss_dy0,
             out_.info,
             {},
             {},
             out_.dloss_dweights};
    if constexpr (Kernel::sde) {
      k.fields = sde_fields<Model, Tableau>(model_, spec);
      k.noise_key = brownian_key(spec);
    }
    run_kernel(k, n_traj, label + "::solve");
    sum_over_batch(n_traj, label);
    ExecSpace().fence();
    return out_;
  }

  // The discrete adjoint. params [n_traj][n_param], y0 [n_traj][n_state]
  // row-major; `checkpoints` bounds the per-trajectory memory (see
  // adjoint_trajectory.hpp). Copies the inputs into the solver's device
  // buffers (reused between calls), runs solve_device and copies back.
  void solve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, AdjointResult& r,
             int checkpoints = default_checkpoints) {
    const Inputs in = upload(spec, loss, params, y0, n_traj, label("adjoint"));
    const DeviceGradients& out =
        solve_device(spec, loss, in.params, in.y0, in.loss.data, checkpoints);
    const auto info = download(out, n_traj, r);
    for (int t = 0; t < n_traj; ++t) {
      r.status.push_back(static_cast<std::int8_t>(info(t, 0)));
      r.num_steps.push_back(info(t, 1));
      r.num_accepted.push_back(info(t, 2));
      r.recomputed.push_back(info(t, 3));
      r.slots_used.push_back(info(t, 4));
      r.gradient_ok.push_back(static_cast<std::int8_t>(info(t, 5)));
    }
  }

  // The continuous adjoint solved backwards (backsolve_adjoint.hpp), after a
  // plain forward solve for the states at the save times. O(1) memory per
  // trajectory; its gradient differs from solve()'s by about the tolerance on
  // a stable problem and can be wrong on a chaotic one. num_steps and
  // num_accepted are the forward solve's; a failed backward solve gives NaN
  // gradients, gradient_ok 0 and its status in backward_status.
  void backsolve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
                 const std::vector<double>& y0, int n_traj, AdjointResult& r) {
    if constexpr (Kernel::sde) {
      throw std::invalid_argument(
          "backsolve: SDE models are not supported (their continuous adjoint needs the "
          "Brownian path solved backwards); use method = adjoint or forward");
    } else if constexpr (has_weights<Model>::value) {
      throw std::invalid_argument(
          "backsolve: models with shared weights are not supported (the adjoint ODE would "
          "carry the whole weight block); use method = adjoint");
    } else {
      const std::string label = this->label("backsolve");
      const Inputs in = upload(spec, loss, params, y0, n_traj, label);
      forward_.solve(spec, params, y0, n_traj, forward_result_);
      const BatchResult& f = forward_result_;
      const int n_save = static_cast<int>(spec.ts.size());
      ensure(ys_, label + "::ys", n_traj, n_save, N);
      ensure(y_end_, label + "::y_end", n_traj, N);
      ensure(forward_status_, label + "::forward_status", n_traj);
      auto h_ys = Kokkos::create_mirror_view(ys_);
      auto h_end = Kokkos::create_mirror_view(y_end_);
      auto h_status = Kokkos::create_mirror_view(forward_status_);
      for (int t = 0; t < n_traj; ++t) {
        for (int j = 0; j < n_save; ++j)
          for (int i = 0; i < N; ++i)
            h_ys(t, j, i) = f.ys[(static_cast<size_t>(t) * n_save + j) * N + i];
        for (int i = 0; i < N; ++i) h_end(t, i) = f.y_final[static_cast<size_t>(t) * N + i];
        h_status(t) = f.status[static_cast<size_t>(t)];
      }
      Kokkos::deep_copy(ys_, h_ys);
      Kokkos::deep_copy(y_end_, h_end);
      Kokkos::deep_copy(forward_status_, h_status);

      // The same outputs and batch sum as solve_device (info columns 0-2:
      // backward status, steps, accepted).
      ensure_outputs(n_traj, label);
      const BacksolveKernel<Model, Tableau, Mem> k{
          model_,          in.params, ts_,     in.loss,      ys_,       y_end_,
          forward_status_, spec.t0,   spec.t1, spec.control, out_.loss, out_.dloss_dparams,
          out_.dloss_dy0,  out_.info};
      Kokkos::parallel_for(label + "::solve", Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
      sum_over_batch(n_traj, label);
      ExecSpace().fence();
      const auto info = download(out_, n_traj, r);
      for (int t = 0; t < n_traj; ++t) {
        const auto backward = static_cast<std::int8_t>(info(t, 0));
        r.status.push_back(f.status[static_cast<size_t>(t)]);
        r.num_steps.push_back(f.num_steps[static_cast<size_t>(t)]);
        r.num_accepted.push_back(f.num_accepted[static_cast<size_t>(t)]);
        r.recomputed.push_back(info(t, 1));
        r.slots_used.push_back(0);
        r.gradient_ok.push_back(backward == 0 ? 1 : 0);
        r.backward_status.push_back(backward);
      }
    }
  }

 private:
  // The adjoint kernel: W trajectories per thread in SIMD lanes where Lanes
  // allows (adjoint_lanes_kernel.hpp), one per thread otherwise; a lone
  // trajectory runs without lanes, as in BatchSolver.
  // The lanes' forward pass records every step of a trajectory (up to
  // checkpoints - 1); a trajectory with more accepted steps is solved again
  // one at a time, with checkpoints. When the last call with this many
  // checkpoint slots had a quarter of its trajectories or more beyond them,
  // every forward pass runs one at a time (the same gradients, without
  // solving most trajectories twice); the reverse sweeps stay in lanes.
  void run_kernel(const Kernel& k, int n_traj, const std::string& kernel_label) {
#if KODE_HAVE_LANES
    if constexpr (Lanes > 1) {
      if (n_traj > 1) {
        const int checkpoints = k.work.capacity();
        using LaneKernel = AdjointLanesKernel<Kernel, Tableau, Lanes>;
        Kokkos::parallel_for(kernel_label,
                             Kokkos::RangePolicy<ExecSpace>(0, LaneKernel::n_blocks(n_traj)),
                             LaneKernel{k, n_traj, crowded_checkpoints_ != checkpoints});
        ExecSpace().fence();
        int beyond = 0;  // host memory: the lanes run on host spaces only
        for (int t = 0; t < n_traj; ++t) beyond += k.info(t, 3) > 0;
        crowded_checkpoints_ = 4 * beyond >= n_traj ? checkpoints : 0;
        return;
      }
    }
#endif
    Kokkos::parallel_for(kernel_label, Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
  }
  int crowded_checkpoints_ = 0;  // see run_kernel

  // The batch's inputs on the device: the solver's persistent buffers.
  struct Inputs {
    Dev<const double**> params, y0;
    TrajectoryLoss<N, Mem> loss;  // data: the solver's buffer (mse)
  };

  static std::string label(const char* what) {
    return std::string("kode::") + Model::name + "::" + Tableau::name + "::" + what;
  }

  // ts_ = the save times (reallocated only when their count changes).
  void set_save_times(const std::vector<double>& ts, const std::string& label) {
    const int n_save = static_cast<int>(ts.size());
    if (static_cast<int>(ts_.extent(0)) != n_save) {
      ts_ = Dev<double*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, label + "::ts"), n_save);
      ts_host_ = Kokkos::create_mirror_view(ts_);
    }
    for (int j = 0; j < n_save; ++j) ts_host_(j) = ts[static_cast<size_t>(j)];
    Kokkos::deep_copy(ts_, ts_host_);
  }

  static TrajectoryLoss<N, Mem> loss_terms(const LossSpec& loss) {
    TrajectoryLoss<N, Mem> l;
    l.kind = loss.kind;
    l.final_only = loss.final_only;
    if (loss.kind == LossKind::state) {
      if (loss.weights.size() != static_cast<size_t>(N))
        throw std::invalid_argument("adjoint: loss weights need one value per state");
      for (int i = 0; i < N; ++i) l.weights[i] = loss.weights[i];
    }
    return l;
  }

  // A device buffer of the given extents, reused when they are unchanged.
  template <class View, class... Extents>
  static void ensure(View& v, const std::string& name, Extents... extents) {
    const size_t want[] = {static_cast<size_t>(extents)...};
    bool same = v.use_count() > 0;  // allocated once (also when empty)
    for (size_t r = 0; r < sizeof...(Extents); ++r) same = same && v.extent(r) == want[r];
    if (!same) v = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, name), extents...);
  }

  // Checks the batch and copies its inputs, the save times and the loss
  // data into the solver's device buffers.
  Inputs upload(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
                const std::vector<double>& y0, int n_traj, const std::string& label) {
    validate_solve_spec(spec);
    if (spec.event.enabled)
      throw std::invalid_argument(
          "[event] cannot be combined with [sensitivity]: a terminal event moves the end of "
          "the trajectory, which these sensitivities do not differentiate");
    if (spec.ts.empty()) throw std::invalid_argument("adjoint: the loss needs save times");
    const int n_save = static_cast<int>(spec.ts.size());
    if (params.size() != static_cast<size_t>(n_traj) * P ||
        y0.size() != static_cast<size_t>(n_traj) * N)
      throw std::invalid_argument("adjoint: params/y0 sizes do not match the batch");
    ensure(params_, label + "::params", n_traj, P);
    ensure(y0_, label + "::y0", n_traj, N);
    auto h_params = Kokkos::create_mirror_view(params_);
    auto h_y0 = Kokkos::create_mirror_view(y0_);
    for (int t = 0; t < n_traj; ++t) {
      for (int q = 0; q < P; ++q) h_params(t, q) = params[static_cast<size_t>(t) * P + q];
      for (int i = 0; i < N; ++i) h_y0(t, i) = y0[static_cast<size_t>(t) * N + i];
    }
    Kokkos::deep_copy(params_, h_params);
    Kokkos::deep_copy(y0_, h_y0);
    set_save_times(spec.ts, label);

    Inputs in{params_, y0_, loss_terms(loss)};
    if (loss.kind == LossKind::mse) {
      if (loss.data.size() != static_cast<size_t>(n_traj) * n_save * N)
        throw std::invalid_argument("adjoint: mse data must be [n_traj][n_save][n_state]");
      ensure(data_, label + "::data", n_traj, n_save, N);
      auto h_data = Kokkos::create_mirror_view(data_);
      for (int t = 0; t < n_traj; ++t)
        for (int j = 0; j < n_save; ++j)
          for (int i = 0; i < N; ++i)
            h_data(t, j, i) = loss.data[(static_cast<size_t>(t) * n_save + j) * N + i];
      Kokkos::deep_copy(data_, h_data);
      in.loss.data = data_;
    }
    return in;
  }

  // out_.sum_dloss_dparams from out_.dloss_dparams in the fixed block order
  // (functors, not lambdas: nvcc refuses extended lambdas in private members).
  void sum_over_batch(int n_traj, const std::string& label) {
    const int n_blocks = (n_traj + sum_block - 1) / sum_block;
    if constexpr (P > 0) {
      Kokkos::parallel_for(label + "::block_sums", Kokkos::RangePolicy<ExecSpace>(0, n_blocks * P),
                           BlockSums<Dev<double**>>{out_.dloss_dparams, block_sums_, n_traj, P});
      Kokkos::parallel_for(label + "::batch_sum", Kokkos::RangePolicy<ExecSpace>(0, P),
                           SumOfBlocks{block_sums_, out_.sum_dloss_dparams, n_blocks});
    }
    const int n_w = static_cast<int>(out_.dloss_dweights.extent(1));
    if (n_w > 0) {
      using Rows = decltype(out_.dloss_dweights);
      Kokkos::parallel_for(label + "::weight_block_sums",
                           Kokkos::RangePolicy<ExecSpace>(0, n_blocks * n_w),
                           BlockSums<Rows>{out_.dloss_dweights, weight_block_sums_, n_traj, n_w});
      Kokkos::parallel_for(label + "::weight_batch_sum", Kokkos::RangePolicy<ExecSpace>(0, n_w),
                           SumOfBlocks{weight_block_sums_, out_.sum_dloss_dweights, n_blocks});
    }
  }
  // blocks(b, q) = the sum of g(t, q) over block b's trajectories, in order.
  template <class Gradients>
  struct BlockSums {
    Gradients g;
    Dev<double**> blocks;
    int n_traj, width;
    KOKKOS_INLINE_FUNCTION void operator()(const int index) const {
      const int b = index / width, q = index % width;
      const int end = b * sum_block + sum_block < n_traj ? b * sum_block + sum_block : n_traj;
      double acc = 0.0;
      for (int t = b * sum_block; t < end; ++t) acc += g(t, q);
      blocks(b, q) = acc;
    }
  };
  struct SumOfBlocks {
    Dev<double**> blocks;
    Dev<double*> sum;
    int n_blocks;
    KOKKOS_INLINE_FUNCTION void operator()(const int q) const {
      double acc = 0.0;
      for (int b = 0; b < n_blocks; ++b) acc += blocks(b, q);
      sum(q) = acc;
    }
  };

  // out_ and block_sums_ for n_traj trajectories (reallocated only when
  // n_traj changes).
  void ensure_outputs(int n_traj, const std::string& label) {
    ensure(out_.loss, label + "::loss", n_traj);
    ensure(out_.dloss_dparams, label + "::dloss_dparams", n_traj, P);
    ensure(out_.dloss_dy0, label + "::dloss_dy0", n_traj, N);
    ensure(out_.info, label + "::info", n_traj, 6);
    ensure(out_.sum_dloss_dparams, label + "::sum_dloss_dparams", P);
    const int n_blocks = (n_traj + sum_block - 1) / sum_block;
    ensure(block_sums_, label + "::block_sums", n_blocks, P);
    int n_w = 0;
    if constexpr (has_weights<Model>::value) n_w = model_.n_weights();
    ensure(out_.dloss_dweights, label + "::dloss_dweights", n_traj, n_w);
    ensure(out_.sum_dloss_dweights, label + "::sum_dloss_dweights", n_w);
    ensure(weight_block_sums_, label + "::weight_block_sums", n_blocks, n_w);
  }

  // The loss, gradients and batch sum of `out` into r (cleared first);
  // returns out.info on the host.
  static auto download(const DeviceGradients& out, int n_traj, AdjointResult& r) {
    auto loss_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.loss);
    auto gp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.dloss_dparams);
    auto gy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.dloss_dy0);
    auto sum = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.sum_dloss_dparams);
    r = AdjointResult{};
    r.n_traj = n_traj;
    r.n_state = N;
    r.n_param = P;
    for (int q = 0; q < P; ++q) r.sum_dloss_dparams.push_back(sum(q));
    for (int t = 0; t < n_traj; ++t) {
      r.loss.push_back(loss_h(t));
      for (int q = 0; q < P; ++q) r.dloss_dparams.push_back(gp(t, q));
      for (int i = 0; i < N; ++i) r.dloss_dy0.push_back(gy(t, i));
    }
    r.n_weights = static_cast<int>(out.dloss_dweights.extent(1));
    if (r.n_weights > 0) {
      // LayoutRight rows: the host copy is already [n_traj][n_weights].
      auto gw = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.dloss_dweights);
      auto sw = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.sum_dloss_dweights);
      r.dloss_dweights.assign(gw.data(), gw.data() + gw.size());
      r.sum_dloss_dweights.assign(sw.data(), sw.data() + sw.size());
    }
    return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out.info);
  }

  Model model_;
  AdjointWorkspace<typename Kernel::Stepper, N, Mem> work_;
  Dev<double**> params_, y0_;  // host API inputs
  Dev<double***> data_;
  Dev<double*> ts_;
  typename Dev<double*>::HostMirror ts_host_;
  DeviceGradients out_;
  Dev<double**> block_sums_;         // [n_blocks, P]
  Dev<double**> weight_block_sums_;  // [n_blocks, n_weights]
  Dev<double***> ys_;                // backsolve: the forward states at the save times
  Dev<double**> y_end_;              // backsolve: the forward final states
  Kokkos::View<std::int8_t*, Mem> forward_status_;
  BatchSolver<Model, Tableau> forward_;
  BatchResult forward_result_;
};

}  // namespace kode
