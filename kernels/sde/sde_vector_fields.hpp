// The drift and diffusion an SDE solver sees: the model's, with the drift
// converted between Ito and Stratonovich when the solver converges to the
// other calculus than the one the problem is posed in. For
//   dX = f dt + G dW (Ito)  <=>  dX = (f - c) dt + G o dW (Stratonovich),
//   c_i = 1/2 sum_j sum_k (d G_ij / d y_k) G_kj
// (Kloeden & Platen 1992, Sec. 4.9, eq. (9.11)). c is computed from the
// model's own templated diffusion with forward-mode dual numbers seeded along
// the noise columns: one evaluation for diagonal and scalar noise, n_noise for
// general noise, none for additive noise (c = 0). The same directional
// derivative (dG/dy) G is Milstein's correction term.
//
// Every function is a template over the scalar types of y (T) and p (P):
// double for a solve, DualN<K> for forward sensitivities and the adjoint's
// local derivatives (dual.hpp). The directional derivative (dG/dy) u is then
// taken with a dual number over T: Dual for T = double, NestedDual<DualN<K>>
// for T = DualN<K>, so that its own K tangents are exact too.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/sde/noise.hpp"
#include "kode/kernels/simd/lane_dual.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

namespace kode {

namespace sde_detail {
// The dual number that carries one direction u over values of type T.
template <class T>
struct DirectionDual {
  using type = NestedDual<T>;
  KOKKOS_INLINE_FUNCTION static type seed(const T& v, const T& u) { return type(v, u); }
  KOKKOS_INLINE_FUNCTION static T derivative(const type& x) { return x.d; }
};
template <>
struct DirectionDual<double> {
  using type = Dual;
  KOKKOS_INLINE_FUNCTION static type seed(double v, double u) { return type(v, u); }
  KOKKOS_INLINE_FUNCTION static double derivative(const type& x) { return x.d; }
};
#if KODE_HAVE_LANES
// W trajectories in SIMD lanes: LaneDual<1, W> is Dual's arithmetic lane by
// lane (simd/lane_dual.hpp), so each lane gets the one-trajectory bits.
template <int W>
struct DirectionDual<LanePack<W>> {
  using type = LaneDual<1, W>;
  KOKKOS_INLINE_FUNCTION static type seed(const LanePack<W>& v, const LanePack<W>& u) {
    type x(v);
    x.d[0] = u;
    return x;
  }
  KOKKOS_INLINE_FUNCTION static LanePack<W> derivative(const type& x) { return x.d[0]; }
};
#endif
}  // namespace sde_detail

template <class Model>
struct SdeVectorFields {
  static constexpr int N = Model::n_state;
  static constexpr int P = Model::n_param;
  static constexpr int M = Model::n_noise;
  static constexpr int G = diffusion_size<Model>();
  static constexpr NoiseKind noise = Model::noise;

  Model model;
  // Multiple of c added to the model's drift: 0 (same calculus), +1 (the
  // problem is Stratonovich, the solver Ito), -1 (problem Ito, solver
  // Stratonovich).
  double drift_conversion = 0.0;

  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time t, const T (&y)[N], const P* p, T (&g)[G]) const {
    model.diffusion(t, y, p, g);
  }

  // (dG/dy) u for diagonal or scalar noise: the derivative of the diffusion
  // array along the direction u (for diagonal noise, entry i is
  // g_i'(y_i) u_i, since g_i depends on y_i only).
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion_derivative_along(Time t, const T (&y)[N], const P* p,
                                                         const T (&u)[N], T (&out)[G]) const {
    using Direction = sde_detail::DirectionDual<T>;
    typename Direction::type yd[N], gd[G];
    for (int i = 0; i < N; ++i) yd[i] = Direction::seed(y[i], u[i]);
    model.diffusion(t, yd, p, gd);
    for (int i = 0; i < G; ++i) out[i] = Direction::derivative(gd[i]);
  }

  // c = 1/2 sum_j (dG_{.j}/dy) G_{.j} at (t, y), given g = G(t, y).
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void ito_correction(Time t, const T (&y)[N], const P* p, const T (&g)[G],
                                             T (&c)[N]) const {
    if constexpr (noise == NoiseKind::additive) {
      for (int i = 0; i < N; ++i) c[i] = 0.0;
    } else if constexpr (noise == NoiseKind::diagonal || noise == NoiseKind::scalar) {
      T u[N], dg[G];
      for (int i = 0; i < N; ++i) u[i] = g[i];
      diffusion_derivative_along(t, y, p, u, dg);
      for (int i = 0; i < N; ++i) c[i] = 0.5 * dg[i];
    } else {
      for (int i = 0; i < N; ++i) c[i] = 0.0;
      for (int j = 0; j < M; ++j) {
        T u[N], dg[G];
        for (int k = 0; k < N; ++k) u[k] = g[k * M + j];
        diffusion_derivative_along(t, y, p, u, dg);
        for (int i = 0; i < N; ++i) c[i] += 0.5 * dg[i * M + j];
      }
    }
  }

  // The drift in the solver's calculus.
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void drift(Time t, const T (&y)[N], const P* p, T (&f)[N]) const {
    model.rhs(t, y, p, f);
    if constexpr (noise != NoiseKind::additive) {
      if (drift_conversion != 0.0) {
        T g[G], c[N];
        model.diffusion(t, y, p, g);
        ito_correction(t, y, p, g, c);
        for (int i = 0; i < N; ++i) f[i] += drift_conversion * c[i];
      }
    }
  }
};

}  // namespace kode
