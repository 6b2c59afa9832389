// `kode train`: fits a neural ODE (or a model's parameters) to observed
// trajectories, data-parallel on all MPI ranks (engine/train/ does the work;
// this is the command line, the signal handling, the checkpoint and result
// files and what is printed).
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/mpi/mpi_check.hpp"
#include "kode/engine/train/train_file.hpp"
#include "kode/engine/train/trainer.hpp"

namespace kode::cli {

namespace {

namespace po = boost::program_options;

const char* const train_summary =
    "Trains a neural ODE ([train] model = neural_ode: y' = MLP(y), its weights\n"
    "learnt) or estimates a model's parameters ([train] learn = params) on the\n"
    "trajectories of a kode solve/sweep file ([train] data), minimising the mean\n"
    "squared error at the save times with Adam or AdaBelief; gradients by the\n"
    "discrete adjoint. Every MPI rank differentiates its share of each minibatch;\n"
    "results are bit-identical for any number of ranks. [train] output: the\n"
    "result file (loss history, network or parameters, validation predictions).\n"
    "A checkpoint OUTPUT.checkpoint is written every [train] checkpoint_every\n"
    "steps and on SIGTERM/SIGUSR1 (then exit 75); --resume continues from it to\n"
    "the same bits as an uninterrupted run.\n"
    "Exit status: 0 done; 2 bad input (nothing computed or written); 70 every\n"
    "trajectory of a minibatch failed; 74 an I/O error; 75 stopped on a signal,\n"
    "resumable with --resume.";

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string format(const char* fmt, double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, x);
  return buf;
}

// Rank 0's progress: a line when a validation loss is computed (every
// validate_every steps) and at most every 5 s otherwise.
class TrainProgressPrinter {
 public:
  void operator()(const TrainProgress& p) {
    const bool validated = std::isfinite(p.validation_loss);
    if (!validated && p.step < p.steps && p.elapsed_s - last_ < 5.0) return;
    last_ = p.elapsed_s;
    const double rate = p.elapsed_s > 0 ? p.steps_this_run / p.elapsed_s : 0.0;
    const double eta = rate > 0 ? (p.steps - p.step) / rate : NAN;
    std::cerr << "kode train: step " << p.step << "/" << p.steps << "  loss "
              << format("%.4e", p.loss);
    if (validated) std::cerr << "  validation " << format("%.4e", p.validation_loss);
    std::cerr << "  lr " << format("%.3g", p.learning_rate) << "  " << format("%.1f", rate)
              << " steps/s  ETA " << (std::isfinite(eta) ? format("%.0f s", eta) : "?") << "\n";
  }

 private:
  double last_ = -1e300;
};

}  // namespace

int train_command(const std::vector<std::string>& args, CommandContext& context) {
  po::options_description extra;
  extra.add_options()("resume", "continue from OUTPUT.checkpoint (same config)")(
      "quiet,q", "no progress and no summary on stderr");
  install_stop_handlers();
  const SingleRunArguments arguments =
      parse_single_run_arguments("train", train_summary, args, extra);
  const bool is_root = context.mpi.rank() == 0;
  if (arguments.help) {
    if (is_root) std::cout << arguments.help_text;
    return exit_ok;
  }
  if (!arguments.config_file)
    throw ConfigError(
        "kode train: no config file given (usage: kode train CONFIG.ini "
        "[--section.key=VALUE ...]; see kode train --help)");
  const bool resume = arguments.options.count("resume") > 0;
  const bool quiet = arguments.options.count("quiet") > 0;

  const Config config = load_config(arguments.config_file, arguments.overrides);
  const TrainSettings settings = train_settings_from_config(config, context.models);
  const std::string config_text = resolved_train_text(settings);
  const std::string checkpoint = settings.checkpoint_file();
  on_rank0_for_all(MPI_COMM_WORLD, [&] {
    check_output_path(settings.output, arguments.overwrite);
    if (!resume && exists(checkpoint) && !arguments.overwrite)
      throw ConfigError("'" + checkpoint +
                        "' exists: an interrupted run of this training; pass --resume to "
                        "continue it, or --overwrite to start again");
  });
  // Every rank reads the same checkpoint (identical outcome on all).
  TrainState start;
  bool resuming = false;
  if (resume && exists(checkpoint)) {
    start = read_train_checkpoint(checkpoint, config_text);
    resuming = true;
  }
  if (is_root && !quiet) {
    std::cerr << "kode train: " << settings.model << (settings.hybrid() ? " + network" : "") << ", "
              << learnt_summary(settings) << "; "
              << counted(settings.data.n_traj, "trajectory", "trajectories") << " of "
              << settings.data.path << " (/" << settings.data.dataset << "), "
              << counted(settings.data.n_save, "save time") << "; " << settings.steps
              << " steps of batch " << settings.batch << " on "
              << counted(context.mpi.size(), "rank") << "\n";
    if (resume)
      std::cerr << "kode train: "
                << (resuming ? "resuming from step " + std::to_string(start.step) + " of '" +
                                   checkpoint + "'"
                             : "no checkpoint '" + checkpoint + "' yet: starting at step 0")
                << "\n";
  }

  TrainRunOptions run;
  run.stop_requested = &stop_flag;
  if (is_root && !quiet) run.progress = TrainProgressPrinter();
  run.write_checkpoint = [&](const TrainState& state) {
    try {
      write_train_checkpoint(checkpoint, config_text, state);
    } catch (const ConfigError& e) {
      // Mid-run this is an I/O failure (exit 74), not bad input.
      throw Hdf5Error(std::string("cannot write the checkpoint: ") + e.what());
    }
  };
  if (const char* delay = std::getenv("KODE_TEST_STEP_DELAY_MS"))
    run.test_step_delay_ms = std::atoi(delay);

  context.kokkos.ensure_initialized();
  TrainOutcome outcome;
  try {
    outcome = run_training(settings, resuming ? &start : nullptr, run);
    if (outcome.complete) {
      on_rank0_for_all(MPI_COMM_WORLD, [&] {
        RunAttributes a;
        a.kode_version = kode_version_string();
        a.model = settings.model;
        a.solver = settings.spec.method;
        a.rtol = settings.spec.control.rtol;
        a.atol = settings.spec.control.atol;
        a.seed = settings.seed;
        a.n_ranks = context.mpi.size();
        a.config_text = config_text;
        a.t0 = settings.spec.t0;
        a.t1 = settings.spec.t1;
        write_train_result(settings.output, arguments.overwrite, settings, outcome, a);
        std::remove(checkpoint.c_str());
      });
    }
  } catch (const ConfigError&) {
    throw;
  } catch (const TrainingFailed& e) {
    // Decided from the combined sums: every rank stops here together.
    if (is_root) std::cerr << "kode: error: " << e.what() << "\n";
    return exit_software;
  } catch (const std::exception& e) {
    if (context.mpi.size() > 1) {
      std::cerr << "kode: error (rank " << context.mpi.rank() << "): " << e.what() << "\n"
                << std::flush;
      MPI_Abort(MPI_COMM_WORLD, exit_io_error);
    }
    throw;
  }
  if (!outcome.complete) {
    if (is_root)
      std::cerr << "kode train: stopped on a signal at step " << outcome.state.step
                << "; checkpoint '" << checkpoint
                << "' written; run the same command with --resume to continue\n";
    return exit_stopped;
  }
  if (is_root && !quiet) {
    const TrainHistory& h = outcome.state.history;
    std::cerr << "kode train: done, " << outcome.state.step << " steps ("
              << format("%.2f", outcome.seconds) << " s for " << outcome.steps_this_run
              << " this run); loss " << format("%.4e", h.loss.front()) << " -> "
              << format("%.4e", h.loss.back());
    if (std::isfinite(outcome.final_validation_loss))
      std::cerr << "; validation loss of the learnt model "
                << format("%.4e", outcome.final_validation_loss) << " ("
                << counted(static_cast<long long>(outcome.split.validation.size()), "trajectory",
                           "trajectories")
                << ")";
    std::cerr << " -> " << settings.output << "\n";
    if (settings.has_params()) {
      const bool errors = !outcome.standard_errors.empty();
      std::cerr << "kode train: learnt parameters" << (errors ? " (+- standard error):" : ":");
      for (size_t k = 0; k < settings.learnt_params.size(); ++k) {
        const int j = settings.learnt_params[k];
        std::cerr << " " << settings.model_info->param_names[j] << " = "
                  << format("%.6g", outcome.model_params[j]);
        if (errors) std::cerr << " +- " << format("%.2g", outcome.standard_errors[k]);
      }
      std::cerr << "\n";
    }
    double failed = 0;
    for (double f : h.failed) failed += f;
    if (failed > 0)
      std::cerr << "kode train: warning: " << failed
                << " trajectory solves failed across the steps and were left out of their "
                   "minibatch (see /train/failed)\n";
  }
  return exit_ok;
}

}  // namespace kode::cli
