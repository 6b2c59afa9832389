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

#include "kode/kernels/sde/brownian_node_cache.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"

namespace kode {

template <int K = 24>
class BrownianWalker {
 public:
  BrownianWalker() = default;
  KOKKOS_INLINE_FUNCTION explicit BrownianWalker(const VirtualBrownianTree& tree)
      : tree_(tree), n_valid_(1) {
    path_.store(tree_.root());
  }

  KOKKOS_INLINE_FUNCTION BrownianState state(double t) {
    if (!(t > tree_.t0())) return BrownianState{};
    if (!(t < tree_.t1())) return VirtualBrownianTree::end_state(path_.load(0));
    // The deepest cached node holding t (the root holds every t here).
    int l = n_valid_ - 1;
    while (l > 0 && !(path_.a[l] <= t && t < path_.b[l])) --l;
    // t at a node's left end, above the root: the tree's descent stopped at
    // the right child starting there, whose W(a), I(a) every node below it
    // with the same left end inherits unchanged.
    if (l > 0 && t == path_.a[l]) return BrownianState{path_.wa[l], path_.ia[l]};
    BrownianTreeNode n = path_.load(l);
    while (tree_.descends(n)) {
      n = tree_.child(n, t);
      if (n.depth < K) {
        path_.store(n);
        n_valid_ = n.depth + 1;
      }
      if (VirtualBrownianTree::is_right_child(n) && t == n.a) return BrownianState{n.wa, n.ia};
    }
    return tree_.leaf_state(n, t);
  }

 private:
  VirtualBrownianTree tree_;
  BrownianNodeCache<K> path_;  // the last descent's nodes, node d at depth d
  int n_valid_ = 0;
};

}  // namespace kode
