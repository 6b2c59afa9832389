// The Euler-Heun method (Stratonovich): a predictor y' = y + G(t, y) dW, then
//   y1 = y + f(t, y) h + 1/2 (G(t, y) + G(t, y')) dW.
// Converges to the Stratonovich solution with strong order 0.5 (1.0 for
// commutative noise) (P. E. Kloeden, E. Platen, Numerical Solution of
// Stochastic Differential Equations, Springer 1992, Sec. 11.1; Diffrax's
// EulerHeun). Ito problems are solved through the converted drift.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/noise.hpp"

namespace kode {

struct EulerHeun {
  static constexpr const char* name = "euler_heun";
  static constexpr const char* full_name = "Euler-Heun";
  static constexpr Calculus calculus = Calculus::stratonovich;
  static constexpr double strong_order = 0.5;
  static constexpr bool has_error = false;
  static constexpr int error_order = 1;  // unused: no error estimate
  static constexpr bool supports(NoiseKind) { return true; }

  template <class F, class Time, class T, class P, int N, int M, class Increment>
  KOKKOS_INLINE_FUNCTION static void step(const F& sde, const P* p, Time t, Time h, const T (&y)[N],
                                          const Increment (&inc)[M], T (&y1)[N], T (&/*err*/)[N]) {
    T f[N], g[F::G], y_pred[N];
    NoiseValue<Increment> dw[M];
    sde.drift(t, y, p, f);
    sde.diffusion(t, y, p, g);
    for (int j = 0; j < M; ++j) dw[j] = inc[j].dw;
    for (int i = 0; i < N; ++i) y_pred[i] = y[i];
    add_noise_product<F::noise>(g, dw, 1.0, y_pred);
    for (int i = 0; i < N; ++i) y1[i] = y[i] + h * f[i];
    add_noise_product<F::noise>(g, dw, 0.5, y1);
    sde.diffusion(t, y_pred, p, g);
    add_noise_product<F::noise>(g, dw, 0.5, y1);
  }
};

}  // namespace kode
