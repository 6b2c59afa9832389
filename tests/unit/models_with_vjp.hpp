// Built-in models with a hand-written vector-Jacobian product
// (kernels/model_concept.hpp), for the tests of the adjoints' vjp paths.
// `scale` multiplies the parameter part, so a deliberately wrong product
// (scale 2) shows whether an adjoint really calls it.
#pragma once

#include <Kokkos_Core.hpp>

#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"

namespace kode_test {

// f = (v, -2 zeta omega v - omega^2 x), y = (x, v), p = (zeta, omega).
struct OscillatorWithVjp : kode::models::DampedOscillator {
  double scale = 1.0;
  KOKKOS_INLINE_FUNCTION void vjp(double, const double* y, const double* p, const double* w,
                                  double* wy, double* wp) const {
    wy[0] = -w[1] * p[1] * p[1];
    wy[1] = w[0] - 2.0 * w[1] * p[0] * p[1];
    wp[0] = scale * (-2.0 * w[1] * p[1] * y[1]);
    wp[1] = scale * (w[1] * (-2.0 * p[0] * y[1] - 2.0 * p[1] * y[0]));
  }
};

// f = (alpha x - beta x y, delta x y - gamma y), p = (alpha, beta, gamma, delta).
struct LotkaVolterraWithVjp : kode::models::LotkaVolterra {
  double scale = 1.0;
  KOKKOS_INLINE_FUNCTION void vjp(double, const double* y, const double* p, const double* w,
                                  double* wy, double* wp) const {
    wy[0] = w[0] * (p[0] - p[1] * y[1]) + w[1] * p[3] * y[1];
    wy[1] = -w[0] * p[1] * y[0] + w[1] * (p[3] * y[0] - p[2]);
    wp[0] = scale * w[0] * y[0];
    wp[1] = scale * -w[0] * y[0] * y[1];
    wp[2] = scale * -w[1] * y[1];
    wp[3] = scale * w[1] * y[0] * y[1];
  }
};

static_assert(kode::has_vjp<OscillatorWithVjp>::value, "the test model's vjp is detected");
static_assert(kode::has_vjp<LotkaVolterraWithVjp>::value, "the test model's vjp is detected");
static_assert(!kode::has_vjp<kode::models::DampedOscillator>::value, "no vjp, none detected");

}  // namespace kode_test
