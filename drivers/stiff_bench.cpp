// kode's side of the stiff benchmark (issue 13; scripts/bench/stiff_bench.sh
// runs it against SUNDIALS CVODE, scripts/bench/cvode_peer.c, and Diffrax
// Kvaerno5, scripts/bench/diffrax_stiff_peer.py, which use the same problems,
// grids and output line).
//
//   stiff_bench --problem robertson|vdp [--n 10000] [--method rodas5p|rosenbrock23|kvaerno5]
//               [--rtol R] [--atol A] [--max-steps M] [--pcoeff P] [--icoeff I]
//               [--out FILE]
//
// robertson: y1' = -k1 y1 + k3 y2 y3, y2' = k1 y1 - k2 y2^2 - k3 y2 y3,
//            y3' = k2 y2^2; k2 = 3e7; (k1, k3) on a grid: nk1 = ceil(sqrt N)
//            k1 values linspace(0.02, 0.08), nk3 = ceil(N / nk1) k3 values
//            linspace(5e3, 2e4), the first N points row-major (k1 slow;
//            N = 10^4 is the full 100 x 100 grid); y0 = (1, 0, 0),
//            t in [0, 1e5]. Default rtol 1e-6, atol 1e-10.
// vdp:       x' = y, y' = mu (1 - x^2) y - x; mu = linspace(500, 1500, N),
//            y0 = (2, 0), t in [0, 3000] (about two periods at mu = 1000).
//            Default rtol = atol = 1e-6.
// Both: kode's PID controller with its defaults (the I controller, as
// Diffrax's PIDController; --pcoeff/--icoeff change its coefficients as
// Diffrax's do), Hairer's initial step, max_steps attempted steps per
// trajectory (default 10^6), final state only.
//
// One core, one trajectory at a time: a plain loop calling
// integrate_rosenbrock_trajectory (no Kokkos parallel dispatch, no SIMD
// lanes). Timed (std::chrono::steady_clock): the loop alone, i.e. every
// trajectory's solve including the copy of its parameters and y0 into
// locals; the grid is built before and the sums/--out file are made after.
//
// Output, one line:
//   kode method=... problem=... n=... seconds=... steps=... failed=...
//   checksum=... accepted=... rejected=... us_per_traj=... rtol=... atol=...
//   pcoeff=... icoeff=...
// steps: attempted steps (accepted + rejected) summed over trajectories;
// failed: trajectories whose status is not success; checksum: the sum of all
// components of all final states. --out FILE writes one line per trajectory:
// "index status y_1 ... y_N" (status 0 = success), %.17g.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kode/kernels/models/robertson.hpp"
#include "kode/kernels/models/van_der_pol.hpp"
#include "kode/kernels/status.hpp"
#include "kode/kernels/step_counts.hpp"
#include "kode/kernels/step_size_controller.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock23.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"

namespace {

// Final states only: the observer ignores every step.
struct NoObserver {
  template <int N>
  KOKKOS_INLINE_FUNCTION void begin(double, const double (&)[N]) {}
  template <class Interpolant>
  KOKKOS_INLINE_FUNCTION void step(const Interpolant&) {}
};

double linspace_at(double a, double b, long n, long i) {
  return n <= 1 ? a : a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
}

struct Options {
  std::string problem;
  std::string method = "rodas5p";
  long n = 10000;
  double rtol = -1.0, atol = -1.0;  // < 0: the problem's default
  long max_steps = 1000000;
  double pcoeff = 0.0, icoeff = 1.0;  // kode's (and Diffrax's) defaults
  std::string out;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "stiff_bench: %s\nusage: stiff_bench --problem robertson|vdp [--n N] "
               "[--method rodas5p|rosenbrock23|kvaerno5] [--rtol R] [--atol A] [--max-steps M] "
               "[--pcoeff P] [--icoeff I] [--out FILE]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--problem")
      o.problem = v;
    else if (a == "--method")
      o.method = v;
    else if (a == "--n")
      o.n = std::atol(v);
    else if (a == "--rtol")
      o.rtol = std::atof(v);
    else if (a == "--atol")
      o.atol = std::atof(v);
    else if (a == "--max-steps")
      o.max_steps = std::atol(v);
    else if (a == "--pcoeff")
      o.pcoeff = std::atof(v);
    else if (a == "--icoeff")
      o.icoeff = std::atof(v);
    else if (a == "--out")
      o.out = v;
    else
      usage(("unknown option " + a).c_str());
  }
  if (o.problem != "robertson" && o.problem != "vdp") usage("--problem must be robertson or vdp");
  if (o.method != "rodas5p" && o.method != "rosenbrock23" && o.method != "kvaerno5")
    usage("--method must be rodas5p, rosenbrock23 or kvaerno5");
  if (o.n < 1) usage("--n must be >= 1");
  if (o.max_steps < 1 || o.max_steps > 2000000000L) usage("--max-steps out of range");
  const bool rob = o.problem == "robertson";
  if (o.rtol < 0.0) o.rtol = 1e-6;
  if (o.atol < 0.0) o.atol = rob ? 1e-10 : 1e-6;
  return o;
}

template <class Method, class Model>
void run(const Options& o, const std::vector<double>& params, const std::vector<double>& y0,
         double t1) {
  constexpr int N = Model::n_state, P = Model::n_param;
  const long n = o.n;
  const Model model;
  kode::StepSizeControl control;
  control.rtol = o.rtol;
  control.atol = o.atol;
  control.max_steps = static_cast<int>(o.max_steps);
  control.pcoeff = o.pcoeff;
  control.icoeff = o.icoeff;
  std::vector<double> y_final(static_cast<size_t>(n) * N);
  std::vector<kode::StepCounts> counts(static_cast<size_t>(n));
  std::vector<signed char> status(static_cast<size_t>(n));
  NoObserver observer;

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  for (long k = 0; k < n; ++k) {
    double p[P], y[N];
    for (int j = 0; j < P; ++j) p[j] = params[static_cast<size_t>(k) * P + j];
    for (int i = 0; i < N; ++i) y[i] = y0[static_cast<size_t>(k) * N + i];
    kode::StepCounts c;
    const kode::Status s =
        kode::integrate_rosenbrock_trajectory<Method>(model, p, 0.0, t1, y, control, observer, c);
    for (int i = 0; i < N; ++i) y_final[static_cast<size_t>(k) * N + i] = y[i];
    counts[static_cast<size_t>(k)] = c;
    status[static_cast<size_t>(k)] = static_cast<signed char>(s);
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();

  double checksum = 0.0;
  long long steps = 0, accepted = 0, rejected = 0;
  long failed = 0;
  for (long k = 0; k < n; ++k) {
    steps += counts[static_cast<size_t>(k)].num_steps;
    accepted += counts[static_cast<size_t>(k)].num_accepted;
    rejected += counts[static_cast<size_t>(k)].num_rejected;
    failed += status[static_cast<size_t>(k)] != static_cast<signed char>(kode::Status::success);
    for (int i = 0; i < N; ++i) checksum += y_final[static_cast<size_t>(k) * N + i];
  }
  if (!o.out.empty()) {
    std::FILE* f = std::fopen(o.out.c_str(), "w");
    if (!f) {
      std::perror(o.out.c_str());
      std::exit(1);
    }
    for (long k = 0; k < n; ++k) {
      std::fprintf(f, "%ld %d", k, static_cast<int>(status[static_cast<size_t>(k)]));
      for (int i = 0; i < N; ++i)
        std::fprintf(f, " %.17g", y_final[static_cast<size_t>(k) * N + i]);
      std::fprintf(f, "\n");
    }
    std::fclose(f);
  }
  std::printf(
      "kode method=%s problem=%s n=%ld seconds=%.6g steps=%lld failed=%ld checksum=%.17g "
      "accepted=%lld rejected=%lld us_per_traj=%.6g rtol=%g atol=%g pcoeff=%g icoeff=%g\n",
      o.method.c_str(), o.problem.c_str(), n, seconds, steps, failed, checksum, accepted, rejected,
      1e6 * seconds / static_cast<double>(n), o.rtol, o.atol, o.pcoeff, o.icoeff);
}

template <class Method>
void run_problem(const Options& o) {
  std::vector<double> params, y0;
  if (o.problem == "robertson") {
    const long nk1 = static_cast<long>(std::ceil(std::sqrt(static_cast<double>(o.n))));
    const long nk3 = (o.n + nk1 - 1) / nk1;
    for (long k = 0; k < o.n; ++k) {
      params.push_back(linspace_at(0.02, 0.08, nk1, k / nk3));
      params.push_back(3e7);
      params.push_back(linspace_at(5e3, 2e4, nk3, k % nk3));
      y0.insert(y0.end(), {1.0, 0.0, 0.0});
    }
    run<Method, kode::models::Robertson>(o, params, y0, 1e5);
  } else {
    for (long k = 0; k < o.n; ++k) {
      params.push_back(linspace_at(500.0, 1500.0, o.n, k));
      y0.insert(y0.end(), {2.0, 0.0});
    }
    run<Method, kode::models::VanDerPol>(o, params, y0, 3000.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.method == "rodas5p")
    run_problem<kode::Rodas5P>(o);
  else if (o.method == "kvaerno5")
    run_problem<kode::Esdirk<kode::Kvaerno5>>(o);
  else
    run_problem<kode::Rosenbrock23>(o);
  return 0;
}
