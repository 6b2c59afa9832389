// LaneDual<K, W>: dual numbers (dual.hpp) of W trajectories at once, one per
// SIMD lane: a LanePack<W> value and K LanePack<W> tangents. The discrete
// adjoint in lanes (simd/adjoint_lanes.hpp) differentiates the steps of W
// trajectories with it, as reverse_step_dual does one trajectory's with
// DualN<K>.
//
// Every operator is DualN<K>'s formula, operation for operation, applied lane
// by lane; a double or a LanePack operand is a constant (tangents 0), as a
// double is to DualN. So each lane's value and tangents are, bit for bit,
// what DualN<K> computes for that trajectory (tests/unit/test_adjoint_lanes.cpp).
//
// Arithmetic only: the models that run in lanes (a `Time` template in their
// rhs, lane_batch_kernel.hpp) are written in + - * /, which is all a LanePack
// offers too.
#pragma once

#include "kode/kernels/dual.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
namespace kode {

template <int K, int W>
struct LaneDual {
  using Pack = LanePack<W>;
  Pack v;     // value of each lane
  Pack d[K];  // tangent k of each lane

  LaneDual() = default;
  // Constants: all tangents 0. Implicit, as DualN's (T acc = 0.0 in generic code).
  KOKKOS_FORCEINLINE_FUNCTION LaneDual(double c) : v(c) {  // NOLINT: implicit on purpose
    for (int k = 0; k < K; ++k) d[k] = Pack(0.0);
  }
  KOKKOS_FORCEINLINE_FUNCTION LaneDual(const Pack& c) : v(c) {  // NOLINT: implicit on purpose
    for (int k = 0; k < K; ++k) d[k] = Pack(0.0);
  }
  // Each lane's value seeded as the independent variable of direction k.
  KOKKOS_FORCEINLINE_FUNCTION static LaneDual variable(const Pack& value, int k) {
    LaneDual r(value);
    r.d[k] = Pack(1.0);
    return r;
  }
};

template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator+=(LaneDual<K, W>& a, const LaneDual<K, W>& b) {
  a.v += b.v;
  for (int k = 0; k < K; ++k) a.d[k] += b.d[k];
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator-=(LaneDual<K, W>& a, const LaneDual<K, W>& b) {
  a.v -= b.v;
  for (int k = 0; k < K; ++k) a.d[k] -= b.d[k];
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator*=(LaneDual<K, W>& a, const LaneDual<K, W>& b) {
  for (int k = 0; k < K; ++k) a.d[k] = a.d[k] * b.v + a.v * b.d[k];
  a.v *= b.v;
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator/=(LaneDual<K, W>& a, const LaneDual<K, W>& b) {
  a.v = a.v / b.v;
  for (int k = 0; k < K; ++k) a.d[k] = (a.d[k] - a.v * b.d[k]) / b.v;
  return a;
}

// With a constant, as DualN's compound operators with a double (tangents
// untouched by + and -, scaled by * and /).
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator+=(LaneDual<K, W>& a, const LanePack<W>& b) {
  a.v += b;
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator-=(LaneDual<K, W>& a, const LanePack<W>& b) {
  a.v -= b;
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator*=(LaneDual<K, W>& a, const LanePack<W>& b) {
  a.v *= b;
  for (int k = 0; k < K; ++k) a.d[k] *= b;
  return a;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator/=(LaneDual<K, W>& a, const LanePack<W>& b) {
  a.v = a.v / b;
  for (int k = 0; k < K; ++k) a.d[k] = a.d[k] / b;
  return a;
}
#define KODE_LANE_DUAL_ASSIGN_DOUBLE(op)                                                 \
  template <int K, int W>                                                                \
  KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W>& operator op(LaneDual<K, W>& a, double b) { \
    return a op LanePack<W>(b);                                                          \
  }
KODE_LANE_DUAL_ASSIGN_DOUBLE(+=)
KODE_LANE_DUAL_ASSIGN_DOUBLE(-=)
KODE_LANE_DUAL_ASSIGN_DOUBLE(*=)
KODE_LANE_DUAL_ASSIGN_DOUBLE(/=)
#undef KODE_LANE_DUAL_ASSIGN_DOUBLE

template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator-(const LaneDual<K, W>& a) {
  LaneDual<K, W> r;
  r.v = -a.v;
  for (int k = 0; k < K; ++k) r.d[k] = -a.d[k];
  return r;
}

// Dual with dual.
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator+(const LaneDual<K, W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = a.v + b.v;
  for (int k = 0; k < K; ++k) r.d[k] = a.d[k] + b.d[k];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator-(const LaneDual<K, W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = a.v - b.v;
  for (int k = 0; k < K; ++k) r.d[k] = a.d[k] - b.d[k];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator*(const LaneDual<K, W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = a.v * b.v;
  for (int k = 0; k < K; ++k) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator/(const LaneDual<K, W>& a,
                                                     const LaneDual<K, W>& b) {
  const LanePack<W> q = a.v / b.v;
  LaneDual<K, W> r;
  r.v = q;
  for (int k = 0; k < K; ++k) r.d[k] = (a.d[k] - q * b.d[k]) / b.v;
  return r;
}

// Dual with a constant (a pack of per-lane constants, or a double for all).
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator+(const LaneDual<K, W>& a,
                                                     const LanePack<W>& b) {
  LaneDual<K, W> r = a;
  r.v = a.v + b;
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator+(const LanePack<W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r = b;
  r.v = a + b.v;
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator-(const LaneDual<K, W>& a,
                                                     const LanePack<W>& b) {
  LaneDual<K, W> r = a;
  r.v = a.v - b;
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator-(const LanePack<W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = a - b.v;
  for (int k = 0; k < K; ++k) r.d[k] = -b.d[k];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator*(const LaneDual<K, W>& a,
                                                     const LanePack<W>& b) {
  LaneDual<K, W> r;
  r.v = a.v * b;
  for (int k = 0; k < K; ++k) r.d[k] = a.d[k] * b;
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator*(const LanePack<W>& a,
                                                     const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = a * b.v;
  for (int k = 0; k < K; ++k) r.d[k] = a * b.d[k];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator/(const LaneDual<K, W>& a,
                                                     const LanePack<W>& b) {
  LaneDual<K, W> r;
  r.v = a.v / b;
  for (int k = 0; k < K; ++k) r.d[k] = a.d[k] / b;
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator/(const LanePack<W>& a,
                                                     const LaneDual<K, W>& b) {
  const LanePack<W> q = a / b.v;
  LaneDual<K, W> r;
  r.v = q;
  for (int k = 0; k < K; ++k) r.d[k] = -q * b.d[k] / b.v;
  return r;
}

#define KODE_LANE_DUAL_WITH_DOUBLE(op)                                                        \
  template <int K, int W>                                                                     \
  KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator op(const LaneDual<K, W>& a, double b) { \
    return a op LanePack<W>(b);                                                               \
  }                                                                                           \
  template <int K, int W>                                                                     \
  KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> operator op(double a, const LaneDual<K, W>& b) { \
    return LanePack<W>(a) op b;                                                               \
  }
KODE_LANE_DUAL_WITH_DOUBLE(+)
KODE_LANE_DUAL_WITH_DOUBLE(-)
KODE_LANE_DUAL_WITH_DOUBLE(*)
KODE_LANE_DUAL_WITH_DOUBLE(/)
#undef KODE_LANE_DUAL_WITH_DOUBLE

// ---- lanes of a scalar type, generic over double and DualN<K> ----

// The lanes of W trajectories' values of type Scalar: LanePack<W> for
// double, LaneDual<K, W> for DualN<K>.
template <class Scalar, int W>
struct LanesOf {
  using type = LanePack<W>;
};
template <int K, int W>
struct LanesOf<DualN<K>, W> {
  using type = LaneDual<K, W>;
};

// The values of the lanes (what every decision of a time loop reads).
template <int W>
KOKKOS_FORCEINLINE_FUNCTION const LanePack<W>& lane_value(const LanePack<W>& x) {
  return x;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION const LanePack<W>& lane_value(const LaneDual<K, W>& x) {
  return x.v;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION LaneDual<K, W> lane_select(const LaneMask<W>& c,
                                                       const LaneDual<K, W>& a,
                                                       const LaneDual<K, W>& b) {
  LaneDual<K, W> r;
  r.v = lane_select(c, a.v, b.v);
  for (int k = 0; k < K; ++k) r.d[k] = lane_select(c, a.d[k], b.d[k]);
  return r;
}
// Lane l of x, and x's lane l set to one trajectory's value.
template <int W>
KOKKOS_FORCEINLINE_FUNCTION double lane_get(const LanePack<W>& x, int l) {
  return x[l];
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION void lane_set(LanePack<W>& x, int l, double s) {
  x.set(l, s);
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION DualN<K> lane_get(const LaneDual<K, W>& x, int l) {
  DualN<K> r(x.v[l]);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = x.d[k][l];
  return r;
}
template <int K, int W>
KOKKOS_FORCEINLINE_FUNCTION void lane_set(LaneDual<K, W>& x, int l, const DualN<K>& s) {
  x.v.set(l, s.v);
  for (int k = 0; k < K; ++k) x.d[k].set(l, tangent(s, k));
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
