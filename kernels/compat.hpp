// Version differences between Kokkos 3.4 and 4.x, kept in one place.
// Mathematical functions moved from Kokkos::Experimental:: (3.x) to Kokkos::
// (4.x); everything else kode uses is common to both.
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {
namespace math {

#if KOKKOS_VERSION >= 40000
using Kokkos::cbrt;
using Kokkos::cos;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::isfinite;
using Kokkos::isnan;
using Kokkos::log;
using Kokkos::pow;
using Kokkos::sin;
using Kokkos::sqrt;
#else
using Kokkos::Experimental::cbrt;
using Kokkos::Experimental::cos;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::isfinite;
using Kokkos::Experimental::isnan;
using Kokkos::Experimental::log;
using Kokkos::Experimental::pow;
using Kokkos::Experimental::sin;
using Kokkos::Experimental::sqrt;
#endif

// Quiet NaN on every backend (Kokkos 3.4 has no quiet_NaN trait).
KOKKOS_INLINE_FUNCTION constexpr double quiet_nan() {
  return __builtin_nan("");
}

// fmin/fmax/clamp written out: their NaN semantics are spelled here instead
// of depending on the backend's libm.
KOKKOS_INLINE_FUNCTION constexpr double min(double a, double b) {
  return b < a ? b : a;
}
KOKKOS_INLINE_FUNCTION constexpr double max(double a, double b) {
  return a < b ? b : a;
}
KOKKOS_INLINE_FUNCTION constexpr double clamp(double x, double lo, double hi) {
  return x < lo ? lo : (hi < x ? hi : x);
}

}  // namespace math
}  // namespace kode
