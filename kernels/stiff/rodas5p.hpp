// Rodas5P: G. Steinebach, "Construction of Rosenbrock-Wanner method Rodas5P
// and numerical benchmarks within the Julia Differential Equations package",
// BIT Numer. Math. 63, 27 (2023). A stiffly accurate, L-stable Rosenbrock
// method of order 5 with 8 stages (one LU of W, eight solves and eight rhs
// calls besides the Jacobian per step), an embedded order-4 solution for the
// error estimate, and a continuous extension of order 4 (the h coefficients).
// Its coefficients were constructed to keep order 4 on Prothero-Robinson type
// stiff problems and index-1 DAEs where Rodas5 drops order; DiffEqGPU.jl uses
// it per GPU thread, which is kode's setting too.
//
// The step is written in Hairer & Wanner's transformed variables ("Solving
// Ordinary Differential Equations II", 2nd ed., Sec. IV.7, eq. (7.25)): with
// W = I - h gamma J, J = df/dy and T = df/dt at (t, y),
//   W k_i = h gamma ( f(t + c_i h, y + sum_{j<i} a_ij k_j)
//                     + h d_i T + sum_{j<i} (C_ij / h) k_j ),   i = 1..8,
// where stages 6..8 are evaluated at t + h with d_i = 0 and, the method being
// stiffly accurate, stage i + 1 starts from stage i's point plus k_i
// (y + sum a_6j k_j, then + k_6, then + k_7). The solution is that point plus
// k_8; the embedded order-4 solution leaves k_8 out, so k_8 is the error
// estimate. The dense output is
//   y(t + s h) = (1 - s) y + s (y1 + (1 - s)(K1 + s (K2 + s K3))),
//   K_m = sum_j h_{m+1, j} k_j.
// Coefficients (gamma, a, C, c, d, h) as published with the paper and in
// OrdinaryDiffEq.jl's Rodas5P tableau, to the digits given there.
#pragma once

#include "kode/kernels/linear/small_lu.hpp"
#include "kode/kernels/static_for.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/implicit_solve.hpp"

namespace kode {

struct Rodas5P {
  static constexpr const char* name = "rodas5p";
  static constexpr bool implicit = true;  // implicit_method.hpp (linearly: no Newton)
  static constexpr int order = 5;         // of the propagated solution
  static constexpr int error_order = 5;   // k_8 is the O(h^5) local error of the order-4 solution
  static constexpr bool has_error = true;
  static constexpr int stages = 8;  // linear solves per step
  static constexpr bool fsal = false;
  static constexpr int dense_order = 4;
  static constexpr int dense_degree = 4;

  static constexpr double gamma = 0.21193756319429014;

  // c_i and d_i of stages 1..5 (stages 6..8: c = 1, d = 0).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[5] = {0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716,
                             0.4288403609558664};
    return v[i];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double d(int i) {
    constexpr double v[5] = {0.21193756319429014, -0.42387512638858027, -0.3384627126235924,
                             1.8046452872882734, 2.325825639765069};
    return v[i];
  }
  // a(i, j), j < i: the inputs of stages 2..6 (row i = stage i + 1).
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[6][5] = {
        {},
        {3.0},
        {2.849394379747939, 0.45842242204463923},
        {-6.954028509809101, 2.489845061869568, -10.358996098473584},
        {2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641},
        {-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256,
         0.030198172008377946}};
    return v[i][j];
  }
  // C(i, j), j < i: the k_j / h couplings of stages 2..8.
  KOKKOS_INLINE_FUNCTION static constexpr double C(int i, int j) {
    constexpr double v[8][7] = {
        {},
        {-14.155112264123755},
        {-17.97296035885952, -2.859693295451294},
        {147.12150275711716, -1.41221402718213, 71.68940251302358},
        {165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306},
        {24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
         -0.6610691825249471},
        {30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
         -19.097331116725623, -28.087943162872662},
        {37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
         -40.06618937091002, -54.66780262877968, -9.48861652309627}};
    return v[i][j];
  }
  // H(m, j): the dense output's K_{m+1} = sum_j H(m, j) k_j.
  KOKKOS_INLINE_FUNCTION static constexpr double H(int m, int j) {
    constexpr double v[3][8] = {
        {25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204,
         0.524948541321073, 1.1241088310450404, 0.4272876194431874, -0.17202221070155493},
        {-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796,
         20.176138334709044, 15.98066361424651, -6.789040303419874, -6.710236069923372},
        {11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643,
         -52.072871366152654, -59.78993625266729, -0.15582684282751913, 4.883087185713722}};
    return v[m][j];
  }

  // S: double, or a dual number carrying forward sensitivities.
  template <int N, class S = double>
  struct Stages {
    S dense[3][N];  // K1, K2, K3
  };

  // One step of size h (signed) from (t, y) with f0 = f(t, y), J and T at
  // (t, y): y1 and the error estimate err. Returns singular when W is
  // singular to working precision (the caller retries with a smaller step).
  template <class Model, class P, int N, class S>
  KOKKOS_INLINE_FUNCTION static ImplicitSolve step(const Model& model, const P* p, double t,
                                                   double h, const S (&y)[N], const S (&f0)[N],
                                                   const S (&jacobian)[N][N], const S (&f_t)[N],
                                                   const StepSizeControl& /*control*/, S (&y1)[N],
                                                   S (&err)[N], Stages<N, S>& s) {
    const double hg = h * gamma;
    SmallLu<N, S> w;
    if (!w.factor_identity_minus(hg, jacobian)) return ImplicitSolve::singular;

    S k[8][N];
    S u[N], f[N];  // the stage's point and f there; stage 1's point is y
    for (int i = 0; i < N; ++i) u[i] = y[i];
    // Compile-time stage and coefficient indices (static_for): the
    // coefficients fold into the instructions; indexed at run time, the
    // tables were rebuilt on every call (measured: ~5x the instructions).
    static_for<0, 8>([&](auto stage_constant) {
      constexpr int stage = decltype(stage_constant)::value;
      // The stage's point u and its rhs f.
      if constexpr (stage == 0) {
        for (int i = 0; i < N; ++i) f[i] = f0[i];
      } else {
        if constexpr (stage <= 5) {
          for (int i = 0; i < N; ++i) {
            S v = y[i];
            static_for<0, stage>([&](auto j_constant) {
              constexpr int j = decltype(j_constant)::value;
              v += a(stage, j) * k[j][i];
            });
            u[i] = v;
          }
        } else {  // stiffly accurate tail: the last point plus the last k
          for (int i = 0; i < N; ++i) u[i] += k[stage - 1][i];
        }
        constexpr double c_stage = stage <= 4 ? c(stage) : 1.0;
        model.rhs(t + c_stage * h, u, p, f);
      }
      // W k = h gamma (f + h d T + sum_j C_ij / h k_j).
      constexpr double d_stage = stage <= 4 ? d(stage) : 0.0;
      const double hd = h * d_stage;
      for (int i = 0; i < N; ++i) {
        S coupling = 0.0;
        static_for<0, stage>([&](auto j_constant) {
          constexpr int j = decltype(j_constant)::value;
          coupling += C(stage, j) * k[j][i];
        });
        k[stage][i] = hg * (f[i] + hd * f_t[i]) + gamma * coupling;
      }
      w.solve(k[stage]);
    });
    for (int i = 0; i < N; ++i) {
      y1[i] = u[i] + k[7][i];
      err[i] = k[7][i];
    }
    static_for<0, 3>([&](auto m_constant) {
      constexpr int m = decltype(m_constant)::value;
      for (int i = 0; i < N; ++i) {
        S v = 0.0;
        static_for<0, 8>([&](auto j_constant) {
          constexpr int j = decltype(j_constant)::value;
          v += H(m, j) * k[j][i];
        });
        s.dense[m][i] = v;
      }
    });
    return ImplicitSolve::converged;
  }

  // The step's continuous extension, in the shape SaveObserver reads
  // (t0, dt, y0, y1, evaluate(theta, y)).
  template <int N, class S = double>
  struct Interpolant {
    double t0, dt;
    const S (&y0)[N];
    const S (&y1)[N];
    const Stages<N, S>& s;

    KOKKOS_INLINE_FUNCTION void evaluate(double theta, S (&y)[N]) const {
      const double rest = 1.0 - theta;
      for (int i = 0; i < N; ++i)
        y[i] = rest * y0[i] +
               theta * (y1[i] +
                        rest * (s.dense[0][i] + theta * (s.dense[1][i] + theta * s.dense[2][i])));
    }
  };
};

}  // namespace kode
