// The bracketing root finder that places an event inside one step. Given
// h(a) < 0 <= h(b) on [a, b] (h continuous: the event function along the
// step's interpolant, its sign flipped for falling crossings), it returns a
// point x in (a, b] with h(x) >= 0 and x - root <= tol: the first point of
// the bracket already past the crossing, so a terminal event's state has
// crossed the level.
//
// The method is the Illinois variant of regula falsi (Dowell & Jarratt,
// "A modified regula falsi method for computing the root of an equation",
// BIT 11 (1971) 168-174): a secant step inside the bracket, halving the
// retained end's value when the same end is kept twice, which makes it
// superlinear (order ~1.44) where plain regula falsi stalls. A bisection
// step whenever the bracket did not at least halve over two steps bounds
// the work by that of bisection: at most ~2 log2((b - a) / tol) + 2
// evaluations, and 2 x 64 when tol is 0 (to rounding).
#pragma once

#include "kode/kernels/compat.hpp"

namespace kode {

template <class H>
KOKKOS_INLINE_FUNCTION double locate_crossing(const H& h, double a, double ha, double b, double hb,
                                              double tol) {
  int kept = 0;  // +1: b kept (a moved) last time, -1: a kept
  double width_before = b - a;
  for (int iteration = 0; iteration < 200; ++iteration) {
    if (hb == 0.0 || b - a <= tol) return b;
    double x;
    if (iteration % 2 == 1 && b - a > 0.5 * width_before) {
      x = 0.5 * (a + b);
    } else {
      if (iteration % 2 == 0) width_before = b - a;
      x = b - hb * (b - a) / (hb - ha);
    }
    // The secant point must lie strictly inside; at rounding level it may
    // not, and then nothing representable is left between a and b.
    if (!(x > a && x < b)) {
      x = 0.5 * (a + b);
      if (!(x > a && x < b)) return b;
    }
    const double hx = h(x);
    if (hx >= 0.0) {
      b = x;
      hb = hx;
      if (kept == -1) ha *= 0.5;  // a kept twice: Illinois halves its value
      kept = -1;
    } else {
      a = x;
      ha = hx;
      if (kept == 1) hb *= 0.5;
      kept = 1;
    }
  }
  return b;
}

}  // namespace kode
