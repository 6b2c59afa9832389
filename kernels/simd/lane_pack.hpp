// LanePack<W>: W doubles, one per SIMD lane, each lane a different trajectory
// (simd/integrate_lanes.hpp). Arithmetic is element-wise IEEE arithmetic (GNU
// vector extensions, which GCC and Clang lower to the widest vector
// instructions the build targets), so every lane computes exactly what the
// scalar code computes for its trajectory. Comparisons give a LaneMask<W>
// (all-ones / all-zeros per lane, as vector compare instructions produce).
//
// Host only: GPU builds keep one trajectory per thread (KODE_HAVE_LANES is 0
// under nvcc and for other device compilers).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/lane_ops.hpp"

#if defined(__CUDACC__) || defined(__HIPCC__) || defined(__SYCL_DEVICE_ONLY__) || !defined(__GNUC__)
#define KODE_HAVE_LANES 0
#else
#define KODE_HAVE_LANES 1
#endif

// The lane count a host build uses by default: the doubles one vector
// register of the build's instruction set holds (8 with AVX-512, 4 with AVX,
// 2 with SSE2, the x86-64 baseline). A pack of two or more registers per
// value measured slower (W1, tsit5: SSE2 with 4 lanes 10.7-11.3 us per
// trajectory against 8.5 with 2; AVX2 with 8 lanes 9.6-9.9 against 5.1-5.8
// with 4): a step's stages then no longer fit the register file and spill.
// -DKODE_SIMD_LANES=W overrides it (2, 4, 8 or 16; 1 turns lanes off).
#ifndef KODE_SIMD_LANES
#if defined(__AVX512F__)
#define KODE_SIMD_LANES 8
#elif defined(__AVX__)
#define KODE_SIMD_LANES 4
#else
#define KODE_SIMD_LANES 2
#endif
#endif

#if KODE_HAVE_LANES
namespace kode {

// GCC ignores a vector_size that depends on a template parameter, so each
// width is spelled out.
template <int W>
struct LaneVectorTypes;
#define KODE_LANE_VECTOR_TYPES(W)                                          \
  template <>                                                              \
  struct LaneVectorTypes<W> {                                              \
    typedef double values __attribute__((vector_size(8 * W)));             \
    typedef decltype(values{} < values{}) mask; /* what a compare gives */ \
    typedef unsigned long long bits __attribute__((vector_size(8 * W)));   \
  }
KODE_LANE_VECTOR_TYPES(2);
KODE_LANE_VECTOR_TYPES(4);
KODE_LANE_VECTOR_TYPES(8);
KODE_LANE_VECTOR_TYPES(16);
#undef KODE_LANE_VECTOR_TYPES

template <int W>
using LaneMask = typename LaneVectorTypes<W>::mask;
template <int W>
using LaneBits = typename LaneVectorTypes<W>::bits;

template <int W>
struct LanePack {
  using Values = typename LaneVectorTypes<W>::values;
  static constexpr int width = W;
  Values v;

  LanePack() = default;
  // A scalar broadcasts to every lane (as `T acc = 0.0` in generic code).
  KOKKOS_FORCEINLINE_FUNCTION LanePack(double s)
      : v(Values{} + s) {}  // NOLINT: implicit on purpose
  KOKKOS_FORCEINLINE_FUNCTION explicit LanePack(Values x) : v(x) {}

  KOKKOS_FORCEINLINE_FUNCTION double operator[](int lane) const { return v[lane]; }
  KOKKOS_FORCEINLINE_FUNCTION void set(int lane, double x) { v[lane] = x; }

  KOKKOS_FORCEINLINE_FUNCTION LanePack& operator+=(const LanePack& o) {
    v += o.v;
    return *this;
  }
  KOKKOS_FORCEINLINE_FUNCTION LanePack& operator-=(const LanePack& o) {
    v -= o.v;
    return *this;
  }
  KOKKOS_FORCEINLINE_FUNCTION LanePack& operator*=(const LanePack& o) {
    v *= o.v;
    return *this;
  }
};

#define KODE_LANE_BINARY(op)                                                            \
  template <int W>                                                                      \
  KOKKOS_FORCEINLINE_FUNCTION LanePack<W> operator op(const LanePack<W>& a,             \
                                                      const LanePack<W>& b) {           \
    return LanePack<W>(a.v op b.v);                                                     \
  }                                                                                     \
  template <int W>                                                                      \
  KOKKOS_FORCEINLINE_FUNCTION LanePack<W> operator op(const LanePack<W>& a, double b) { \
    return LanePack<W>(a.v op b);                                                       \
  }                                                                                     \
  template <int W>                                                                      \
  KOKKOS_FORCEINLINE_FUNCTION LanePack<W> operator op(double a, const LanePack<W>& b) { \
    return LanePack<W>(a op b.v);                                                       \
  }
KODE_LANE_BINARY(+)
KODE_LANE_BINARY(-)
KODE_LANE_BINARY(*)
KODE_LANE_BINARY(/)
#undef KODE_LANE_BINARY

#define KODE_LANE_COMPARE(op)                                                           \
  template <int W>                                                                      \
  KOKKOS_FORCEINLINE_FUNCTION LaneMask<W> operator op(const LanePack<W>& a,             \
                                                      const LanePack<W>& b) {           \
    return a.v op b.v;                                                                  \
  }                                                                                     \
  template <int W>                                                                      \
  KOKKOS_FORCEINLINE_FUNCTION LaneMask<W> operator op(const LanePack<W>& a, double b) { \
    return a.v op b;                                                                    \
  }
KODE_LANE_COMPARE(<)
KODE_LANE_COMPARE(>)
KODE_LANE_COMPARE(<=)
KODE_LANE_COMPARE(>=)
KODE_LANE_COMPARE(==)
KODE_LANE_COMPARE(!=)
#undef KODE_LANE_COMPARE

template <int W>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> operator-(const LanePack<W>& a) {
  return LanePack<W>(-a.v);
}

// The lane_ops.hpp operations, lane by lane.
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_select(const LaneMask<W>& c, const LanePack<W>& a,
                                                    const LanePack<W>& b) {
  return LanePack<W>(c ? a.v : b.v);
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LaneBits<W> lane_bits(const LanePack<W>& x) {
  return (LaneBits<W>)x.v;  // a vector cast reinterprets the bits
}
// (Only for vectors of bits: a scalar goes to lane_ops.hpp's overload.)
template <class Bits, int W = static_cast<int>(sizeof(Bits) / 8),
          class = std::enable_if_t<(W >= 2)>>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_from_bits(const Bits& u) {
  return LanePack<W>((typename LaneVectorTypes<W>::values)u);
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_fabs(const LanePack<W>& x) {
  // Clears the sign bit, as fabs does.
  return lane_from_bits(lane_bits(x) & 0x7fffffffffffffffULL);
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_max(const LanePack<W>& a, const LanePack<W>& b) {
  return lane_select<W>(a < b, b, a);  // math::max(a, b)
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_sqrt(const LanePack<W>& x) {
  LanePack<W> r;
  for (int l = 0; l < W; ++l) r.v[l] = math::sqrt(x.v[l]);  // correctly rounded either way
  return r;
}
// Finite: |x| < inf (false for NaN).
template <int W>
KOKKOS_FORCEINLINE_FUNCTION LaneMask<W> lane_isfinite(const LanePack<W>& x) {
  return lane_fabs(x).v < __builtin_inf();
}
// The pack whose lane l is f(l), built in registers: writing lanes one at a
// time into a pack in memory and then loading it whole stalls on store
// forwarding (measured: a sixth of the save-time interpolation's samples).
template <int W, class F, std::size_t... L>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_generate(const F& f, std::index_sequence<L...>) {
  return LanePack<W>(typename LaneVectorTypes<W>::values{f(static_cast<int>(L))...});
}
template <int W, class F>
KOKKOS_FORCEINLINE_FUNCTION LanePack<W> lane_generate(const F& f) {
  return lane_generate<W>(f, std::make_index_sequence<W>{});
}
// Called as lane_any<W>(mask): a mask is a plain vector type (no ADL, and W
// cannot be deduced from it).
template <int W>
KOKKOS_FORCEINLINE_FUNCTION bool lane_any(const LaneMask<W>& m) {
  long long r = 0;
  for (int l = 0; l < W; ++l) r |= m[l];
  return r != 0;
}

}  // namespace kode
#endif  // KODE_HAVE_LANES
