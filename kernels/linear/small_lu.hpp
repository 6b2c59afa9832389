// LU factorisation with partial pivoting of a small dense N x N matrix, and
// the solve with it: the linear algebra of one stiff step (the Rosenbrock
// and ESDIRK methods of kernels/stiff/ solve with W = I - gamma h J).
// Everything lives in the struct (registers or a GPU thread's local memory):
// no allocation, N a compile-time constant (state sizes up to a few dozen).
//
// The algorithm is Doolittle's with row interchanges, as in Golub & Van Loan,
// "Matrix Computations", 4th ed., Algorithm 3.4.1 (Gaussian elimination with
// partial pivoting): at column k the row with the largest |a(i, k)|, i >= k,
// becomes the pivot row; L (unit lower, below the diagonal) and U overwrite
// the matrix. Ties keep the first such row, so the result is deterministic.
//
// S is double for a solve, or a dual number (kernels/dual.hpp) when forward
// sensitivities are carried through a stiff step: the pivots are then chosen
// from the values alone, so the values and the row order are those of the
// double factorisation, bit for bit, and the tangents are the derivatives of
// that same elimination.
#pragma once

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dual.hpp"

namespace kode {

template <int N, class S = double>
struct SmallLu {
  S a[N][N];     // the matrix; after factor(): L below the diagonal, U on and above
  int pivot[N];  // row k of the factorisation was row pivot[k] of the matrix

  // Factors a in place. Returns false when a pivot is zero or not finite
  // (the matrix is singular to working precision, or holds NaN/Inf); solve()
  // must not be used then.
  KOKKOS_INLINE_FUNCTION bool factor() {
    for (int k = 0; k < N; ++k) pivot[k] = k;
    for (int k = 0; k < N; ++k) {
      int p = k;
      double largest = math::fabs(value(a[k][k]));
      for (int i = k + 1; i < N; ++i) {
        const double m = math::fabs(value(a[i][k]));
        if (m > largest) {
          largest = m;
          p = i;
        }
      }
      if (!(largest > 0.0) || !math::isfinite(largest)) return false;
      if (p != k) {
        for (int j = 0; j < N; ++j) {
          const S s = a[k][j];
          a[k][j] = a[p][j];
          a[p][j] = s;
        }
        const int s = pivot[k];
        pivot[k] = pivot[p];
        pivot[p] = s;
      }
      const S inv = 1.0 / a[k][k];
      for (int i = k + 1; i < N; ++i) {
        const S l = a[i][k] * inv;
        a[i][k] = l;
        for (int j = k + 1; j < N; ++j) a[i][j] -= l * a[k][j];
      }
    }
    return true;
  }

  // Forms W = I - s m, the iteration matrix of every stiff step (s = h gamma,
  // m = df/dy), and factors it. Returns factor()'s answer.
  KOKKOS_INLINE_FUNCTION bool factor_identity_minus(double s, const S (&m)[N][N]) {
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < N; ++j) a[i][j] = -s * m[i][j];
      a[i][i] += 1.0;
    }
    return factor();
  }

  // Solves A x = b with the factors, in place (b becomes x).
  KOKKOS_INLINE_FUNCTION void solve(S (&b)[N]) const {
    S x[N];
    for (int i = 0; i < N; ++i) {  // L z = P b
      S s = b[pivot[i]];
      for (int j = 0; j < i; ++j) s -= a[i][j] * x[j];
      x[i] = s;
    }
    for (int i = N - 1; i >= 0; --i) {  // U x = z
      S s = x[i];
      for (int j = i + 1; j < N; ++j) s -= a[i][j] * x[j];
      x[i] = s / a[i][i];
    }
    for (int i = 0; i < N; ++i) b[i] = x[i];
  }
};

}  // namespace kode
