// A virtual Brownian tree: one Brownian path W on [t0, t1] per (seed,
// trajectory, noise dimension), queryable at any t without storing the path
// (X. Li, T.-K. L. Wong, R. T. Q. Chen, D. Duvenaud, "Scalable gradients for
// stochastic differential equations", AISTATS 2020, Sec. 5; Diffrax's
// VirtualBrownianTree), carrying the space-time Levy area as well, so that
// the additive-noise solvers of strong order 1.5 (SRA1, ShARK) get it.
//
// Every node of the tree is an interval [a, a + h] with its increment
// W_{a,a+h} and space-time Levy area
//   H_{s,t} = 1/(t - s) * int_s^t (W_{s,r} - (r - s)/(t - s) W_{s,t}) dr,
// which is N(0, (t - s)/12) and independent of W_{s,t} (J. Foster, "Numerical
// approximations for stochastic differential equations", PhD thesis, Oxford
// 2020, Ch. 3). The root draws (W, H) of [t0, t1]; a node is split at a point
// a + l by drawing the left part's (W_{a,a+l}, H_{a,a+l}) from its Gaussian
// law conditional on the node's (W, H) (split_interval below, derived by
// linear Gaussian conditioning), with normals keyed by the node number (root
// 1, children 2k and 2k+1). A query bisects towards t until the interval is
// shorter than `tol` (or t is a midpoint, which is then exact); inside that
// leaf, t splits the leaf with normals keyed by the leaf, so every single
// query has exactly the law of Brownian motion and its time integral.
//
// A query returns W(t) and I(t) = int_{t0}^t W(r) dr; from two queries the
// increment and Levy area of any step [s, t] follow (levy_increment). Every
// draw is Philox keyed by the path, so values never depend on step sizes,
// rejected steps, query order, rank count or chunking. Two query points
// inside one leaf share the leaf's normals, so steps should be longer than
// `tol` (the engine's default tol is far below any realistic step).
#pragma once

#include <cstdint>

#include "kode/kernels/box_muller.hpp"
#include "kode/kernels/compat.hpp"
#include "kode/kernels/counter_rng.hpp"

namespace kode {

// W(t) and its time integral I(t) = int_{t0}^t W(r) dr along one path. V is
// double, or a LanePack<W> of W paths (simd/brownian_lanes.hpp).
template <class V>
struct BasicBrownianState {
  V w = 0.0;
  V integral = 0.0;
};
using BrownianState = BasicBrownianState<double>;

// Increment W_{s,t} and space-time Levy area H_{s,t} of one step.
template <class V>
struct BasicBrownianIncrement {
  V dw = 0.0;
  V h = 0.0;
};
using BrownianIncrement = BasicBrownianIncrement<double>;
// The number type of an increment's entries (what the solvers multiply the
// diffusion by).
template <class Increment>
using NoiseValue = decltype(Increment::dw);

// (W, H) of [s, t] from the path's states at s and t:
//   int_s^t W_{s,r} dr = I(t) - I(s) - (t - s) W(s),  H = that / (t - s) - W_{s,t} / 2.
template <class V>
KOKKOS_INLINE_FUNCTION BasicBrownianIncrement<V> levy_increment(const BasicBrownianState<V>& at_s,
                                                                const V& s,
                                                                const BasicBrownianState<V>& at_t,
                                                                const V& t) {
  const V dt = t - s, dw = at_t.w - at_s.w;
  const V area = at_t.integral - at_s.integral - dt * at_s.w;
  return BasicBrownianIncrement<V>{dw, area / dt - 0.5 * dw};
}

// Conditional law of the left part [a, a + l] of an interval [a, a + h]
// given the interval's (W, H). With r = h - l, writing the whole interval's
// H in terms of the parts' (W1, H1), (W2, H2) gives
//   H = (l H1 + r H2)/h + (r W1 - l W2)/(2h),
// and Gaussian conditioning yields
//   E[W1] = (l/h) W + 6 l r / h^2 H,          E[H1] = (l/h)^2 H,
//   Var W1 = l r / h - 3 l^2 r^2 / h^3,        Var H1 = l/12 - l^4/(12 h^3),
//   Cov(W1, H1) = -l^3 r / (2 h^3).
// (At l = h/2: W1 = W/2 + 3H/2 + sqrt(h)/4 z1, H1 = H/4 - sqrt(h)/8 z1 +
// sqrt(h/48) z2, as in Foster's thesis.) z1, z2 are independent standard
// normals; the Cholesky factor of the 2x2 covariance maps them.
KOKKOS_INLINE_FUNCTION BrownianIncrement split_interval(double h, double l, double w, double hh,
                                                        NormalPair z) {
  const double r = h - l, lh = l / h, rh = r / h;
  const double mean_w = lh * w + 6.0 * lh * rh * hh;
  const double mean_h = lh * lh * hh;
  const double var_w = math::max(l * rh - 3.0 * l * lh * rh * rh, 0.0);
  const double var_h = math::max(l / 12.0 * (1.0 - lh * lh * lh), 0.0);
  const double cov = -0.5 * l * lh * lh * rh;
  const double sw = math::sqrt(var_w);
  const double c = sw > 0.0 ? cov / sw : 0.0;
  const double d = math::sqrt(math::max(var_h - c * c, 0.0));
  return BrownianIncrement{mean_w + sw * z.z1, mean_h + c * z.z1 + d * z.z2};
}

// A node [a, b) of the tree at `depth`, h = b - a up to rounding (b is
// inherited exactly: a left child ends at its parent's midpoint, a right
// child where its parent ends, so the children partition the parent's
// [a, b) exactly as the descent's branch test does), with W(a), I(a), its
// own increment w and Levy area hh, and sqrt(h).
struct BrownianTreeNode {
  double a, b, h, wa, ia, w, hh, sqrt_h;
  std::uint64_t number;
  int depth;
};

class VirtualBrownianTree {
 public:
  VirtualBrownianTree() = default;
  KOKKOS_INLINE_FUNCTION VirtualBrownianTree(double t0, double t1, double tol, std::uint64_t seed,
                                             std::uint64_t trajectory, std::uint32_t dimension)
      : t0_(t0), t1_(t1), tol_(tol), key_(path_key(seed, trajectory, dimension)) {}

  // W(t) and I(t), with W(t0) = I(t0) = 0; t is clamped to [t0, t1].
  KOKKOS_INLINE_FUNCTION BrownianState state(double t) const {
    if (!(t > t0_)) return BrownianState{};
    BrownianTreeNode n = root();
    if (!(t < t1_)) return end_state(n);
    while (descends(n)) {
      n = child(n, t);
      if (is_right_child(n) && t == n.a) return BrownianState{n.wa, n.ia};
    }
    return leaf_state(n, t);
  }

  // The steps of a query, for BrownianWalker (which caches the path of the
  // last query and must reproduce state() bit for bit).
  KOKKOS_INLINE_FUNCTION double t0() const { return t0_; }
  KOKKOS_INLINE_FUNCTION double t1() const { return t1_; }
  KOKKOS_INLINE_FUNCTION BrownianTreeNode root() const {
    const double span = t1_ - t0_;
    const NormalPair z = draw(1, kRoot);
    const double sqrt_span = math::sqrt(span);
    BrownianTreeNode n{};
    n.a = t0_;
    n.b = t1_;
    n.h = span;
    n.w = sqrt_span * z.z1;
    n.hh = math::sqrt(span / 12.0) * z.z2;
    n.sqrt_h = sqrt_span;
    n.number = 1;
    return n;
  }
  // Whether a query bisects this node further (62 levels keep node numbers
  // inside 64 bits, and intervals far below any double spacing).
  KOKKOS_INLINE_FUNCTION bool descends(const BrownianTreeNode& n) const {
    return n.depth < 62 && n.h > tol_;
  }
  KOKKOS_INLINE_FUNCTION static bool goes_right(const BrownianTreeNode& n, double t) {
    return !(t < n.a + 0.5 * n.h);
  }
  KOKKOS_INLINE_FUNCTION static bool is_right_child(const BrownianTreeNode& n) {
    return n.depth > 0 && (n.number & 1u) != 0;
  }
  // The half of n that holds t: split_interval at l = h/2, written out (no
  // divisions, sqrt(h) carried from level to level: this is the cost of an
  // SDE step). z: the node's midpoint normals, draw(n.number, kMidpoint).
  KOKKOS_INLINE_FUNCTION static BrownianTreeNode child(const BrownianTreeNode& n, double t,
                                                       NormalPair z) {
    const double left_w = 0.5 * n.w + 1.5 * n.hh + 0.25 * n.sqrt_h * z.z1;
    const double left_h = 0.25 * n.hh + n.sqrt_h * (kSqrt1over48 * z.z2 - 0.125 * z.z1);
    BrownianTreeNode c = child_interval(n, t);
    c.sqrt_h = n.sqrt_h * kSqrtHalf;
    if (!goes_right(n, t)) {
      c.w = left_w;
      c.hh = left_h;
    } else {
      c.wa = n.wa + left_w;
      c.ia = n.ia + c.h * (n.wa + left_h + 0.5 * left_w);
      c.w = n.w - left_w;
      c.hh = 2.0 * n.hh - left_h - 0.5 * (left_w - c.w);
    }
    return c;
  }
  KOKKOS_INLINE_FUNCTION BrownianTreeNode child(const BrownianTreeNode& n, double t) const {
    return child(n, t, draw(n.number, kMidpoint));
  }
  // The interval, number and depth of the half of n that holds t (its values
  // still n's): which half does not depend on the path, so a descent's nodes,
  // and the draws they need, are known before any value is computed.
  KOKKOS_INLINE_FUNCTION static BrownianTreeNode child_interval(const BrownianTreeNode& n,
                                                                double t) {
    const double half = 0.5 * n.h;
    BrownianTreeNode c = n;
    c.h = half;
    c.depth = n.depth + 1;
    if (!goes_right(n, t)) {
      c.b = n.a + half;
      c.number = 2 * n.number;
    } else {
      c.a = n.a + half;
      c.number = 2 * n.number + 1;
    }
    return c;
  }
  // What a draw is for, so the root, midpoint and leaf normals of the same
  // node number are independent.
  static constexpr std::uint64_t kRoot = 1, kMidpoint = 2, kLeaf = 3;
  // The key of this path's draws (one per (seed, trajectory, dimension)),
  // for simd/brownian_lanes.hpp, which draws W paths' normals at once.
  KOKKOS_INLINE_FUNCTION std::uint64_t key() const { return key_; }
  // W and I at the end of node n.
  KOKKOS_INLINE_FUNCTION static BrownianState end_state(const BrownianTreeNode& n) {
    return BrownianState{n.wa + n.w, n.ia + n.h * (n.wa + n.hh + 0.5 * n.w)};
  }
  // W(t) and I(t) for t inside the leaf n: the leaf split at t (z: the
  // leaf's normals, draw(n.number, kLeaf)).
  KOKKOS_INLINE_FUNCTION static BrownianState leaf_state(const BrownianTreeNode& n, double t,
                                                         NormalPair z) {
    const double l = t - n.a;
    const BrownianIncrement part = split_interval(n.h, l, n.w, n.hh, z);
    return BrownianState{n.wa + part.dw, n.ia + l * (n.wa + part.h + 0.5 * part.dw)};
  }
  KOKKOS_INLINE_FUNCTION BrownianState leaf_state(const BrownianTreeNode& n, double t) const {
    return leaf_state(n, t, draw(n.number, kLeaf));
  }

  // W(t).
  KOKKOS_INLINE_FUNCTION double operator()(double t) const { return state(t).w; }

  // W(t) - W(s).
  KOKKOS_INLINE_FUNCTION double increment(double s, double t) const {
    return (*this)(t) - (*this)(s);
  }

  // W_{s,t} and H_{s,t}.
  KOKKOS_INLINE_FUNCTION BrownianIncrement levy(double s, double t) const {
    return levy_increment(state(s), s, state(t), t);
  }

 private:
  static constexpr double kSqrtHalf = 0.70710678118654752440;
  static constexpr double kSqrt1over48 = 0.14433756729740644113;

  KOKKOS_INLINE_FUNCTION static std::uint64_t path_key(std::uint64_t seed, std::uint64_t trajectory,
                                                       std::uint32_t dimension) {
    // "KBT" tags these counters as Brownian-tree keys, apart from other uses
    // of the same seed.
    return philox_draw(seed, trajectory, (static_cast<std::uint64_t>(dimension) << 32) | 0x4b4254u)
        .a;
  }

  // Box-Muller with box_muller.hpp's polynomial log and sincos rather than
  // libm's: simd/brownian_lanes.hpp draws W paths' normals in one pack with
  // the same polynomials, and a trajectory's path must not depend on whether
  // it ran in a lane.
  KOKKOS_INLINE_FUNCTION NormalPair draw(std::uint64_t node, std::uint64_t purpose) const {
    return standard_normal_pair(philox_draw(key_, node, purpose));
  }

  double t0_ = 0.0, t1_ = 0.0, tol_ = 0.0;
  std::uint64_t key_ = 0;
};

}  // namespace kode
