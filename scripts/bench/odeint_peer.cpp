// kode peer benchmark: Boost.Odeint, one trajectory at a time, one core.
//
// Build (from the repository root; Boost headers from Debian's libboost-dev;
// no architecture flags on purpose, per the project's rules):
//
//   mkdir -p build/bench
//   g++ -O3 -std=c++17 -DNDEBUG scripts/bench/odeint_peer.cpp -o build/bench/odeint_peer
//
// (scripts/bench/setup_peers.sh does exactly this.)
//
// Run:
//   build/bench/odeint_peer --workload W1 --n 10000 [--min-seconds 1]
//   build/bench/odeint_peer --workload W2 [--n 524288] [--min-seconds 1]
//
// Workloads (the project's benchmark issue):
//   W1  damped oscillator x' = v, v' = -2 zeta omega v - omega^2 x on a
//       (zeta, omega) grid: nz = ceil(sqrt(N)) zeta values linspace(0.05, 0.95),
//       nw = ceil(N / nz) omega values linspace(0.5, 5.0), the first N points
//       in row-major order (zeta slow); nz = nw = 100 for N = 10,000 and 1000
//       for N = 1,000,000. t in [0, 10], y0 = (1, 0), rtol 1e-6, atol 1e-8,
//       101 save times linspace(0, 10, 101), all saves kept in memory.
//       Stepper: runge_kutta_dopri5 with dense output
//       (make_dense_output(atol, rtol, runge_kutta_dopri5<...>())) and
//       integrate_times over the save times.
//   W2  Lorenz sigma 10, beta 8/3, rho = linspace(0, 21, N), y0 = (1, 0, 0),
//       t in [0, 1], rtol = atol = 1e-8, final state only, N = 524,288.
//       Odeint has no Tsit5: runge_kutta_dopri5 in controlled (not dense)
//       mode (make_controlled) with integrate_adaptive to t = 1.
//
// Initial step: Hairer's algorithm (Hairer, Norsett & Wanner, Solving ODEs I,
// II.4), the same rule Diffrax and kode use, with the RMS norm; odeint itself
// takes the initial dt from the caller. Its 2 RHS evaluations are counted.
//
// Note on tolerances: odeint's error checker is the max norm of
// |err| / (atol + rtol * (|x| + dt |dxdt|)), not Diffrax's RMS norm of
// |err| / (atol + rtol * max(|y0|, |y1|)); step counts differ accordingly.
//
// Timing: std::chrono::steady_clock around the whole batch loop; one warm-up
// pass over min(N, 1000) trajectories first; the batch is repeated until the
// timed total reaches --min-seconds (default 1), and per-batch means are
// reported.
//
// Output, one line per run (per-batch figures):
//   peer=odeint workload=W1 method=dopri5 n=... reps=... seconds=...
//   traj_per_s=... us_per_traj=... steps=... steps_per_traj=... rhs=...
//   rhs_per_traj=... attempted_est=... checksum=...
// steps: accepted steps (the count integrate_times / integrate_adaptive
// return; in dense mode each dopri5 do_step is one accepted step).
// rhs: RHS evaluations (a counting system functor), including initialisation.
// attempted_est: (rhs - overhead) / 6 (FSAL dopri5 costs 6 evaluations per
// attempted step); odeint exposes no accepted/rejected counts itself.
// checksum: sum over trajectories of all components of the final state.

#include <algorithm>
#include <array>
#include <boost/numeric/odeint.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace odeint = boost::numeric::odeint;

namespace {

using State2 = std::array<double, 2>;
using State3 = std::array<double, 3>;

double linspace_at(double a, double b, std::size_t n, std::size_t i) {
  if (n <= 1) return a;
  return a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
}

struct Oscillator {
  double zeta, omega;
  std::size_t* evals;
  void operator()(const State2& y, State2& dydt, double /*t*/) const {
    ++*evals;
    dydt[0] = y[1];
    dydt[1] = -2.0 * zeta * omega * y[1] - omega * omega * y[0];
  }
};

struct Lorenz {
  double sigma, rho, beta;
  std::size_t* evals;
  void operator()(const State3& y, State3& dydt, double /*t*/) const {
    ++*evals;
    dydt[0] = sigma * (y[1] - y[0]);
    dydt[1] = y[0] * (rho - y[2]) - y[1];
    dydt[2] = y[0] * y[1] - beta * y[2];
  }
};

// Hairer's initial step (as in Diffrax's PIDController / Hairer's DOPRI5),
// RMS norm, error order 5. Two RHS evaluations.
template <class System, class State>
double initial_dt(System& sys, const State& y0, double t0, double rtol, double atol, double order) {
  const std::size_t d = y0.size();
  State f0{}, f1{}, y1{};
  sys(y0, f0, t0);
  auto rms = [d](auto&& g) {
    double s = 0.0;
    for (std::size_t i = 0; i < d; ++i) {
      const double v = g(i);
      s += v * v;
    }
    return std::sqrt(s / static_cast<double>(d));
  };
  auto scale = [&](std::size_t i) { return atol + rtol * std::abs(y0[i]); };
  const double d0 = rms([&](std::size_t i) { return y0[i] / scale(i); });
  const double d1 = rms([&](std::size_t i) { return f0[i] / scale(i); });
  const double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  for (std::size_t i = 0; i < d; ++i) y1[i] = y0[i] + h0 * f0[i];
  sys(y1, f1, t0 + h0);
  const double d2 = rms([&](std::size_t i) { return (f1[i] - f0[i]) / scale(i); }) / h0;
  const double dmax = std::max(d1, d2);
  const double h1 = dmax <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / dmax, 1.0 / order);
  return std::min(100.0 * h0, h1);
}

struct Totals {
  std::size_t steps = 0;
  std::size_t rhs = 0;
  std::size_t overhead_rhs = 0;  // evaluations that are not step attempts
  double checksum = 0.0;
};

constexpr double kW1Rtol = 1e-6, kW1Atol = 1e-8;
constexpr double kW2Tol = 1e-8;
constexpr std::size_t kSaves = 101;

// One pass of W1 over trajectories [0, count) of an n-point grid.
Totals run_w1(std::size_t n, std::size_t count, const std::vector<double>& ts,
              std::vector<double>& saves) {
  const std::size_t nz = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const std::size_t nw = (n + nz - 1) / nz;
  Totals tot;
  for (std::size_t k = 0; k < count; ++k) {
    const double zeta = linspace_at(0.05, 0.95, nz, k / nw);
    const double omega = linspace_at(0.5, 5.0, nw, k % nw);
    std::size_t evals = 0;
    Oscillator sys{zeta, omega, &evals};
    State2 y{1.0, 0.0};
    const double dt0 = initial_dt(sys, y, ts.front(), kW1Rtol, kW1Atol, 5.0);
    auto stepper =
        odeint::make_dense_output(kW1Atol, kW1Rtol, odeint::runge_kutta_dopri5<State2>());
    double* out = saves.data() + k * kSaves * 2;
    std::size_t j = 0;
    auto observer = [out, &j](const State2& s, double /*t*/) {
      out[2 * j] = s[0];
      out[2 * j + 1] = s[1];
      ++j;
    };
    const std::size_t steps =
        odeint::integrate_times(stepper, sys, y, ts.begin(), ts.end(), dt0, observer);
    tot.steps += steps;
    tot.rhs += evals;
    // 2 (initial dt) + 1 (initialize) + 1 (re-initialize on the clamped
    // last step, which integrate_times does unless a step lands on t1).
    tot.overhead_rhs += 3;
    tot.checksum += out[2 * (kSaves - 1)] + out[2 * (kSaves - 1) + 1];
  }
  return tot;
}

Totals run_w2(std::size_t n, std::size_t count) {
  Totals tot;
  for (std::size_t k = 0; k < count; ++k) {
    const double rho = linspace_at(0.0, 21.0, n, k);
    std::size_t evals = 0;
    Lorenz sys{10.0, rho, 8.0 / 3.0, &evals};
    State3 y{1.0, 0.0, 0.0};
    const double dt0 = initial_dt(sys, y, 0.0, kW2Tol, kW2Tol, 5.0);
    auto stepper = odeint::make_controlled(kW2Tol, kW2Tol, odeint::runge_kutta_dopri5<State3>());
    const std::size_t steps = odeint::integrate_adaptive(stepper, sys, y, 0.0, 1.0, dt0);
    tot.steps += steps;
    tot.rhs += evals;
    tot.overhead_rhs += 3;  // 2 (initial dt) + 1 (first FSAL derivative)
    tot.checksum += y[0] + y[1] + y[2];
  }
  return tot;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --workload W1|W2 [--n N] [--min-seconds S]\n"
               "  W1: damped oscillator grid, dopri5 dense output, 101 saves\n"
               "  W2: Lorenz rho sweep, dopri5 controlled, final state "
               "(default n 524288)\n",
               argv0);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string workload;
  long long n_arg = -1;
  double min_seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--workload" && i + 1 < argc)
      workload = argv[++i];
    else if (a == "--n" && i + 1 < argc)
      n_arg = std::atoll(argv[++i]);
    else if (a == "--min-seconds" && i + 1 < argc)
      min_seconds = std::atof(argv[++i]);
    else
      usage(argv[0]);
  }
  if (workload != "W1" && workload != "W2") usage(argv[0]);
  if (workload == "W2" && n_arg < 0) n_arg = 524288;
  if (n_arg < 1) usage(argv[0]);
  const std::size_t n = static_cast<std::size_t>(n_arg);

  std::vector<double> ts(kSaves);
  for (std::size_t j = 0; j < kSaves; ++j) ts[j] = linspace_at(0.0, 10.0, kSaves, j);
  std::vector<double> saves;
  if (workload == "W1") saves.assign(n * kSaves * 2, 0.0);

  auto pass = [&](std::size_t count) {
    return workload == "W1" ? run_w1(n, count, ts, saves) : run_w2(n, count);
  };

  // Warm-up (caches, page faults of the save buffer's first part).
  volatile double sink = pass(std::min<std::size_t>(n, 1000)).checksum;
  (void)sink;

  using clock = std::chrono::steady_clock;
  Totals tot;
  std::size_t reps = 0;
  double elapsed = 0.0;
  const auto start = clock::now();
  do {
    tot = pass(n);
    ++reps;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_seconds);

  const double per_batch = elapsed / static_cast<double>(reps);
  const double dn = static_cast<double>(n);
  const double attempted = static_cast<double>(tot.rhs - tot.overhead_rhs) / 6.0;
  std::printf(
      "peer=odeint workload=%s method=dopri5 mode=%s n=%zu reps=%zu "
      "seconds=%.6g traj_per_s=%.6g us_per_traj=%.6g steps=%zu "
      "steps_per_traj=%.6g rhs=%zu rhs_per_traj=%.6g attempted_est=%.0f "
      "checksum=%.17g\n",
      workload.c_str(), workload == "W1" ? "dense" : "controlled", n, reps, per_batch,
      dn / per_batch, 1e6 * per_batch / dn, tot.steps, static_cast<double>(tot.steps) / dn, tot.rhs,
      static_cast<double>(tot.rhs) / dn, attempted, tot.checksum);
  return 0;
}
