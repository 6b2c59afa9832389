// engine/sensitivity/ (library kode::batch, Kokkos only): derivatives of
// batch solves. May include kernels/, engine/batch/ and engine/solvers/.
//
// Forward sensitivities ([sensitivity] method = forward): one pass per batch
// carries K = n_param + n_state tangents per state component (DualN<K>,
// kernels/dual.hpp) through the solver's own steps, seeded with the
// parameters (tangents 0 .. P-1) and the initial state (P .. P+N-1). The
// result is the full Jacobians dy(t_k)/dp and dy(t_k)/dy0 at every save time
// and at t1, of the computed solution on its frozen accepted-step mesh: the
// controller reads values only (step_acceptance.hpp), so the values, step
// counts and statuses are bit-identical to the plain solve's (BatchSolver).
// Derivatives of the model come from its templated rhs evaluated on dual
// numbers: no hand-written derivatives. The stiff methods (Rosenbrock and
// ESDIRK) carry the tangents through their linear solves and Newton
// iterations too, with J's tangent from nested dual numbers
// (kernels/stiff/rhs_jacobian.hpp). For SDE methods the derivatives are
// pathwise: each trajectory is differentiated on its own Brownian path (the
// plain solve's), with Milstein's (dG/dy) G term and the Ito-Stratonovich
// conversion differentiated through nested dual numbers
// (sde_vector_fields.hpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/sensitivity/forward_lanes_kernel.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/sensitivity/forward_save_observer.hpp"
#include "kode/kernels/stiff/implicit_method.hpp"
#include "kode/kernels/stiff/rhs_jacobian.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"

namespace kode {

// Host-side forward sensitivities, row-major with the trajectory slowest.
struct ForwardSensitivityResult {
  BatchResult solution;  // ts, ys, y_final, status, counts: as the solve
  int n_param = 0;
  std::vector<double> dys_dparams;       // [n_traj][n_save][n_state][n_param]
  std::vector<double> dys_dy0;           // [n_traj][n_save][n_state][n_state]
  std::vector<double> dy_final_dparams;  // [n_traj][n_state][n_param]
  std::vector<double> dy_final_dy0;      // [n_traj][n_state][n_state]
};

// The device outputs of a forward-sensitivity batch (LayoutLeft, trajectory
// fastest); tangent k < P is d/dp_k, tangent P + i is d/dy0_i.
template <int N, int K, class MemorySpace>
struct ForwardSensitivityViews {
  template <class T>
  using Dev = Kokkos::View<T, Kokkos::LayoutLeft, MemorySpace>;
  Dev<double***> ys;                               // [n_traj, n_save, N]
  Dev<double****> dys;                             // [n_traj, n_save, N, K]
  Dev<double**> y_final;                           // [n_traj, N]
  Dev<double***> dy_final;                         // [n_traj, N, K]
  Kokkos::View<std::int8_t*, MemorySpace> status;  // [n_traj]
  Dev<int**> counts;                               // [n_traj, 3]: attempted, accepted, rejected
};

template <class Model, class Tableau, class MemorySpace>
struct ForwardSensitivityKernel {
  using ModelType = Model;
  using MemorySpaceType = MemorySpace;
  static constexpr int N = Model::n_state;
  static constexpr int P = Model::n_param;
  static constexpr int K = P + N;
  using Scalar = DualN<K>;

  Model model;
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> params;  // [n_traj, P]
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> y0;      // [n_traj, N]
  ForwardSaveViews<N, K, MemorySpace> save;
  ForwardSensitivityViews<N, K, MemorySpace> out;
  double t0, t1;
  StepSizeControl control;
  typename FieldsFor<Model, Tableau>::type fields;  // SDE methods only
  BrownianKey noise_key;                            // trajectory: first index of the batch

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    Scalar p[P > 0 ? P : 1];
    for (int j = 0; j < P; ++j) p[j] = Scalar::variable(params(traj, j), j);
    Scalar y[N];
    for (int i = 0; i < N; ++i) y[i] = Scalar::variable(y0(traj, i), P + i);
    ForwardSaveObserver<N, K, MemorySpace> observer{save, traj, t1 >= t0 ? 1.0 : -1.0};
    StepCounts c;
    Status s;
    if constexpr (is_sde_method<Tableau>::value) {
      // Pathwise: the same Brownian path as the plain solve of this trajectory.
      BrownianKey key = noise_key;
      key.trajectory += static_cast<std::uint64_t>(traj);
      s = integrate_sde_trajectory<Tableau>(fields, p, t0, t1, y, control, key, observer, c);
    } else if constexpr (is_implicit_method<Tableau>::value) {
      s = integrate_rosenbrock_trajectory<Tableau>(model, p, t0, t1, y, control, observer, c);
    } else {
      s = integrate_trajectory<Tableau>(model, p, t0, t1, y, control, observer, c);
    }
    observer.finish();
    for (int i = 0; i < N; ++i) {
      out.y_final(traj, i) = y[i].v;
      for (int k = 0; k < K; ++k) out.dy_final(traj, i, k) = tangent(y[i], k);
    }
    out.status(traj) = static_cast<std::int8_t>(s);
    out.counts(traj, 0) = c.num_steps;
    out.counts(traj, 1) = c.num_accepted;
    out.counts(traj, 2) = c.num_rejected;
  }
};

// Forward sensitivities of batches of one ODE model with one explicit RK
// method. Device Views persist between calls (reallocated only when the
// extents change), so a chunk loop or a training step allocates once.
// Lanes: trajectories per thread (forward_lanes_kernel.hpp; 1 =
// ForwardSensitivityKernel, one per thread), by default the solve's where the
// model and method allow it; the results are the same bits for every Lanes.
template <class Model, class Tableau,
          int Lanes = default_lanes<Model, Tableau, is_sde_method<Tableau>::value>()>
class ForwardSensitivitySolver {
  static_assert(check_model<Model>(), "kode model: see kernels/model_concept.hpp");
  static_assert(!is_sde_method<Tableau>::value || check_sde_model_derivatives<Model>(),
                "kode SDE model: see kernels/model_concept.hpp");
  static_assert(Lanes == 1 || (KODE_HAVE_LANES && !is_sde_method<Tableau>::value &&
                               !is_implicit_method<Tableau>::value),
                "forward sensitivities in SIMD lanes: host builds and explicit ODE methods only");
  static_assert(!is_implicit_method<Tableau>::value || jacobian_differentiable<Model>::value,
                "forward sensitivities through a stiff method need an rhs templated on its time "
                "(kernels/stiff/rhs_jacobian.hpp)");

 public:
  using ExecSpace = Kokkos::DefaultExecutionSpace;
  using Mem = typename ExecSpace::memory_space;
  using Kernel = ForwardSensitivityKernel<Model, Tableau, Mem>;
  static constexpr int N = Kernel::N, P = Kernel::P, K = Kernel::K;
  static constexpr int lanes = Lanes;
  template <class T>
  using Dev = Kokkos::View<T, Kokkos::LayoutLeft, Mem>;

  explicit ForwardSensitivitySolver(const Model& model = Model{})
      : model_(model),
        label_(std::string("kode::") + Model::name + "::" + Tableau::name + "::forward"),
        kernel_label_(label_ + "::solve") {}

  // Device-resident: inputs and outputs stay in Views on the default
  // execution space; `out` is (re)allocated to the batch's extents. Fences
  // that execution space only.
  void solve(const SolveSpec& spec, const Dev<const double**>& params,
             const Dev<const double**>& y0, ForwardSensitivityViews<N, K, Mem>& out) {
    check_spec(spec);
    const int n_traj = static_cast<int>(y0.extent(0));
    const int n_save = static_cast<int>(spec.ts.size());
    if (static_cast<int>(params.extent(0)) != n_traj || static_cast<int>(params.extent(1)) != P ||
        static_cast<int>(y0.extent(1)) != N)
      throw std::invalid_argument(
          "forward sensitivities: params/y0 extents do not match the model");
    ensure(ts_, h_ts_, "ts", n_save);
    for (int j = 0; j < n_save; ++j) h_ts_(j) = spec.ts[j];
    Kokkos::deep_copy(ts_, h_ts_);
    ensure_device(out.ys, "ys", n_traj, n_save, N);
    ensure_device(out.dys, "dys", n_traj, n_save, N, K);
    ensure_device(out.y_final, "y_final", n_traj, N);
    ensure_device(out.dy_final, "dy_final", n_traj, N, K);
    ensure_device(out.status, "status", n_traj);
    ensure_device(out.counts, "counts", n_traj, 3);
    Kernel k{model_,       params, y0, {ts_, out.ys, out.dys}, out, spec.t0, spec.t1,
             spec.control, {},     {}};
    if constexpr (is_sde_method<Tableau>::value) {
      k.fields = sde_fields<Model, Tableau>(model_, spec);
      k.noise_key = brownian_key(spec);
    }
    run_kernel(k, n_traj);
    ExecSpace().fence();
  }

  // Host API: params [n_traj][n_param], y0 [n_traj][n_state] row-major.
  void solve(const SolveSpec& spec, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, ForwardSensitivityResult& r) {
    check_spec(spec);
    if (n_traj < 0 || params.size() != static_cast<size_t>(n_traj) * P ||
        y0.size() != static_cast<size_t>(n_traj) * N)
      throw std::invalid_argument("forward sensitivities: params/y0 sizes do not match the batch");
    ensure(params_, h_params_, "params", n_traj, P);
    ensure(y0_, h_y0_, "y0", n_traj, N);
    for (int t = 0; t < n_traj; ++t) {
      for (int j = 0; j < P; ++j) h_params_(t, j) = params[static_cast<size_t>(t) * P + j];
      for (int i = 0; i < N; ++i) h_y0_(t, i) = y0[static_cast<size_t>(t) * N + i];
    }
    Kokkos::deep_copy(params_, h_params_);
    Kokkos::deep_copy(y0_, h_y0_);
    solve(spec, Dev<const double**>(params_), Dev<const double**>(y0_), out_);

    const int n_save = static_cast<int>(spec.ts.size());
    auto ys = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.ys);
    auto dys = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.dys);
    auto yf = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.y_final);
    auto dyf = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.dy_final);
    auto status = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.status);
    auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out_.counts);
    BatchResult& s = r.solution;
    s = BatchResult{};
    s.n_traj = n_traj;
    s.n_state = N;
    s.ts = spec.ts;
    s.ys.resize(static_cast<size_t>(n_traj) * n_save * N);
    s.y_final.resize(static_cast<size_t>(n_traj) * N);
    s.status.resize(n_traj);
    s.num_steps.resize(n_traj);
    s.num_accepted.resize(n_traj);
    s.num_rejected.resize(n_traj);
    r.n_param = P;
    r.dys_dparams.assign(static_cast<size_t>(n_traj) * n_save * N * P, 0.0);
    r.dys_dy0.assign(static_cast<size_t>(n_traj) * n_save * N * N, 0.0);
    r.dy_final_dparams.assign(static_cast<size_t>(n_traj) * N * P, 0.0);
    r.dy_final_dy0.assign(static_cast<size_t>(n_traj) * N * N, 0.0);
    for (int t = 0; t < n_traj; ++t) {
      s.status[t] = status(t);
      s.num_steps[t] = counts(t, 0);
      s.num_accepted[t] = counts(t, 1);
      s.num_rejected[t] = counts(t, 2);
      for (int i = 0; i < N; ++i) {
        s.y_final[static_cast<size_t>(t) * N + i] = yf(t, i);
        for (int j = 0; j < P; ++j)
          r.dy_final_dparams[(static_cast<size_t>(t) * N + i) * P + j] = dyf(t, i, j);
        for (int m = 0; m < N; ++m)
          r.dy_final_dy0[(static_cast<size_t>(t) * N + i) * N + m] = dyf(t, i, P + m);
      }
      for (int js = 0; js < n_save; ++js)
        for (int i = 0; i < N; ++i) {
          const size_t row = (static_cast<size_t>(t) * n_save + js) * N + i;
          s.ys[row] = ys(t, js, i);
          for (int j = 0; j < P; ++j) r.dys_dparams[row * P + j] = dys(t, js, i, j);
          for (int m = 0; m < N; ++m) r.dys_dy0[row * N + m] = dys(t, js, i, P + m);
        }
    }
  }

 private:
  // W trajectories per thread in SIMD lanes where Lanes allows, one per
  // thread otherwise (and for a lone trajectory, as in BatchSolver).
  void run_kernel(const Kernel& k, int n_traj) const {
#if KODE_HAVE_LANES
    if constexpr (Lanes > 1) {
      if (n_traj > 1) {
        using LaneKernel = ForwardSensitivityLanesKernel<Kernel, Tableau, Lanes>;
        Kokkos::parallel_for(kernel_label_,
                             Kokkos::RangePolicy<ExecSpace>(0, LaneKernel::n_blocks(n_traj)),
                             LaneKernel{k, n_traj});
        return;
      }
    }
#endif
    Kokkos::parallel_for(kernel_label_, Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
  }

  void check_spec(const SolveSpec& spec) const {
    validate_solve_spec(spec);
    if (spec.event.enabled)
      throw std::invalid_argument(
          "[event] cannot be combined with [sensitivity]: a terminal event moves the end of "
          "the trajectory, which these sensitivities do not differentiate");
    if constexpr (is_sde_method<Tableau>::value) validate_sde_spec(spec);
    if (spec.save_steps || spec.dense)
      throw std::invalid_argument(
          "forward sensitivities are stored at the save times only (no save.steps or "
          "save.dense)");
  }

  template <class View, class Mirror, class... Extents>
  void ensure(View& v, Mirror& h, const char* name, Extents... extents) {
    if (ensure_device(v, name, extents...)) h = Kokkos::create_mirror_view(v);
  }
  // (Re)allocates `v` when its extents differ; true when it did.
  template <class View, class... Extents>
  bool ensure_device(View& v, const char* name, Extents... extents) {
    const size_t want[] = {static_cast<size_t>(extents)...};
    bool same = !v.label().empty();  // a default-constructed View was never allocated
    for (size_t d = 0; d < sizeof...(Extents); ++d) same = same && v.extent(d) == want[d];
    if (same) return false;
    v = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, label_ + "::" + name), extents...);
    return true;
  }

  Model model_;
  std::string label_, kernel_label_;
  Dev<double**> params_, y0_;
  Dev<double*> ts_;
  typename Dev<double**>::HostMirror h_params_, h_y0_;
  typename Dev<double*>::HostMirror h_ts_;
  ForwardSensitivityViews<N, K, Mem> out_;
};

// One-off forward-sensitivity batch (allocates its buffers for this call).
template <class Model, class Tableau>
ForwardSensitivityResult forward_sensitivity_batch(const Model& model, const SolveSpec& spec,
                                                   const std::vector<double>& params,
                                                   const std::vector<double>& y0, int n_traj) {
  ForwardSensitivitySolver<Model, Tableau> solver(model);
  ForwardSensitivityResult r;
  solver.solve(spec, params, y0, n_traj, r);
  return r;
}

}  // namespace kode
