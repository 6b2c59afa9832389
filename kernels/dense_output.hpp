// Evaluation of stored dense output (see save_observer.hpp): inside step m the
// solution is the polynomial of degree D through the values at the D+1
// equispaced nodes theta_j = j/D. Evaluated with the barycentric formula of
// the second kind, whose weights for equispaced nodes are
// w_j = (-1)^j binomial(D, j) (J.-P. Berrut & L. N. Trefethen, "Barycentric
// Lagrange interpolation", SIAM Review 46 (2004), eq. (5.1)); it is exact for
// polynomials of degree <= D up to rounding, and stable for the small D used
// here (3, 4, 7).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

// value(j) returns the stored value at node j (0..degree) for one component.
template <class NodeValue>
KOKKOS_INLINE_FUNCTION double interpolate_equispaced(int degree, double theta,
                                                     const NodeValue& value) {
  double num = 0.0, den = 0.0;
  double binom = 1.0;  // binomial(degree, j), updated incrementally
  for (int j = 0; j <= degree; ++j) {
    const double diff = theta - static_cast<double>(j) / degree;
    if (diff == 0.0) return value(j);
    const double w = ((j % 2 == 0) ? binom : -binom) / diff;
    num += w * value(j);
    den += w;
    binom = binom * (degree - j) / (j + 1);
  }
  return num / den;
}

}  // namespace kode
