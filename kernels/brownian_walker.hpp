// A cursor on one virtual Brownian tree for a solver that queries it at
// increasing times: it keeps the nodes of its last descent (down to depth
// K - 1) and starts the next query from the deepest of them that still holds
// the new t, instead of from the root. Consecutive step ends share most of
// their ancestors, so a step costs the few levels below the common ancestor
// (about 2 for fixed dyadic steps) instead of the whole depth.
//
// Every node is computed by the tree's own child() from the same parent, so
// results are bit-identical to VirtualBrownianTree::state (a test checks
// this): caching changes the cost, never the path.
#pragma once

#include "kernels/brownian_tree.hpp"

namespace kode {

template <int K = 24>
class BrownianWalker {
 public:
  BrownianWalker() = default;
  KOKKOS_INLINE_FUNCTION explicit BrownianWalker(const VirtualBrownianTree& tree)
      : tree_(tree), n_valid_(1) {
    path_[0] = tree_.root();
  }

  KOKKOS_INLINE_FUNCTION BrownianState state(double t) {
    if (!(t > tree_.t0())) return BrownianState{};
    if (!(t < tree_.t1())) return VirtualBrownianTree::end_state(path_[0]);
    // The deepest cached node on t's descent: level l + 1 is on it when the
    // descent from level l turns the same way as the cached one did.
    // On the way down, a right child starting exactly at t ends the query,
    // as in the tree's own descent.
    int l = 0;
    while (true) {
      const BrownianTreeNode& c = path_[l];
      if (VirtualBrownianTree::is_right_child(c) && t == c.a) return BrownianState{c.wa, c.ia};
      if (l + 1 < n_valid_ && VirtualBrownianTree::goes_right(c, t) ==
                                  VirtualBrownianTree::is_right_child(path_[l + 1]))
        ++l;
      else
        break;
    }
    BrownianTreeNode n = path_[l];
    while (tree_.descends(n)) {
      n = tree_.child(n, t);
      if (n.depth < K) {
        path_[n.depth] = n;
        n_valid_ = n.depth + 1;
      }
      if (VirtualBrownianTree::is_right_child(n) && t == n.a) return BrownianState{n.wa, n.ia};
    }
    return tree_.leaf_state(n, t);
  }

 private:
  VirtualBrownianTree tree_;
  BrownianTreeNode path_[K];
  int n_valid_ = 0;
};

}  // namespace kode
