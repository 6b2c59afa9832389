// Forward-mode dual numbers for kernels: Dual{v, d} carries a value v and one
// directional derivative d, and every operation below propagates both by the
// chain rule, so that evaluating a function f with Dual arguments seeded as
// y_i = Dual(y_i, u_i) yields f(y) in .v and the directional derivative
// (df/dy) u in .d, exact to rounding (no finite-difference step).
//
// Purpose: the engine evaluates a model's templated diffusion g(t, y, p) with
// T = Dual, y seeded with a direction u (p stays double), to get the
// directional derivative (dg/dy) u that Milstein's method and the
// Ito-Stratonovich drift correction need, without hand-written derivatives in
// the models. Model code is written once for T = double and T = Dual:
//   dy[0] = p[0] * (y[1] - y[0]);   g[0] = p[1] * y[0];
//   if (y[0] > 0) g[1] = kode::math::sqrt(y[0]);
// hence the mixed Dual/double operators and the comparisons (on values only:
// a branch is taken by the value, as the underlying function would be).
//
// Math goes through kode::math, as for double: the Dual overloads below join
// the double functions compat.hpp brings into kode::math. They are templates
// restricted to exactly Dual, so nothing converts into them: a double argument
// never silently becomes a Dual (kode::math::sin(0.5) does not compile here,
// as compat.hpp has no double sin), and the double overloads stay exact
// matches for double arguments.
//
// A zero tangent stays zero: in the math functions an argument with d == 0
// gives d == 0 even where the partial derivative is infinite (sqrt, cbrt or
// pow at 0, log at 0). That is the exact directional derivative when the
// direction does not move that argument (f(y + eps u) is then constant in the
// argument), and it keeps a component u_i = 0 at a singular point (e.g.
// g = sigma sqrt(y) at y = 0 seeded with u = g(y) = 0) from turning the whole
// result into NaN. A nonzero tangent at such a point gives +-inf or NaN, as
// the derivative does not exist there.
//
// Header-only, no allocation, no I/O; Dual is trivially copyable, so it can
// live in Kokkos Views and in registers of device code.
#pragma once

#include <type_traits>

#include "kode/kernels/compat.hpp"

namespace kode {

struct Dual {
  double v;  // value
  double d;  // directional derivative (tangent)

  KOKKOS_INLINE_FUNCTION constexpr Dual(double value0 = 0.0, double deriv0 = 0.0)
      : v(value0), d(deriv0) {}

  KOKKOS_INLINE_FUNCTION constexpr Dual& operator+=(const Dual& b) {
    v += b.v;
    d += b.d;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator-=(const Dual& b) {
    v -= b.v;
    d -= b.d;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator*=(const Dual& b) {
    d = d * b.v + v * b.d;
    v *= b.v;
    return *this;
  }
  // (a/b)' = (a' - (a/b) b') / b: no b*b, which could overflow or underflow.
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator/=(const Dual& b) {
    v /= b.v;
    d = (d - v * b.d) / b.v;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator+=(double b) {
    v += b;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator-=(double b) {
    v -= b;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator*=(double b) {
    v *= b;
    d *= b;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator/=(double b) {
    v /= b;
    d /= b;
    return *this;
  }
};

static_assert(std::is_trivially_copyable<Dual>::value, "Dual must be trivially copyable");
static_assert(std::is_standard_layout<Dual>::value, "Dual must be standard-layout");
static_assert(sizeof(Dual) == 2 * sizeof(double), "Dual must be two packed doubles");

// ---- value / derivative, for code generic in double and Dual ----
KOKKOS_INLINE_FUNCTION constexpr double value(double x) {
  return x;
}
KOKKOS_INLINE_FUNCTION constexpr double value(const Dual& x) {
  return x.v;
}
KOKKOS_INLINE_FUNCTION constexpr double derivative(double /*x*/) {
  return 0.0;
}
KOKKOS_INLINE_FUNCTION constexpr double derivative(const Dual& x) {
  return x.d;
}

// ---- arithmetic ----
KOKKOS_INLINE_FUNCTION constexpr Dual operator+(const Dual& a) {
  return a;
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator-(const Dual& a) {
  return Dual(-a.v, -a.d);
}

KOKKOS_INLINE_FUNCTION constexpr Dual operator+(const Dual& a, const Dual& b) {
  return Dual(a.v + b.v, a.d + b.d);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator+(const Dual& a, double b) {
  return Dual(a.v + b, a.d);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator+(double a, const Dual& b) {
  return Dual(a + b.v, b.d);
}

KOKKOS_INLINE_FUNCTION constexpr Dual operator-(const Dual& a, const Dual& b) {
  return Dual(a.v - b.v, a.d - b.d);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator-(const Dual& a, double b) {
  return Dual(a.v - b, a.d);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator-(double a, const Dual& b) {
  return Dual(a - b.v, -b.d);
}

KOKKOS_INLINE_FUNCTION constexpr Dual operator*(const Dual& a, const Dual& b) {
  return Dual(a.v * b.v, a.d * b.v + a.v * b.d);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator*(const Dual& a, double b) {
  return Dual(a.v * b, a.d * b);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator*(double a, const Dual& b) {
  return Dual(a * b.v, a * b.d);
}

KOKKOS_INLINE_FUNCTION constexpr Dual operator/(const Dual& a, const Dual& b) {
  const double q = a.v / b.v;
  return Dual(q, (a.d - q * b.d) / b.v);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator/(const Dual& a, double b) {
  return Dual(a.v / b, a.d / b);
}
KOKKOS_INLINE_FUNCTION constexpr Dual operator/(double a, const Dual& b) {
  const double q = a / b.v;
  return Dual(q, -q * b.d / b.v);
}

// ---- comparisons: on values only ----
#define KODE_DUAL_COMPARISON(OP)                                                    \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(const Dual& a, const Dual& b) { \
    return a.v OP b.v;                                                              \
  }                                                                                 \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(const Dual& a, double b) {      \
    return a.v OP b;                                                                \
  }                                                                                 \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(double a, const Dual& b) {      \
    return a OP b.v;                                                                \
  }
KODE_DUAL_COMPARISON(<)
KODE_DUAL_COMPARISON(>)
KODE_DUAL_COMPARISON(<=)
KODE_DUAL_COMPARISON(>=)
KODE_DUAL_COMPARISON(==)
KODE_DUAL_COMPARISON(!=)
#undef KODE_DUAL_COMPARISON

namespace dual_detail {

// Double functions kode::math (compat.hpp) does not have; same version split
// as compat.hpp. Kept here, not in kode::math, so that including dual.hpp does
// not change what kode::math offers for double.
#if KOKKOS_VERSION >= 40000
KOKKOS_INLINE_FUNCTION double sin(double x) {
  return Kokkos::sin(x);
}
KOKKOS_INLINE_FUNCTION double tanh(double x) {
  return Kokkos::tanh(x);
}
#else
KOKKOS_INLINE_FUNCTION double sin(double x) {
  return Kokkos::Experimental::sin(x);
}
KOKKOS_INLINE_FUNCTION double tanh(double x) {
  return Kokkos::Experimental::tanh(x);
}
#endif

// Chain rule f(x)' = f'(x) x' with a zero tangent kept zero (see the top).
KOKKOS_INLINE_FUNCTION constexpr double chain(double partial, double tangent) {
  return tangent == 0.0 ? 0.0 : partial * tangent;
}

// Return type of the kode::math overloads: Dual, for D = Dual only.
template <class D>
using if_dual = std::enable_if_t<std::is_same<D, Dual>::value, Dual>;

}  // namespace dual_detail

namespace math {

// Every double call below is qualified (kode::math:: or dual_detail::), never
// an unqualified call that could pick a Dual overload again.

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> sqrt(const D& x) {
  const double s = kode::math::sqrt(x.v);
  return Dual(s, dual_detail::chain(0.5 / s, x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> cbrt(const D& x) {
  const double c = kode::math::cbrt(x.v);
  return Dual(c, dual_detail::chain(1.0 / (3.0 * c * c), x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> exp(const D& x) {
  const double e = kode::math::exp(x.v);
  return Dual(e, dual_detail::chain(e, x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> log(const D& x) {
  return Dual(kode::math::log(x.v), dual_detail::chain(1.0 / x.v, x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> sin(const D& x) {
  return Dual(dual_detail::sin(x.v), dual_detail::chain(kode::math::cos(x.v), x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> cos(const D& x) {
  return Dual(kode::math::cos(x.v), dual_detail::chain(-dual_detail::sin(x.v), x.d));
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> tanh(const D& x) {
  const double t = dual_detail::tanh(x.v);
  return Dual(t, dual_detail::chain(1.0 - t * t, x.d));
}

// |x|' = sign(x) x', taken as 0 at x = 0 (the subgradient of least norm).
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> fabs(const D& x) {
  const double sign = x.v > 0.0 ? 1.0 : (x.v < 0.0 ? -1.0 : 0.0);
  return Dual(kode::math::fabs(x.v), dual_detail::chain(sign, x.d));
}

// (x^a)' = a x^(a-1) x'. x^(a-1) rather than x^a / x keeps negative x with
// integer a and x = 0 right; a = 0 is the constant 1.
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(const D& x, double a) {
  const double partial = a == 0.0 ? 0.0 : a * kode::math::pow(x.v, a - 1.0);
  return Dual(kode::math::pow(x.v, a), dual_detail::chain(partial, x.d));
}

// (a^y)' = a^y log(a) y', taken as 0 where a^y = 0 (a = 0, y > 0: constant).
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(double a, const D& y) {
  const double p = kode::math::pow(a, y.v);
  return Dual(p, dual_detail::chain(p == 0.0 ? 0.0 : p * kode::math::log(a), y.d));
}

// (x^y)' = y x^(y-1) x' + x^y log(x) y': the two one-argument rules added, so
// a constant exponent (y' = 0) gives exactly pow(Dual, double), also for x < 0.
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(const D& x, const D& y) {
  const Dual base = kode::math::pow(x, y.v);
  const double p = base.v;
  return Dual(p, base.d + dual_detail::chain(p == 0.0 ? 0.0 : p * kode::math::log(x.v), y.d));
}

}  // namespace math
}  // namespace kode
