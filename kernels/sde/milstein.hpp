// Milstein's method (Ito), for diagonal, scalar and additive noise:
//   y1_i = y_i + f_i h + (G dW)_i + 1/2 ((dG/dy) G)_i (dW_i^2 - h)
// (for scalar noise dW_i is the one dW). Strong order 1.0 (G. N. Milstein,
// "Approximate integration of stochastic differential equations", Theory
// Probab. Appl. 19 (1974); Kloeden & Platen 1992, Sec. 10.3). The derivative
// (dG/dy) G comes from the model's diffusion with dual numbers. General
// noise would need the iterated integrals (Levy areas) of pairs of noise
// dimensions, so it is refused.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/noise.hpp"

namespace kode {

struct Milstein {
  static constexpr const char* name = "milstein";
  static constexpr const char* full_name = "Milstein (Ito)";
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr double strong_order = 1.0;
  static constexpr bool has_error = false;
  static constexpr int error_order = 1;  // unused: no error estimate
  static constexpr bool supports(NoiseKind k) { return k != NoiseKind::general; }

  template <class F, class Time, class T, class P, int N, int M, class Increment>
  KOKKOS_INLINE_FUNCTION static void step(const F& sde, const P* p, Time t, Time h, const T (&y)[N],
                                          const Increment (&inc)[M], T (&y1)[N], T (&/*err*/)[N]) {
    static_assert(F::noise != NoiseKind::general, "Milstein needs diagonal/scalar/additive noise");
    T f[N], g[F::G];
    NoiseValue<Increment> dw[M];
    sde.drift(t, y, p, f);
    sde.diffusion(t, y, p, g);
    for (int j = 0; j < M; ++j) dw[j] = inc[j].dw;
    for (int i = 0; i < N; ++i) y1[i] = y[i] + h * f[i];
    add_noise_product<F::noise>(g, dw, 1.0, y1);
    if constexpr (F::noise == NoiseKind::diagonal || F::noise == NoiseKind::scalar) {
      T u[N], dgg[F::G];
      for (int i = 0; i < N; ++i) u[i] = g[i];
      sde.diffusion_derivative_along(t, y, p, u, dgg);
      for (int i = 0; i < N; ++i) {
        const auto w = F::noise == NoiseKind::diagonal ? dw[i] : dw[0];
        y1[i] += 0.5 * dgg[i] * (w * w - h);
      }
    }
  }
};

}  // namespace kode
