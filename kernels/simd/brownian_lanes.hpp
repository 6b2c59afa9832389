// The Brownian paths of W trajectories in the SIMD lanes of a pack
// (simd/integrate_sde_lanes.hpp): one virtual Brownian tree per lane (keyed by
// its own trajectory), each with a BrownianWalker's cache of its last
// descent, queried at every lane's own time at once.
//
// Why: an SDE step's cost is the descent's normals (docs/benchmarks.md,
// "SDE"): one Philox4x32-10 draw and one Box-Muller pair per tree level. One
// path's draws are few and already overlap in the out-of-order core, so
// drawing them in packs did not pay (measured on branch wip/sde-draws), but W
// trajectories' draws are W times as many independent draws at the same
// moment. A query therefore
//  1. plans every lane's descent from the intervals alone (which half holds
//     t does not depend on the path's values: VirtualBrownianTree::
//     child_interval), listing each (key, node, purpose) it needs;
//  2. draws the whole list in packs of W: philox_draws (vector Philox) and
//     standard_normal_pairs (Box-Muller with polynomial log and sincos);
//  3. walks every lane down its nodes with the tree's own child() and
//     leaf_state() (the walk stays per lane, scalar).
// Every value is what BrownianWalker::state gives for that lane's path (the
// same nodes, the same draws bit for bit, the same arithmetic), so the lanes
// kernel's paths are the one-trajectory kernel's (tests/unit/test_sde_lanes.cpp).
#pragma once

#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
#include <cstdint>

#include "kode/kernels/box_muller.hpp"
#include "kode/kernels/counter_rng.hpp"
#include "kode/kernels/sde/brownian_node_cache.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"

namespace kode {

template <int W, int K = 24>
class BrownianLanes {
 public:
  using Pack = LanePack<W>;
  using State = BasicBrownianState<Pack>;

  // Lane `lane` follows `tree` from now on (its next trajectory's path).
  KOKKOS_INLINE_FUNCTION void start(int lane, const VirtualBrownianTree& tree) {
    tree_[lane] = tree;
    path_[lane].store(tree.root());
    n_valid_[lane] = 1;
  }

  // W(t) and I(t) of every lane in `active` at that lane's t (the other
  // lanes get 0).
  KOKKOS_INLINE_FUNCTION State state(const LaneMask<W>& active, const Pack& t) {
    double w[W] = {}, integral[W] = {};
    // 1. Plans: the draws of every descending lane, in one list of rounds of W.
    int first[W] = {}, count[W] = {}, start_level[W] = {};
    bool descends[W] = {}, ends_at_leaf[W] = {};
    int n_draws = 0;
    for (int l = 0; l < W; ++l) {
      if (!active[l]) continue;
      const double tl = t[l];
      const VirtualBrownianTree& tree = tree_[l];
      const BrownianNodeCache<K>& path = path_[l];
      if (!(tl > tree.t0())) continue;  // W = I = 0
      if (!(tl < tree.t1())) {
        const BrownianState end = VirtualBrownianTree::end_state(path.load(0));
        w[l] = end.w;
        integral[l] = end.integral;
        continue;
      }
      // BrownianWalker::state's start: the deepest cached node holding t.
      int level = n_valid_[l] - 1;
      while (level > 0 && !(path.a[level] <= tl && tl < path.b[level])) --level;
      if (level > 0 && tl == path.a[level]) {
        w[l] = path.wa[level];
        integral[l] = path.ia[level];
        continue;
      }
      descends[l] = true;
      start_level[l] = level;
      first[l] = n_draws;
      const std::uint64_t key = tree.key();
      BrownianTreeNode g = path.load(level);
      while (true) {
        const bool leaf = !tree.descends(g);
        add_draw(n_draws++, key, g.number,
                 leaf ? VirtualBrownianTree::kLeaf : VirtualBrownianTree::kMidpoint);
        if (leaf) {
          ends_at_leaf[l] = true;
          break;
        }
        g = VirtualBrownianTree::child_interval(g, tl);
        if (VirtualBrownianTree::is_right_child(g) && tl == g.a) break;
      }
      count[l] = n_draws - first[l];
    }
    // 2. The normals, W draws at a time.
    for (int r = 0; r * W < n_draws; ++r) {
      const int n = n_draws - r * W < W ? n_draws - r * W : W;
      PhiloxOutput bits[W];
      philox_draws(keys_[r], numbers_[r], purposes_[r], n, bits);
      standard_normal_pairs(bits, n, normals_[r]);
    }
    // 3. Each lane's walk down its nodes (BrownianWalker::state's loop).
    for (int l = 0; l < W; ++l) {
      if (!descends[l]) continue;
      const double tl = t[l];
      BrownianTreeNode n = path_[l].load(start_level[l]);
      const int children = ends_at_leaf[l] ? count[l] - 1 : count[l];
      for (int d = 0; d < children; ++d) {
        n = VirtualBrownianTree::child(n, tl, normal(first[l] + d));
        if (n.depth < K) {
          path_[l].store(n);
          n_valid_[l] = n.depth + 1;
        }
      }
      const BrownianState s =
          ends_at_leaf[l] ? VirtualBrownianTree::leaf_state(n, tl, normal(first[l] + children))
                          : BrownianState{n.wa, n.ia};
      w[l] = s.w;
      integral[l] = s.integral;
    }
    return State{lane_generate<W>([&](int l) { return w[l]; }),
                 lane_generate<W>([&](int l) { return integral[l]; })};
  }

 private:
  // A descent adds one draw per level below its start node and one for the
  // leaf: at most 63 (VirtualBrownianTree::descends stops at depth 62) per lane.
  static constexpr int kRounds = 63;

  KOKKOS_INLINE_FUNCTION void add_draw(int i, std::uint64_t key, std::uint64_t number,
                                       std::uint64_t purpose) {
    keys_[i / W][i % W] = key;
    numbers_[i / W][i % W] = number;
    purposes_[i / W][i % W] = purpose;
  }
  KOKKOS_INLINE_FUNCTION NormalPair normal(int i) const { return normals_[i / W][i % W]; }

  VirtualBrownianTree tree_[W];
  BrownianNodeCache<K> path_[W];  // each lane's last descent (BrownianWalker's cache)
  int n_valid_[W] = {};
  // The draw list of the current query (scratch, kept here rather than on
  // the stack of every query).
  std::uint64_t keys_[kRounds][W], numbers_[kRounds][W], purposes_[kRounds][W];
  NormalPair normals_[kRounds][W];
};

}  // namespace kode
#endif  // KODE_HAVE_LANES
