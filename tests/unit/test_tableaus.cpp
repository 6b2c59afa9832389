// Consistency checks of the explicit Runge-Kutta tableaus in kernels/tableaus/.
// A mistyped coefficient shows up here as a broken row sum, a weight sum that
// is not 1, or a violated order condition; the reference values are the
// Butcher order conditions, sum_i b_i Phi_i(t) = 1 / gamma(t) for each rooted
// tree t, as tabulated in E. Hairer, S. P. Norsett, G. Wanner, "Solving
// Ordinary Differential Equations I", 2nd ed., Springer 1993, Table II.2.1.
#include <algorithm>
#include <array>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <tuple>

#include "kode/engine/solvers/method_lists.hpp"

using Catch::Matchers::WithinAbs;

namespace {

// Every ODE method kode ships (the list `kode solvers` and the dispatch use).
using AllTableaus = kode::OdeMethods;

// Coefficients are rounded to double (and Dopri8's are themselves rational
// approximations good to ~1e-17), so identities hold to a few ulps of O(1) sums.
constexpr double kTol = 1e-14;

// One order condition: the elementary weight of a tree and 1/gamma of it.
struct Condition {
  const char* tree;  // the sum, in the notation of HNW Table II.2.1
  int order;         // number of vertices of the tree
  double weight;     // sum over the stages with the given weights w
  double expected;   // 1 / gamma(t)
};

// The eight conditions for order <= 4 (HNW Table II.2.1), evaluated with
// weights w (b for the solution, b - b_error for the embedded one). They use
// c_i in place of sum_j a_ij, which is valid because the row sums are checked
// separately.
template <class T>
std::array<Condition, 8> order_conditions(const std::array<double, T::stages>& w) {
  constexpr int S = T::stages;
  std::array<double, S> c{}, ac{}, ac2{}, aac{};  // c_i, sum_j a_ij c_j, sum_j a_ij c_j^2, ...
  for (int i = 0; i < S; ++i) c[i] = T::c(i);
  for (int i = 0; i < S; ++i) {
    for (int j = 0; j < i; ++j) {
      ac[i] += T::a(i, j) * c[j];
      ac2[i] += T::a(i, j) * c[j] * c[j];
    }
  }
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < i; ++j) aac[i] += T::a(i, j) * ac[j];

  std::array<double, 8> phi{};
  for (int i = 0; i < S; ++i) {
    phi[0] += w[i];
    phi[1] += w[i] * c[i];
    phi[2] += w[i] * c[i] * c[i];
    phi[3] += w[i] * ac[i];
    phi[4] += w[i] * c[i] * c[i] * c[i];
    phi[5] += w[i] * c[i] * ac[i];
    phi[6] += w[i] * ac2[i];
    phi[7] += w[i] * aac[i];
  }
  return {{{"sum b_i", 1, phi[0], 1.0},
           {"sum b_i c_i", 2, phi[1], 1.0 / 2.0},
           {"sum b_i c_i^2", 3, phi[2], 1.0 / 3.0},
           {"sum b_i a_ij c_j", 3, phi[3], 1.0 / 6.0},
           {"sum b_i c_i^3", 4, phi[4], 1.0 / 4.0},
           {"sum b_i c_i a_ij c_j", 4, phi[5], 1.0 / 8.0},
           {"sum b_i a_ij c_j^2", 4, phi[6], 1.0 / 12.0},
           {"sum b_i a_ij a_jk c_k", 4, phi[7], 1.0 / 24.0}}};
}

template <class T>
void check_order_conditions(const std::array<double, T::stages>& w, int up_to) {
  for (const Condition& cond : order_conditions<T>(w)) {
    if (cond.order > up_to) continue;
    INFO(T::name << ": " << cond.tree << " (order " << cond.order << ")");
    CHECK_THAT(cond.weight, WithinAbs(cond.expected, kTol));
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("tableau coefficients are usable in constant expressions", "[tableau]",
                        AllTableaus) {
  // Steppers may fold coefficients at compile time (and call them on device).
  STATIC_REQUIRE(TestType::c(0) == 0.0);
  STATIC_REQUIRE(TestType::stages >= 1);
  STATIC_REQUIRE(TestType::c(TestType::stages - 1) <= 1.0);
  STATIC_REQUIRE(TestType::b(0) - TestType::b_error(0) <= 1.0);
  STATIC_REQUIRE(TestType::dense_weight(0, 0.0) == 0.0);
}

TEMPLATE_LIST_TEST_CASE("tableau is explicit and consistent", "[tableau]", AllTableaus) {
  using T = TestType;
  constexpr int S = T::stages;
  INFO(T::name);

  // Explicit method: the first stage is at t0 and A is strictly lower triangular.
  CHECK(T::c(0) == 0.0);
  for (int i = 0; i < S; ++i)
    for (int j = i; j < S; ++j) {
      INFO("a(" << i << ", " << j << ")");
      CHECK(T::a(i, j) == 0.0);
    }

  // Row-sum condition c_i = sum_j a_ij (HNW eq. II.1.9): each stage is a
  // consistent approximation at t0 + c_i dt.
  for (int i = 0; i < S; ++i) {
    double row = 0.0;
    for (int j = 0; j < i; ++j) row += T::a(i, j);
    INFO("row " << i);
    CHECK_THAT(row, WithinAbs(T::c(i), kTol));
  }

  // Consistency: sum b_i = 1 (order-1 condition, HNW Table II.2.1).
  double sum_b = 0.0;
  for (int i = 0; i < S; ++i) sum_b += T::b(i);
  CHECK_THAT(sum_b, WithinAbs(1.0, kTol));
}

TEMPLATE_LIST_TEST_CASE("error weights", "[tableau]", AllTableaus) {
  using T = TestType;
  constexpr int S = T::stages;
  INFO(T::name);
  if (!T::has_error) {
    // No embedded solution: the estimate must be identically zero.
    for (int i = 0; i < S; ++i) CHECK(T::b_error(i) == 0.0);
    return;
  }
  // b_error is a difference of two weight vectors that each sum to 1.
  double sum = 0.0, norm = 0.0;
  for (int i = 0; i < S; ++i) {
    sum += T::b_error(i);
    norm += T::b_error(i) < 0 ? -T::b_error(i) : T::b_error(i);
  }
  CHECK_THAT(sum, WithinAbs(0.0, kTol));
  CHECK(norm > 0.0);  // an error estimate that is always zero would be a bug
}

TEMPLATE_LIST_TEST_CASE("FSAL tableaus end with f(t1, y1)", "[tableau]", AllTableaus) {
  using T = TestType;
  constexpr int S = T::stages;
  INFO(T::name);
  if (!T::fsal) {
    SUCCEED("not FSAL");
    return;
  }
  // The last stage is evaluated at t0 + dt on y0 + dt sum_j b_j k_j = y1, so
  // it can be reused as the first stage of the next step; it must not itself
  // contribute to y1.
  CHECK(T::c(S - 1) == 1.0);
  for (int j = 0; j < S - 1; ++j) {
    INFO("j = " << j);
    CHECK(T::a(S - 1, j) == T::b(j));
  }
  CHECK(T::b(S - 1) == 0.0);
}

TEMPLATE_LIST_TEST_CASE("order conditions up to order 4", "[tableau]", AllTableaus) {
  using T = TestType;
  constexpr int S = T::stages;
  std::array<double, S> b{}, b_embedded{};
  for (int i = 0; i < S; ++i) {
    b[i] = T::b(i);
    b_embedded[i] = T::b(i) - T::b_error(i);
  }
  // Conditions of HNW Table II.2.1 for the propagated solution...
  check_order_conditions<T>(b, std::min(T::order, 4));
  // ... and for the embedded solution, one order lower (kode's pairs are all
  // p(p-1)); with Diffrax's sign convention b - b_error is the embedded
  // weights for the higher-order pairs, and for order-2 pairs only sum = 1 is
  // required, which either sign satisfies.
  if (T::has_error) check_order_conditions<T>(b_embedded, std::min(T::order - 1, 4));
}

TEMPLATE_LIST_TEST_CASE("native dense output is continuous", "[tableau]", AllTableaus) {
  using T = TestType;
  constexpr int S = T::stages;
  INFO(T::name);
  if (T::dense_order == 0) {
    for (int i = 0; i < S; ++i) CHECK(T::dense_weight(i, 0.5) == 0.0);
    return;
  }
  for (int i = 0; i < S; ++i) {
    INFO("stage " << i);
    // theta = 0 reproduces y0 and theta = 1 reproduces y1 = y0 + dt sum b_i k_i.
    CHECK_THAT(T::dense_weight(i, 0.0), WithinAbs(0.0, kTol));
    CHECK_THAT(T::dense_weight(i, 1.0), WithinAbs(T::b(i), kTol));
  }
  // First continuous order condition (HNW Sec. II.6): sum_i w_i(theta) = theta,
  // i.e. the interpolant is exact for y' = const at every theta. Looser
  // tolerance: Dopri8's weights have monomial coefficients up to ~120, whose
  // rounding and cancellation leave ~1e-14 in the sum at interior theta.
  constexpr double kInteriorTol = 1e-13;
  for (double theta : {0.125, 0.25, 0.5, 0.75, 0.9}) {
    double sum = 0.0;
    for (int i = 0; i < S; ++i) sum += T::dense_weight(i, theta);
    INFO("theta = " << theta);
    CHECK_THAT(sum, WithinAbs(theta, kInteriorTol));
  }
}
