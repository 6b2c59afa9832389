// Euler-Maruyama (`euler` for SDE models): y1 = y + f(t, y) h + G(t, y) dW.
// Converges to the Ito solution with strong order 0.5 (1.0 for additive
// noise) and weak order 1 (Kloeden & Platen 1992, Sec. 10.2 and 14.1).
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/noise.hpp"

namespace kode {

struct EulerMaruyama {
  static constexpr const char* name = "euler";
  static constexpr const char* full_name = "Euler-Maruyama";
  static constexpr Calculus calculus = Calculus::ito;
  static constexpr double strong_order = 0.5;
  static constexpr bool has_error = false;
  static constexpr int error_order = 1;  // unused: no error estimate
  static constexpr bool supports(NoiseKind) { return true; }

  template <class F, class Time, class T, class P, int N, int M, class Increment>
  KOKKOS_INLINE_FUNCTION static void step(const F& sde, const P* p, Time t, Time h, const T (&y)[N],
                                          const Increment (&inc)[M], T (&y1)[N], T (&/*err*/)[N]) {
    T f[N], g[F::G];
    NoiseValue<Increment> dw[M];
    sde.drift(t, y, p, f);
    sde.diffusion(t, y, p, g);
    for (int j = 0; j < M; ++j) dw[j] = inc[j].dw;
    for (int i = 0; i < N; ++i) y1[i] = y[i] + h * f[i];
    add_noise_product<F::noise>(g, dw, 1.0, y1);
  }
};

}  // namespace kode
