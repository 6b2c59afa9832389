// The cost of a gradient relative to the forward solve (docs/benchmarks.md,
// "Sensitivities"): the W1 problem (damped oscillators over a (zeta, omega)
// grid, tsit5, rtol 1e-6, atol 1e-8, 101 save times on [0, 10]) solved
// plainly, with forward sensitivities (2 parameters + 2 initial states = 4
// tangents), and by the discrete adjoint of an mse loss at the 101 save
// times, store-all (every step kept) and checkpointed (C slots). Each timed
// over repeated calls after one warm-up call; one process, one core.
//   gradient_bench [--n N] [--min-seconds S] [--checkpoints C] [--dt0 H] [--dump FILE]
// --dt0 H: first step H instead of Hairer's choice (0, the default).
// After the table it prints the store-all adjoint's batch loss, its summed
// gradient (sum over trajectories of dloss/dzeta, dloss/domega, dloss/dx0,
// dloss/dv0) and the accepted steps per trajectory, and one `kode_gradient
// key=value ...` line for scripts (scripts/bench/gradient_peers.sh).
// --dump FILE writes the problem and those reference values for a peer
// (scripts/bench/diffrax_gradient_peer.py reads it), binary, native-endian:
//   char[8] "KODEGB01"; int64 n, n_save, n_state (2), n_param (2);
//   double t0, t1, rtol, atol, pcoeff, icoeff, dcoeff, dt0, factormin,
//     factormax, safety, max_steps;
//   double params[n][2] (zeta, omega), y0[n][2] (x, v), ts[n_save],
//     data[n][n_save][2] (the mse loss's data);
//   double loss, sum dloss/dparams[2], sum dloss/dy0[2], mean accepted steps,
//     seconds per batch: solve, forward, adjoint store-all, checkpointed;
//   double per trajectory (store-all adjoint): loss[n], dloss/dparams[n][2],
//     dloss/dy0[n][2], accepted steps[n].
#include <sys/resource.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/damped_oscillator.hpp"

namespace {

using Model = kode::models::DampedOscillator;
using Method = kode::Tsit5;

// W1's model with a hand-written vector-Jacobian product
// (kernels/model_concept.hpp): the discrete adjoint then reverses each step
// stage by stage with it instead of dual numbers.
struct ModelWithVjp : Model {
  KOKKOS_INLINE_FUNCTION void vjp(double, const double* y, const double* p, const double* w,
                                  double* wy, double* wp) const {
    // f = (v, -2 zeta omega v - omega^2 x), y = (x, v), p = (zeta, omega).
    wy[0] = -w[1] * p[1] * p[1];
    wy[1] = w[0] - 2.0 * w[1] * p[0] * p[1];
    wp[0] = -2.0 * w[1] * p[1] * y[1];
    wp[1] = w[1] * (-2.0 * p[0] * y[1] - 2.0 * p[1] * y[0]);
  }
};

template <class F>
double seconds_per_call(double min_seconds, F&& call) {
  using clock = std::chrono::steady_clock;
  call();  // warm-up
  int reps = 0;
  double total = 0.0;
  while (total < min_seconds || reps == 0) {
    const auto start = clock::now();
    call();
    total += std::chrono::duration<double>(clock::now() - start).count();
    ++reps;
  }
  return total / reps;
}

// Peak resident memory of this process (Linux: ru_maxrss in KiB).
double max_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

bool write_doubles(std::FILE* f, const double* v, size_t count) {
  return std::fwrite(v, sizeof(double), count, f) == count;
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  int n = 2000, checkpoints = 32;
  double min_seconds = 1.0, dt0 = 0.0;
  std::string dump;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--n") n = std::atoi(argv[i + 1]);
    if (a == "--min-seconds") min_seconds = std::atof(argv[i + 1]);
    if (a == "--checkpoints") checkpoints = std::atoi(argv[i + 1]);
    if (a == "--dt0") dt0 = std::atof(argv[i + 1]);
    if (a == "--dump") dump = argv[i + 1];
  }
  kode::SolveSpec spec;
  spec.t0 = 0.0;
  spec.t1 = 10.0;
  spec.control.rtol = 1e-6;
  spec.control.atol = 1e-8;
  spec.control.dt0 = dt0;
  for (int j = 0; j <= 100; ++j) spec.ts.push_back(j == 100 ? 10.0 : 0.1 * j);
  const int nz = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int nw = (n + nz - 1) / nz;
  std::vector<double> params, y0;
  for (int i = 0; i < n; ++i) {
    params.push_back(0.05 + 0.9 * (i / nw) / std::max(1, nz - 1));
    params.push_back(0.5 + 4.5 * (i % nw) / std::max(1, nw - 1));
    y0.push_back(1.0);
    y0.push_back(0.0);
  }

  kode::BatchSolver<Model, Method> plain;
  kode::BatchResult r;
  const double t_solve =
      seconds_per_call(min_seconds, [&] { plain.solve(spec, params, y0, n, r); });
  double steps = 0;
  for (int t = 0; t < n; ++t) steps += r.num_accepted[t];
  // The same solve one trajectory per thread: the scalar time loop that the
  // sensitivity paths below run (the default solve steps W trajectories per
  // thread in SIMD lanes).
  kode::BatchSolver<Model, Method, 1> plain_scalar;
  kode::BatchResult r_scalar;
  const double t_solve_scalar =
      seconds_per_call(min_seconds, [&] { plain_scalar.solve(spec, params, y0, n, r_scalar); });

  kode::ForwardSensitivitySolver<Model, Method> forward;
  kode::ForwardSensitivityResult f;
  const double t_forward =
      seconds_per_call(min_seconds, [&] { forward.solve(spec, params, y0, n, f); });
  // The same forward sensitivities one trajectory per thread: time and bits.
  kode::ForwardSensitivitySolver<Model, Method, 1> forward_scalar;
  kode::ForwardSensitivityResult f1;
  const double t_forward_scalar =
      seconds_per_call(min_seconds, [&] { forward_scalar.solve(spec, params, y0, n, f1); });

  kode::LossSpec loss;
  loss.kind = kode::LossKind::mse;
  loss.data = r.ys;
  for (size_t k = 0; k < loss.data.size(); ++k) loss.data[k] += 0.01 * std::sin(0.1 * k);
  kode::AdjointSolver<Model, Method> adjoint;
  kode::AdjointResult a;
  const int store_all = 256;  // the default: more than W1's steps
  const double t_adjoint = seconds_per_call(
      min_seconds, [&] { adjoint.solve(spec, loss, params, y0, n, a, store_all); });
  int ok_all = 0, acc_min = 1 << 30, acc_max = 0;
  double acc_sum = 0, loss_sum = 0, gp_sum[2] = {0.0, 0.0}, gy_sum[2] = {0.0, 0.0};
  for (int t = 0; t < n; ++t) {  // trajectory order
    ok_all += a.gradient_ok[t];
    acc_sum += a.num_accepted[t];
    acc_min = std::min(acc_min, a.num_accepted[t]);
    acc_max = std::max(acc_max, a.num_accepted[t]);
    loss_sum += a.loss[t];
    for (int q = 0; q < 2; ++q) {
      gp_sum[q] += a.dloss_dparams[2 * t + q];
      gy_sum[q] += a.dloss_dy0[2 * t + q];
    }
  }
  // The same adjoint with one trajectory per thread: its time, and its bits
  // against the lanes'.
  kode::AdjointSolver<Model, Method, 1> adjoint_scalar;
  kode::AdjointResult a1;
  const double t_adjoint_scalar = seconds_per_call(
      min_seconds, [&] { adjoint_scalar.solve(spec, loss, params, y0, n, a1, store_all); });
  const auto same_bits = [](const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  const bool forward_same_bits =
      same_bits(f1.solution.ys, f.solution.ys) && same_bits(f1.dys_dparams, f.dys_dparams) &&
      same_bits(f1.dys_dy0, f.dys_dy0) && same_bits(f1.dy_final_dparams, f.dy_final_dparams) &&
      same_bits(f1.dy_final_dy0, f.dy_final_dy0) && f1.solution.num_steps == f.solution.num_steps;
  const bool lanes_same_bits = same_bits(a1.loss, a.loss) &&
                               same_bits(a1.dloss_dparams, a.dloss_dparams) &&
                               same_bits(a1.dloss_dy0, a.dloss_dy0) &&
                               a1.num_steps == a.num_steps && a1.slots_used == a.slots_used;
  // Kept for --dump: the checkpointed calls below reuse `a`.
  const std::vector<double> store_all_loss = a.loss, store_all_gp = a.dloss_dparams,
                            store_all_gy = a.dloss_dy0;
  const std::vector<double> store_all_accepted(a.num_accepted.begin(), a.num_accepted.end());
  int over_slots = 0;  // trajectories whose steps did not fit the store-all slots
  for (int t = 0; t < n; ++t) over_slots += a.recomputed[t] > 0;
  const double t_checkpointed = seconds_per_call(
      min_seconds, [&] { adjoint.solve(spec, loss, params, y0, n, a, checkpoints); });
  int ok_chk = 0;
  double recomputed = 0;
  for (int t = 0; t < n; ++t) {
    ok_chk += a.gradient_ok[t];
    recomputed += a.recomputed[t];
  }

  // The same gradients through the model's vjp, and by backsolve.
  kode::AdjointSolver<ModelWithVjp, Method> adjoint_vjp;
  kode::AdjointResult av;
  const double t_vjp = seconds_per_call(
      min_seconds, [&] { adjoint_vjp.solve(spec, loss, params, y0, n, av, store_all); });
  double vjp_distance = 0.0;
  for (size_t k = 0; k < av.dloss_dparams.size(); ++k)
    vjp_distance = std::fmax(vjp_distance, std::fabs(av.dloss_dparams[k] - store_all_gp[k]) /
                                               (std::fabs(store_all_gp[k]) + 1e-300));
  kode::AdjointResult ab;
  const double t_backsolve =
      seconds_per_call(min_seconds, [&] { adjoint.backsolve(spec, loss, params, y0, n, ab); });
  int ok_backsolve = 0;
  for (int t = 0; t < n; ++t) ok_backsolve += ab.gradient_ok[t];

  std::printf("# W1 gradients, %d trajectories, %.1f accepted steps each, backend %s\n", n,
              steps / n, Kokkos::DefaultExecutionSpace::name());
  std::printf("%-34s %12s %10s\n", "what", "s per batch", "x solve");
  std::printf("%-34s %12.4g %10.2f\n", "solve (101 save times)", t_solve, 1.0);
  std::printf("%-34s %12.4g %10.2f   (one trajectory per thread: %d lanes -> 1)\n",
              "solve, lanes = 1", t_solve_scalar, t_solve_scalar / t_solve,
              kode::BatchSolver<Model, Method>::lanes);
  std::printf("%-34s %12.4g %10.2f\n", "forward sensitivities (4 tangents)", t_forward,
              t_forward / t_solve);
  std::printf("%-34s %12.4g %10.2f   (one trajectory per thread: %d lanes -> 1; bits %s)\n",
              "forward, lanes = 1", t_forward_scalar, t_forward_scalar / t_solve,
              kode::ForwardSensitivitySolver<Model, Method>::lanes,
              forward_same_bits ? "identical" : "DIFFER");
  std::printf("%-34s %12.4g %10.2f   (%d/%d gradients, %d trajectories over the %d slots)\n",
              "adjoint, store-all", t_adjoint, t_adjoint / t_solve, ok_all, n, over_slots,
              store_all);
  std::printf("%-34s %12.4g %10.2f   (one trajectory per thread: %d lanes -> 1; bits %s)\n",
              "adjoint, store-all, lanes = 1", t_adjoint_scalar, t_adjoint_scalar / t_solve,
              kode::AdjointSolver<Model, Method>::lanes, lanes_same_bits ? "identical" : "DIFFER");
  std::printf("%-34s %12.4g %10.2f   (%d/%d gradients, %.0f attempts replayed each, C = %d)\n",
              "adjoint, checkpointed", t_checkpointed, t_checkpointed / t_solve, ok_chk, n,
              recomputed / n, checkpoints);
  std::printf("%-34s %12.4g %10.2f   (largest relative difference to dual numbers %.1e)\n",
              "adjoint, store-all, model vjp", t_vjp, t_vjp / t_solve, vjp_distance);
  std::printf("%-34s %12.4g %10.2f   (%d/%d gradients)\n", "backsolve", t_backsolve,
              t_backsolve / t_solve, ok_backsolve, n);
  std::printf("# store-all adjoint: batch loss %.17g\n", loss_sum);
  std::printf("# summed gradient: dzeta %.17g domega %.17g dx0 %.17g dv0 %.17g\n", gp_sum[0],
              gp_sum[1], gy_sum[0], gy_sum[1]);
  std::printf("# accepted steps per trajectory: mean %.2f, min %d, max %d (dt0 %s)\n", acc_sum / n,
              acc_min, acc_max, dt0 > 0.0 ? std::to_string(dt0).c_str() : "Hairer");
  std::printf(
      "kode_gradient n=%d loss=%.17g g_zeta=%.17g g_omega=%.17g g_x0=%.17g g_v0=%.17g "
      "accepted_mean=%.6g accepted_min=%d accepted_max=%d t_solve=%.6g t_solve_lanes1=%.6g "
      "t_forward=%.6g t_forward_lanes1=%.6g "
      "t_adjoint=%.6g t_adjoint_lanes1=%.6g t_checkpointed=%.6g ok_all=%d ok_checkpointed=%d "
      "checkpoints=%d "
      "over_slots=%d max_rss_mb=%.1f\n",
      n, loss_sum, gp_sum[0], gp_sum[1], gy_sum[0], gy_sum[1], acc_sum / n, acc_min, acc_max,
      t_solve, t_solve_scalar, t_forward, t_forward_scalar, t_adjoint, t_adjoint_scalar,
      t_checkpointed, ok_all, ok_chk, checkpoints, over_slots, max_rss_mb());

  if (!dump.empty()) {
    std::FILE* f = std::fopen(dump.c_str(), "wb");
    if (f == nullptr) {
      std::fprintf(stderr, "gradient_bench: cannot open %s\n", dump.c_str());
      return 1;
    }
    const std::int64_t n_save = static_cast<std::int64_t>(spec.ts.size());
    const std::int64_t header[4] = {n, n_save, 2, 2};
    const kode::StepSizeControl& c = spec.control;
    const double settings[12] = {
        spec.t0,  spec.t1, c.rtol,      c.atol,      c.pcoeff, c.icoeff,
        c.dcoeff, c.dt0,   c.factormin, c.factormax, c.safety, static_cast<double>(c.max_steps)};
    const double reference[10] = {loss_sum,    gp_sum[0], gp_sum[1], gy_sum[0], gy_sum[1],
                                  acc_sum / n, t_solve,   t_forward, t_adjoint, t_checkpointed};
    bool ok = std::fwrite("KODEGB01", 1, 8, f) == 8 &&
              std::fwrite(header, sizeof(header), 1, f) == 1 && write_doubles(f, settings, 12) &&
              write_doubles(f, params.data(), params.size()) &&
              write_doubles(f, y0.data(), y0.size()) &&
              write_doubles(f, spec.ts.data(), spec.ts.size()) &&
              write_doubles(f, loss.data.data(), loss.data.size()) &&
              write_doubles(f, reference, 10) && write_doubles(f, store_all_loss.data(), n) &&
              write_doubles(f, store_all_gp.data(), 2 * n) &&
              write_doubles(f, store_all_gy.data(), 2 * n) &&
              write_doubles(f, store_all_accepted.data(), n);
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
      std::fprintf(stderr, "gradient_bench: writing %s failed\n", dump.c_str());
      return 1;
    }
  }
  return 0;
}
