// Forward-mode dual numbers for kernels: DualN<K> carries a value v and K
// directional derivatives (tangents), and every operation below propagates
// them by the chain rule, so that evaluating a function f with arguments
// seeded as y_i = (y_i, tangents U_i0 .. U_i,K-1) yields f(y) in .v and the K
// directional derivatives (df/dy) U_k, exact to rounding (no
// finite-difference step), in one pass. Dual = DualN<1> is the one-direction
// case.
//
// Purpose: the engine evaluates a model's templated diffusion g(t, y, p) with
// T = Dual, y seeded with a direction u (p stays double), to get the
// directional derivative (dg/dy) u that Milstein's method and the
// Ito-Stratonovich drift correction need, without hand-written derivatives in
// the models; and it integrates a model with T = DualN<P + N> (the P
// parameters and the N initial states each seeded as one direction) to get
// forward sensitivities of the whole solution in one solve. Model code is
// written once for T = double and T = DualN<K>:
//   dy[0] = p[0] * (y[1] - y[0]);   g[0] = p[1] * y[0];
//   if (y[0] > 0) g[1] = kode::math::sqrt(y[0]);
// hence the mixed DualN/double operators, the implicit conversion from double
// (a constant: all tangents 0), and the comparisons (on values only: a branch
// is taken by the value, as the underlying function would be).
//
// Layout: DualN<1> is a specialisation whose tangent is a plain `double d`,
// so Dual keeps the interface it has always had (Dual(v, d), .d read and
// written as a double, two packed doubles); DualN<K> for K > 1 has
// `double d[K]`. The operators and math functions are written once, as
// templates over K that loop over the tangents through dual_detail::tangent_ref
// (x.d for K = 1, x.d[k] otherwise), with one formula per tangent. So tangent
// k of a DualN<K> result is, bit for bit, the .d of the Dual result seeded
// with direction k alone, and Dual's results are those of the former
// one-tangent struct (same formulas, same operation order).
//
// Math goes through kode::math, as for double: the DualN overloads below join
// the double functions compat.hpp brings into kode::math. They are templates
// restricted to exactly DualN<K>, so nothing converts into them: a double
// argument never silently becomes a DualN (kode::math::sin(0.5) does not
// compile here, as compat.hpp has no double sin), and the double overloads
// stay exact matches for double arguments.
//
// A zero tangent stays zero: in the math functions a tangent == 0 gives 0
// even where the partial derivative is infinite (sqrt, cbrt or pow at 0, log
// at 0). That is the exact directional derivative when the direction does not
// move that argument (f(y + eps u) is then constant in the argument), and it
// keeps a component u_i = 0 at a singular point (e.g. g = sigma sqrt(y) at
// y = 0 seeded with u = g(y) = 0) from turning the whole result into NaN. A
// nonzero tangent at such a point gives +-inf or NaN, as the derivative does
// not exist there. The rule is applied per tangent, so one direction that
// moves the argument does not poison the others.
//
// Header-only, no allocation, no I/O; DualN<K> is trivially copyable and
// standard-layout ((K + 1) packed doubles), so it can live in Kokkos Views
// and in registers of device code.
#pragma once

#include <type_traits>

#include "kode/kernels/compat.hpp"

namespace kode {

// K tangents, K >= 2 (K = 1 is the specialisation below).
template <int K>
struct DualN {
  static_assert(K >= 1, "DualN needs at least one tangent");

  double v;     // value
  double d[K];  // directional derivatives (tangents), one per seeded direction

  // A constant: all tangents 0. Implicit, so that model code can assign and
  // combine doubles with DualN as it does with double (g[1] = 0.0).
  KOKKOS_INLINE_FUNCTION constexpr DualN(double value0 = 0.0) : v(value0), d{} {}

  // value0 seeded as the independent variable of direction k (0 <= k < K):
  // tangent k is 1, the others 0.
  KOKKOS_INLINE_FUNCTION static constexpr DualN variable(double value0, int k) {
    DualN r(value0);
    r.d[k] = 1.0;
    return r;
  }
  KOKKOS_INLINE_FUNCTION static constexpr DualN constant(double value0) { return DualN(value0); }
};

// One tangent: a plain double, so that existing code reading or writing .d
// as a double (and constructing Dual(value, derivative)) is unchanged.
template <>
struct DualN<1> {
  double v;  // value
  double d;  // directional derivative (tangent)

  KOKKOS_INLINE_FUNCTION constexpr DualN(double value0 = 0.0, double deriv0 = 0.0)
      : v(value0), d(deriv0) {}

  // As for K > 1; k must be 0.
  KOKKOS_INLINE_FUNCTION static constexpr DualN variable(double value0, int /*k*/ = 0) {
    return DualN(value0, 1.0);
  }
  KOKKOS_INLINE_FUNCTION static constexpr DualN constant(double value0) { return DualN(value0); }
};

using Dual = DualN<1>;

static_assert(std::is_trivially_copyable<Dual>::value, "Dual must be trivially copyable");
static_assert(std::is_standard_layout<Dual>::value, "Dual must be standard-layout");
static_assert(sizeof(Dual) == 2 * sizeof(double), "Dual must be two packed doubles");
static_assert(std::is_trivially_copyable<DualN<4>>::value, "DualN must be trivially copyable");
static_assert(std::is_standard_layout<DualN<4>>::value, "DualN must be standard-layout");
static_assert(sizeof(DualN<4>) == 5 * sizeof(double), "DualN<K> must be K + 1 packed doubles");

// ---- traits and accessors, for code generic in double and DualN<K> ----

// Number of tangents a scalar type carries: 0 for double, K for DualN<K>.
// Other types are left undefined, so that a mistake is a compile error rather
// than a silent 0.
template <class T>
struct scalar_tangents;
template <>
struct scalar_tangents<double> : std::integral_constant<int, 0> {};
template <int K>
struct scalar_tangents<DualN<K>> : std::integral_constant<int, K> {};
template <class T>
struct scalar_tangents<const T> : scalar_tangents<T> {};

KOKKOS_INLINE_FUNCTION constexpr double value(double x) {
  return x;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr double value(const DualN<K>& x) {
  return x.v;
}

// Tangent k (0 <= k < K); a double is a constant, its tangents are 0.
KOKKOS_INLINE_FUNCTION constexpr double tangent(double /*x*/, int /*k*/) {
  return 0.0;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr double tangent(const DualN<K>& x, int k) {
  if constexpr (K == 1) {
    (void)k;
    return x.d;
  } else {
    return x.d[k];
  }
}

// The one tangent of a Dual (derivative(x) == tangent(x, 0)).
KOKKOS_INLINE_FUNCTION constexpr double derivative(double /*x*/) {
  return 0.0;
}
KOKKOS_INLINE_FUNCTION constexpr double derivative(const Dual& x) {
  return x.d;
}

namespace dual_detail {

// Writable tangent k: the one place that knows K = 1 stores a plain double.
template <int K>
KOKKOS_INLINE_FUNCTION constexpr double& tangent_ref(DualN<K>& x, int k) {
  if constexpr (K == 1) {
    (void)k;
    return x.d;
  } else {
    return x.d[k];
  }
}

}  // namespace dual_detail

// ---- arithmetic ----
// Each result is built as the value, then one formula per tangent k; for
// K = 1 the loop is the single formula of the one-tangent Dual.

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator+=(DualN<K>& a, const DualN<K>& b) {
  a.v += b.v;
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(a, k) += tangent(b, k);
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator-=(DualN<K>& a, const DualN<K>& b) {
  a.v -= b.v;
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(a, k) -= tangent(b, k);
  return a;
}
// Tangents first, from the old values; each tangent reads only its own
// index of b, so a *= a is right too.
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator*=(DualN<K>& a, const DualN<K>& b) {
  for (int k = 0; k < K; ++k) {
    double& ak = dual_detail::tangent_ref(a, k);
    ak = ak * b.v + a.v * tangent(b, k);
  }
  a.v *= b.v;
  return a;
}
// (a/b)' = (a' - (a/b) b') / b: no b*b, which could overflow or underflow.
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator/=(DualN<K>& a, const DualN<K>& b) {
  a.v /= b.v;
  for (int k = 0; k < K; ++k) {
    double& ak = dual_detail::tangent_ref(a, k);
    ak = (ak - a.v * tangent(b, k)) / b.v;
  }
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator+=(DualN<K>& a, double b) {
  a.v += b;
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator-=(DualN<K>& a, double b) {
  a.v -= b;
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator*=(DualN<K>& a, double b) {
  a.v *= b;
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(a, k) *= b;
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K>& operator/=(DualN<K>& a, double b) {
  a.v /= b;
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(a, k) /= b;
  return a;
}

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator+(const DualN<K>& a) {
  return a;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator-(const DualN<K>& a) {
  DualN<K> r(-a.v);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = -tangent(a, k);
  return r;
}

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator+(const DualN<K>& a, const DualN<K>& b) {
  DualN<K> r(a.v + b.v);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = tangent(a, k) + tangent(b, k);
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator+(const DualN<K>& a, double b) {
  DualN<K> r = a;
  r.v = a.v + b;
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator+(double a, const DualN<K>& b) {
  DualN<K> r = b;
  r.v = a + b.v;
  return r;
}

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator-(const DualN<K>& a, const DualN<K>& b) {
  DualN<K> r(a.v - b.v);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = tangent(a, k) - tangent(b, k);
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator-(const DualN<K>& a, double b) {
  DualN<K> r = a;
  r.v = a.v - b;
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator-(double a, const DualN<K>& b) {
  DualN<K> r(a - b.v);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = -tangent(b, k);
  return r;
}

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator*(const DualN<K>& a, const DualN<K>& b) {
  DualN<K> r(a.v * b.v);
  for (int k = 0; k < K; ++k) {
    dual_detail::tangent_ref(r, k) = tangent(a, k) * b.v + a.v * tangent(b, k);
  }
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator*(const DualN<K>& a, double b) {
  DualN<K> r(a.v * b);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = tangent(a, k) * b;
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator*(double a, const DualN<K>& b) {
  DualN<K> r(a * b.v);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = a * tangent(b, k);
  return r;
}

template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator/(const DualN<K>& a, const DualN<K>& b) {
  const double q = a.v / b.v;
  DualN<K> r(q);
  for (int k = 0; k < K; ++k) {
    dual_detail::tangent_ref(r, k) = (tangent(a, k) - q * tangent(b, k)) / b.v;
  }
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator/(const DualN<K>& a, double b) {
  DualN<K> r(a.v / b);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = tangent(a, k) / b;
  return r;
}
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> operator/(double a, const DualN<K>& b) {
  const double q = a / b.v;
  DualN<K> r(q);
  for (int k = 0; k < K; ++k) dual_detail::tangent_ref(r, k) = -q * tangent(b, k) / b.v;
  return r;
}

// ---- comparisons: on values only ----
#define KODE_DUAL_COMPARISON(OP)                                                            \
  template <int K>                                                                          \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(const DualN<K>& a, const DualN<K>& b) { \
    return a.v OP b.v;                                                                      \
  }                                                                                         \
  template <int K>                                                                          \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(const DualN<K>& a, double b) {          \
    return a.v OP b;                                                                        \
  }                                                                                         \
  template <int K>                                                                          \
  KOKKOS_INLINE_FUNCTION constexpr bool operator OP(double a, const DualN<K>& b) {          \
    return a OP b.v;                                                                        \
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

// f(x) for a one-argument f: value fx, tangent k = chain(f'(x), x's tangent k).
template <int K>
KOKKOS_INLINE_FUNCTION constexpr DualN<K> chained(double fx, double partial, const DualN<K>& x) {
  DualN<K> r(fx);
  for (int k = 0; k < K; ++k) tangent_ref(r, k) = chain(partial, kode::tangent(x, k));
  return r;
}

template <class D>
struct is_dual : std::false_type {};
template <int K>
struct is_dual<DualN<K>> : std::true_type {};

// Return type of the kode::math overloads: D, for D = DualN<K> only.
template <class D>
using if_dual = std::enable_if_t<is_dual<D>::value, D>;

}  // namespace dual_detail

namespace math {

// Every double call below is qualified (kode::math:: or dual_detail::), never
// an unqualified call that could pick a DualN overload again.

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> sqrt(const D& x) {
  const double s = kode::math::sqrt(x.v);
  return dual_detail::chained(s, 0.5 / s, x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> cbrt(const D& x) {
  const double c = kode::math::cbrt(x.v);
  return dual_detail::chained(c, 1.0 / (3.0 * c * c), x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> exp(const D& x) {
  const double e = kode::math::exp(x.v);
  return dual_detail::chained(e, e, x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> log(const D& x) {
  return dual_detail::chained(kode::math::log(x.v), 1.0 / x.v, x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> sin(const D& x) {
  return dual_detail::chained(dual_detail::sin(x.v), kode::math::cos(x.v), x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> cos(const D& x) {
  return dual_detail::chained(kode::math::cos(x.v), -dual_detail::sin(x.v), x);
}

template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> tanh(const D& x) {
  const double t = dual_detail::tanh(x.v);
  return dual_detail::chained(t, 1.0 - t * t, x);
}

// |x|' = sign(x) x', taken as 0 at x = 0 (the subgradient of least norm).
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> fabs(const D& x) {
  const double sign = x.v > 0.0 ? 1.0 : (x.v < 0.0 ? -1.0 : 0.0);
  return dual_detail::chained(kode::math::fabs(x.v), sign, x);
}

// (x^a)' = a x^(a-1) x'. x^(a-1) rather than x^a / x keeps negative x with
// integer a and x = 0 right; a = 0 is the constant 1.
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(const D& x, double a) {
  const double partial = a == 0.0 ? 0.0 : a * kode::math::pow(x.v, a - 1.0);
  return dual_detail::chained(kode::math::pow(x.v, a), partial, x);
}

// (a^y)' = a^y log(a) y', taken as 0 where a^y = 0 (a = 0, y > 0: constant).
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(double a, const D& y) {
  const double p = kode::math::pow(a, y.v);
  return dual_detail::chained(p, p == 0.0 ? 0.0 : p * kode::math::log(a), y);
}

// (x^y)' = y x^(y-1) x' + x^y log(x) y': the two one-argument rules added, so
// a constant exponent (y' = 0) gives exactly pow(DualN, double), also for x < 0.
template <class D>
KOKKOS_INLINE_FUNCTION dual_detail::if_dual<D> pow(const D& x, const D& y) {
  D r = kode::math::pow(x, y.v);
  const double partial = r.v == 0.0 ? 0.0 : r.v * kode::math::log(x.v);
  for (int k = 0; k < scalar_tangents<D>::value; ++k) {
    dual_detail::tangent_ref(r, k) += dual_detail::chain(partial, tangent(y, k));
  }
  return r;
}

}  // namespace math

// ---- second order: a dual number over DualN<K> ----
//
// NestedDual<D> (D = DualN<K>) is a value and one directional derivative,
// each a DualN<K>: evaluating g(y) with y_i = (y_i, u_i) gives g(y) and
// (dg/dy) u, and both carry the K tangents of y, u and the parameters. The
// SDE solvers need (dG/dy) u itself (Milstein's correction, the
// Ito-Stratonovich drift conversion: sde_vector_fields.hpp), so their forward
// sensitivities and their discrete adjoint differentiate that directional
// derivative once more: the diffusion is then evaluated with y of type
// NestedDual<DualN<K>> and p of type DualN<K>. The rules are those of DualN
// (the chain rule on the derivative part, comparisons on the value), with the
// derivative part's arithmetic done in DualN<K>; a derivative part that is
// exactly zero stays zero where the partial derivative is infinite, as in
// DualN. Model code needs nothing new: it is the same template over T and P.
template <class D>
struct NestedDual {
  static_assert(dual_detail::is_dual<D>::value, "NestedDual is a dual number over DualN<K>");
  D v;  // value (with its K tangents)
  D d;  // the directional derivative (with its K tangents)

  KOKKOS_INLINE_FUNCTION constexpr NestedDual(double value0 = 0.0) : v(value0), d(0.0) {}
  KOKKOS_INLINE_FUNCTION constexpr NestedDual(const D& value0) : v(value0), d(0.0) {}
  KOKKOS_INLINE_FUNCTION constexpr NestedDual(const D& value0, const D& deriv0)
      : v(value0), d(deriv0) {}
};

template <class D>
struct scalar_tangents<NestedDual<D>> : scalar_tangents<D> {};

namespace dual_detail {

// Exactly zero, value and every tangent.
KOKKOS_INLINE_FUNCTION constexpr bool is_zero(double x) {
  return x == 0.0;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr bool is_zero(const D& x) {
  if (x.v != 0.0) return false;
  for (int k = 0; k < scalar_tangents<D>::value; ++k)
    if (kode::tangent(x, k) != 0.0) return false;
  return true;
}

// f(x) for NestedDual x: value fx, derivative f'(x.v) x.d (zero stays zero).
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> nested_chained(const D& fx, const D& partial,
                                                              const NestedDual<D>& x) {
  return NestedDual<D>(fx, is_zero(x.d) ? D(0.0) : partial * x.d);
}

template <class X>
struct is_nested_dual : std::false_type {};
template <class D>
struct is_nested_dual<NestedDual<D>> : std::true_type {};
template <class X>
using if_nested = std::enable_if_t<is_nested_dual<X>::value, X>;

}  // namespace dual_detail

// Arithmetic: NestedDual with NestedDual, with its inner D, and with double.
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator+(const NestedDual<D>& a) {
  return a;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator-(const NestedDual<D>& a) {
  return NestedDual<D>(-a.v, -a.d);
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator+(const NestedDual<D>& a,
                                                         const NestedDual<D>& b) {
  return NestedDual<D>(a.v + b.v, a.d + b.d);
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator-(const NestedDual<D>& a,
                                                         const NestedDual<D>& b) {
  return NestedDual<D>(a.v - b.v, a.d - b.d);
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator*(const NestedDual<D>& a,
                                                         const NestedDual<D>& b) {
  return NestedDual<D>(a.v * b.v, a.d * b.v + a.v * b.d);
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator/(const NestedDual<D>& a,
                                                         const NestedDual<D>& b) {
  const D q = a.v / b.v;
  return NestedDual<D>(q, (a.d - q * b.d) / b.v);
}
// A constant c (a D or a double): the derivative part is only scaled.
#define KODE_NESTED_MIXED(C)                                                              \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator+(const NestedDual<D>& a, C b) { \
    return NestedDual<D>(a.v + b, a.d);                                                   \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator+(C a, const NestedDual<D>& b) { \
    return NestedDual<D>(a + b.v, b.d);                                                   \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator-(const NestedDual<D>& a, C b) { \
    return NestedDual<D>(a.v - b, a.d);                                                   \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator-(C a, const NestedDual<D>& b) { \
    return NestedDual<D>(a - b.v, -b.d);                                                  \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator*(const NestedDual<D>& a, C b) { \
    return NestedDual<D>(a.v * b, a.d * b);                                               \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator*(C a, const NestedDual<D>& b) { \
    return NestedDual<D>(a * b.v, a * b.d);                                               \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator/(const NestedDual<D>& a, C b) { \
    return NestedDual<D>(a.v / b, a.d / b);                                               \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr NestedDual<D> operator/(C a, const NestedDual<D>& b) { \
    const D q = a / b.v;                                                                  \
    return NestedDual<D>(q, -q * b.d / b.v);                                              \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator<(const NestedDual<D>& a, C b) {          \
    return a.v < b;                                                                       \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator>(const NestedDual<D>& a, C b) {          \
    return a.v > b;                                                                       \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator<=(const NestedDual<D>& a, C b) {         \
    return a.v <= b;                                                                      \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator>=(const NestedDual<D>& a, C b) {         \
    return a.v >= b;                                                                      \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator<(C a, const NestedDual<D>& b) {          \
    return a < b.v;                                                                       \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator>(C a, const NestedDual<D>& b) {          \
    return a > b.v;                                                                       \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator<=(C a, const NestedDual<D>& b) {         \
    return a <= b.v;                                                                      \
  }                                                                                       \
  template <class D>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator>=(C a, const NestedDual<D>& b) {         \
    return a >= b.v;                                                                      \
  }
KODE_NESTED_MIXED(const D&)
KODE_NESTED_MIXED(double)
#undef KODE_NESTED_MIXED

template <class D, class C>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D>& operator+=(NestedDual<D>& a, const C& b) {
  return a = a + b;
}
template <class D, class C>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D>& operator-=(NestedDual<D>& a, const C& b) {
  return a = a - b;
}
template <class D, class C>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D>& operator*=(NestedDual<D>& a, const C& b) {
  return a = a * b;
}
template <class D, class C>
KOKKOS_INLINE_FUNCTION constexpr NestedDual<D>& operator/=(NestedDual<D>& a, const C& b) {
  return a = a / b;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr bool operator<(const NestedDual<D>& a, const NestedDual<D>& b) {
  return a.v < b.v;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr bool operator>(const NestedDual<D>& a, const NestedDual<D>& b) {
  return a.v > b.v;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr bool operator<=(const NestedDual<D>& a, const NestedDual<D>& b) {
  return a.v <= b.v;
}
template <class D>
KOKKOS_INLINE_FUNCTION constexpr bool operator>=(const NestedDual<D>& a, const NestedDual<D>& b) {
  return a.v >= b.v;
}

namespace math {

// The same functions as for DualN, by the chain rule on the derivative part
// with DualN<K> arithmetic (so the K tangents of f'(x) are exact too).
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> sqrt(const X& x) {
  const auto s = kode::math::sqrt(x.v);
  return dual_detail::nested_chained(s, 0.5 / s, x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> cbrt(const X& x) {
  const auto c = kode::math::cbrt(x.v);
  return dual_detail::nested_chained(c, 1.0 / (3.0 * c * c), x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> exp(const X& x) {
  const auto e = kode::math::exp(x.v);
  return dual_detail::nested_chained(e, e, x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> log(const X& x) {
  return dual_detail::nested_chained(kode::math::log(x.v), 1.0 / x.v, x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> sin(const X& x) {
  return dual_detail::nested_chained(kode::math::sin(x.v), kode::math::cos(x.v), x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> cos(const X& x) {
  return dual_detail::nested_chained(kode::math::cos(x.v), -kode::math::sin(x.v), x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> tanh(const X& x) {
  const auto t = kode::math::tanh(x.v);
  return dual_detail::nested_chained(t, 1.0 - t * t, x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> fabs(const X& x) {
  const double sign = x.v.v > 0.0 ? 1.0 : (x.v.v < 0.0 ? -1.0 : 0.0);
  return X(kode::math::fabs(x.v), sign * x.d);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> pow(const X& x, double a) {
  using D = decltype(x.v);
  const D partial = a == 0.0 ? D(0.0) : a * kode::math::pow(x.v, a - 1.0);
  return dual_detail::nested_chained(kode::math::pow(x.v, a), partial, x);
}
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> pow(double a, const X& y) {
  using D = decltype(y.v);
  const D p = kode::math::pow(a, y.v);
  return dual_detail::nested_chained(p, p.v == 0.0 ? D(0.0) : p * kode::math::log(a), y);
}
// (x^y)' = y x^(y-1) x' + x^y log(x) y', each part zero when its x' or y' is.
template <class X>
KOKKOS_INLINE_FUNCTION dual_detail::if_nested<X> pow(const X& x, const X& y) {
  using D = decltype(x.v);
  const D p = kode::math::pow(x.v, y.v);
  const D dx = dual_detail::is_zero(x.d) ? D(0.0) : y.v * kode::math::pow(x.v, y.v - 1.0) * x.d;
  const D dy = dual_detail::is_zero(y.d) || p.v == 0.0 ? D(0.0) : p * kode::math::log(x.v) * y.d;
  return X(p, dx + dy);
}

// A constant of the inner type in either place: promoted to NestedDual.
template <class D>
KOKKOS_INLINE_FUNCTION NestedDual<D> pow(const NestedDual<D>& x, const D& y) {
  return kode::math::pow(x, NestedDual<D>(y));
}
template <class D>
KOKKOS_INLINE_FUNCTION NestedDual<D> pow(const D& x, const NestedDual<D>& y) {
  return kode::math::pow(NestedDual<D>(x), y);
}

}  // namespace math
}  // namespace kode
