// Two-stage stochastic Runge-Kutta methods for additive noise
// dX = f(t, X) dt + G(t) dW with strong order 1.5, using the Brownian
// increment W and the space-time Levy area H of each step (Diffrax's SRK
// form for additive noise):
//   z_1 = y + G(t) (aW_1 W + aH_1 H),                 f_1 = f(t, z_1)
//   z_2 = y + a21 h f_1 + G(t) (aW_2 W + aH_2 H),      f_2 = f(t + c2 h, z_2)
//   y1  = y + h (b_1 f_1 + b_2 f_2) + G(t) W + (G(t+h) - G(t)) (W/2 - H),
// the last term being the correction for a diffusion that varies in time.
// The embedded estimate h (e_1 f_1 + e_2 f_2) compares with a lower-order
// drift quadrature, so the PID controller can adapt the step; its error
// order is strong order + 1/2 = 2, as Diffrax uses.
// Coefficients:
//  - SRA1: A. Roessler, "Runge-Kutta methods for the strong approximation of
//    solutions of stochastic differential equations", SIAM J. Numer. Anal.
//    48 (2010) 922-952 (as tabulated by Diffrax's SRA1).
//  - ShARK: J. Foster, G. dos Reis, C. Strange, "High order splitting methods
//    for SDEs satisfying a commutativity condition", arXiv:2210.17543,
//    eq. (6.1) (Diffrax's ShARK): the first stage is shifted by G H.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/noise.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

namespace kode {

struct Sra1Coefficients {
  static constexpr const char* name = "sra1";
  static constexpr const char* full_name = "SRA1 (Roessler 2010)";
  static constexpr double aw1 = 0.0, ah1 = 0.0;
  static constexpr double a21 = 0.75, c2 = 0.75, aw2 = 0.75, ah2 = 1.5;
  static constexpr double b1 = 1.0 / 3.0, b2 = 2.0 / 3.0;
  static constexpr double e1 = -2.0 / 3.0, e2 = 2.0 / 3.0;
};

struct SharkCoefficients {
  static constexpr const char* name = "shark";
  static constexpr const char* full_name = "ShARK (Foster, dos Reis, Strange 2023)";
  static constexpr double aw1 = 0.0, ah1 = 1.0;
  static constexpr double a21 = 5.0 / 6.0, c2 = 5.0 / 6.0, aw2 = 5.0 / 6.0, ah2 = 1.0;
  static constexpr double b1 = 0.4, b2 = 0.6;
  static constexpr double e1 = -0.6, e2 = 0.6;
};

// y1 += (G(t + h) - G(t)) v, the time-dependent G's term of the additive
// SRK step, skipped when G did not change over the step (the common case of
// a constant G). In SIMD lanes (one trajectory per lane) the skip is per
// lane: the term goes only into the lanes whose G changed, so each lane gets
// the one-trajectory step's bits.
template <NoiseKind K, int G, int M, int N, class T, class DW>
KOKKOS_INLINE_FUNCTION void add_time_varying_diffusion(const T (&g_delta)[G], const DW (&v)[M],
                                                       T (&y1)[N]) {
  bool varies = false;
  for (int k = 0; k < G; ++k) varies = varies || !dual_detail::is_zero(g_delta[k]);
  if (varies) add_noise_product<K>(g_delta, v, 1.0, y1);
}
#if KODE_HAVE_LANES
template <NoiseKind K, int G, int M, int N, int W>
KOKKOS_INLINE_FUNCTION void add_time_varying_diffusion(const LanePack<W> (&g_delta)[G],
                                                       const LanePack<W> (&v)[M],
                                                       LanePack<W> (&y1)[N]) {
  LaneMask<W> varies = g_delta[0] != 0.0;
  for (int k = 1; k < G; ++k) varies |= g_delta[k] != 0.0;
  if (!lane_any<W>(varies)) return;
  LanePack<W> with[N];
  for (int i = 0; i < N; ++i) with[i] = y1[i];
  add_noise_product<K>(g_delta, v, 1.0, with);
  for (int i = 0; i < N; ++i) y1[i] = lane_select(varies, with[i], y1[i]);
}
#endif

template <class Coefficients>
struct AdditiveSrk {
  using C = Coefficients;
  static constexpr const char* name = C::name;
  static constexpr const char* full_name = C::full_name;
  // Ito and Stratonovich coincide for additive noise.
  static constexpr Calculus calculus = Calculus::stratonovich;
  static constexpr double strong_order = 1.5;
  static constexpr bool has_error = true;
  static constexpr int error_order = 2;
  static constexpr bool supports(NoiseKind k) { return k == NoiseKind::additive; }

  template <class F, class Time, class T, class P, int N, int M, class Increment>
  KOKKOS_INLINE_FUNCTION static void step(const F& sde, const P* p, Time t, Time h, const T (&y)[N],
                                          const Increment (&inc)[M], T (&y1)[N], T (&err)[N]) {
    static_assert(F::noise == NoiseKind::additive, "SRA1/ShARK need additive noise");
    T g0[F::G], g1[F::G], f1[N], f2[N], z[N];
    NoiseValue<Increment> dw[M], hh[M];
    for (int j = 0; j < M; ++j) {
      dw[j] = inc[j].dw;
      hh[j] = inc[j].h;
    }
    sde.diffusion(t, y, p, g0);
    // z_1
    for (int i = 0; i < N; ++i) z[i] = y[i];
    if constexpr (C::aw1 != 0.0) add_noise_product<F::noise>(g0, dw, C::aw1, z);
    if constexpr (C::ah1 != 0.0) add_noise_product<F::noise>(g0, hh, C::ah1, z);
    sde.drift(t, z, p, f1);
    // z_2
    for (int i = 0; i < N; ++i) z[i] = y[i] + C::a21 * h * f1[i];
    add_noise_product<F::noise>(g0, dw, C::aw2, z);
    add_noise_product<F::noise>(g0, hh, C::ah2, z);
    sde.drift(t + C::c2 * h, z, p, f2);
    for (int i = 0; i < N; ++i) {
      y1[i] = y[i] + h * (C::b1 * f1[i] + C::b2 * f2[i]);
      err[i] = h * (C::e1 * f1[i] + C::e2 * f2[i]);
    }
    add_noise_product<F::noise>(g0, dw, 1.0, y1);
    // Time-dependent G: + (G(t + h) - G(t)) (W/2 - H).
    sde.diffusion(t + h, y, p, g1);
    T g_delta[F::G];
    NoiseValue<Increment> v[M];
    for (int k = 0; k < F::G; ++k) g_delta[k] = g1[k] - g0[k];
    for (int j = 0; j < M; ++j) v[j] = 0.5 * dw[j] - hh[j];
    add_time_varying_diffusion<F::noise>(g_delta, v, y1);
  }
};

using Sra1 = AdditiveSrk<Sra1Coefficients>;
using Shark = AdditiveSrk<SharkCoefficients>;

}  // namespace kode
