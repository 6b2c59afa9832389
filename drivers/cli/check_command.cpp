// `kode check`: validates a config exactly as `kode solve` would, without
// computing or writing anything, and summarises what would run.
#include <sys/stat.h>

#include <charconv>
#include <iostream>
#include <sstream>

#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/sweep_file.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"
#include "kode/engine/train/train_settings.hpp"

namespace kode::cli {

namespace {

const char* const check_summary =
    "Validates a config as `kode solve` would (keys, values, model names, save\n"
    "times, that the output file can be created) and prints a summary; a sweep\n"
    "config (a [sweep] key or a design among [params]/[y0]) is validated as\n"
    "`kode sweep` would, with the planned output size and the free space for it.\n"
    "A training config (a [train] key) is validated as `kode train` would, data\n"
    "file included.\n"
    "An existing output file is a note here (a run needs --overwrite or --resume).\n"
    "Computes nothing and writes nothing. Exit status: 0 valid; 2 bad input.";

// A config meant for `kode sweep`: a [sweep] key, or a design value.
bool is_sweep_config(const Config& config) {
  for (const std::string& key : config.keys()) {
    if (key.rfind("sweep.", 0) == 0) return true;
    if ((key.rfind("params.", 0) == 0 || key.rfind("y0.", 0) == 0) &&
        looks_like_design(config.find(key)->text))
      return true;
  }
  return false;
}

// The Brownian paths of an SDE run, as resolved.
std::string noise_summary(const ModelInfo& model, const SolveSpec& s) {
  std::ostringstream out;
  out << "noise: " << counted(model.n_noise, "Brownian motion") << " (" << model.noise_kind
      << "), read as " << (s.noise.calculus.empty() ? model.calculus : s.noise.calculus)
      << ", seed " << s.noise.seed << ", tree_tol " << brownian_tree_tol(s.t0, s.t1, s.noise);
  return out.str();
}

// The [sensitivity] line of the summary ("" without).
std::string sensitivity_summary(const SensitivitySetup& sens, long long n_save) {
  std::ostringstream out;
  if (sens.method == "forward")
    out << "  sensitivity: forward (d state / d params and d state / d y0 at "
        << counted(n_save, "save time") << ")\n";
  if (sens.has_loss())
    out << "  sensitivity: "
        << (sens.method == "adjoint"
                ? "adjoint, " + std::to_string(sens.checkpoints) + " checkpoints"
                : std::string("backsolve (continuous adjoint)"))
        << "; loss "
        << (sens.loss.kind == LossKind::mse
                ? "mse against /" + sens.loss_dataset + " of " + sens.loss_data_file
                : std::string("state (weighted states at ") +
                      (sens.loss.final_only ? "t1)" : "every save time)"))
        << "\n";
  return out.str();
}

int check_sweep(const Config& config, const SingleRunArguments& arguments,
                const ModelRegistry& models) {
  const SweepPlan plan = sweep_plan_from_config(config, models);
  check_sweep_loss_data(plan, config.describe("loss.data"));
  const bool output_exists =
      check_output_path(plan.output_file, arguments.overwrite, /*allow_existing=*/true);
  // As kode sweep: a file that cannot fit is refused before anything runs.
  if (!arguments.options.count("no-space-check"))
    check_free_space(plan.output_file, planned_data_bytes(plan));
  struct stat partial {};
  const bool partial_exists = ::stat((plan.output_file + ".partial").c_str(), &partial) == 0;
  std::ostringstream out;
  out << "ok: sweep of model " << plan.model->name << ": "
      << counted(plan.n_traj, "trajectory", "trajectories") << " (" << plan.design.kind()
      << " design, " << counted(plan.design.grid_points(), "grid point") << " x "
      << counted(plan.design.samples(), "sample") << " x " << counted(plan.design.paths(), "path")
      << ", seed " << plan.design.seed() << ")\n";
  out << "  method " << plan.spec.method << ", " << counted(plan.n_save(), "save time") << "; "
      << counted(plan.n_chunks, "chunk") << " of " << plan.chunk << ", schedule " << plan.schedule
      << "\n";
  if (plan.model->sde) out << "  " << noise_summary(*plan.model, plan.spec) << "\n";
  out << sensitivity_summary(plan.sensitivity, plan.n_save());
  if (plan.is_slice())
    out << "  slice " << plan.slice_index << " of " << plan.slice_count << ": chunks "
        << plan.chunk_begin << ".." << plan.chunk_end - 1 << ", "
        << counted(plan.slice_n_traj(), "trajectory", "trajectories") << " from "
        << plan.slice_first() << " (a part file for kode merge)\n";
  out << "  output: " << plan.output_file << " (HDF5, save = " << plan.output_save
      << (arguments.overwrite ? ", --overwrite" : "") << ")\n";
  const double planned = planned_data_bytes(plan);
  const double free_bytes = free_bytes_for(plan.output_file);
  out << "  planned output size: " << byte_size_text(planned) << " of data";
  if (free_bytes >= 0) out << " (" << byte_size_text(free_bytes) << " free in that directory)";
  out << "\n";
  if (!plan.chunk_note.empty()) out << "  note: " << plan.chunk_note << "\n";
  if (output_exists && !arguments.overwrite)
    out << "  note: '" << plan.output_file
        << "' exists; a run would need --overwrite (or another [output] file)\n";
  if (partial_exists && !arguments.overwrite)
    out << "  note: '" << plan.output_file
        << ".partial' exists (an interrupted run); a run would need --resume to continue it or "
           "--overwrite to start again\n";
  std::cout << out.str();
  return exit_ok;
}

// A config meant for `kode train`: a [train] key.
bool is_train_config(const Config& config) {
  return !config.keys_in("train").empty();
}

int check_train(const Config& config, const SingleRunArguments& arguments,
                const ModelRegistry& models) {
  const TrainSettings s = train_settings_from_config(config, models);
  const bool output_exists = check_output_path(s.output, arguments.overwrite, true);
  struct stat st {};
  const bool checkpoint_exists = ::stat(s.checkpoint_file().c_str(), &st) == 0;
  const long long n_val =
      static_cast<long long>(s.validation_fraction * s.data.n_traj);  // floor, as the split
  std::ostringstream out;
  out << "ok: train " << s.model << (s.hybrid() ? " + network" : "") << " (" << learnt_summary(s)
      << ")\n";
  out << "  data " << s.data.path << " (/" << s.data.dataset
      << "): " << counted(s.data.n_traj - n_val, "training trajectory", "training trajectories")
      << ", " << counted(n_val, "validation trajectory", "validation trajectories") << ", "
      << counted(s.data.n_save, "save time") << "\n";
  out << "  " << s.steps << " steps of batch " << s.batch << ", "
      << optimizer_name(s.optimizer.kind) << " learning rate " << s.optimizer.learning_rate << " ("
      << schedule_name(s.optimizer.schedule) << "); method " << s.spec.method << "\n";
  out << "  output: " << s.output << (arguments.overwrite ? " (--overwrite)" : "") << "\n";
  if (output_exists && !arguments.overwrite)
    out << "  note: '" << s.output << "' exists; a run would need --overwrite\n";
  if (checkpoint_exists && !arguments.overwrite)
    out << "  note: '" << s.checkpoint_file()
        << "' exists (an interrupted run); a run would need --resume or --overwrite\n";
  std::cout << out.str();
  return exit_ok;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// Shortest text that reads back as the same double (1e-06, not 9.99...e-07).
std::string number(double x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(x);
}

}  // namespace

int check_command(const std::vector<std::string>& args, CommandContext& context) {
  boost::program_options::options_description extra;
  extra.add_options()("no-space-check",
                      "skip the check that a sweep's output fits in the free space of its "
                      "directory");
  const SingleRunArguments arguments =
      parse_single_run_arguments("check", check_summary, args, extra);
  if (arguments.help) {
    std::cout << arguments.help_text;
    return exit_ok;
  }
  if (arguments.config_file || !arguments.overrides.empty()) {
    const Config config = load_config(arguments.config_file, arguments.overrides);
    if (is_train_config(config)) return check_train(config, arguments, context.models);
    if (is_sweep_config(config)) return check_sweep(config, arguments, context.models);
  }
  const PreparedRun run = prepare_single_run("check", arguments, context.models);
  const SingleProblem& p = run.problem;
  const SolveSpec& s = p.spec;
  const StepSizeControl& c = s.control;
  std::ostringstream out;
  out << "ok: model " << p.model->name << " (states " << join(p.model->state_names) << "; params "
      << (p.model->param_names.empty() ? "none" : join(p.model->param_names)) << ")\n";
  out << "  time [" << number(s.t0) << ", " << number(s.t1) << "], method " << s.method;
  if (c.adaptive)
    out << ", pid controller (rtol " << number(c.rtol) << ", atol " << number(c.atol) << ")";
  else
    out << ", constant steps of dt0 " << number(c.dt0);
  out << ", max_steps " << c.max_steps << "\n";
  out << "  " << counted(static_cast<long long>(s.ts.size()), "save time");
  if (!s.ts.empty()) out << " from " << number(s.ts.front()) << " to " << number(s.ts.back());
  out << "; steps " << (s.save_steps ? "yes" : "no") << "; dense " << (s.dense ? "yes" : "no")
      << "\n";
  if (p.model->sde) out << "  " << noise_summary(*p.model, s) << "\n";
  const SensitivitySetup& sens = p.sensitivity;
  // The data must fit the run: read (and check) it as the run would.
  if (sens.has_loss() && sens.loss.kind == LossKind::mse)
    read_loss_data(sens.loss_data_file, sens.loss_dataset, 0, 1, s.ts, p.model->state_names,
                   run.config.describe("loss.data"));
  out << sensitivity_summary(sens, static_cast<long long>(s.ts.size()));
  out << "  output: "
      << (p.output_file.empty()
              ? std::string("CSV on stdout")
              : p.output_file + " (HDF5" + (arguments.overwrite ? ", --overwrite" : "") + ")")
      << "\n";
  for (const auto& key : p.unused_keys)
    out << "  note: kode solve does not use " << run.config.describe(key) << "\n";
  if (run.output_exists && !arguments.overwrite)
    out << "  note: '" << p.output_file
        << "' exists; a run would need --overwrite (or another [output] file)\n";
  std::cout << out.str();
  return exit_ok;
}

}  // namespace kode::cli
