// The nodes of a Brownian-tree descent kept for the next query
// (BrownianWalker, and each lane of simd/brownian_lanes.hpp): node d at
// depth d, field by field.
//
// Why not an array of BrownianTreeNode: a node built in registers and copied
// whole was stored by GCC with scalar moves and then reloaded as 16-byte
// vectors for the copy, a store-forwarding stall on every level of every
// descent (perf: a quarter of the SIMD-lane walk's time with AVX2). Stored
// field by field, each value goes from its register to the cache directly.
#pragma once

#include <cstdint>

#include "kode/kernels/sde/brownian_tree.hpp"

namespace kode {

template <int K>
struct BrownianNodeCache {
  double a[K], b[K], h[K], wa[K], ia[K], w[K], hh[K], sqrt_h[K];
  std::uint64_t number[K];

  KOKKOS_INLINE_FUNCTION BrownianTreeNode load(int d) const {
    BrownianTreeNode n;
    n.a = a[d];
    n.b = b[d];
    n.h = h[d];
    n.wa = wa[d];
    n.ia = ia[d];
    n.w = w[d];
    n.hh = hh[d];
    n.sqrt_h = sqrt_h[d];
    n.number = number[d];
    n.depth = d;
    return n;
  }
  // n.depth < K.
  KOKKOS_INLINE_FUNCTION void store(const BrownianTreeNode& n) {
    const int d = n.depth;
    a[d] = n.a;
    b[d] = n.b;
    h[d] = n.h;
    wa[d] = n.wa;
    ia[d] = n.ia;
    w[d] = n.w;
    hh[d] = n.hh;
    sqrt_h[d] = n.sqrt_h;
    number[d] = n.number;
  }
};

}  // namespace kode
