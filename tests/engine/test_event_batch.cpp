// Events through the batch solver (engine/batch/solve_batch.hpp): event
// times against closed forms for explicit, Rosenbrock and ESDIRK methods;
// each trajectory's results the same bits whatever its batch position; the
// saves before a terminal event the bits of a solve without events (which
// runs in SIMD lanes where the build has them), NaN after it; non-terminal
// records of a damped oscillator's zero crossings; and the first-passage
// time of geometric Brownian motion against its inverse Gaussian law.
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "../analytic_solutions.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"
#include "kode/kernels/models/geometric_brownian_motion.hpp"
#include "kode/kernels/models/logistic.hpp"
#include "kode/kernels/sde/milstein.hpp"

namespace {

using kode::models::Logistic;

// n(t) = k / (1 + (k / n0 - 1) e^{-r t}) reaches `level` at
// t = ln((k / n0 - 1) / (k / level - 1)) / r.
double logistic_time_to(double r, double k, double n0, double level) {
  return std::log((k / n0 - 1.0) / (k / level - 1.0)) / r;
}

kode::SolveSpec logistic_spec() {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 20.0;
  s.ts = {0.5, 1.0, 2.0, 4.0, 8.0, 16.0};
  s.control.rtol = 1e-10;
  s.control.atol = 1e-12;
  s.event.enabled = true;
  s.event.state = 0;
  s.event.value = 5.0;
  s.event.direction = kode::EventDirection::rising;
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("batch events: logistic growth reaches a level at its closed-form time",
                   "[events]", kode::Tsit5, kode::Dopri5, kode::Bosh3, kode::Rodas5P,
                   kode::Esdirk<kode::Kvaerno5>) {
  const int n = 9;
  std::vector<double> p, y0;
  for (int i = 0; i < n; ++i) {
    p.insert(p.end(), {0.5 + 0.25 * i, 10.0});
    y0.push_back(0.1 * (1 + i % 3));
  }
  const kode::SolveSpec spec = logistic_spec();
  kode::BatchSolver<Logistic, TestType> solver;
  kode::BatchResult r;
  solver.solve(spec, p, y0, n, r);
  REQUIRE(r.event_records == 1);
  for (int i = 0; i < n; ++i) {
    const double exact = logistic_time_to(p[2 * i], 10.0, y0[i], 5.0);
    INFO(TestType::name << ", trajectory " << i << ": event at " << r.event_t[i] << ", exact "
                        << exact);
    REQUIRE(r.status[i] == static_cast<int>(kode::Status::event_occurred));
    REQUIRE(r.event_count[i] == 1);
    // The solution errs by about rtol relative; the time by that over n'/n.
    REQUIRE(std::fabs(r.event_t[i] - exact) < 1e-7);
    REQUIRE(r.event_y[i] >= 5.0);
    REQUIRE(r.y_final[i] == r.event_y[i]);
    // Saves after the event were never reached.
    for (size_t j = 0; j < spec.ts.size(); ++j)
      if (spec.ts[j] > r.event_t[i]) REQUIRE(std::isnan(r.ys[i * spec.ts.size() + j]));
  }
  // One trajectory alone: the same bits as in the batch.
  const int k = 7;
  kode::BatchResult alone;
  solver.solve(spec, {p[2 * k], p[2 * k + 1]}, {y0[k]}, 1, alone);
  REQUIRE(std::memcmp(&alone.event_t[0], &r.event_t[k], sizeof(double)) == 0);
  REQUIRE(std::memcmp(&alone.event_y[0], &r.event_y[k], sizeof(double)) == 0);
  REQUIRE(alone.num_steps[0] == r.num_steps[k]);
}

TEST_CASE("batch events: the saves before a terminal event are the bits of a solve without") {
  const int n = 16;
  std::vector<double> p, y0;
  for (int i = 0; i < n; ++i) {
    p.insert(p.end(), {0.3 + 0.1 * i, 10.0});
    y0.push_back(0.2);
  }
  kode::SolveSpec with = logistic_spec(), without = logistic_spec();
  without.event = {};
  kode::BatchSolver<Logistic, kode::Tsit5> solver;  // lanes without events, where built
  kode::BatchResult a, b;
  solver.solve(with, p, y0, n, a);
  solver.solve(without, p, y0, n, b);
  REQUIRE(b.event_records == 0);
  REQUIRE(b.event_t.empty());
  const size_t ns = with.ts.size();
  int compared = 0;
  for (int i = 0; i < n; ++i) {
    REQUIRE(b.status[i] == 0);
    for (size_t j = 0; j < ns; ++j) {
      if (with.ts[j] >= a.event_t[i]) break;
      REQUIRE(std::memcmp(&a.ys[i * ns + j], &b.ys[i * ns + j], sizeof(double)) == 0);
      ++compared;
    }
  }
  REQUIRE(compared > n);
}

TEST_CASE("batch events, non-terminal: a damped oscillator's zero crossings, recorded in order") {
  // x = e^{-zeta omega t} (cos wd t + zeta omega / wd sin wd t) from (1, 0)
  // is zero where tan(wd t) = -wd / (zeta omega): t_m = (pi - atan(wd / (zeta
  // omega)) + m pi) / wd, falling for even m, rising for odd m.
  const double zeta = 0.1, omega = 2.0, pi = std::acos(-1.0);
  const double wd = omega * std::sqrt(1.0 - zeta * zeta);
  const double first = (pi - std::atan(wd / (zeta * omega))) / wd;
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 10.0;
  s.ts = {10.0};
  s.control.rtol = 1e-10;
  s.control.atol = 1e-12;
  s.event.enabled = true;
  s.event.state = 0;
  s.event.value = 0.0;
  s.event.terminal = false;
  s.event.max_records = 4;
  const int crossings = static_cast<int>(std::floor((10.0 - first) * wd / pi)) + 1;  // in [0, 10]
  struct Case {
    kode::EventDirection direction;
    int start, stride;  // which t_m are recorded
  };
  for (const Case& c :
       {Case{kode::EventDirection::either, 0, 1}, Case{kode::EventDirection::falling, 0, 2},
        Case{kode::EventDirection::rising, 1, 2}}) {
    s.event.direction = c.direction;
    const auto r = kode::solve_batch<kode::models::DampedOscillator, kode::Dopri5>(
        {}, s, {zeta, omega}, {1.0, 0.0}, 1);
    INFO("direction " << kode::event_direction_name(c.direction));
    REQUIRE(r.status[0] == 0);
    const int expected = (crossings - c.start + c.stride - 1) / c.stride;
    REQUIRE(r.event_count[0] == expected);
    for (int m = 0; m < 4; ++m) {
      if (m >= expected) {  // fewer crossings than records: NaN
        REQUIRE(std::isnan(r.event_t[m]));
        REQUIRE(std::isnan(r.event_y[2 * m + 1]));
        continue;
      }
      const double exact = first + (c.start + m * c.stride) * pi / wd;
      REQUIRE(std::fabs(r.event_t[m] - exact) < 1e-8);
      REQUIRE(std::fabs(r.event_y[2 * m]) < 1e-9);
    }
    // The final state is the plain solve's: events do not change the steps.
    const auto exact_end = kode_test::damped_oscillator(zeta, omega, 1.0, 0.0, 10.0);
    REQUIRE(std::fabs(r.y_final[0] - exact_end.x) < 1e-8);
  }
}

TEST_CASE("first passage of geometric Brownian motion: inverse Gaussian times") {
  // x = x0 exp(nu t + sigma W), nu = mu - sigma^2 / 2 (Ito), reaches
  // x0 e^a when nu t + sigma W first hits a: an inverse Gaussian time with
  // mean a / nu and variance a sigma^2 / nu^3 (e.g. Karlin & Taylor, "A First
  // Course in Stochastic Processes", 1975, ch. 7). Steps of dt see the path
  // at discrete times only, which delays the crossing as if the level were
  // raised by beta sigma sqrt(dt), beta = -zeta(1/2) / sqrt(2 pi) = 0.5826
  // (Broadie, Glasserman & Kou, Math. Finance 7 (1997) 325-349); the linear
  // interpolation inside the step moves it back by less than dt.
  const double mu = 0.5, sigma = 0.3, a = 1.0, nu = mu - 0.5 * sigma * sigma;
  const double dt = 1.0 / 512, beta = 0.5825971579390106;
  const int n = 1000;
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 10.0;  // P(tau > 10) ~ 1e-6
  s.control.adaptive = false;
  s.control.dt0 = dt;
  s.control.max_steps = 1 << 20;
  s.noise.seed = 2026;
  s.event.enabled = true;
  s.event.state = 0;
  s.event.value = std::exp(a);
  s.event.direction = kode::EventDirection::rising;
  std::vector<double> p, y0(n, 1.0);
  for (int i = 0; i < n; ++i) p.insert(p.end(), {mu, sigma});
  const auto r =
      kode::solve_batch<kode::models::GeometricBrownianMotion, kode::Milstein>({}, s, p, y0, n);
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    REQUIRE(r.status[i] == static_cast<int>(kode::Status::event_occurred));
    // On the straight line between the step's ends: exactly the level, to
    // rounding.
    REQUIRE(std::fabs(r.event_y[i] - std::exp(a)) < 1e-12);
    sum += r.event_t[i];
    sum2 += r.event_t[i] * r.event_t[i];
  }
  const double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
  const double shifted = a + beta * sigma * std::sqrt(dt);
  const double expected_mean = shifted / nu,
               expected_var = shifted * sigma * sigma / (nu * nu * nu);
  const double standard_error = std::sqrt(expected_var / n);
  INFO("mean " << mean << " (expected " << expected_mean << " +- " << standard_error
               << "), variance " << var << " (expected " << expected_var << ")");
  REQUIRE(std::fabs(mean - expected_mean) < 4.0 * standard_error + dt);
  // The sample variance's relative standard error is sqrt((2 + excess
  // kurtosis) / n), the inverse Gaussian's excess kurtosis 15 mean / shape
  // = 15 sigma^2 / (a nu): 0.071 here.
  const double relative_error = std::sqrt((2.0 + 15.0 * sigma * sigma / (shifted * nu)) / n);
  REQUIRE(std::fabs(var / expected_var - 1.0) < 4.0 * relative_error);
}
