// The save cursors of the W trajectories in the lanes of a pack, and the
// rounds that visit the save times inside the lanes' current steps
// (simd/integrate_lanes.hpp). The observers that record at save times in
// lanes -- the solve's LaneSaveObserver, the forward-sensitivity
// LaneForwardSaveObserver and the adjoint's LaneLossObserver -- differ only in
// what they do with a lane's value; the rounds are this one function.
//
// A round takes, for every lane whose step holds its next save time, that
// time, evaluates the pack's interpolant at the lanes' thetas once and hands
// each such lane its value; rounds repeat while any lane has a save time left
// in its step. The cursors and the next save times stay in vector registers
// through the rounds. Which value a save time gets is
// visit_save_times_in_step's rule (the step's end value at its end, its start
// value at its start, the interpolant elsewhere), so every lane records the
// one-trajectory observer's bits.
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include <Kokkos_Core.hpp>

namespace kode {

template <int W, class MemorySpace>
struct LaneSaveCursor {
  using Pack = LanePack<W>;
  using Index = LaneMask<W>;  // W 64-bit integers, as a comparison gives
  using Times = Kokkos::View<const double*, Kokkos::LayoutLeft, MemorySpace>;
  const Times& ts;
  double direction;
  Index next_save = {};  // each lane's next index into ts
  // Each lane's next save time ts(next_save), or direction * inf when it has
  // none left, so that "any save in this step?" is one vector compare.
  Pack next_ts = 0.0;

  KOKKOS_INLINE_FUNCTION int n_save() const { return static_cast<int>(ts.extent(0)); }
  KOKKOS_INLINE_FUNCTION int index(int lane) const { return static_cast<int>(next_save[lane]); }

  // Moves lane `lane`'s cursor to save index j (a new trajectory, begin):
  // rare, so one lane at a time.
  KOKKOS_INLINE_FUNCTION void set(int lane, int j) {
    next_save[lane] = j;
    next_ts.set(lane, save_time(j));
  }

  // For every lane in `stepped` and every save time in its step, calls
  // record(lane, j, from), where j is the save index and lane `lane` of
  // from[i] (i < N) is the state's value there: the step's y1, its y0 or the
  // round's interpolated values.
  template <class Mask, class Interpolant, class Record>
  KOKKOS_INLINE_FUNCTION void visit_rounds(const Mask& stepped, const Interpolant& s,
                                           Record&& record) {
    constexpr int N = Interpolant::n_states;
    using Value = typename Interpolant::value_type;
    const Pack t_end = s.t0 + s.dt;  // the step's end, as the scalar rule computes it
    Pack next = next_ts;
    Mask in = stepped & (direction * (next - t_end) <= 0.0);
    if (!lane_any<W>(in)) return;
    Index cursor = next_save;
    do {
      const Pack t = lane_select(in, next, s.t0);
      Value y[N];
      s.evaluate((t - s.t0) / s.dt, y);
      for (int l = 0; l < W; ++l) {
        if (!in[l]) continue;
        const bool at_end = t[l] == t_end[l], at_start = t[l] == s.t0[l];
        const Value* from = at_end ? s.y1 : at_start ? s.y0 : y;
        record(l, static_cast<int>(cursor[l]), from);
      }
      cursor -= in;  // a true lane is -1
      next = lane_select(in, lane_generate<W>([&](int l) { return save_time(cursor[l]); }), next);
      in = stepped & (direction * (next - t_end) <= 0.0);
    } while (lane_any<W>(in));
    next_save = cursor;
    next_ts = next;
  }

 private:
  KOKKOS_INLINE_FUNCTION double save_time(long long j) const {
    return j < static_cast<long long>(n_save()) ? ts(j) : direction * __builtin_inf();
  }
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
