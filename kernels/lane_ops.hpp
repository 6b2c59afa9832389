// The handful of element-wise operations that kernels written once for a
// scalar (double) and for a SIMD pack of trajectories (simd/lane_pack.hpp)
// need beyond arithmetic: a lane-wise choice, |x|, max, sqrt, a finiteness
// test and the bits of a double. These are the double overloads; the pack
// overloads live beside LanePack and are found by argument-dependent lookup,
// so a template calls them unqualified (lane_select(c, a, b), ...).
//
// Each pack overload computes, lane by lane, exactly what its double overload
// computes (the same IEEE operation or the same bit manipulation), which is
// what keeps a trajectory's result bit-identical whichever lane it runs in.
#pragma once

#include <cstdint>

#include "kode/kernels/compat.hpp"

namespace kode {

KOKKOS_FORCEINLINE_FUNCTION double lane_select(bool c, double a, double b) {
  return c ? a : b;
}
KOKKOS_FORCEINLINE_FUNCTION double lane_fabs(double x) {
  return math::fabs(x);
}
KOKKOS_FORCEINLINE_FUNCTION double lane_max(double a, double b) {
  return math::max(a, b);
}
KOKKOS_FORCEINLINE_FUNCTION double lane_sqrt(double x) {
  return math::sqrt(x);
}
KOKKOS_FORCEINLINE_FUNCTION bool lane_isfinite(double x) {
  return math::isfinite(x);
}
KOKKOS_FORCEINLINE_FUNCTION bool lane_any(bool c) {
  return c;
}

// The IEEE-754 bits of a double and back (a bit_cast that nvcc also accepts).
KOKKOS_FORCEINLINE_FUNCTION std::uint64_t lane_bits(double x) {
  std::uint64_t u;
  __builtin_memcpy(&u, &x, sizeof u);
  return u;
}
KOKKOS_FORCEINLINE_FUNCTION double lane_from_bits(std::uint64_t u) {
  double x;
  __builtin_memcpy(&x, &u, sizeof x);
  return x;
}

}  // namespace kode
