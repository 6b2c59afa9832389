// One step of an ESDIRK method (kvaerno3/4/5.hpp: an explicit first stage,
// then implicit stages sharing the diagonal gamma, stiffly accurate) with a
// simplified Newton iteration per stage, as in Hairer & Wanner, "Solving
// Ordinary Differential Equations II", 2nd ed., Sec. IV.8:
//   stage i:  Y_i = y + h sum_{j<i} a_ij F_j + h gamma f(t + c_i h, Y_i)
// solved from the predictor Y_i = y + h sum_j predictor_ij F_j by
//   (I - h gamma J) dY = base_i + h gamma f(t + c_i h, Y) - Y,   Y += dY,
// with J = df/dy at the step's start and W = I - h gamma J factored once per
// step (one LU for all stages and iterations). The iteration has converged
// when the contraction rate theta = |dY_k| / |dY_{k-1}| (scaled RMS norms,
// weights atol + rtol max(|y|, |Y|)) predicts an error theta / (1 - theta)
// |dY_k| <= kappa, after at least two iterations (Diffrax's VeryChord test;
// Hairer & Wanner eq. (8.10)-(8.11)), or when |dY_k| is rounding noise, no
// more than 8 units in the last place of the iterates in the same norm,
// whatever its rate: a linear problem converges in one iteration, and the
// rate of two noise-level corrections that follow is meaningless (measured:
// Kvaerno5 on the linear two-compartment PK model, rtol 1e-3, saw two
// corrections of 1.14e-13, rate 1, and failed). Optimistix's chord iteration
// (which Diffrax uses) has a fixed cut-off of 1e-13 for this; the scaled
// noise is about eps / rtol, above that cut-off for rtol below 2e-3. The
// iteration has failed when theta >= 1, a value is not finite, or max_iters
// pass first. Then F_i = (Y_i - base_i) / (h
// gamma), the stage derivative consistent with the solved equation (no
// extra f call, and no amplification of the Newton error by a stiff J).
// The solution is the last stage; the error estimate is h sum_j b_error_j F_j.
// The dense output is the cubic Hermite interpolant of (y, f0) and (y1, F_S),
// third order, as Diffrax uses for these methods.
#pragma once

#include <type_traits>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/error_norm.hpp"
#include "kode/kernels/linear/small_lu.hpp"
#include "kode/kernels/static_for.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/implicit_solve.hpp"

namespace kode {

template <class Tableau>
struct Esdirk {
  static constexpr const char* name = Tableau::name;
  static constexpr bool implicit = true;  // implicit_method.hpp
  static constexpr bool newton = true;    // solver.newton_kappa, solver.newton_max_iters
  static constexpr int order = Tableau::order;
  static constexpr int error_order = Tableau::error_order;
  static constexpr bool has_error = Tableau::has_error;
  static constexpr int stages = Tableau::stages;
  static constexpr bool fsal = false;
  static constexpr int dense_order = 0;  // no native extension: cubic Hermite
  static constexpr int dense_degree = 3;

  // Sc: double, or a dual number carrying forward sensitivities.
  template <int N, class Sc = double>
  struct Stages {
    Sc f0[N], f1[N];  // the Hermite interpolant's end derivatives
  };

  // Sc = a dual number: the Newton iteration runs on dual numbers as well, so
  // the tangents are the derivatives of the iterates actually computed (the
  // number of iterations is decided by the values alone, like the mesh).
  template <class Model, class P, int N, class Sc>
  KOKKOS_INLINE_FUNCTION static ImplicitSolve step(const Model& model, const P* p, double t,
                                                   double h, const Sc (&y)[N], const Sc (&f0)[N],
                                                   const Sc (&jacobian)[N][N],
                                                   const Sc (&/*f_t*/)[N],
                                                   const StepSizeControl& control, Sc (&y1)[N],
                                                   Sc (&err)[N], Stages<N, Sc>& s) {
    constexpr int S = Tableau::stages;
    const double hg = h * Tableau::gamma;
    SmallLu<N, Sc> w;
    if (!w.factor_identity_minus(hg, jacobian)) return ImplicitSolve::singular;

    Sc F[S][N];
    for (int i = 0; i < N; ++i) F[0][i] = f0[i];
    Sc Y[N];
    bool ok = true;
    // Compile-time stage and coefficient indices (static_for), so the
    // tableau's coefficients fold into the instructions.
    static_for<1, S>([&](auto stage_constant) {
      constexpr int stage = decltype(stage_constant)::value;
      if (!ok) return;
      Sc base[N];
      for (int i = 0; i < N; ++i) {
        Sc b = 0.0, pred = 0.0;
        static_for<0, stage>([&](auto j_constant) {
          constexpr int j = decltype(j_constant)::value;
          b += Tableau::a(stage, j) * F[j][i];
          pred += Tableau::predictor(stage, j) * F[j][i];
        });
        base[i] = y[i] + h * b;
        Y[i] = y[i] + h * pred;
      }
      constexpr double c_stage = Tableau::c(stage);
      const double ts = t + c_stage * h;
      double previous = 0.0;
      bool converged = false;
      for (int iteration = 1; iteration <= control.newton_max_iters && !converged; ++iteration) {
        Sc dY[N];
        model.rhs(ts, Y, p, dY);
        for (int i = 0; i < N; ++i) dY[i] = base[i] + hg * dY[i] - Y[i];
        w.solve(dY);
        Sc Y_new[N];
        for (int i = 0; i < N; ++i) Y_new[i] = Y[i] + dY[i];
        const double norm = math::sqrt(newton_mean_square(y, Y_new, dY, control));
        for (int i = 0; i < N; ++i) Y[i] = Y_new[i];
        if (!math::isfinite(norm)) break;
        if (iteration >= 2) {
          if (norm <= newton_noise(y, Y, control)) {
            converged = true;
          } else {
            const double rate = norm / previous;
            if (!(rate < 1.0)) break;
            converged = rate / (1.0 - rate) * norm <= control.newton_kappa;
          }
        }
        previous = norm;
      }
      if (!converged) {
        ok = false;
        return;
      }
      for (int i = 0; i < N; ++i) F[stage][i] = (Y[i] - base[i]) / hg;
    });
    if (!ok) return ImplicitSolve::not_converged;
    for (int i = 0; i < N; ++i) {
      y1[i] = Y[i];
      Sc e = 0.0;
      static_for<0, S>([&](auto j_constant) {
        constexpr int j = decltype(j_constant)::value;
        e += Tableau::b_error(j) * F[j][i];
      });
      err[i] = h * e;
      s.f0[i] = f0[i];
      s.f1[i] = F[S - 1][i];
    }
    return ImplicitSolve::converged;
  }

  // The Newton correction's scaled mean square, from values only (a decision).
  template <int N, class Sc>
  KOKKOS_INLINE_FUNCTION static double newton_mean_square(const Sc (&y)[N], const Sc (&Y)[N],
                                                          const Sc (&dY)[N],
                                                          const StepSizeControl& control) {
    if constexpr (std::is_same<Sc, double>::value) {
      return scaled_error_mean_square(y, Y, dY, control.rtol, control.atol);
    } else {
      double yv[N], Yv[N], dYv[N];
      for (int i = 0; i < N; ++i) {
        yv[i] = value(y[i]);
        Yv[i] = value(Y[i]);
        dYv[i] = value(dY[i]);
      }
      return scaled_error_mean_square(yv, Yv, dYv, control.rtol, control.atol);
    }
  }

  // The scaled RMS norm of 8 ulps of the iterates, max(|y_i|, |Y_i|) 8 eps: a
  // Newton correction this small is rounding noise.
  template <int N, class Sc>
  KOKKOS_INLINE_FUNCTION static double newton_noise(const Sc (&y)[N], const Sc (&Y)[N],
                                                    const StepSizeControl& control) {
    constexpr double ulps = 8.0 * 2.220446049250313e-16;
    double yv[N], Yv[N], noise[N];
    for (int i = 0; i < N; ++i) {
      yv[i] = value(y[i]);
      Yv[i] = value(Y[i]);
      noise[i] = ulps * math::max(math::fabs(yv[i]), math::fabs(Yv[i]));
    }
    return math::sqrt(scaled_error_mean_square(yv, Yv, noise, control.rtol, control.atol));
  }

  template <int N, class Sc = double>
  struct Interpolant {
    double t0, dt;
    const Sc (&y0)[N];
    const Sc (&y1)[N];
    const Stages<N, Sc>& s;

    KOKKOS_INLINE_FUNCTION void evaluate(double theta, Sc (&y)[N]) const {
      hermite_cubic(theta, dt, y0, s.f0, y1, s.f1, y);
    }
  };
};

}  // namespace kode
