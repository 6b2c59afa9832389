// engine/batch/ (library kode::batch, Kokkos only): solving a batch of
// trajectories in Kokkos Views and the host-side results: SolveSpec (what to
// solve), BatchResult (what comes back), dense-output evaluation and
// observation noise. May include kernels/ and engine/solvers/ only: no MPI,
// HDF5, Boost or config parsing, so C++ code (and the training loop) can
// call the batch solver with nothing but Kokkos.
//
// Solves a batch of trajectories of one model with one method: copies the
// inputs into trajectory-fastest device Views, launches one thread per
// trajectory, and copies the results back into a host BatchResult.
// Memory is proportional to the batch; callers bound it by chunking.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/lane_batch_kernel.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/events/event_observer.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/save_observer.hpp"
#include "kode/kernels/sde/integrate_sde_trajectory.hpp"
#include "kode/kernels/sde/sde_vector_fields.hpp"
#include "kode/kernels/stiff/implicit_method.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"

namespace kode {

template <class Method>
constexpr int method_dense_degree() {
  if constexpr (is_sde_method<Method>::value) {
    return 1;  // unused: SDE solves have no dense output
  } else {
    return dense_degree<Method>();
  }
}

// The Model type an SDE method steps (its vector fields with the calculus
// conversion), or the model itself for ODE methods.
template <class Model, class Method, bool = is_sde_method<Method>::value>
struct FieldsFor {
  struct type {};
};
template <class Model, class Method>
struct FieldsFor<Model, Method, true> {
  using type = SdeVectorFields<Model>;
};

// The vector fields an SDE method steps for this spec: the drift converted
// when the problem's calculus ([noise] calculus, else the model's) is not the
// one the method converges to.
template <class Model, class Method>
SdeVectorFields<Model> sde_fields(const Model& model, const SolveSpec& spec) {
  SdeVectorFields<Model> fields;
  fields.model = model;
  const Calculus problem = spec.noise.calculus.empty()             ? Model::calculus
                           : spec.noise.calculus == "stratonovich" ? Calculus::stratonovich
                                                                   : Calculus::ito;
  // f_Ito = f_Strat + c: an Ito solver of a Stratonovich problem adds c.
  fields.drift_conversion = problem == Method::calculus         ? 0.0
                            : problem == Calculus::stratonovich ? 1.0
                                                                : -1.0;
  return fields;
}

// The Brownian paths of the batch's first trajectory (trajectory k of the
// batch uses key.trajectory + k).
inline BrownianKey brownian_key(const SolveSpec& spec) {
  return BrownianKey{spec.noise.seed, spec.first_trajectory,
                     brownian_tree_tol(spec.t0, spec.t1, spec.noise)};
}

template <class Model, class Tableau, class MemorySpace>
struct SolveBatchKernel {
  static constexpr int N = Model::n_state;
  static constexpr int P = Model::n_param;
  static constexpr int D = method_dense_degree<Tableau>();
  static constexpr bool sde = is_sde_method<Tableau>::value;
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
  typename FieldsFor<Model, Tableau>::type fields;  // SDE methods only
  BrownianKey noise_key;                            // trajectory: first index of the batch
  EventSpec event;                                  // event.enabled: events are found
  EventViews<N, MemorySpace> events;

  KOKKOS_INLINE_FUNCTION void operator()(const int traj) const {
    double p[P > 0 ? P : 1] = {};
    for (int j = 0; j < P; ++j) p[j] = params(traj, j);
    double y[N];
    for (int i = 0; i < N; ++i) y[i] = y0(traj, i);
    SaveObserver<N, D, MemorySpace> saves{save, traj, t1 >= t0 ? 1.0 : -1.0};
    using Events = std::conditional_t<has_events<Model>::value, Model, NoModelEvents>;
    EventObserver<N, SaveObserver<N, D, MemorySpace>, MemorySpace, Events> observer{
        saves, event, events, traj, nullptr, p};
    if constexpr (has_events<Model>::value) observer.model = &model;
    StepCounts c;
    Status s;
    if constexpr (sde) {
      BrownianKey key = noise_key;
      key.trajectory += static_cast<std::uint64_t>(traj);
      s = integrate_sde_trajectory<Tableau>(fields, p, t0, t1, y, control, key, observer, c);
    } else if constexpr (is_implicit_method<Tableau>::value) {
      s = integrate_rosenbrock_trajectory<Tableau>(model, p, t0, t1, y, control, observer, c);
    } else {
      s = integrate_trajectory<Tableau>(model, p, t0, t1, y, control, observer, c);
    }
    observer.finish();
    for (int i = 0; i < N; ++i) y_final(traj, i) = y[i];
    status(traj) = static_cast<std::int8_t>(s);
    counts(traj, 0) = c.num_steps;
    counts(traj, 1) = c.num_accepted;
    counts(traj, 2) = c.num_rejected;
  }
};

// Solves batches of one model with one method. Device Views and their host
// mirrors persist between calls and are reallocated only when a batch needs
// other extents, so a long-running process (or the sweep engine's chunk loop)
// pays for allocation once, not per call. Lanes: trajectories per thread
// (lane_batch_kernel.hpp; 1 = SolveBatchKernel), by default the build's SIMD
// width where the model and method allow it; every trajectory's results are
// the same bits for every Lanes.
template <class Model, class Tableau, int Lanes = default_batch_lanes<Model, Tableau>()>
class BatchSolver {
  static_assert(check_model<Model>(), "kode model: see kernels/model_concept.hpp");
  static_assert(Lanes == 1 || (KODE_HAVE_LANES && !is_implicit_method<Tableau>::value),
                "SIMD lanes: host builds and explicit ODE or SDE methods only");

 public:
  using ExecSpace = Kokkos::DefaultExecutionSpace;
  using Mem = typename ExecSpace::memory_space;
  using Kernel = SolveBatchKernel<Model, Tableau, Mem>;
  static constexpr int N = Model::n_state, P = Model::n_param, D = Kernel::D;
  static constexpr int lanes = Lanes;

  explicit BatchSolver(const Model& model = Model{})
      : model_(model),
        label_(std::string("kode::") + Model::name + "::" + Tableau::name),
        kernel_label_(label_ + "::solve") {}

  // params: [n_traj][n_param] row-major; y0: [n_traj][n_state] row-major.
  // The result goes into `r`, reusing its storage.
  void solve(const SolveSpec& spec, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, BatchResult& r) {
    validate_solve_spec(spec);
    if constexpr (Kernel::sde) validate_sde_spec(spec);
    if (n_traj < 0 || params.size() != static_cast<size_t>(n_traj) * P ||
        y0.size() != static_cast<size_t>(n_traj) * N)
      throw std::invalid_argument("solve_batch: params/y0 sizes do not match the batch size");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // Reset `r` but keep its vectors' storage for the next call.
    r.n_traj = n_traj;
    r.n_state = N;
    r.ts.assign(spec.ts.begin(), spec.ts.end());
    for (auto* v : {&r.y_final, &r.step_ts, &r.step_ys, &r.dense_ts, &r.dense_ys}) v->clear();
    // ys is overwritten whole below: resized now (a no-op for a sweep's equal
    // chunks) rather than cleared, which would zero it again on every call.
    r.ys.resize(static_cast<size_t>(n_traj) * spec.ts.size() * N);
    for (auto* v :
         {&r.num_steps, &r.num_accepted, &r.num_rejected, &r.n_steps_saved, &r.n_dense_steps})
      v->clear();
    r.status.clear();
    r.event_t.clear();
    r.event_y.clear();
    r.event_count.clear();
    r.step_capacity = r.dense_degree = r.dense_capacity = r.event_records = 0;
    if (n_traj == 0) return;
    const int n_save = static_cast<int>(spec.ts.size());
    const int cap = spec.control.max_steps + 1;

    if (spec.event.enabled && spec.event.model_event < 0 && spec.event.state >= N)
      throw std::invalid_argument("event.state: index " + std::to_string(spec.event.state) +
                                  " is not a state of the model (it has " + std::to_string(N) +
                                  ")");
    if (spec.event.enabled && spec.event.model_event >= 0) {
      int n_events = 0;
      if constexpr (has_events<Model>::value) n_events = Model::n_events;
      if (spec.event.model_event >= n_events)
        throw std::invalid_argument("event.name: index " + std::to_string(spec.event.model_event) +
                                    " is not an event of model '" + Model::name + "' (it has " +
                                    std::to_string(n_events) + ")");
    }
    Kernel k{model_,  {},      {},           {}, {}, {},         {},
             spec.t0, spec.t1, spec.control, {}, {}, spec.event, {}};
    if constexpr (Kernel::sde) {
      k.fields = sde_fields<Model, Tableau>(model_, spec);
      k.noise_key = brownian_key(spec);
    }
    ensure(params_, h_params_, "params", n_traj, P);
    ensure(y0_, h_y0_, "y0", n_traj, N);
    for (int t = 0; t < n_traj; ++t) {
      for (int j = 0; j < P; ++j) h_params_(t, j) = params[static_cast<size_t>(t) * P + j];
      for (int i = 0; i < N; ++i) h_y0_(t, i) = y0[static_cast<size_t>(t) * N + i];
    }
    Kokkos::deep_copy(params_, h_params_);
    Kokkos::deep_copy(y0_, h_y0_);
    k.params = params_;
    k.y0 = y0_;
    ensure(ts_, h_ts_, "ts", n_save);
    for (int j = 0; j < n_save; ++j) h_ts_(j) = spec.ts[j];
    Kokkos::deep_copy(ts_, h_ts_);
    k.save.ts = ts_;
    if (n_save > 0) {
      // Unreached save times are set to NaN by the kernel itself.
      ensure(ys_, h_ys_, "ys", n_traj, n_save, N);
      k.save.ys = ys_;
    }
    if (spec.save_steps) {
      ensure(step_ts_, h_step_ts_, "step_ts", n_traj, cap);
      ensure(step_ys_, h_step_ys_, "step_ys", n_traj, cap, N);
      ensure(n_steps_saved_, h_n_steps_saved_, "n_steps_saved", n_traj);
      Kokkos::deep_copy(step_ts_, nan);
      Kokkos::deep_copy(step_ys_, nan);
      k.save.step_ts = step_ts_;
      k.save.step_ys = step_ys_;
      k.save.n_steps_saved = n_steps_saved_;
    }
    if (spec.dense) {
      ensure(dense_ts_, h_dense_ts_, "dense_ts", n_traj, cap);
      ensure(dense_ys_, h_dense_ys_, "dense_ys", n_traj, cap - 1, D + 1, N);
      ensure(n_dense_steps_, h_n_dense_steps_, "n_dense_steps", n_traj);
      Kokkos::deep_copy(dense_ts_, nan);
      Kokkos::deep_copy(dense_ys_, nan);
      k.save.dense_ts = dense_ts_;
      k.save.dense_ys = dense_ys_;
      k.save.n_dense_steps = n_dense_steps_;
    }
    if (spec.event.enabled) {
      // The kernel writes every record (NaN where none occurred) and count.
      const int records = spec.event.max_records;
      ensure(event_t_, h_event_t_, "event_t", n_traj, records);
      ensure(event_y_, h_event_y_, "event_y", n_traj, records, N);
      ensure(event_count_, h_event_count_, "event_count", n_traj);
      k.events = EventViews<N, Mem>{event_t_, event_y_, event_count_};
    }
    ensure(y_final_, h_y_final_, "y_final", n_traj, N);
    ensure(status_, h_status_, "status", n_traj);
    ensure(counts_, h_counts_, "counts", n_traj, 3);
    k.y_final = y_final_;
    k.status = status_;
    k.counts = counts_;

    run_kernel(k, n_traj, spec.event.enabled);
    Kokkos::fence();

    // Copy back, transposing to row-major [traj][...] order.
    Kokkos::deep_copy(h_y_final_, y_final_);
    Kokkos::deep_copy(h_status_, status_);
    Kokkos::deep_copy(h_counts_, counts_);
    r.y_final.resize(static_cast<size_t>(n_traj) * N);
    r.status.resize(n_traj);
    r.num_steps.resize(n_traj);
    r.num_accepted.resize(n_traj);
    r.num_rejected.resize(n_traj);
    for (int t = 0; t < n_traj; ++t) {
      for (int i = 0; i < N; ++i) r.y_final[static_cast<size_t>(t) * N + i] = h_y_final_(t, i);
      r.status[t] = h_status_(t);
      r.num_steps[t] = h_counts_(t, 0);
      r.num_accepted[t] = h_counts_(t, 1);
      r.num_rejected[t] = h_counts_(t, 2);
    }
    if (n_save > 0) {
      Kokkos::deep_copy(h_ys_, ys_);
      for_trajectory_tiles(n_traj, static_cast<size_t>(n_save) * N, [&](int begin, int end) {
        for (int j = 0; j < n_save; ++j)
          for (int i = 0; i < N; ++i)
            for (int t = begin; t < end; ++t)
              r.ys[(static_cast<size_t>(t) * n_save + j) * N + i] = h_ys_(t, j, i);
      });
    }
    if (spec.event.enabled) {
      const int records = spec.event.max_records;
      Kokkos::deep_copy(h_event_t_, event_t_);
      Kokkos::deep_copy(h_event_y_, event_y_);
      Kokkos::deep_copy(h_event_count_, event_count_);
      r.event_records = records;
      r.event_t.resize(static_cast<size_t>(n_traj) * records);
      r.event_y.resize(static_cast<size_t>(n_traj) * records * N);
      r.event_count.resize(n_traj);
      for (int t = 0; t < n_traj; ++t) {
        r.event_count[t] = h_event_count_(t);
        for (int e = 0; e < records; ++e) {
          r.event_t[static_cast<size_t>(t) * records + e] = h_event_t_(t, e);
          for (int i = 0; i < N; ++i)
            r.event_y[(static_cast<size_t>(t) * records + e) * N + i] = h_event_y_(t, e, i);
        }
      }
    }
    if (spec.save_steps) {
      Kokkos::deep_copy(h_step_ts_, step_ts_);
      Kokkos::deep_copy(h_step_ys_, step_ys_);
      Kokkos::deep_copy(h_n_steps_saved_, n_steps_saved_);
      r.step_capacity = cap;
      r.n_steps_saved.resize(n_traj);
      r.step_ts.resize(static_cast<size_t>(n_traj) * cap);
      r.step_ys.resize(static_cast<size_t>(n_traj) * cap * N);
      for (int t = 0; t < n_traj; ++t) r.n_steps_saved[t] = h_n_steps_saved_(t);
      for_trajectory_tiles(n_traj, static_cast<size_t>(cap) * (N + 1), [&](int begin, int end) {
        for (int s = 0; s < cap; ++s) {
          for (int t = begin; t < end; ++t)
            r.step_ts[static_cast<size_t>(t) * cap + s] = h_step_ts_(t, s);
          for (int i = 0; i < N; ++i)
            for (int t = begin; t < end; ++t)
              r.step_ys[(static_cast<size_t>(t) * cap + s) * N + i] = h_step_ys_(t, s, i);
        }
      });
    }
    if (spec.dense) {
      Kokkos::deep_copy(h_dense_ts_, dense_ts_);
      Kokkos::deep_copy(h_dense_ys_, dense_ys_);
      Kokkos::deep_copy(h_n_dense_steps_, n_dense_steps_);
      r.dense_degree = D;
      r.dense_capacity = cap - 1;
      r.n_dense_steps.resize(n_traj);
      r.dense_ts.resize(static_cast<size_t>(n_traj) * cap);
      r.dense_ys.resize(static_cast<size_t>(n_traj) * (cap - 1) * (D + 1) * N);
      for (int t = 0; t < n_traj; ++t) r.n_dense_steps[t] = h_n_dense_steps_(t);
      for_trajectory_tiles(
          n_traj, static_cast<size_t>(cap) * (1 + (D + 1) * N), [&](int begin, int end) {
            for (int s = 0; s < cap; ++s)
              for (int t = begin; t < end; ++t)
                r.dense_ts[static_cast<size_t>(t) * cap + s] = h_dense_ts_(t, s);
            for (int s = 0; s < cap - 1; ++s)
              for (int m = 0; m <= D; ++m)
                for (int i = 0; i < N; ++i)
                  for (int t = begin; t < end; ++t)
                    r.dense_ys[((static_cast<size_t>(t) * (cap - 1) + s) * (D + 1) + m) * N + i] =
                        h_dense_ys_(t, s, m, i);
          });
    }
  }

 private:
  // Runs the batch kernel: W trajectories per thread in SIMD lanes where the
  // build and the method have them (lane_batch_kernel.hpp), one per thread
  // otherwise and with events (whose root finding is per trajectory). A lone trajectory runs
  // without lanes: the pack's idle lanes would cost it 1-2 us (W1, measured with kode_bench --n 1),
  // for the same bits.
  void run_kernel(const Kernel& k, int n_traj, bool events) const {
    (void)events;  // without lanes every batch runs one trajectory per thread
#if KODE_HAVE_LANES
    if constexpr (Lanes > 1) {
      if (n_traj > 1 && !events) {
        using LaneKernel = SolveBatchLanesKernel<Model, Tableau, Mem, Lanes, D,
                                                 typename FieldsFor<Model, Tableau>::type>;
        SaveViews<N, Mem> without_ts = k.save;
        without_ts.ys = {};
        const LaneKernel lk{k.model,   k.params, k.y0,     k.save,     without_ts,
                            k.y_final, k.status, k.counts, k.t0,       k.t1,
                            k.control, n_traj,   k.fields, k.noise_key};
        Kokkos::parallel_for(kernel_label_,
                             Kokkos::RangePolicy<ExecSpace>(0, LaneKernel::n_blocks(n_traj)), lk);
        return;
      }
    }
#endif
    Kokkos::parallel_for(kernel_label_, Kokkos::RangePolicy<ExecSpace>(0, n_traj), k);
  }

  // The device Views are LayoutLeft (the trajectory index fastest: coalesced
  // on GPUs), BatchResult is row-major per trajectory, so the copy back
  // transposes. One trajectory at a time, every value read comes from another
  // cache line n_traj doubles away, and a chunk's Views are far larger than
  // the caches: the W1 sweep spent 11-15% of its time here, stalled on those
  // reads. In tiles of trajectories each column is read as a sequential
  // stream (which the hardware prefetches) while the tile's rows, ~1 MiB,
  // stay in cache until written whole. Transposing one W1 chunk (65536 x 101
  // x 2, from memory, one AMD EPYC core): 1.10 us per trajectory with tiles
  // of 1, 0.81 with 8, 0.37-0.41 with 256, 0.30 with 648 (the tile chosen
  // here), 0.27-0.30 with 1024, 0.62 with 4096.
  template <class F>
  static void for_trajectory_tiles(int n_traj, size_t row_doubles, const F& f) {
    const size_t fit = (size_t{1} << 17) / std::max<size_t>(row_doubles, 1);  // 1 MiB of rows
    const int tile = static_cast<int>(std::clamp<size_t>(fit, 8, 4096) / 8 * 8);
    for (int begin = 0; begin < n_traj; begin += tile) f(begin, std::min(begin + tile, n_traj));
  }

  // (Re)allocates `v` (uninitialised) and its host mirror when the extents differ.
  template <class View, class Mirror, class... Extents>
  void ensure(View& v, Mirror& h, const char* name, Extents... extents) {
    const size_t want[] = {static_cast<size_t>(extents)...};
    bool same = true;
    for (size_t d = 0; d < sizeof...(Extents); ++d) same = same && v.extent(d) == want[d];
    if (same) return;
    v = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, label_ + "::" + name), extents...);
    h = Kokkos::create_mirror_view(v);
  }

  template <class T>
  using Dev = Kokkos::View<T, Kokkos::LayoutLeft, Mem>;
  template <class V>
  using HostMirror = typename V::HostMirror;

  Model model_;
  std::string label_, kernel_label_;
  Dev<double**> params_, y0_, y_final_, step_ts_, dense_ts_, event_t_;
  Dev<double*> ts_;
  Dev<double***> ys_, step_ys_, event_y_;
  Dev<double****> dense_ys_;
  Dev<int*> n_steps_saved_, n_dense_steps_, event_count_;
  Kokkos::View<std::int8_t*, Mem> status_;
  Dev<int**> counts_;
  HostMirror<Dev<double**>> h_params_, h_y0_, h_y_final_, h_step_ts_, h_dense_ts_, h_event_t_;
  HostMirror<Dev<double*>> h_ts_;
  HostMirror<Dev<double***>> h_ys_, h_step_ys_, h_event_y_;
  HostMirror<Dev<double****>> h_dense_ys_;
  HostMirror<Dev<int*>> h_n_steps_saved_, h_n_dense_steps_, h_event_count_;
  typename Kokkos::View<std::int8_t*, Mem>::HostMirror h_status_;
  HostMirror<Dev<int**>> h_counts_;
};

// One-off batch solve (allocates its buffers for this call).
template <class Model, class Tableau>
BatchResult solve_batch(const Model& model, const SolveSpec& spec,
                        const std::vector<double>& params, const std::vector<double>& y0,
                        int n_traj) {
  BatchSolver<Model, Tableau> solver(model);
  BatchResult r;
  solver.solve(spec, params, y0, n_traj, r);
  return r;
}

}  // namespace kode
