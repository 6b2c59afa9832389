// Forward-mode dual numbers (kernels/dual.hpp): every operator and every
// kode::math overload against its analytic derivative and against a central
// finite difference at several points, mixed double/Dual arithmetic, the
// Lorenz right-hand side and a model-style diffusion seeded with a direction
// against their Jacobian-vector products written out by hand, and Dual inside
// a Kokkos kernel and a Kokkos View. Then DualN<K> (K tangents, K = 3 and 7):
// every operator and every kode::math overload gives, per tangent, bit for bit
// the Dual seeded with that one direction; a multivariate composite's
// tangents against central finite differences; Lorenz seeded in its 3 states
// and 3 parameters against the hand-written Jacobians; constants, the
// accessors and traits; DualN<3> in a Kokkos kernel and View.
//
// Tolerances (all relative to max(1, |reference|)):
//  * kExactTol = 1e-13 where the reference is the same derivative formula
//    written out independently (std:: functions, other operation order): the
//    two differ by a few roundings of quantities of size <= 1e3, i.e.
//    ~1e-15 relative, so 1e-13 leaves a 100x margin and still catches any
//    wrong formula (a wrong sign or factor is an O(1) error).
//  * kFdTol = 1e-7 against the central difference
//    (f(x + h u) - f(x - h u)) / (2 h), h = 1e-5 max(1, |x|). Its error is the
//    truncation h^2 |u|^3 |f'''| / 6 plus the rounding ~eps |f| / h. At the
//    points below (all >= 0.2 away from a singularity) the worst case is
//    pow(x, -1.5) at x = 0.5: h^2 |f'''| / 6 = 1e-10 * 297 / 6 = 5e-9 against
//    |f'| = 8.5, i.e. 6e-10 relative; rounding is <= 2.2e-16 * 1e2 / 1e-5 =
//    2e-9. So 1e-7 has a margin of >= 20x, while a wrong derivative is off by
//    O(1).
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/models/lorenz.hpp"

namespace {

using kode::Dual;
using kode::DualN;

constexpr double kExactTol = 1e-13;
constexpr double kFdTol = 1e-7;
constexpr double kFdStep = 1e-5;

bool close(double x, double ref, double rel) {
  return std::fabs(x - ref) <= rel * std::max(1.0, std::fabs(ref));
}

double fd_step(double x) {
  return kFdStep * std::max(1.0, std::fabs(x));
}

// ---- unary functions: Dual version, double reference, analytic f' ----
struct UnaryCase {
  const char* name;
  Dual (*dual)(const Dual&);
  double (*f)(double);
  double (*df)(double);
  std::vector<double> points;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"unary -",
       [](const Dual& x) { return -x; },
       [](double x) { return -x; },
       [](double) { return -1.0; },
       {-2.0, 0.0, 3.5}},
      {"unary +",
       [](const Dual& x) { return +x; },
       [](double x) { return x; },
       [](double) { return 1.0; },
       {-2.0, 0.0, 3.5}},
      {"sqrt",
       [](const Dual& x) { return kode::math::sqrt(x); },
       [](double x) { return std::sqrt(x); },
       [](double x) { return 0.5 / std::sqrt(x); },
       {0.3, 1.0, 2.5, 40.0}},
      {"cbrt",
       [](const Dual& x) { return kode::math::cbrt(x); },
       [](double x) { return std::cbrt(x); },
       [](double x) { return 1.0 / (3.0 * std::cbrt(x) * std::cbrt(x)); },
       {-8.0, -0.4, 0.3, 27.0}},
      {"exp",
       [](const Dual& x) { return kode::math::exp(x); },
       [](double x) { return std::exp(x); },
       [](double x) { return std::exp(x); },
       {-2.0, 0.0, 0.7, 3.0}},
      {"log",
       [](const Dual& x) { return kode::math::log(x); },
       [](double x) { return std::log(x); },
       [](double x) { return 1.0 / x; },
       {0.2, 1.0, 3.5, 100.0}},
      {"sin",
       [](const Dual& x) { return kode::math::sin(x); },
       [](double x) { return std::sin(x); },
       [](double x) { return std::cos(x); },
       {-2.0, 0.0, 0.9, 4.0}},
      {"cos",
       [](const Dual& x) { return kode::math::cos(x); },
       [](double x) { return std::cos(x); },
       [](double x) { return -std::sin(x); },
       {-2.0, 0.0, 0.9, 4.0}},
      {"tanh",
       [](const Dual& x) { return kode::math::tanh(x); },
       [](double x) { return std::tanh(x); },
       [](double x) { return 1.0 - std::tanh(x) * std::tanh(x); },
       {-3.0, -0.5, 0.0, 1.2}},
      {"fabs",
       [](const Dual& x) { return kode::math::fabs(x); },
       [](double x) { return std::fabs(x); },
       [](double x) { return x > 0 ? 1.0 : -1.0; },
       {-2.5, -0.1, 0.1, 3.0}},
      {"pow(x, 2.5)",
       [](const Dual& x) { return kode::math::pow(x, 2.5); },
       [](double x) { return std::pow(x, 2.5); },
       [](double x) { return 2.5 * std::pow(x, 1.5); },
       {0.2, 1.0, 3.0}},
      {"pow(x, -1.5)",
       [](const Dual& x) { return kode::math::pow(x, -1.5); },
       [](double x) { return std::pow(x, -1.5); },
       [](double x) { return -1.5 * std::pow(x, -2.5); },
       {0.5, 2.0}},
      {"pow(x, 3) (negative x too)",
       [](const Dual& x) { return kode::math::pow(x, 3); },
       [](double x) { return x * x * x; },
       [](double x) { return 3.0 * x * x; },
       {-2.0, -0.5, 0.5, 2.0}},
      {"pow(x, 0)",
       [](const Dual& x) { return kode::math::pow(x, 0.0); },
       [](double) { return 1.0; },
       [](double) { return 0.0; },
       {-1.0, 0.5, 2.0}},
      {"pow(2, x)",
       [](const Dual& x) { return kode::math::pow(2.0, x); },
       [](double x) { return std::pow(2.0, x); },
       [](double x) { return std::pow(2.0, x) * std::log(2.0); },
       {-1.0, 0.0, 2.5}},
      {"pow(0.5, x)",
       [](const Dual& x) { return kode::math::pow(0.5, x); },
       [](double x) { return std::pow(0.5, x); },
       [](double x) { return std::pow(0.5, x) * std::log(0.5); },
       {-1.0, 0.0, 2.5}},
      // Operators with one double operand, as functions of the Dual one.
      {"x + 1.5",
       [](const Dual& x) { return x + 1.5; },
       [](double x) { return x + 1.5; },
       [](double) { return 1.0; },
       {-1.0, 2.0}},
      {"1.5 - x",
       [](const Dual& x) { return 1.5 - x; },
       [](double x) { return 1.5 - x; },
       [](double) { return -1.0; },
       {-1.0, 2.0}},
      {"x * 3",
       [](const Dual& x) { return x * 3; },
       [](double x) { return 3 * x; },
       [](double) { return 3.0; },
       {-1.0, 2.0}},
      {"2 / x",
       [](const Dual& x) { return 2.0 / x; },
       [](double x) { return 2.0 / x; },
       [](double x) { return -2.0 / (x * x); },
       {-1.0, 0.5, 2.0}},
      {"x / 4",
       [](const Dual& x) { return x / 4; },
       [](double x) { return x / 4; },
       [](double) { return 0.25; },
       {-1.0, 2.0}},
  };
}

// ---- binary operations: Dual version, double reference, analytic partials ----
struct BinaryCase {
  const char* name;
  Dual (*dual)(const Dual&, const Dual&);
  double (*f)(double, double);
  double (*dfa)(double, double);
  double (*dfb)(double, double);
  std::vector<std::pair<double, double>> points;
};

std::vector<BinaryCase> binary_cases() {
  const std::vector<std::pair<double, double>> any = {{1.5, -0.4}, {-2.0, 3.0}, {0.25, 7.0}};
  return {
      {"a + b", [](const Dual& a, const Dual& b) { return a + b; },
       [](double a, double b) { return a + b; }, [](double, double) { return 1.0; },
       [](double, double) { return 1.0; }, any},
      {"a - b", [](const Dual& a, const Dual& b) { return a - b; },
       [](double a, double b) { return a - b; }, [](double, double) { return 1.0; },
       [](double, double) { return -1.0; }, any},
      {"a * b", [](const Dual& a, const Dual& b) { return a * b; },
       [](double a, double b) { return a * b; }, [](double, double b) { return b; },
       [](double a, double) { return a; }, any},
      {"a / b", [](const Dual& a, const Dual& b) { return a / b; },
       [](double a, double b) { return a / b; }, [](double, double b) { return 1.0 / b; },
       [](double a, double b) { return -a / (b * b); }, any},
      {"pow(a, b)",
       [](const Dual& a, const Dual& b) { return kode::math::pow(a, b); },
       [](double a, double b) { return std::pow(a, b); },
       [](double a, double b) { return b * std::pow(a, b - 1.0); },
       [](double a, double b) { return std::pow(a, b) * std::log(a); },
       {{0.5, 2.5}, {1.0, -1.0}, {2.0, 0.3}, {3.0, 2.0}}},
  };
}

// kode::math::sin(double) must never resolve to the Dual overload (it is
// ill-formed while compat.hpp has no double sin, and double once it has).
template <class T, class = void>
struct MathSinResult {
  using type = void;
};
template <class T>
struct MathSinResult<T, std::void_t<decltype(kode::math::sin(std::declval<T>()))>> {
  using type = decltype(kode::math::sin(std::declval<T>()));
};

// A diffusion written like a model's: templated on the state type, parameters
// double, math through kode::math, a branch on the state. Only functions
// kode::math has for double too, so it instantiates with T = double as well.
struct TestDiffusion {
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void g(double /*t*/, const T* y, const P* p, T* g) const {
    g[0] = p[1] * y[0];
    if (y[1] > 0) {
      g[1] = p[0] * kode::math::sqrt(y[1]);
    } else {
      g[1] = 0.0;
    }
    g[2] = p[0] * kode::math::cos(y[0]) * kode::math::exp(-y[2] * y[2]) / (1 + y[1] * y[1]);
  }
};

// Its Jacobian dg/dy (for y[1] > 0), by hand.
void test_diffusion_jacobian(const double* y, const double* p, double jac[3][3]) {
  const double s = p[0], b = p[1];
  const double e = std::exp(-y[2] * y[2]), q = 1.0 + y[1] * y[1];
  jac[0][0] = b, jac[0][1] = 0.0, jac[0][2] = 0.0;
  jac[1][0] = 0.0, jac[1][1] = s / (2.0 * std::sqrt(y[1])), jac[1][2] = 0.0;
  jac[2][0] = -s * std::sin(y[0]) * e / q;
  jac[2][1] = -s * std::cos(y[0]) * e * 2.0 * y[1] / (q * q);
  jac[2][2] = s * std::cos(y[0]) * e * (-2.0 * y[2]) / q;
}

// The Lorenz Jacobian, by hand: x' = s (y - x), y' = x (r - z) - y, z' = x y - b z.
void lorenz_jacobian(const double* y, const double* p, double jac[3][3]) {
  const double s = p[0], r = p[1], b = p[2];
  jac[0][0] = -s, jac[0][1] = s, jac[0][2] = 0.0;
  jac[1][0] = r - y[2], jac[1][1] = -1.0, jac[1][2] = -y[0];
  jac[2][0] = y[1], jac[2][1] = y[0], jac[2][2] = -b;
}

// A scalar function using every kode::math Dual overload, and its derivative
// by hand (sum, product and chain rules), for the kernel test.
template <class T>
KOKKOS_INLINE_FUNCTION T composite(const T& x) {
  using kode::math::cbrt;
  using kode::math::exp;
  using kode::math::fabs;
  using kode::math::log;
  using kode::math::pow;
  using kode::math::sin;
  using kode::math::sqrt;
  using kode::math::tanh;
  return sin(x) * exp(x) / pow(x, 1.5) + tanh(x) - log(x) * cbrt(x) + sqrt(fabs(-x)) +
         kode::math::cos(x) * pow(x, x) - pow(2.0, x);
}
double composite_value(double x) {
  return std::sin(x) * std::exp(x) / std::pow(x, 1.5) + std::tanh(x) - std::log(x) * std::cbrt(x) +
         std::sqrt(x) + std::cos(x) * std::pow(x, x) - std::pow(2.0, x);
}
double composite_derivative(double x) {
  const double a = std::sin(x) * std::exp(x), da = (std::cos(x) + std::sin(x)) * std::exp(x);
  const double quotient = da * std::pow(x, -1.5) - 1.5 * a * std::pow(x, -2.5);
  const double dtanh = 1.0 - std::tanh(x) * std::tanh(x);
  const double dlogcbrt = std::cbrt(x) / x + std::log(x) / (3.0 * std::cbrt(x) * std::cbrt(x));
  const double dsqrt = 0.5 / std::sqrt(x);
  const double xx = std::pow(x, x), dxx = xx * (std::log(x) + 1.0);
  const double dcosxx = -std::sin(x) * xx + std::cos(x) * dxx;
  return quotient + dtanh - dlogcbrt + dsqrt + dcosxx - std::pow(2.0, x) * std::log(2.0);
}

}  // namespace

TEST_CASE("Dual: trivially copyable, two doubles, constexpr, value/derivative", "[dual]") {
  STATIC_REQUIRE(std::is_trivially_copyable<Dual>::value);
  STATIC_REQUIRE(std::is_trivially_destructible<Dual>::value);
  STATIC_REQUIRE(std::is_standard_layout<Dual>::value);
  STATIC_REQUIRE(sizeof(Dual) == 2 * sizeof(double));

  // Constructors and arithmetic are usable in constant expressions.
  constexpr Dual zero;
  constexpr Dual four(4.0);
  STATIC_REQUIRE(zero.v == 0.0);
  STATIC_REQUIRE(zero.d == 0.0);
  STATIC_REQUIRE(four.v == 4.0);
  STATIC_REQUIRE(four.d == 0.0);
  constexpr Dual c = Dual(3.0, 1.0) * Dual(2.0, 0.5) - 1.0;  // (6, 1*2 + 3*0.5) - 1
  STATIC_REQUIRE(c.v == 5.0);
  STATIC_REQUIRE(c.d == 3.5);
  constexpr Dual compound = [] {
    Dual x(2.0, 1.0);
    x *= 3.0;             // (6, 3)
    x /= Dual(4.0, 1.0);  // (1.5, (3 - 1.5 * 1) / 4)
    x += 1;
    return x;
  }();
  STATIC_REQUIRE(compound.v == 2.5);
  STATIC_REQUIRE(compound.d == 0.375);
  STATIC_REQUIRE(kode::value(2.5) == 2.5);
  STATIC_REQUIRE(kode::value(Dual(2.5, 7.0)) == 2.5);
  STATIC_REQUIRE(kode::derivative(Dual(2.5, 7.0)) == 7.0);
  STATIC_REQUIRE(kode::derivative(2.5) == 0.0);

  // A copy is the same two doubles.
  const Dual a(1.25, -3.5);
  Dual b;
  b = a;
  CHECK(b.v == 1.25);
  CHECK(b.d == -3.5);

  // The double overloads in kode::math are untouched by the Dual ones.
  STATIC_REQUIRE(std::is_same<decltype(kode::math::sqrt(2.0)), double>::value);
  STATIC_REQUIRE(std::is_same<decltype(kode::math::pow(2.0, 3)), double>::value);
  STATIC_REQUIRE(std::is_same<decltype(kode::math::fabs(-2.0)), double>::value);
  STATIC_REQUIRE(std::is_same<MathSinResult<Dual>::type, Dual>::value);
  STATIC_REQUIRE(!std::is_same<MathSinResult<double>::type, Dual>::value);
}

TEST_CASE("Dual: unary functions and one-double operators, analytic and finite differences",
          "[dual]") {
  for (const auto& c : unary_cases()) {
    for (double x : c.points) {
      for (double u : {1.0, -0.7}) {
        INFO(c.name << " at x = " << x << ", tangent " << u);
        const Dual r = c.dual(Dual(x, u));
        const double h = fd_step(x);
        const double fd = (c.f(x + h * u) - c.f(x - h * u)) / (2.0 * h);
        INFO("value " << r.v << ", derivative " << r.d << ", analytic " << c.df(x) * u
                      << ", central difference " << fd);
        CHECK(close(r.v, c.f(x), kExactTol));
        CHECK(close(r.d, c.df(x) * u, kExactTol));
        CHECK(close(r.d, fd, kFdTol));
      }
    }
  }
}

TEST_CASE("Dual: binary operators and pow(Dual, Dual), analytic and finite differences", "[dual]") {
  const std::pair<double, double> tangents[] = {{1.0, 0.0}, {0.0, 1.0}, {0.6, -1.3}};
  for (const auto& c : binary_cases()) {
    for (const auto& [a, b] : c.points) {
      for (const auto& [ua, ub] : tangents) {
        INFO(c.name << " at (" << a << ", " << b << "), tangent (" << ua << ", " << ub << ")");
        const Dual r = c.dual(Dual(a, ua), Dual(b, ub));
        const double analytic = c.dfa(a, b) * ua + c.dfb(a, b) * ub;
        const double h = kFdStep * std::max({1.0, std::fabs(a), std::fabs(b)});
        const double fd = (c.f(a + h * ua, b + h * ub) - c.f(a - h * ua, b - h * ub)) / (2.0 * h);
        INFO("value " << r.v << ", derivative " << r.d << ", analytic " << analytic
                      << ", central difference " << fd);
        CHECK(close(r.v, c.f(a, b), kExactTol));
        CHECK(close(r.d, analytic, kExactTol));
        CHECK(close(r.d, fd, kFdTol));
      }
    }
  }
}

TEST_CASE("Dual: mixed double/Dual arithmetic equals Dual with a zero tangent", "[dual]") {
  // A double operand is a constant: Dual op double must be exactly Dual op
  // Dual(double, 0), and likewise double op Dual (same roundings, see the
  // formulas in dual.hpp), also for int operands.
  const double values[] = {-2.0, 0.5, 3.0};
  for (double av : values) {
    for (double bv : values) {
      INFO("a = " << av << ", b = " << bv);
      const Dual a(av, 0.75), b(bv, -1.25), a0(av), b0(bv);
      auto same = [](const Dual& x, const Dual& y) { return x.v == y.v && x.d == y.d; };
      CHECK(same(a + bv, a + b0));
      CHECK(same(av + b, a0 + b));
      CHECK(same(a - bv, a - b0));
      CHECK(same(av - b, a0 - b));
      CHECK(same(a * bv, a * b0));
      CHECK(same(av * b, a0 * b));
      CHECK(same(a / bv, a / b0));
      CHECK(same(av / b, a0 / b));
      CHECK(same(kode::math::pow(a, 2.0), kode::math::pow(a, Dual(2.0))));
    }
  }
  const Dual y(1.5, 2.0);
  CHECK((y * 2).v == 3.0);
  CHECK((y * 2).d == 4.0);
  CHECK((2 - y).v == 0.5);
  CHECK((2 - y).d == -2.0);
  CHECK((y / 4).d == 0.5);
  CHECK((1 + y).d == 2.0);
  const Dual sq = kode::math::pow(y, 2);  // int exponent: pow(Dual, double)
  CHECK(sq.v == 2.25);
  CHECK(sq.d == 6.0);
  // Model code: p double, y Dual, T = Dual on the left.
  const double p[2] = {10.0, 0.3};
  const Dual yy[2] = {Dual(1.0, 1.0), Dual(4.0, 0.0)};
  const Dual dy0 = p[0] * (yy[1] - yy[0]);
  const Dual g0 = p[1] * yy[0];
  CHECK(dy0.v == 30.0);
  CHECK(dy0.d == -10.0);
  CHECK(g0.v == 0.3);
  CHECK(g0.d == 0.3);
}

TEST_CASE("Dual: compound assignment equals the binary operators", "[dual]") {
  const double values[] = {-2.0, 0.5, 3.0};
  for (double av : values) {
    for (double bv : values) {
      INFO("a = " << av << ", b = " << bv);
      const Dual a(av, 0.75), b(bv, -1.25);
      auto same = [](const Dual& x, const Dual& y) { return x.v == y.v && x.d == y.d; };
      Dual x = a;
      CHECK(&(x += b) == &x);
      CHECK(same(x, a + b));
      x = a;
      CHECK(same(x -= b, a - b));
      x = a;
      CHECK(same(x *= b, a * b));
      x = a;
      CHECK(same(x /= b, a / b));
      x = a;
      CHECK(same(x += bv, a + bv));
      x = a;
      CHECK(same(x -= bv, a - bv));
      x = a;
      CHECK(same(x *= bv, a * bv));
      x = a;
      CHECK(same(x /= bv, a / bv));
    }
  }
  // Aliasing: x op= x.
  Dual x(3.0, 2.0);
  x *= x;  // (9, 2 * 3 * 2)
  CHECK(x.v == 9.0);
  CHECK(x.d == 12.0);
  x /= x;  // (1, 0)
  CHECK(x.v == 1.0);
  CHECK(x.d == 0.0);
}

TEST_CASE("Dual: comparisons look at values only", "[dual]") {
  const double values[] = {-1.5, 0.0, 2.0};
  for (double x : values) {
    for (double y : values) {
      INFO("x = " << x << ", y = " << y);
      // Tangents chosen to disagree with the values' order.
      const Dual a(x, 3.0), b(y, -5.0);
      CHECK((a < b) == (x < y));
      CHECK((a > b) == (x > y));
      CHECK((a <= b) == (x <= y));
      CHECK((a >= b) == (x >= y));
      CHECK((a == b) == (x == y));
      CHECK((a != b) == (x != y));
      CHECK((a < y) == (x < y));
      CHECK((a > y) == (x > y));
      CHECK((a <= y) == (x <= y));
      CHECK((a >= y) == (x >= y));
      CHECK((a == y) == (x == y));
      CHECK((a != y) == (x != y));
      CHECK((x < b) == (x < y));
      CHECK((x > b) == (x > y));
      CHECK((x <= b) == (x <= y));
      CHECK((x >= b) == (x >= y));
      CHECK((x == b) == (x == y));
      CHECK((x != b) == (x != y));
    }
  }
  CHECK(Dual(1.0, 2.0) == Dual(1.0, -7.0));
  CHECK(Dual(1.0, 2.0) > 0);
  CHECK(0 < Dual(1.0, 2.0));
  CHECK_FALSE(Dual(-1.0, 2.0) > 0);
}

TEST_CASE("Dual: singular points; a zero tangent stays zero", "[dual]") {
  const double inf = std::numeric_limits<double>::infinity();
  // Zero tangent at a point where the partial derivative is infinite: 0.
  CHECK(kode::math::sqrt(Dual(0.0, 0.0)).v == 0.0);
  CHECK(kode::math::sqrt(Dual(0.0, 0.0)).d == 0.0);
  CHECK(kode::math::cbrt(Dual(0.0, 0.0)).d == 0.0);
  CHECK(kode::math::log(Dual(0.0, 0.0)).v == -inf);
  CHECK(kode::math::log(Dual(0.0, 0.0)).d == 0.0);
  CHECK(kode::math::pow(Dual(0.0, 0.0), 0.5).d == 0.0);
  CHECK(kode::math::pow(Dual(0.0, 0.0), Dual(0.5, 0.0)).d == 0.0);
  // Nonzero tangent there: the derivative does not exist, +inf.
  CHECK(kode::math::sqrt(Dual(0.0, 1.0)).d == inf);
  CHECK(kode::math::cbrt(Dual(0.0, 1.0)).d == inf);
  CHECK(kode::math::pow(Dual(0.0, 1.0), 0.5).d == inf);
  // Smooth at 0: the right derivatives.
  CHECK(kode::math::pow(Dual(0.0, 1.0), 2.0).d == 0.0);
  CHECK(kode::math::pow(Dual(0.0, 1.0), 1.0).d == 1.0);
  CHECK(kode::math::pow(Dual(0.0, 1.0), 0.0).v == 1.0);
  CHECK(kode::math::pow(Dual(0.0, 1.0), 0.0).d == 0.0);
  CHECK(kode::math::pow(0.0, Dual(2.0, 1.0)).v == 0.0);  // 0^y = 0 for y > 0
  CHECK(kode::math::pow(0.0, Dual(2.0, 1.0)).d == 0.0);
  // fabs: sign(x) x', 0 at 0.
  CHECK(kode::math::fabs(Dual(0.0, 1.0)).d == 0.0);
  CHECK(kode::math::fabs(Dual(-2.0, 3.0)).v == 2.0);
  CHECK(kode::math::fabs(Dual(-2.0, 3.0)).d == -3.0);
  CHECK(kode::math::fabs(Dual(2.0, 3.0)).d == 3.0);
  // Negative base, constant integer exponent, through both pow overloads.
  for (const Dual& r :
       {kode::math::pow(Dual(-2.0, 1.0), 3.0), kode::math::pow(Dual(-2.0, 1.0), Dual(3.0))}) {
    CHECK(r.v == -8.0);
    CHECK(r.d == 12.0);
  }
  // NaN tangents propagate (a zero tangent is only kept for exact zeros).
  CHECK(std::isnan(kode::math::exp(Dual(1.0, std::nan(""))).d));
}

TEST_CASE("Dual: Lorenz right-hand side seeded with a direction gives J u", "[dual]") {
  const kode::models::Lorenz lorenz;
  const double p[3] = {10.0, 28.0, 8.0 / 3.0};
  const double points[][3] = {{1.2, -0.7, 20.5}, {-8.0, 3.0, 27.0}, {0.0, 1.0, 0.0}};
  const double directions[][3] = {{0.3, -1.1, 0.6}, {1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}};
  for (const auto& y0 : points) {
    double jac[3][3];
    lorenz_jacobian(y0, p, jac);
    double f0[3];
    lorenz.rhs(0.0, y0, p, f0);
    for (const auto& u : directions) {
      INFO("y = (" << y0[0] << ", " << y0[1] << ", " << y0[2] << "), u = (" << u[0] << ", " << u[1]
                   << ", " << u[2] << ")");
      Dual y[3], dy[3];
      for (int i = 0; i < 3; ++i) y[i] = Dual(y0[i], u[i]);
      lorenz.rhs(0.0, y, p, dy);
      // Lorenz is quadratic: the central difference has no truncation error,
      // only rounding ~eps |f| / h <= 1e-16 * 1e3 / 3e-4 ~ 1e-9.
      const double h = 1e-5 * 27.0;
      double yp[3], ym[3], fp[3], fm[3];
      for (int i = 0; i < 3; ++i) yp[i] = y0[i] + h * u[i], ym[i] = y0[i] - h * u[i];
      lorenz.rhs(0.0, yp, p, fp);
      lorenz.rhs(0.0, ym, p, fm);
      for (int i = 0; i < 3; ++i) {
        const double ju = jac[i][0] * u[0] + jac[i][1] * u[1] + jac[i][2] * u[2];
        INFO("component " << i << ": " << dy[i].d << " vs J u = " << ju);
        CHECK(dy[i].v == f0[i]);  // same operations on the values
        CHECK(close(dy[i].d, ju, kExactTol));
        CHECK(close(dy[i].d, (fp[i] - fm[i]) / (2.0 * h), kFdTol));
      }
    }
  }
}

TEST_CASE("Dual: a model-style diffusion seeded with u gives (dg/dy) u, also with u = g",
          "[dual]") {
  const TestDiffusion model;
  const double p[2] = {0.8, -0.3};
  const double points[][3] = {{0.4, 1.5, -0.2}, {-1.0, 0.25, 0.7}, {2.0, 4.0, 0.0}};
  for (const auto& y0 : points) {
    double jac[3][3], g0[3];
    test_diffusion_jacobian(y0, p, jac);
    model.g(0.0, y0, p, g0);
    // Directions: the unit vectors (columns of the Jacobian), a generic one,
    // and g(y) itself, the direction Milstein's correction uses.
    const double directions[][3] = {
        {1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}, {0.5, -0.9, 1.3}, {g0[0], g0[1], g0[2]}};
    for (const auto& u : directions) {
      INFO("y = (" << y0[0] << ", " << y0[1] << ", " << y0[2] << "), u = (" << u[0] << ", " << u[1]
                   << ", " << u[2] << ")");
      Dual y[3], g[3];
      for (int i = 0; i < 3; ++i) y[i] = Dual(y0[i], u[i]);
      model.g(0.0, y, p, g);
      const double h = 1e-5 * 4.0;
      double yp[3], ym[3], gp[3], gm[3];
      for (int i = 0; i < 3; ++i) yp[i] = y0[i] + h * u[i], ym[i] = y0[i] - h * u[i];
      model.g(0.0, yp, p, gp);
      model.g(0.0, ym, p, gm);
      for (int i = 0; i < 3; ++i) {
        const double ju = jac[i][0] * u[0] + jac[i][1] * u[1] + jac[i][2] * u[2];
        INFO("component " << i << ": " << g[i].d << " vs J u = " << ju);
        CHECK(g[i].v == g0[i]);
        CHECK(close(g[i].d, ju, kExactTol));
        CHECK(close(g[i].d, (gp[i] - gm[i]) / (2.0 * h), kFdTol));
      }
    }
  }
  // The branch: y[1] <= 0 gives the constant 0, with derivative 0.
  const double y0[3] = {0.4, -1.0, 0.1};
  Dual y[3] = {Dual(y0[0], 1.0), Dual(y0[1], 1.0), Dual(y0[2], 1.0)}, g[3];
  model.g(0.0, y, p, g);
  CHECK(g[1].v == 0.0);
  CHECK(g[1].d == 0.0);
}

TEST_CASE("Dual: inside a Kokkos kernel and a Kokkos View", "[dual]") {
  constexpr int n = 8;
  // Per index: Lorenz dy (3 Duals) and the composite function (1 Dual).
  Kokkos::View<Dual* [4]> out("dual_out", n);
  Kokkos::parallel_for(
      "test_dual", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(const int i) {
        const double x = 0.5 + 0.25 * i;
        const double p[3] = {10.0, 28.0, 8.0 / 3.0};
        const Dual y[3] = {Dual(x, 1.0), Dual(-x, 0.5), Dual(10.0 + x, -0.25)};
        Dual dy[3];
        kode::models::Lorenz().rhs(0.0, y, p, dy);
        for (int k = 0; k < 3; ++k) out(i, k) = dy[k];
        out(i, 3) = composite(Dual(x, 1.0));
      });
  Kokkos::fence();
  const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
  for (int i = 0; i < n; ++i) {
    const double x = 0.5 + 0.25 * i;
    INFO("index " << i << ", x = " << x);
    const double p[3] = {10.0, 28.0, 8.0 / 3.0};
    const double y0[3] = {x, -x, 10.0 + x}, u[3] = {1.0, 0.5, -0.25};
    double jac[3][3], f0[3];
    lorenz_jacobian(y0, p, jac);
    kode::models::Lorenz().rhs(0.0, y0, p, f0);
    for (int k = 0; k < 3; ++k) {
      const double ju = jac[k][0] * u[0] + jac[k][1] * u[1] + jac[k][2] * u[2];
      CHECK(close(host(i, k).v, f0[k], kExactTol));
      CHECK(close(host(i, k).d, ju, kExactTol));
    }
    INFO("composite " << host(i, 3).v << ", " << host(i, 3).d << " vs " << composite_value(x)
                      << ", " << composite_derivative(x));
    CHECK(close(host(i, 3).v, composite_value(x), kExactTol));
    CHECK(close(host(i, 3).d, composite_derivative(x), kExactTol));
  }
}

// ---------------------------------------------------------------------------
// DualN<K>: K tangents in one pass.
// ---------------------------------------------------------------------------

namespace {

// Same double, bit for bit; any two NaNs count as the same (a NaN's payload
// carries no meaning, and which NaN operand the hardware propagates is not
// part of the formulas).
bool same_bits(double x, double y) {
  if (std::isnan(x) && std::isnan(y)) return true;
  std::uint64_t bx = 0, by = 0;
  std::memcpy(&bx, &x, sizeof x);
  std::memcpy(&by, &y, sizeof y);
  return bx == by;
}

// Every operator and every kode::math overload, generic in the scalar type
// (Dual or DualN<K>): operation `op` of a, b (T) and s (double); kOpNames
// names the cases of apply_op in order.
constexpr const char* kOpNames[] = {
    "a + b",     "a - b",      "a * b",   "a / b",   "a + s",     "s + a",     "a - s",
    "s - a",     "a * s",      "s * a",   "a / s",   "s / a",     "-a",        "+a",
    "a += b",    "a -= b",     "a *= b",  "a /= b",  "a += s",    "a -= s",    "a *= s",
    "a /= s",    "a *= a",     "a /= a",  "sqrt(a)", "cbrt(a)",   "exp(a)",    "log(a)",
    "sin(a)",    "cos(a)",     "tanh(a)", "fabs(a)", "pow(a, s)", "pow(s, a)", "pow(a, b)",
    "pow(a, 3)", "pow(a, 0.0)"};
constexpr int kNumOps = sizeof(kOpNames) / sizeof(kOpNames[0]);

template <class T>
T apply_op(int op, const T& a, const T& b, double s) {
  T c = a;
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a + s;
    case 5: return s + a;
    case 6: return a - s;
    case 7: return s - a;
    case 8: return a * s;
    case 9: return s * a;
    case 10: return a / s;
    case 11: return s / a;
    case 12: return -a;
    case 13: return +a;
    case 14: return c += b;
    case 15: return c -= b;
    case 16: return c *= b;
    case 17: return c /= b;
    case 18: return c += s;
    case 19: return c -= s;
    case 20: return c *= s;
    case 21: return c /= s;
    case 22: return c *= c;
    case 23: return c /= c;
    case 24: return kode::math::sqrt(a);
    case 25: return kode::math::cbrt(a);
    case 26: return kode::math::exp(a);
    case 27: return kode::math::log(a);
    case 28: return kode::math::sin(a);
    case 29: return kode::math::cos(a);
    case 30: return kode::math::tanh(a);
    case 31: return kode::math::fabs(a);
    case 32: return kode::math::pow(a, s);
    case 33: return kode::math::pow(s, a);
    case 34: return kode::math::pow(a, b);
    case 35: return kode::math::pow(a, 3);
    case 36: return kode::math::pow(a, 0.0);
  }
  return T(std::nan(""));
}

// Tangent entries for the per-tangent comparisons: zeros (the zero-tangent
// rule, also at singular points next to nonzero tangents), units, and sizes
// from 2.5e-3 to 1e10.
constexpr double kTangentPattern[] = {1.0, 0.0, -0.7, 2.5e-3, 0.0, -3.0, 1e10, 0.25};
constexpr int kPatternSize = sizeof(kTangentPattern) / sizeof(kTangentPattern[0]);

// For each operation and each input (values including 0, negatives and the
// singular points of sqrt, cbrt, log, pow, /), DualN<K> against K Duals,
// seeded with tangent k of each DualN input: the value and every tangent
// must be the same bits.
template <int K>
void check_ops_per_tangent() {
  const double values[] = {-2.0, -0.5, 0.0, 0.3, 1.0, 2.5};
  const double scalars[] = {-1.5, 0.0, 0.5, 2.0, 3.0};
  for (int op = 0; op < kNumOps; ++op) {
    for (double av : values) {
      for (double bv : values) {
        for (double s : scalars) {
          for (int shift = 0; shift < kPatternSize; ++shift) {
            DualN<K> a(av), b(bv);
            for (int k = 0; k < K; ++k) {
              a.d[k] = kTangentPattern[(k + shift) % kPatternSize];
              b.d[k] = kTangentPattern[(3 * k + shift + 1) % kPatternSize];
            }
            const DualN<K> r = apply_op(op, a, b, s);
            for (int k = 0; k < K; ++k) {
              const Dual r1 = apply_op(op, Dual(av, a.d[k]), Dual(bv, b.d[k]), s);
              INFO("K = " << K << ", " << kOpNames[op] << ", a = (" << av << ", " << a.d[k]
                          << "), b = (" << bv << ", " << b.d[k] << "), s = " << s << ", tangent "
                          << k << ": DualN (" << r.v << ", " << r.d[k] << "), Dual (" << r1.v
                          << ", " << r1.d << ")");
              REQUIRE(same_bits(r.v, r1.v));
              REQUIRE(same_bits(r.d[k], r1.d));
            }
          }
        }
      }
    }
  }
  // Comparisons look at values only, whatever the tangents.
  for (double av : values) {
    for (double bv : values) {
      DualN<K> a(av), b(bv);
      for (int k = 0; k < K; ++k) a.d[k] = 1.0 + k, b.d[k] = -2.0 - k;
      INFO("K = " << K << ", a = " << av << ", b = " << bv);
      CHECK((a < b) == (av < bv));
      CHECK((a > b) == (av > bv));
      CHECK((a <= b) == (av <= bv));
      CHECK((a >= b) == (av >= bv));
      CHECK((a == b) == (av == bv));
      CHECK((a != b) == (av != bv));
      CHECK((a < bv) == (av < bv));
      CHECK((a > bv) == (av > bv));
      CHECK((a <= bv) == (av <= bv));
      CHECK((a >= bv) == (av >= bv));
      CHECK((a == bv) == (av == bv));
      CHECK((a != bv) == (av != bv));
      CHECK((av < b) == (av < bv));
      CHECK((av > b) == (av > bv));
      CHECK((av <= b) == (av <= bv));
      CHECK((av >= b) == (av >= bv));
      CHECK((av == b) == (av == bv));
      CHECK((av != b) == (av != bv));
    }
  }
}

// A function of 4 variables using every operator kind and every kode::math
// overload, generic in the scalar type; and the same in double with std::.
template <class T>
KOKKOS_INLINE_FUNCTION T multi(const T* z) {
  using kode::math::cbrt;
  using kode::math::exp;
  using kode::math::fabs;
  using kode::math::log;
  using kode::math::pow;
  using kode::math::sin;
  using kode::math::sqrt;
  using kode::math::tanh;
  T r = sin(z[0]) * exp(z[1]) / pow(z[2], 1.5) + tanh(z[0] * z[3]) - log(z[2]) * cbrt(z[1]);
  r += sqrt(fabs(-z[3])) + kode::math::cos(z[1]) * pow(z[2], z[0]) - pow(2.0, z[3]);
  r -= 0.5 * z[3] * z[3] - z[0] / z[1];
  r *= 1.5;
  r /= 2.0 - z[1] / 4.0;
  return r;
}
double multi_double(const double* z) {
  double r = std::sin(z[0]) * std::exp(z[1]) / std::pow(z[2], 1.5) + std::tanh(z[0] * z[3]) -
             std::log(z[2]) * std::cbrt(z[1]);
  r += std::sqrt(std::fabs(-z[3])) + std::cos(z[1]) * std::pow(z[2], z[0]) - std::pow(2.0, z[3]);
  r -= 0.5 * z[3] * z[3] - z[0] / z[1];
  r *= 1.5;
  r /= 2.0 - z[1] / 4.0;
  return r;
}

// Points for multi: z[1], z[2] >= 0.6 and |z[3]| >= 0.5, away from the
// singularities of log, cbrt, pow, fabs and the divisions. There the central
// difference (step h = kFdStep max(1, |z_i|)) is off by at most 3.5e-9
// relative (measured over all points and directions: truncation plus
// rounding), so kFdTol = 1e-7 keeps a 30x margin while a wrong tangent is off
// by O(1).
constexpr double kMultiPoints[][4] = {
    {0.4, 1.1, 1.7, -0.8}, {-1.2, 0.6, 2.5, 1.3}, {2.0, 1.8, 1.2, 0.5}};
// Seed directions: the 4 coordinate directions, then generic ones (with a
// zero component). DualN<K> takes the last K.
constexpr double kMultiDirections[][4] = {
    {1.0, 0.0, 0.0, 0.0},  {0.0, 1.0, 0.0, 0.0},  {0.0, 0.0, 1.0, 0.0}, {0.0, 0.0, 0.0, 1.0},
    {0.5, -0.3, 0.2, 1.0}, {0.0, 1.0, -1.0, 0.0}, {-0.6, 0.0, 0.4, 0.9}};
constexpr int kNumMultiDirections = sizeof(kMultiDirections) / sizeof(kMultiDirections[0]);

template <int K>
void check_multi_against_finite_differences() {
  static_assert(K <= kNumMultiDirections, "not enough directions");
  for (const auto& z0 : kMultiPoints) {
    DualN<K> z[4];
    for (int i = 0; i < 4; ++i) {
      z[i] = DualN<K>(z0[i]);
      for (int k = 0; k < K; ++k) z[i].d[k] = kMultiDirections[kNumMultiDirections - K + k][i];
    }
    const DualN<K> r = multi(z);
    CHECK(close(r.v, multi_double(z0), kExactTol));
    const double h = kFdStep * std::max({1.0, std::fabs(z0[0]), std::fabs(z0[1]), std::fabs(z0[2]),
                                         std::fabs(z0[3])});
    for (int k = 0; k < K; ++k) {
      const double* u = kMultiDirections[kNumMultiDirections - K + k];
      double zp[4], zm[4];
      Dual z1[4];
      for (int i = 0; i < 4; ++i) {
        zp[i] = z0[i] + h * u[i], zm[i] = z0[i] - h * u[i];
        z1[i] = Dual(z0[i], u[i]);
      }
      const double fd = (multi_double(zp) - multi_double(zm)) / (2.0 * h);
      const Dual r1 = multi(z1);
      INFO("K = " << K << ", z = (" << z0[0] << ", " << z0[1] << ", " << z0[2] << ", " << z0[3]
                  << "), direction " << k << ": tangent " << r.d[k] << ", central difference " << fd
                  << ", Dual " << r1.d);
      CHECK(close(r.d[k], fd, kFdTol));
      // The whole composite, not just single operations: same bits as the
      // one-direction Dual.
      CHECK(same_bits(r.v, r1.v));
      CHECK(same_bits(r.d[k], r1.d));
    }
  }
}

template <class A, class B, class = void>
struct CanAdd : std::false_type {};
template <class A, class B>
struct CanAdd<A, B, std::void_t<decltype(std::declval<A>() + std::declval<B>())>> : std::true_type {
};
template <class A, class B, class = void>
struct CanPow : std::false_type {};
template <class A, class B>
struct CanPow<A, B, std::void_t<decltype(kode::math::pow(std::declval<A>(), std::declval<B>()))>>
    : std::true_type {};

}  // namespace

TEST_CASE("DualN: layout, constants, seeding, value/tangent/scalar_tangents", "[dual]") {
  STATIC_REQUIRE(std::is_same<Dual, DualN<1>>::value);
  STATIC_REQUIRE(std::is_trivially_copyable<DualN<3>>::value);
  STATIC_REQUIRE(std::is_trivially_copyable<DualN<7>>::value);
  STATIC_REQUIRE(std::is_standard_layout<DualN<7>>::value);
  STATIC_REQUIRE(sizeof(DualN<3>) == 4 * sizeof(double));
  STATIC_REQUIRE(sizeof(DualN<7>) == 8 * sizeof(double));
  // K = 1 keeps a plain double tangent.
  STATIC_REQUIRE(std::is_same<decltype(Dual::d), double>::value);
  STATIC_REQUIRE(std::is_same<decltype(DualN<3>::d), double[3]>::value);

  STATIC_REQUIRE(kode::scalar_tangents<double>::value == 0);
  STATIC_REQUIRE(kode::scalar_tangents<const double>::value == 0);
  STATIC_REQUIRE(kode::scalar_tangents<Dual>::value == 1);
  STATIC_REQUIRE(kode::scalar_tangents<DualN<3>>::value == 3);
  STATIC_REQUIRE(kode::scalar_tangents<const DualN<7>>::value == 7);

  // Constants and seeded variables, also in constant expressions.
  constexpr DualN<3> zero;
  constexpr DualN<3> c = 2.5;
  constexpr DualN<3> x = DualN<3>::variable(1.5, 2);
  constexpr DualN<3> y = x * 3.0 - DualN<3>::constant(1.0);  // (3.5; 0, 0, 3)
  STATIC_REQUIRE(zero.v == 0.0);
  STATIC_REQUIRE(c.v == 2.5);
  STATIC_REQUIRE(x.v == 1.5);
  STATIC_REQUIRE(y.v == 3.5);
  for (int k = 0; k < 3; ++k) {
    CHECK(zero.d[k] == 0.0);
    CHECK(c.d[k] == 0.0);
    CHECK(DualN<3>::constant(-4.0).d[k] == 0.0);
    CHECK(x.d[k] == (k == 2 ? 1.0 : 0.0));
    CHECK(y.d[k] == (k == 2 ? 3.0 : 0.0));
  }
  CHECK(DualN<3>::constant(-4.0).v == -4.0);
  STATIC_REQUIRE(Dual::variable(2.0, 0).v == 2.0);
  STATIC_REQUIRE(Dual::variable(2.0, 0).d == 1.0);
  STATIC_REQUIRE(Dual::constant(2.0).d == 0.0);

  // Model-style assignment of a double: a constant.
  DualN<7> g[2] = {DualN<7>::variable(1.0, 6), DualN<7>::variable(2.0, 0)};
  g[0] = 0.0;
  g[1] = 3;
  for (int k = 0; k < 7; ++k) CHECK((g[0].d[k] == 0.0 && g[1].d[k] == 0.0));
  CHECK(g[1].v == 3.0);

  // Everything computed from constants alone has zero tangents.
  const double z0[4] = {0.4, 1.1, 1.7, -0.8};
  DualN<7> zc[4];
  for (int i = 0; i < 4; ++i) zc[i] = z0[i];
  const DualN<7> rc = multi(zc);
  CHECK(close(rc.v, multi_double(z0), kExactTol));
  for (int k = 0; k < 7; ++k) CHECK(rc.d[k] == 0.0);

  // value() and tangent() for double and DualN.
  STATIC_REQUIRE(kode::value(2.5) == 2.5);
  STATIC_REQUIRE(kode::value(x) == 1.5);
  STATIC_REQUIRE(kode::value(Dual(2.5, 7.0)) == 2.5);
  STATIC_REQUIRE(kode::tangent(2.5, 0) == 0.0);
  STATIC_REQUIRE(kode::tangent(2.5, 5) == 0.0);
  STATIC_REQUIRE(kode::tangent(Dual(2.5, 7.0), 0) == 7.0);
  STATIC_REQUIRE(kode::tangent(x, 2) == 1.0);
  STATIC_REQUIRE(kode::tangent(y, 2) == 3.0);
  STATIC_REQUIRE(kode::tangent(y, 0) == 0.0);
  STATIC_REQUIRE(std::is_same<decltype(kode::value(x)), double>::value);
  STATIC_REQUIRE(std::is_same<decltype(kode::tangent(x, 0)), double>::value);

  // The kode::math overloads take exactly DualN<K>: same K on both sides, and
  // still nothing for double.
  STATIC_REQUIRE(std::is_same<MathSinResult<DualN<3>>::type, DualN<3>>::value);
  STATIC_REQUIRE(!std::is_same<MathSinResult<double>::type, DualN<3>>::value);
  STATIC_REQUIRE(std::is_same<decltype(kode::math::pow(2.0, 3)), double>::value);
  STATIC_REQUIRE(CanPow<DualN<3>, DualN<3>>::value);
  STATIC_REQUIRE(CanPow<DualN<3>, double>::value);
  STATIC_REQUIRE(!CanPow<DualN<3>, DualN<4>>::value);
  STATIC_REQUIRE(CanAdd<DualN<3>, DualN<3>>::value);
  STATIC_REQUIRE(CanAdd<DualN<3>, int>::value);
  STATIC_REQUIRE(!CanAdd<DualN<3>, DualN<4>>::value);
  STATIC_REQUIRE(!CanAdd<Dual, DualN<2>>::value);
}

TEST_CASE("DualN: every operator and math function equals, per tangent, the seeded Dual",
          "[dual]") {
  check_ops_per_tangent<3>();
  check_ops_per_tangent<7>();
}

TEST_CASE("DualN: a composite of every operation against central finite differences", "[dual]") {
  check_multi_against_finite_differences<3>();
  check_multi_against_finite_differences<7>();
}

TEST_CASE("DualN: Lorenz seeded in its 3 states and 3 parameters gives both Jacobians", "[dual]") {
  // The forward-sensitivity use: K = N + P directions, y_i seeded as
  // direction i and p_j as direction N + j, one evaluation.
  const kode::models::Lorenz lorenz;
  const double p0[3] = {10.0, 28.0, 8.0 / 3.0};
  const double points[][3] = {{1.2, -0.7, 20.5}, {-8.0, 3.0, 27.0}, {0.0, 1.0, 0.0}};
  for (const auto& y0 : points) {
    INFO("y = (" << y0[0] << ", " << y0[1] << ", " << y0[2] << ")");
    DualN<6> y[3], p[3], dy[3];
    for (int i = 0; i < 3; ++i) {
      y[i] = DualN<6>::variable(y0[i], i);
      p[i] = DualN<6>::variable(p0[i], 3 + i);
    }
    lorenz.rhs(0.0, y, p, dy);
    double jac[3][3], f0[3];
    lorenz_jacobian(y0, p0, jac);
    lorenz.rhs(0.0, y0, p0, f0);
    // d(dy)/dp for (sigma, rho, beta), by hand.
    const double jac_p[3][3] = {{y0[1] - y0[0], 0.0, 0.0}, {0.0, y0[0], 0.0}, {0.0, 0.0, -y0[2]}};
    for (int i = 0; i < 3; ++i) {
      CHECK(dy[i].v == f0[i]);
      for (int j = 0; j < 3; ++j) {
        INFO("component " << i << ", direction " << j);
        CHECK(close(kode::tangent(dy[i], j), jac[i][j], kExactTol));
        CHECK(close(kode::tangent(dy[i], 3 + j), jac_p[i][j], kExactTol));
      }
    }
  }
}

TEST_CASE("DualN: inside a Kokkos kernel and a Kokkos View", "[dual]") {
  constexpr int n = 8;
  Kokkos::View<DualN<3>*> out("dualn_out", n);
  Kokkos::parallel_for(
      "test_dualn", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(const int i) {
        DualN<3> z[4] = {DualN<3>::variable(0.4 + 0.1 * i, 0), DualN<3>::variable(1.1, 1),
                         DualN<3>::variable(1.7, 2), DualN<3>(-0.8)};
        z[3] += 0.5 * z[0];  // a mixed direction
        out(i) = multi(z);
      });
  Kokkos::fence();
  const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
  for (int i = 0; i < n; ++i) {
    INFO("index " << i);
    DualN<3> z[4] = {DualN<3>::variable(0.4 + 0.1 * i, 0), DualN<3>::variable(1.1, 1),
                     DualN<3>::variable(1.7, 2), DualN<3>(-0.8)};
    z[3] += 0.5 * z[0];
    const DualN<3> ref = multi(z);
    CHECK(close(host(i).v, ref.v, kExactTol));
    for (int k = 0; k < 3; ++k) CHECK(close(host(i).d[k], ref.d[k], kExactTol));
  }
}
