// Weak (statistical) properties of the SDE solvers: Monte Carlo moments over
// tens of thousands of independent Brownian paths against laws known in
// closed form. Every statistical bound is 5 standard errors computed from
// the sample size and the exact law (a false alarm has probability ~6e-7 per
// check; the paths are fixed by the seed, so a pass is reproducible), plus,
// where a method's own discretisation bias is known, that bias, computed
// exactly and shown to be small.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/kernels/models/geometric_brownian_motion.hpp"
#include "kode/kernels/models/langevin_spring_mass_damper.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"
#include "kode/kernels/models/ornstein_uhlenbeck.hpp"
#include "kode/kernels/models/stochastic_lotka_volterra.hpp"
#include "kode/kernels/sde/additive_srk.hpp"
#include "kode/kernels/sde/euler_maruyama.hpp"
#include "kode/kernels/sde/milstein.hpp"
#include "kode/kernels/sde/sde_vector_fields.hpp"
#include "kode/kernels/tableaus/euler.hpp"

namespace {

using kode::models::GeometricBrownianMotion;
using kode::models::LangevinSpringMassDamper;
using kode::models::OrnsteinUhlenbeck;
using kode::models::StochasticLotkaVolterra;

constexpr std::uint64_t kSeed = 77031;

// n copies of one parameter/initial-state vector.
std::vector<double> repeat(const std::vector<double>& v, int n) {
  std::vector<double> out;
  for (int k = 0; k < n; ++k) out.insert(out.end(), v.begin(), v.end());
  return out;
}

kode::SolveSpec fixed_spec(double t1, double dt, std::vector<double> ts) {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = t1;
  s.ts = std::move(ts);
  s.control.adaptive = false;
  s.control.dt0 = dt;
  s.control.max_steps = static_cast<int>(t1 / dt) + 2;
  s.noise.seed = kSeed;
  return s;
}

void require_all_successful(const kode::BatchResult& r) {
  int failed = 0;
  for (int k = 0; k < r.n_traj; ++k) failed += r.status[k] != 0;
  REQUIRE(failed == 0);
}

// Sample mean and (n - 1)-normalised variance of component i at save index j.
struct Sample {
  double mean = 0.0, variance = 0.0, mean_square = 0.0;
};
Sample sample_at(const kode::BatchResult& r, int j, int i) {
  const int n = r.n_traj, ns = r.n_save(), N = r.n_state;
  Sample s;
  for (int k = 0; k < n; ++k) {
    const double x = r.ys[(static_cast<size_t>(k) * ns + j) * N + i];
    s.mean += x / n;
    s.mean_square += x * x / n;
  }
  for (int k = 0; k < n; ++k) {
    const double d = r.ys[(static_cast<size_t>(k) * ns + j) * N + i] - s.mean;
    s.variance += d * d / (n - 1);
  }
  return s;
}

}  // namespace

// Euler-Maruyama on GBM, X_{k+1} = X_k (1 + mu h + sigma dW_k), has an
// exactly known law: with a = 1 + mu h and independent dW_k ~ N(0, h),
//   E[X_n]   = x0 a^n,
//   E[X_n^2] = x0^2 (a^2 + sigma^2 h)^n,
//   E[X_n^4] = x0^4 (a^4 + 6 a^2 sigma^2 h + 3 sigma^4 h^2)^n,
// the last giving the standard error of the sample second moment. Its bias
// against the exact law, E[X(T)] = x0 e^{mu T}, E[X(T)^2] = x0^2
// e^{(2 mu + sigma^2) T}, is O(h): weak order 1 (Kloeden & Platen 1992,
// Sec. 14.1).
// Mutations caught: increments that are not N(0, h) or not independent
// between steps (E[X^2] moves by many SE), a drift conversion applied to an
// Ito problem solved by an Ito method (mean off by ~35 SE), a wrong drift.
TEST_CASE("Euler-Maruyama on GBM: exact discrete moments and weak order 1", "[sde][law]") {
  const double mu = 1.0, sigma = 0.5, x0 = 1.0, t1 = 1.0;
  const int n_steps = 8, n_paths = 20000;
  const double h = t1 / n_steps;
  const auto r = kode::solve_batch<GeometricBrownianMotion, kode::EulerMaruyama>(
      {}, fixed_spec(t1, h, {t1}), repeat({mu, sigma}, n_paths), repeat({x0}, n_paths), n_paths);
  require_all_successful(r);
  const double a = 1.0 + mu * h, s2h = sigma * sigma * h;
  const double m1 = x0 * std::pow(a, n_steps);
  const double m2 = x0 * x0 * std::pow(a * a + s2h, n_steps);
  const double m4 =
      std::pow(x0, 4) * std::pow(a * a * a * a + 6 * a * a * s2h + 3 * s2h * s2h, n_steps);
  const Sample s = sample_at(r, 0, 0);
  const double se1 = std::sqrt((m2 - m1 * m1) / n_paths), se2 = std::sqrt((m4 - m2 * m2) / n_paths);
  INFO("mean " << s.mean << " (EM law " << m1 << ", SE " << se1 << "), E[X^2] " << s.mean_square
               << " (EM law " << m2 << ", SE " << se2 << ")");
  CHECK(std::fabs(s.mean - m1) < 5.0 * se1);
  CHECK(std::fabs(s.mean_square - m2) < 5.0 * se2);

  // Weak order 1 of the law itself (deterministic): the bias of both moments
  // halves with h, the ratio tending to 2 (0.05 covers the O(h^2) remainder
  // at these h).
  auto bias = [&](int n, int moment) {
    const double hh = t1 / n, aa = 1.0 + mu * hh;
    return moment == 1 ? std::fabs(x0 * std::pow(aa, n) - x0 * std::exp(mu * t1))
                       : std::fabs(x0 * x0 * std::pow(aa * aa + sigma * sigma * hh, n) -
                                   x0 * x0 * std::exp((2 * mu + sigma * sigma) * t1));
  };
  for (int moment : {1, 2}) {
    for (int n = 64; n <= 512; n *= 2) {
      const double ratio = bias(n, moment) / bias(2 * n, moment);
      INFO("moment " << moment << ", h = 1/" << n << " -> 1/" << 2 * n << ": bias ratio " << ratio);
      CHECK(std::fabs(ratio - 2.0) < 0.05);
    }
  }
}

// Ornstein-Uhlenbeck's law is normal with mean mu + (x0 - mu) e^{-theta t}
// and variance sigma^2 (1 - e^{-2 theta t}) / (2 theta) (Uhlenbeck &
// Ornstein 1930); both solvers below are linear in Gaussian increments, so
// their X(t) is exactly normal too and the variance's standard error is
// var sqrt(2 / (n - 1)).
namespace {
constexpr double kTheta = 2.0, kOuMu = 1.0, kOuSigma = 0.8, kOuX0 = 2.0;
const std::vector<double> kOuTs = {0.25, 0.5, 1.0};
constexpr int kOuPaths = 20000;

double ou_mean(double t) {
  return kOuMu + (kOuX0 - kOuMu) * std::exp(-kTheta * t);
}
double ou_variance(double t) {
  return kOuSigma * kOuSigma * (1.0 - std::exp(-2.0 * kTheta * t)) / (2.0 * kTheta);
}

// Checks mean and variance at every save time, allowing `bias(t)` (the known
// deterministic bias of mean and variance) on top of 5 standard errors.
template <class BiasFn>
void check_ou_law(const kode::BatchResult& r, BiasFn bias) {
  for (int j = 0; j < r.n_save(); ++j) {
    const double t = kOuTs[j], var = ou_variance(t);
    const Sample s = sample_at(r, j, 0);
    const double se_mean = std::sqrt(var / r.n_traj);
    const double se_var = var * std::sqrt(2.0 / (r.n_traj - 1));
    const auto [bias_mean, bias_var] = bias(t);
    INFO("t = " << t << ": mean " << s.mean << " (exact " << ou_mean(t) << ", SE " << se_mean
                << ", known bias " << bias_mean << "), variance " << s.variance << " (exact " << var
                << ", SE " << se_var << ", known bias " << bias_var << ")");
    CHECK(std::fabs(s.mean - ou_mean(t)) < 5.0 * se_mean + std::fabs(bias_mean));
    CHECK(std::fabs(s.variance - var) < 5.0 * se_var + std::fabs(bias_var));
  }
}
}  // namespace

// ShARK with the PID controller (rtol = atol = 1e-3, dt0 = 0.05): steps end
// at the save times. On OU, ShARK is the linear recursion
// X' - mu = R (X - mu) + sigma ((1 - theta h/2) W - theta h (1 - theta h/2) H)
// with R = 1 - theta h + (theta h)^2 / 2, so its mean and variance are exact
// up to O(h^2): even at h = 0.1, five times the mean step taken here (~50
// accepted steps per path, checked below to exceed 10), the stationary
// variance is 0.8% (0.8 SE) low and the mean at t = 1 0.002 (0.7 SE) high;
// at the steps actually taken, ~25 times less. No bias allowance is added.
// Mutations caught: a time loop that, after a rejected step, measures the
// next increment from the rejected end point (tried: `at_t = at_next` on
// rejection; the lost increments shrink the variance by many SE), noise of
// the wrong size.
TEST_CASE("ShARK (adaptive) on Ornstein-Uhlenbeck: mean and variance of the exact law",
          "[sde][law]") {
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = kOuTs.back();
  spec.ts = kOuTs;
  spec.control.adaptive = true;
  spec.control.rtol = spec.control.atol = 1e-3;
  spec.control.dt0 = 0.05;
  spec.noise.seed = kSeed;
  const auto r = kode::solve_batch<OrnsteinUhlenbeck, kode::Shark>(
      {}, spec, repeat({kTheta, kOuMu, kOuSigma}, kOuPaths), repeat({kOuX0}, kOuPaths), kOuPaths);
  require_all_successful(r);
  long accepted = 0, rejected = 0;
  for (int k = 0; k < kOuPaths; ++k) {
    accepted += r.num_accepted[k];
    rejected += r.num_rejected[k];
  }
  INFO("accepted " << accepted << ", rejected " << rejected << " steps");
  // Mean step < 0.1 (the bias estimate above); the controller did reject.
  CHECK(accepted > 10L * kOuPaths);
  CHECK(rejected > 0);
  check_ou_law(r, [](double) { return std::pair<double, double>{0.0, 0.0}; });
}

// Euler-Maruyama at h = 2^-7: X_{k+1} - mu = (1 - theta h)(X_k - mu) +
// sigma dW_k, so after n steps the mean is mu + (x0 - mu)(1 - theta h)^n and
// the variance sigma^2 h (1 - (1 - theta h)^{2n}) / (1 - (1 - theta h)^2):
// an O(h) bias against the exact law (stationary variance off by a factor
// 1 / (1 - theta h / 2)). It is computed here, added to the 5-SE bound and
// required to stay below 2.5 SE, so it cannot hide a real error.
// Mutation caught: Euler-Maruyama's noise term scaled or taken from the
// wrong increment (variance off by many SE).
TEST_CASE("Euler-Maruyama on Ornstein-Uhlenbeck: mean and variance of the exact law",
          "[sde][law]") {
  const double h = 0x1p-7;
  const auto r = kode::solve_batch<OrnsteinUhlenbeck, kode::EulerMaruyama>(
      {}, fixed_spec(kOuTs.back(), h, kOuTs), repeat({kTheta, kOuMu, kOuSigma}, kOuPaths),
      repeat({kOuX0}, kOuPaths), kOuPaths);
  require_all_successful(r);
  auto em_bias = [h](double t) {
    const int n = static_cast<int>(std::lround(t / h));
    const double q = 1.0 - kTheta * h;
    const double mean = kOuMu + (kOuX0 - kOuMu) * std::pow(q, n);
    const double var = kOuSigma * kOuSigma * h * (1.0 - std::pow(q, 2 * n)) / (1.0 - q * q);
    return std::pair<double, double>{mean - ou_mean(t), var - ou_variance(t)};
  };
  for (double t : kOuTs) {
    const auto [bm, bv] = em_bias(t);
    CHECK(std::fabs(bm) < 2.5 * std::sqrt(ou_variance(t) / kOuPaths));
    CHECK(std::fabs(bv) < 2.5 * ou_variance(t) * std::sqrt(2.0 / (kOuPaths - 1)));
  }
  check_ou_law(r, em_bias);
}

// The Langevin oscillator m x'' = -c x' - k x + sigma xi(t) has the
// stationary Gibbs density ~ exp(-(k x^2 + m v^2) / (2 kB T)) with
// kB T = sigma^2 / (2 c) (fluctuation-dissipation; Uhlenbeck & Ornstein
// 1930, Sec. III; Risken, The Fokker-Planck Equation, Sec. 10.1), so
// E[k x^2] = E[m v^2] = sigma^2 / (2 c) and E[x v] = 0. Starting at rest,
// the distance to equilibrium decays like e^{-(c/m) t}; at t = 8 with
// m/c = 1/2 that is e^{-16}. k x^2 and m v^2 are kB T times a chi^2_1
// variable, so their sample means have SE kB T sqrt(2/n).
// ShARK at h = 1/16 is a linear recursion y' = R y + b_W W + b_H H; its exact
// second moments after n steps follow from S' = R S R^T + h b_W b_W^T +
// (h/12) b_H b_H^T, computed below from the step function itself, and must
// lie within 1 SE of equipartition (the method's bias is then immaterial).
// m = 1/2 so that the noise enters as sigma / m != sigma.
// Mutations caught: a diffusion applied without the 1/m (energy x4), noise
// on the wrong component, the final G dW term of the SRK step mis-scaled.
TEST_CASE("Langevin spring-mass-damper (ShARK): equipartition E[k x^2] = E[m v^2] = sigma^2/(2c)",
          "[sde][law]") {
  const double m = 0.5, c = 1.0, k = 2.0, sigma = 1.0, t1 = 8.0, h = 0.0625;
  const int n_paths = 20000;
  const std::vector<double> p = {m, c, k, sigma};
  const auto r = kode::solve_batch<LangevinSpringMassDamper, kode::Shark>(
      {}, fixed_spec(t1, h, {t1}), repeat(p, n_paths), repeat({0.0, 0.0}, n_paths), n_paths);
  require_all_successful(r);
  double kx2 = 0.0, mv2 = 0.0, xv = 0.0;
  for (int i = 0; i < n_paths; ++i) {
    const double x = r.ys[2 * i], v = r.ys[2 * i + 1];
    kx2 += k * x * x / n_paths;
    mv2 += m * v * v / n_paths;
    xv += x * v / n_paths;
  }
  const double kbt = sigma * sigma / (2.0 * c), se = kbt * std::sqrt(2.0 / n_paths);

  // The method's own exact second moments at t1.
  kode::SdeVectorFields<LangevinSpringMassDamper> fields{LangevinSpringMassDamper{}, 0.0};
  auto step = [&](double y0, double y1, double w, double hh, double(&out)[2]) {
    const double y[2] = {y0, y1};
    const kode::BrownianIncrement inc[1] = {{w, hh}};
    double err[2];
    kode::Shark::step(fields, p.data(), 0.0, h, y, inc, out, err);
  };
  double col0[2], col1[2], bw[2], bh[2];
  step(1, 0, 0, 0, col0);  // the columns of R
  step(0, 1, 0, 0, col1);
  step(0, 0, 1, 0, bw);
  step(0, 0, 0, 1, bh);
  const double rm[2][2] = {{col0[0], col1[0]}, {col0[1], col1[1]}};
  double s[2][2] = {{0, 0}, {0, 0}};  // E[y y^T], starting at rest
  for (int n = 0; n < static_cast<int>(t1 / h); ++n) {
    double next[2][2];
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        next[i][j] = h * bw[i] * bw[j] + h / 12.0 * bh[i] * bh[j];
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) next[i][j] += rm[i][a] * s[a][b] * rm[j][b];
      }
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) s[i][j] = next[i][j];
  }
  INFO("E[k x^2] " << kx2 << ", E[m v^2] " << mv2 << " (equipartition " << kbt << ", SE " << se
                   << "; ShARK's exact law at h = " << h << ": " << k * s[0][0] << ", "
                   << m * s[1][1] << "), E[x v] " << xv);
  CHECK(std::fabs(k * s[0][0] - kbt) < se);
  CHECK(std::fabs(m * s[1][1] - kbt) < se);
  CHECK(std::fabs(kx2 - kbt) < 5.0 * se);
  CHECK(std::fabs(mv2 - kbt) < 5.0 * se);
  // E[x v]: SE sqrt(E[x^2] E[v^2] / n) for independent normals.
  CHECK(std::fabs(xv) < 5.0 * std::sqrt(kbt / k * kbt / m / n_paths));
}

// With sigma_x = sigma_y = 0 the stochastic Lotka-Volterra model is
// `lotka_volterra`, and Euler-Maruyama and Milstein reduce to the forward
// Euler method: y + h f(y) + 0 * dW is y + h f(y) bit for bit. Same steps,
// same saved values, same final state, compared with ==.
// Mutations caught: an SDE time loop that takes other steps than the ODE
// loop at constant dt (e.g. a different end-of-interval clipping), a drift
// evaluated at the wrong state or time, saved values from another step.
TEST_CASE("stochastic Lotka-Volterra with sigma = 0 is Lotka-Volterra by forward Euler, bitwise",
          "[sde][law]") {
  const double t1 = 10.0, h = 1.0 / 32.0;
  std::vector<double> ts;
  for (int j = 1; j <= 10; ++j) ts.push_back(j);
  const std::vector<double> y0 = {3.0, 1.0, 1.0, 2.0, 0.5, 0.25};  // three trajectories
  const std::vector<double> p_ode = repeat({1.0, 0.5, 1.0, 0.5}, 3);
  const std::vector<double> p_sde = repeat({1.0, 0.5, 1.0, 0.5, 0.0, 0.0}, 3);
  const auto spec = fixed_spec(t1, h, ts);
  const auto ode =
      kode::solve_batch<kode::models::LotkaVolterra, kode::Euler>({}, spec, p_ode, y0, 3);
  const auto em =
      kode::solve_batch<StochasticLotkaVolterra, kode::EulerMaruyama>({}, spec, p_sde, y0, 3);
  const auto milstein =
      kode::solve_batch<StochasticLotkaVolterra, kode::Milstein>({}, spec, p_sde, y0, 3);
  for (const auto* r : {&em, &milstein}) {
    for (int k = 0; k < 3; ++k) {
      CHECK(r->status[k] == 0);
      CHECK(r->num_steps[k] == ode.num_steps[k]);
    }
    CHECK(r->ys == ode.ys);
    CHECK(r->y_final == ode.y_final);
  }
  CHECK(ode.num_steps[0] == 320);
}

namespace {
// Milstein on Lotka-Volterra with diagonal multiplicative noise multiplies
// each population by 1 + a h + s dW + s^2/2 (dW^2 - h), a = its per-capita
// growth rate, s its noise intensity; over dW this is smallest at s dW = -1,
// where it is 1/2 + h (a - s^2/2). Euler-Maruyama's factor 1 + a h + s dW is
// negative whenever s dW < -1 - a h, which happens with positive
// probability at every step.
struct Positivity {
  int nonpositive_paths = 0;
  double min_value = 0.0;
  int failed = 0;
};
template <class Method>
Positivity lv_positivity(const std::vector<double>& p, const std::vector<double>& y0, double t1,
                         double h, int n_paths) {
  auto spec = fixed_spec(t1, h, {});
  spec.save_steps = true;
  const auto r = kode::solve_batch<StochasticLotkaVolterra, Method>({}, spec, repeat(p, n_paths),
                                                                    repeat(y0, n_paths), n_paths);
  Positivity out;
  out.min_value = y0[0];
  for (int k = 0; k < n_paths; ++k) {
    out.failed += r.status[k] != 0;
    bool positive = true;
    for (int s = 0; s < r.n_steps_saved[k]; ++s)
      for (int i = 0; i < 2; ++i) {
        const double v = r.step_ys[(static_cast<size_t>(k) * r.step_capacity + s) * 2 + i];
        positive = positive && v > 0.0;
        out.min_value = std::fmin(out.min_value, v);
      }
    out.nonpositive_paths += !positive;
  }
  return out;
}
}  // namespace

// (1) A realistic setting (cycles around (2, 2), sigma = 0.3, h = 1/32,
// t = 8): every state after every step stays positive.
// (2) Large steps (h = 1/4, s sqrt(h) = 0.5) on slow dynamics (rates 0.05,
// populations ~10): Milstein's worst factor 1/2 + h (a - s^2/2) stays
// positive as long as the predator stays below ~300 (a > -1.5 + ...), which
// it does on these paths, while Euler-Maruyama goes non-positive on ~16% of
// them (checked, so the test can tell the two apart).
// Mutation caught: Milstein without its correction term (that is
// Euler-Maruyama, the second half of (2)), or with the wrong sign of s^2/2.
TEST_CASE("stochastic Lotka-Volterra with Milstein stays positive", "[sde][law]") {
  const int n_paths = 2000;
  const auto realistic = lv_positivity<kode::Milstein>({1.0, 0.5, 1.0, 0.5, 0.3, 0.3}, {3.0, 1.0},
                                                       8.0, 1.0 / 32, n_paths);
  INFO("realistic: smallest population " << realistic.min_value);
  CHECK(realistic.failed == 0);
  CHECK(realistic.nonpositive_paths == 0);

  const std::vector<double> slow = {0.05, 0.005, 0.05, 0.005, 1.0, 1.0}, y0 = {10.0, 10.0};
  const auto milstein = lv_positivity<kode::Milstein>(slow, y0, 1.0, 0.25, 4000);
  const auto em = lv_positivity<kode::EulerMaruyama>(slow, y0, 1.0, 0.25, 4000);
  INFO("large steps: Milstein's smallest population "
       << milstein.min_value << ", " << em.nonpositive_paths
       << " of 4000 Euler-Maruyama paths non-positive");
  CHECK(milstein.failed == 0);
  CHECK(milstein.nonpositive_paths == 0);
  CHECK(em.nonpositive_paths > 200);
}
