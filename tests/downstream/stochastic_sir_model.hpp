// An SDE model defined outside kode, with general noise (3 states, 2
// Brownian motions): the SIR model with demographic noise in the form of
// the chemical Langevin equation (D. T. Gillespie, "The chemical Langevin
// equation", J. Chem. Phys. 113 (2000) 297), one noise per reaction,
// scaled by 1/sqrt(population) = sigma:
//   ds = -beta s i dt - sigma sqrt(beta s i) dW_1
//   di = (beta s i - gamma i) dt + sigma sqrt(beta s i) dW_1 - sigma sqrt(gamma i) dW_2
//   dr = gamma i dt + sigma sqrt(gamma i) dW_2
// Each noise column sums to zero over the states, so s + i + r is conserved
// path by path, by every solver, which the downstream test checks.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/sde/noise.hpp"

struct StochasticSirModel {
  static constexpr const char* name = "stochastic_sir";
  static constexpr int n_state = 3, n_param = 3, n_noise = 2;
  static constexpr kode::NoiseKind noise = kode::NoiseKind::general;
  static constexpr kode::Calculus calculus = kode::Calculus::ito;
  static constexpr const char* state_names[n_state] = {"s", "i", "r"};
  static constexpr const char* param_names[n_param] = {"beta", "gamma", "sigma"};

  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double /*t*/, const T* y, const P* p, T* dy) const {
    const T infection = p[0] * y[0] * y[1];
    const T recovery = p[1] * y[1];
    dy[0] = -infection;
    dy[1] = infection - recovery;
    dy[2] = recovery;
  }
  // G is 3 x 2, row-major: g[i * 2 + j] multiplies dW_j in state i.
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(double /*t*/, const T* y, const P* p, T* g) const {
    using kode::math::fabs;
    using kode::math::sqrt;
    const T a = p[2] * sqrt(fabs(p[0] * y[0] * y[1]));
    const T b = p[2] * sqrt(fabs(p[1] * y[1]));
    g[0] = -a;
    g[1] = 0.0;
    g[2] = a;
    g[3] = -b;
    g[4] = 0.0;
    g[5] = b;
  }
};
