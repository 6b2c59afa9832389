// Closed-form solutions used as references by the numerics tests.
#pragma once

#include <cmath>

namespace kode_test {

// Logistic growth n' = r n (1 - n/k), n(0) = n0 (Verhulst):
// n(t) = k n0 e^{rt} / (k + n0 (e^{rt} - 1)).
inline double logistic(double r, double k, double n0, double t) {
  const double e = std::exp(r * t);
  return k * n0 * e / (k + n0 * (e - 1.0));
}

// Underdamped oscillator x'' + 2 zeta omega x' + omega^2 x = 0 (0 <= zeta < 1)
// with x(0) = x0, v(0) = v0; omega_d = omega sqrt(1 - zeta^2):
// x(t) = e^{-zeta omega t} (x0 cos(omega_d t) + (v0 + zeta omega x0)/omega_d sin(omega_d t)).
struct OscillatorState {
  double x, v;
};
inline OscillatorState damped_oscillator(double zeta, double omega, double x0, double v0,
                                         double t) {
  const double wd = omega * std::sqrt(1.0 - zeta * zeta);
  const double a = x0, b = (v0 + zeta * omega * x0) / wd;
  const double e = std::exp(-zeta * omega * t), c = std::cos(wd * t), s = std::sin(wd * t);
  const double x = e * (a * c + b * s);
  // v = x' = -zeta omega x + e (-a wd s + b wd c)
  const double v = -zeta * omega * x + e * wd * (-a * s + b * c);
  return {x, v};
}

}  // namespace kode_test
