// Scalar noise (n_noise = 1 driving every state) and the same SDE written
// with general noise (G as an n_state x 1 column) are one SDE: Euler-Maruyama
// and Euler-Heun must give the same numbers either way, and Milstein (which
// takes general noise only through a commutativity it cannot check, so kode
// refuses it there) must reach strong order 1 on scalar noise. The model:
// two geometric Brownian motions driven by ONE Brownian motion,
//   dx_i = mu_i x_i dt + s_i x_i dW,   x_i(T) = x_i(0) exp((mu_i - s_i^2/2) T + s_i W(T))
// (Kloeden & Platen 1992, Sec. 4.4), so Milstein's (dG/dy) G term couples
// nothing across states but uses the scalar-noise branch
// (dW^2 - h for every state).
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/kernels/sde/brownian_tree.hpp"
#include "kode/kernels/sde/euler_heun.hpp"
#include "kode/kernels/sde/euler_maruyama.hpp"
#include "kode/kernels/sde/milstein.hpp"

namespace {

template <kode::NoiseKind Kind>
struct TwoGbmOneNoise {
  static constexpr const char* name = "two_gbm_one_noise";
  static constexpr int n_state = 2, n_param = 4, n_noise = 1;
  static constexpr kode::NoiseKind noise = Kind;
  static constexpr kode::Calculus calculus = kode::Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x", "y"};
  static constexpr const char* param_names[n_param] = {"mu_x", "mu_y", "s_x", "s_y"};

  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0];
    dy[1] = p[1] * y[1];
  }
  // Scalar noise: g[i]; general noise with n_noise = 1: g[i * 1 + 0]. The
  // same array either way, which is the point of the comparison.
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(double /*t*/, const T* y, const P* p, T* g) const {
    g[0] = p[2] * y[0];
    g[1] = p[3] * y[1];
  }
};
using Scalar = TwoGbmOneNoise<kode::NoiseKind::scalar>;
using General = TwoGbmOneNoise<kode::NoiseKind::general>;

constexpr int kPaths = 400;
constexpr double kT = 1.0;
const std::vector<double> kParams = {0.3, -0.2, 0.6, 0.9};

kode::SolveSpec fixed_spec(double dt, const char* calculus = "") {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = kT;
  s.ts = {kT};
  s.control.adaptive = false;
  s.control.dt0 = dt;
  s.control.max_steps = 100000;
  s.noise.seed = 11;
  s.noise.calculus = calculus;
  return s;
}

template <class Model, class Method>
kode::BatchResult solve(const kode::SolveSpec& spec) {
  std::vector<double> params, y0;
  for (int k = 0; k < kPaths; ++k) {
    params.insert(params.end(), kParams.begin(), kParams.end());
    y0.push_back(1.0);
    y0.push_back(2.0);
  }
  return kode::solve_batch<Model, Method>(Model{}, spec, params, y0, kPaths);
}

}  // namespace

TEST_CASE("SDE scalar noise: the same numbers as the general-noise form", "[sde]") {
  const auto spec = fixed_spec(1.0 / 64);
  const auto a = solve<Scalar, kode::EulerMaruyama>(spec);
  const auto b = solve<General, kode::EulerMaruyama>(spec);
  CHECK(a.y_final == b.y_final);
  // Euler-Heun through the Ito -> Stratonovich drift conversion: the scalar
  // branch (one dual evaluation along g) and the general branch (one per
  // noise column) compute the same correction.
  const auto c = solve<Scalar, kode::EulerHeun>(spec);
  const auto d = solve<General, kode::EulerHeun>(spec);
  double max_gap = 0.0;
  for (size_t i = 0; i < c.y_final.size(); ++i)
    max_gap = std::fmax(max_gap, std::fabs(c.y_final[i] - d.y_final[i]) / std::fabs(d.y_final[i]));
  INFO("largest relative gap " << max_gap);
  CHECK(max_gap < 1e-13);
  CHECK(c.y_final != a.y_final);  // another solver: other numbers
}

TEST_CASE("SDE scalar noise: Milstein strong order 1, Euler-Maruyama 0.5", "[sde]") {
  auto strong_error = [](auto solved, double dt) {
    const auto r = solved(fixed_spec(dt));
    const auto spec = fixed_spec(dt);
    const double tol = kode::brownian_tree_tol(spec.t0, spec.t1, spec.noise);
    double sum = 0.0;
    for (int k = 0; k < kPaths; ++k) {
      const double w = kode::VirtualBrownianTree(0.0, kT, tol, spec.noise.seed, k, 0)(kT);
      const double x =
          1.0 * std::exp((kParams[0] - 0.5 * kParams[2] * kParams[2]) * kT + kParams[2] * w);
      const double y =
          2.0 * std::exp((kParams[1] - 0.5 * kParams[3] * kParams[3]) * kT + kParams[3] * w);
      sum += std::fabs(r.y_final[2 * k] - x) + std::fabs(r.y_final[2 * k + 1] - y);
    }
    return sum / kPaths;
  };
  // Least-squares slope of log e against log h over h = 2^-4 .. 2^-8.
  auto order = [&](auto solved) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const int n = 5;
    for (int k = 4; k <= 8; ++k) {
      const double lx = std::log(std::ldexp(1.0, -k)),
                   ly = std::log(strong_error(solved, std::ldexp(1.0, -k)));
      sx += lx;
      sy += ly;
      sxx += lx * lx;
      sxy += lx * ly;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  };
  const double milstein =
      order([](const kode::SolveSpec& s) { return solve<Scalar, kode::Milstein>(s); });
  const double euler =
      order([](const kode::SolveSpec& s) { return solve<Scalar, kode::EulerMaruyama>(s); });
  INFO("Milstein order " << milstein << ", Euler-Maruyama order " << euler);
  // +-0.15 as in test_sde_convergence.cpp (shared paths make the slope stable).
  CHECK(std::fabs(milstein - 1.0) < 0.15);
  CHECK(std::fabs(euler - 0.5) < 0.15);
}
