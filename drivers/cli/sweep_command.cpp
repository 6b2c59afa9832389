// `kode sweep`: a parameter sweep or Monte Carlo ensemble on all MPI ranks
// into one HDF5 file (engine/sweep/sweep_runner.hpp does the work; this is the
// command line, the signal handlers and what is printed).
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/io/event_layout.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/sweep_file.hpp"
#include "kode/engine/mpi/mpi_check.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"
#include "kode/engine/sweep/sweep_runner.hpp"
#include "kode/kernels/status.hpp"

namespace kode::cli {

// Signal handlers only set this flag (DESIGN.md); the sweep runner checks it
// at chunk boundaries, the trainer every step.
volatile std::sig_atomic_t stop_flag = 0;

namespace {

namespace po = boost::program_options;

const char* const sweep_summary =
    "Runs a parameter sweep or Monte Carlo ensemble ([params]/[y0] designs, [sweep]\n"
    "keys) on all MPI ranks (mpiexec -n N kode sweep ...) and writes one HDF5 file,\n"
    "[output] file: written as FILE.partial, renamed to FILE when complete.\n"
    "SIGTERM or SIGUSR1 stops all ranks at the next chunk boundary with the\n"
    "finished chunks saved (exit 75); run the same command with --resume to\n"
    "finish. Progress goes to stderr on rank 0 (a bar on a terminal, a line every\n"
    "few seconds otherwise).\n"
    "Job arrays: [sweep] slice_index = k, slice_count = K computes slice k of K (whole\n"
    "chunks; 1 <= K <= the number of chunks) into a part file; kode merge OUT.h5\n"
    "PART.h5 ... joins the K parts into the file of one run of the whole sweep.\n"
    "Exit status: 0 done; 2 bad input (nothing computed or written); 74 an I/O\n"
    "error; 75 stopped on a signal, resumable with --resume.";

extern "C" void request_stop(int) {
  stop_flag = 1;
}

std::string seconds_text(double s) {
  char buf[32];
  if (!std::isfinite(s)) return "?";
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%.1f s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(s) / 3600,
                  static_cast<int>(s) % 3600 / 60);
  }
  return buf;
}

// Rank 0's progress report: a live bar on a terminal, otherwise a plain line
// at most every `interval` seconds (logs of batch jobs stay short).
class ProgressPrinter {
 public:
  ProgressPrinter() : terminal_(::isatty(STDERR_FILENO) == 1) {}
  void operator()(const SweepProgress& p) {
    const bool last = p.done >= p.total;
    if (!last && p.elapsed_s - last_print_ < (terminal_ ? 0.2 : 5.0)) return;
    last_print_ = p.elapsed_s;
    const double rate = p.elapsed_s > 0 ? p.computed_this_run / p.elapsed_s : 0.0;
    const double eta = rate > 0 ? (p.total - p.done) / rate : NAN;
    const double fraction = p.total > 0 ? static_cast<double>(p.done) / p.total : 1.0;
    char line[160];
    std::snprintf(line, sizeof(line), "%lld/%lld trajectories (%.1f%%), %.0f traj/s, ETA %s",
                  p.done, p.total, 100.0 * fraction, rate, seconds_text(eta).c_str());
    if (terminal_) {
      const int width = 30, filled = static_cast<int>(fraction * width);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                << line << "   " << (last ? "\n" : "") << std::flush;
    } else {
      std::cerr << "kode sweep: " << line << "\n" << std::flush;
    }
  }

 private:
  bool terminal_;
  double last_print_ = -1e9;
};

std::string summary_text(const SweepPlan& plan, const SweepOutcome& outcome, int n_ranks) {
  std::ostringstream out;
  const SweepTotals& t = outcome.totals;
  out << "kode sweep: " << counted(t.n_traj, "trajectory", "trajectories") << " of "
      << plan.model->name << ", " << t.successful << " successful";
  std::string failures;
  for (int s = 0; s < static_cast<int>(t.by_status.size()); ++s) {
    const auto status = static_cast<Status>(s);
    if (t.by_status[s] == 0 || status == Status::success || status == Status::event_occurred)
      continue;
    failures += (failures.empty() ? "" : ", ") + std::to_string(t.by_status[s]) + " " +
                (s < status_count ? status_name(status) : "unknown status");
  }
  out << (failures.empty() ? " (no failures)" : " (failed: " + failures + ")");
  if (plan.spec.event.enabled)
    out << "; event ("
        << event_description(plan.spec.event, plan.model->state_names, plan.model->event_names)
        << ") in " << t.with_event;
  out << "; " << seconds_text(outcome.wall_s) << " on " << counted(n_ranks, "rank") << " -> "
      << plan.output_file << "\n";
  return out.str();
}

// A successful trajectory without its sensitivities is said (even with
// --quiet), never hidden; "" when there is none.
std::string sensitivity_warning(const SweepPlan& plan, const SweepTotals& t) {
  std::ostringstream out;
  const long long missing = t.successful - t.with_sensitivity;
  if (!plan.sensitivity.empty() && missing > 0) {
    out << "kode sweep: warning: "
        << counted(missing, "successful trajectory", "successful trajectories") << " without "
        << (plan.sensitivity.has_loss() ? "a gradient" : "finite sensitivities");
    if (plan.sensitivity.method == "backsolve")
      out << " (the backward solve stopped early: see the solver limits)";
    if (plan.sensitivity.method == "adjoint")
      out << " (more accepted steps than sensitivity.checkpoints = " << plan.sensitivity.checkpoints
          << " can hold, about checkpoints^2 / 2: raise it)";
    out << "; NaN in /sensitivity, left out of /sensitivity/ensemble\n";
  }
  return out.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal : {SIGTERM, SIGUSR1})
    if (sigaction(signal, &action, nullptr) != 0)
      throw std::runtime_error("sigaction failed for signal " + std::to_string(signal));
}

int sweep_command(const std::vector<std::string>& args, CommandContext& context) {
  po::options_description extra;
  extra.add_options()("resume",
                      "continue the interrupted run whose FILE.partial exists (same config)")(
      "quiet,q", "no progress and no summary on stderr")(
      "no-space-check",
      "skip the check that the output fits in the free space of its directory (for file "
      "systems that report free space wrongly)");
  // First of all: a SIGUSR1/SIGTERM that reaches a rank still starting up
  // must set the flag, not kill the rank.
  install_stop_handlers();
  const SingleRunArguments arguments =
      parse_single_run_arguments("sweep", sweep_summary, args, extra);
  const bool is_root = context.mpi.rank() == 0;
  if (arguments.help) {
    if (is_root) std::cout << arguments.help_text;
    return exit_ok;
  }
  if (!arguments.config_file)
    throw ConfigError(
        "kode sweep: no config file given (usage: kode sweep CONFIG.ini "
        "[--section.key=VALUE ...]; see kode sweep --help)");
  const bool resume = arguments.options.count("resume") > 0;
  const bool overwrite = arguments.overwrite;
  const bool quiet = arguments.options.count("quiet") > 0;

  // Every rank validates the same input, so all of them agree on errors.
  const Config config = load_config(arguments.config_file, arguments.overrides);
  const SweepPlan plan = sweep_plan_from_config(config, context.models);
  // The file-system checks run on rank 0 alone and their outcome is shared:
  // ranks start at different times, and a late rank must not see the
  // FILE.partial an early rank has already created (it would fail alone and
  // leave the others waiting in a collective call).
  const std::string partial = plan.output_file + ".partial";
  on_rank0_for_all(MPI_COMM_WORLD, [&] {
    check_sweep_loss_data(plan, config.describe("loss.data"));
    check_output_path(plan.output_file, overwrite);
    if (!resume && exists(partial) && !overwrite)
      throw ConfigError("'" + partial +
                        "' exists: an interrupted run of this sweep; pass --resume to continue "
                        "it, or --overwrite to start again");
    // The file is preallocated whole when it is created (a resumed one
    // already is): refuse, before creating anything, one that cannot fit.
    if (!resume && !arguments.options.count("no-space-check"))
      check_free_space(plan.output_file, planned_data_bytes(plan));
  });

  if (is_root && !quiet && !plan.chunk_note.empty())
    std::cerr << "kode sweep: note: " << plan.chunk_note << "\n";

  const RunAttributes attributes = run_attributes(*plan.model, plan.spec, plan.design.seed(),
                                                  context.mpi.size(), plan.config_text);

  SweepRunOptions run;
  run.resume = resume;
  run.overwrite = overwrite;
  run.stop_requested = &stop_flag;
  if (is_root && !quiet) run.progress = ProgressPrinter();
  // Test only: slows every chunk down so that tests can interrupt a small run.
  if (const char* delay = std::getenv("KODE_TEST_CHUNK_DELAY_MS"))
    run.test_chunk_delay_ms = std::atoi(delay);

  context.kokkos.ensure_initialized();
  SweepOutcome outcome;
  try {
    outcome = run_sweep(plan, attributes, run);
  } catch (const ConfigError&) {
    throw;  // raised on every rank alike
  } catch (const std::exception& e) {
    // An I/O or MPI failure may hit one rank only while the others wait in a
    // collective call: report it and take the whole job down.
    if (context.mpi.size() > 1) {
      std::cerr << "kode: error (rank " << context.mpi.rank() << "): " << e.what() << "\n"
                << std::flush;
      MPI_Abort(MPI_COMM_WORLD, exit_io_error);
    }
    throw;
  }
  if (!outcome.complete) {
    if (is_root)
      std::cerr << "kode sweep: stopped on a signal at a chunk boundary; finished chunks are in '"
                << partial << "'; run the same command with --resume to complete it\n";
    return exit_stopped;
  }
  if (is_root && !quiet) std::cerr << summary_text(plan, outcome, context.mpi.size());
  if (is_root) std::cerr << sensitivity_warning(plan, outcome.totals);
  return exit_ok;
}

}  // namespace kode::cli
