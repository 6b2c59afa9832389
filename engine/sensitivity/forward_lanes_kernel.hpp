// Forward sensitivities on CPU execution spaces: W trajectories per thread in
// SIMD lanes (kernels/simd/integrate_lanes.hpp on DualN<K> trajectories, whose
// lanes are LaneDual<K, W> numbers), for ODE methods of models that run in
// lanes. A work item is a block of 32 W consecutive trajectories. Outputs go
// into the same Views, with the same bits, as ForwardSensitivityKernel's.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include "kode/kernels/simd/integrate_lanes.hpp"
#include "kode/kernels/simd/lane_forward_save_observer.hpp"

namespace kode {

template <class ScalarKernel, class Tableau, int W>
struct ForwardSensitivityLanesKernel {
  using Model = typename ScalarKernel::ModelType;
  using Mem = typename ScalarKernel::MemorySpaceType;
  static constexpr int N = ScalarKernel::N, P = ScalarKernel::P, K = ScalarKernel::K;
  using Scalar = DualN<K>;
  static constexpr int block = 32 * W;  // trajectories per work item

  ScalarKernel k;  // its Views and settings
  int n_traj;

  static int n_blocks(int n) { return (n + block - 1) / block; }

  struct BlockIO {
    const ForwardSensitivityLanesKernel& a;
    int next_traj, end;
    LaneForwardSaveObserver<N, K, Mem, W> saves;  // also each lane's trajectory

    // Seeded as ForwardSensitivityKernel seeds them: p_j as tangent j, y0_i
    // as tangent P + i.
    KOKKOS_INLINE_FUNCTION bool next(int lane, Scalar* p, Scalar (&y)[N]) {
      if (next_traj >= end) return false;
      const int tr = next_traj++;
      for (int j = 0; j < P; ++j) p[j] = Scalar::variable(a.k.params(tr, j), j);
      for (int i = 0; i < N; ++i) y[i] = Scalar::variable(a.k.y0(tr, i), P + i);
      saves.start(lane, tr);
      return true;
    }
    KOKKOS_INLINE_FUNCTION void begin(int lane, double t, const Scalar (&y)[N]) {
      saves.begin(lane, t, y);
    }
    template <class Mask, class Interpolant>
    KOKKOS_INLINE_FUNCTION void step(const Mask& stepped, const Interpolant& s) {
      saves.step(stepped, s);
    }
    KOKKOS_INLINE_FUNCTION void finish(int lane, const Scalar (&y)[N], Status s,
                                       const StepCounts& c) {
      saves.finish(lane);
      const int tr = saves.traj[lane];
      for (int i = 0; i < N; ++i) {
        a.k.out.y_final(tr, i) = y[i].v;
        for (int q = 0; q < K; ++q) a.k.out.dy_final(tr, i, q) = tangent(y[i], q);
      }
      a.k.out.status(tr) = static_cast<std::int8_t>(s);
      a.k.out.counts(tr, 0) = c.num_steps;
      a.k.out.counts(tr, 1) = c.num_accepted;
      a.k.out.counts(tr, 2) = c.num_rejected;
    }
  };

  KOKKOS_INLINE_FUNCTION void operator()(const int b) const {
    const int first = b * block;
    const int last = first + block < n_traj ? first + block : n_traj;
    BlockIO io{*this, first, last, {k.save, k.t1 >= k.t0 ? 1.0 : -1.0}};
    integrate_lanes<Tableau, W, Model, BlockIO, Scalar>(k.model, k.t0, k.t1, k.control, io);
  }
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
