// A virtual Brownian tree: one Brownian path W on [t0, t1] per (seed,
// trajectory, noise dimension), queryable at any t without storing the path
// (X. Li, T.-K. L. Wong, R. T. Q. Chen, D. Duvenaud, "Scalable gradients for
// stochastic differential equations", AISTATS 2020, Sec. 5; Diffrax's
// VirtualBrownianTree). W(t1) is drawn at the root; W at the midpoint of an
// interval [a, b] is drawn from the Brownian bridge,
//   W(m) | W(a), W(b) ~ N((W(a) + W(b)) / 2, (b - a) / 4),
// with a normal keyed by the interval's node number (root 1, children 2k and
// 2k+1), and the query bisects towards t until the interval is shorter than
// `tol`. Inside that leaf, W(t) is the bridge mean plus the bridge standard
// deviation times one normal keyed by the leaf, so every W(t) has exactly
// the Brownian marginal law and the path is a deterministic, continuous
// function of t. Every draw is Philox keyed by the path, so values never
// depend on step sizes, rejected steps, query order, rank count or chunking.
#pragma once

#include <cstdint>

#include "kernels/compat.hpp"
#include "kernels/counter_rng.hpp"

namespace kode {

class VirtualBrownianTree {
 public:
  KOKKOS_INLINE_FUNCTION VirtualBrownianTree(double t0, double t1, double tol, std::uint64_t seed,
                                             std::uint64_t trajectory, std::uint32_t dimension)
      : t0_(t0), t1_(t1), tol_(tol), key_(path_key(seed, trajectory, dimension)) {}

  // W(t), with W(t0) = 0; t is clamped to [t0, t1].
  KOKKOS_INLINE_FUNCTION double operator()(double t) const {
    double a = t0_, b = t1_, wa = 0.0, wb = math::sqrt(t1_ - t0_) * draw(1, kRoot);
    if (!(t > t0_)) return 0.0;
    if (!(t < t1_)) return wb;
    std::uint64_t node = 1;
    // 62 levels keep node numbers inside 64 bits (and intervals far below
    // any double spacing of a realistic span).
    for (int depth = 0; depth < 62 && b - a > tol_; ++depth) {
      const double m = 0.5 * (a + b);
      const double wm = 0.5 * (wa + wb) + 0.5 * math::sqrt(b - a) * draw(node, kMidpoint);
      if (t < m) {
        b = m;
        wb = wm;
        node = 2 * node;
      } else {
        a = m;
        wa = wm;
        node = 2 * node + 1;
      }
    }
    const double mean = wa + (wb - wa) * (t - a) / (b - a);
    const double variance = (t - a) * (b - t) / (b - a);
    return mean + math::sqrt(variance) * draw(node, kLeaf);
  }

  // W(t) - W(s).
  KOKKOS_INLINE_FUNCTION double increment(double s, double t) const {
    return (*this)(t) - (*this)(s);
  }

 private:
  // What a draw is for, so the root, midpoint and leaf normals of the same
  // node number are independent.
  static constexpr std::uint64_t kRoot = 1, kMidpoint = 2, kLeaf = 3;

  KOKKOS_INLINE_FUNCTION static std::uint64_t path_key(std::uint64_t seed, std::uint64_t trajectory,
                                                       std::uint32_t dimension) {
    // "KBT" tags these counters as Brownian-tree keys, apart from other uses
    // of the same seed.
    return philox_draw(seed, trajectory, (static_cast<std::uint64_t>(dimension) << 32) | 0x4b4254u)
        .a;
  }

  KOKKOS_INLINE_FUNCTION double draw(std::uint64_t node, std::uint64_t purpose) const {
    return standard_normal(philox_draw(key_, node, purpose));
  }

  double t0_, t1_, tol_;
  std::uint64_t key_;
};

}  // namespace kode
