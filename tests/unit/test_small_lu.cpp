// The small dense LU of kernels/linear/small_lu.hpp: solves to rounding
// (relative residual of a few ulp times the condition), pivots where the
// diagonal is zero or small, and reports singular and non-finite matrices.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <limits>

#include "kode/kernels/linear/small_lu.hpp"

namespace {

// A deterministic, diagonally unbalanced N x N matrix (entries in [-1, 1]
// from an LCG, the diagonal scaled down so that pivoting matters).
template <int N>
void fill(kode::SmallLu<N>& lu, unsigned seed) {
  unsigned s = seed;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      s = 1664525u * s + 1013904223u;
      lu.a[i][j] = 2.0 * (s >> 8) / double(1u << 24) - 1.0;
      if (i == j) lu.a[i][j] *= 1e-3;
    }
}

template <int N>
void check_solves(unsigned seed) {
  kode::SmallLu<N> lu;
  fill(lu, seed);
  double a[N][N], x_true[N], b[N];
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) a[i][j] = lu.a[i][j];
  for (int i = 0; i < N; ++i) x_true[i] = 1.0 + 0.5 * i;
  for (int i = 0; i < N; ++i) {
    b[i] = 0.0;
    for (int j = 0; j < N; ++j) b[i] += a[i][j] * x_true[j];
  }
  REQUIRE(lu.factor());
  double x[N];
  for (int i = 0; i < N; ++i) x[i] = b[i];
  lu.solve(x);
  // Backward error: ||A x - b|| / (||A|| ||x||), a few ulp for a backward
  // stable factorisation (Golub & Van Loan, Sec. 3.4.6).
  double r = 0.0, norm_a = 0.0, norm_x = 0.0;
  for (int i = 0; i < N; ++i) {
    double ri = -b[i], row = 0.0;
    for (int j = 0; j < N; ++j) {
      ri += a[i][j] * x[j];
      row += std::fabs(a[i][j]);
    }
    r = std::fmax(r, std::fabs(ri));
    norm_a = std::fmax(norm_a, row);
    norm_x = std::fmax(norm_x, std::fabs(x[i]));
  }
  INFO("N = " << N << ", seed " << seed);
  REQUIRE(r / (norm_a * norm_x) < 64.0 * N * std::numeric_limits<double>::epsilon());
}

}  // namespace

TEST_CASE("small LU solves with partial pivoting to rounding", "[linear]") {
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    check_solves<1>(seed);
    check_solves<2>(seed);
    check_solves<3>(seed);
    check_solves<5>(seed);
    check_solves<8>(seed);
    check_solves<16>(seed);
  }
}

TEST_CASE("small LU pivots past a zero diagonal", "[linear]") {
  // A x = b with x = (1, 2, 3); a(0, 0) = 0, so the first column needs a row
  // interchange. Every intermediate is an exact small integer or half.
  kode::SmallLu<3> lu{{{0.0, 2.0, 1.0}, {1.0, 0.0, 0.0}, {0.0, 1.0, 3.0}}, {}};
  REQUIRE(lu.factor());
  REQUIRE(lu.pivot[0] == 1);
  double x[3] = {7.0, 1.0, 11.0};
  lu.solve(x);
  REQUIRE(x[0] == 1.0);
  REQUIRE(x[1] == 2.0);
  REQUIRE(x[2] == 3.0);
}

TEST_CASE("small LU reports singular and non-finite matrices", "[linear]") {
  kode::SmallLu<2> singular{{{1.0, 2.0}, {2.0, 4.0}}, {}};
  REQUIRE_FALSE(singular.factor());
  kode::SmallLu<2> zero{{{0.0, 0.0}, {0.0, 0.0}}, {}};
  REQUIRE_FALSE(zero.factor());
  kode::SmallLu<2> nan{{{std::nan(""), 1.0}, {1.0, 1.0}}, {}};
  REQUIRE_FALSE(nan.factor());
  kode::SmallLu<2> inf{{{1.0, 1.0}, {std::numeric_limits<double>::infinity(), 1.0}}, {}};
  REQUIRE_FALSE(inf.factor());
}

TEST_CASE("factor_identity_minus factors W = I - s M, the stiff steps' matrix") {
  // M = [[-2, 1], [3, -4]], s = 0.5: W = [[2, -0.5], [-1.5, 3]], det 5.25,
  // W^-1 b for b = (1, 2) is (4, 5.5) / 5.25 (Cramer's rule).
  const double m[2][2] = {{-2.0, 1.0}, {3.0, -4.0}};
  kode::SmallLu<2> w;
  REQUIRE(w.factor_identity_minus(0.5, m));
  double x[2] = {1.0, 2.0};
  w.solve(x);
  REQUIRE(std::fabs(x[0] - 4.0 / 5.25) < 1e-15);
  REQUIRE(std::fabs(x[1] - 5.5 / 5.25) < 1e-15);
  // s = 1 with M = I makes W zero: singular, reported.
  const double identity[2][2] = {{1.0, 0.0}, {0.0, 1.0}};
  REQUIRE_FALSE(w.factor_identity_minus(1.0, identity));
}
