// The batch kernel on CPU execution spaces: W trajectories per thread in the
// SIMD lanes of a pack (kernels/simd/integrate_lanes.hpp for ODE methods,
// kernels/simd/integrate_sde_lanes.hpp for SDE methods). A work item is a
// block of 32 W consecutive trajectories, so the lanes stay busy through a
// block and only its last few trajectories run with lanes idle. Results go
// into the same Views, with the same bits, as SolveBatchKernel's (one
// trajectory per thread), which GPUs, linearly implicit (stiff) methods,
// batches with events and models whose rhs (or diffusion) takes `double t`
// keep.
#pragma once

#include <Kokkos_Core.hpp>
#include <type_traits>
#include <utility>

#include "kode/kernels/save_observer.hpp"
#include "kode/kernels/sde/integrate_sde_trajectory.hpp"
#include "kode/kernels/simd/integrate_lanes.hpp"
#include "kode/kernels/simd/integrate_sde_lanes.hpp"
#include "kode/kernels/simd/lane_dual.hpp"
#include "kode/kernels/simd/lane_pack.hpp"
#include "kode/kernels/simd/lane_save_observer.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/implicit_method.hpp"

namespace kode {

// SDE solvers (kernels/sde/) declare a strong order; Runge-Kutta tableaus do not.
template <class Method, class = void>
struct is_sde_method : std::false_type {};
template <class Method>
struct is_sde_method<Method, std::void_t<decltype(Method::strong_order)>> : std::true_type {};

#if KODE_HAVE_LANES
// A model can run in lanes when its rhs takes packs for t, y and p (its time
// is a template: kernels/model_concept.hpp).
template <class Model, int W, class = void>
struct lane_capable : std::false_type {};
template <class Model, int W>
struct lane_capable<Model, W,
                    std::void_t<decltype(std::declval<const Model&>().rhs(
                        std::declval<LanePack<W>>(), std::declval<const LanePack<W>*>(),
                        std::declval<const LanePack<W>*>(), std::declval<LanePack<W>*>()))>>
    : std::true_type {};

// An SDE model can run in lanes when its rhs and its diffusion take packs,
// the diffusion also with y as LaneDual<1, W> (the directional derivative of
// Milstein's term and the Ito-Stratonovich conversion, sde_vector_fields.hpp).
template <class Model, int W, class = void>
struct sde_lane_capable : std::false_type {};
template <class Model, int W>
struct sde_lane_capable<
    Model, W,
    std::void_t<decltype(std::declval<const Model&>().diffusion(
                    std::declval<LanePack<W>>(), std::declval<const LanePack<W>*>(),
                    std::declval<const LanePack<W>*>(), std::declval<LanePack<W>*>())),
                decltype(std::declval<const Model&>().diffusion(
                    std::declval<LanePack<W>>(), std::declval<const LaneDual<1, W>*>(),
                    std::declval<const LanePack<W>*>(), std::declval<LaneDual<1, W>*>()))>>
    : lane_capable<Model, W> {};
#endif

// Lanes per thread for this model and method on the default execution space:
// KODE_SIMD_LANES for explicit ODE methods of lane-capable models on host
// spaces, else 1.
template <class Model, class Method, bool Sde>
constexpr int default_lanes() {
#if KODE_HAVE_LANES
  using Mem = typename Kokkos::DefaultExecutionSpace::memory_space;
  if constexpr (Sde || is_implicit_method<Method>::value || KODE_SIMD_LANES < 2 ||
                !std::is_same<Mem, Kokkos::HostSpace>::value) {
    return 1;
  } else if constexpr (lane_capable<Model, KODE_SIMD_LANES>::value) {
    return KODE_SIMD_LANES;
  } else {
    return 1;
  }
#else
  return 1;
#endif
}

// Lanes per thread for a batch solve (BatchSolver): default_lanes's count,
// for SDE methods only where the model's diffusion takes packs too
// (kernels/simd/integrate_sde_lanes.hpp).
template <class Model, class Method>
constexpr int default_batch_lanes() {
  constexpr int lanes = default_lanes<Model, Method, false>();
#if KODE_HAVE_LANES
  if constexpr (lanes > 1 && is_sde_method<Method>::value) {
    return sde_lane_capable<Model, lanes>::value ? lanes : 1;
  }
#endif
  return lanes;
}

#if KODE_HAVE_LANES
// Fields: the SDE method's vector fields (SdeVectorFields), unused for ODE
// methods.
template <class Model, class Tableau, class MemorySpace, int W, int DenseDegree, class Fields>
struct SolveBatchLanesKernel {
  static constexpr int N = Model::n_state;
  static constexpr int P = Model::n_param;
  static constexpr int block = 32 * W;  // trajectories per work item
  using Mat = Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace>;

  Model model;
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> params;  // [n_traj, P]
  Kokkos::View<const double**, Kokkos::LayoutLeft, MemorySpace> y0;      // [n_traj, N]
  SaveViews<N, MemorySpace> save;
  SaveViews<N, MemorySpace> save_without_ts;  // save without ys (see LaneSaveObserver)
  Mat y_final;                                // [n_traj, N]
  Kokkos::View<std::int8_t*, MemorySpace> status;
  Kokkos::View<int**, Kokkos::LayoutLeft, MemorySpace> counts;  // [n_traj, 3]
  double t0, t1;
  StepSizeControl control;
  int n_traj;
  Fields fields;          // SDE methods only
  BrownianKey noise_key;  // SDE methods only; trajectory: first index of the batch

  static int n_blocks(int n) { return (n + block - 1) / block; }

  // The work item's trajectories [next, end) in, results out.
  struct BlockIO {
    const SolveBatchLanesKernel& k;
    int next_traj, end;
    LaneSaveObserver<N, DenseDegree, MemorySpace, W> saves;  // also each lane's trajectory

    KOKKOS_INLINE_FUNCTION bool next(int lane, double* p, double (&y)[N]) {
      if (next_traj >= end) return false;
      const int tr = next_traj++;
      for (int j = 0; j < P; ++j) p[j] = k.params(tr, j);
      for (int i = 0; i < N; ++i) y[i] = k.y0(tr, i);
      saves.start(lane, tr);
      return true;
    }
    KOKKOS_INLINE_FUNCTION std::uint64_t trajectory(int lane) const {
      return static_cast<std::uint64_t>(saves.traj[lane]);
    }
    KOKKOS_INLINE_FUNCTION LanePack<W> next_save_times() const { return saves.next_save_times(); }
    KOKKOS_INLINE_FUNCTION void begin(int lane, double t, const double (&y)[N]) {
      saves.begin(lane, t, y);
    }
    template <class Mask, class Interpolant>
    KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const Interpolant& s) {
      saves.step(stepped, s);
    }
    KOKKOS_INLINE_FUNCTION void finish(int lane, const double (&y)[N], Status s,
                                       const StepCounts& c) {
      saves.finish(lane);
      const int tr = saves.traj[lane];
      for (int i = 0; i < N; ++i) k.y_final(tr, i) = y[i];
      k.status(tr) = static_cast<std::int8_t>(s);
      k.counts(tr, 0) = c.num_steps;
      k.counts(tr, 1) = c.num_accepted;
      k.counts(tr, 2) = c.num_rejected;
    }
  };

  KOKKOS_INLINE_FUNCTION void operator()(const int b) const {
    const int first = b * block;
    const int last = first + block < n_traj ? first + block : n_traj;
    BlockIO io{*this, first, last, {save, save_without_ts, t1 >= t0 ? 1.0 : -1.0}};
    if constexpr (is_sde_method<Tableau>::value) {
      integrate_sde_lanes<Tableau, W>(fields, t0, t1, control, noise_key, io);
    } else {
      integrate_lanes<Tableau, W>(model, t0, t1, control, io);
    }
  }
};
#endif

}  // namespace kode
