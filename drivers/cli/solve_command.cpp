// `kode solve`: one trajectory, CSV on stdout or an HDF5 file.
#include <cstdio>
#include <iostream>

#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/io/event_layout.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/kernels/status.hpp"

namespace kode::cli {

namespace {

const char* const solve_summary =
    "Solves one trajectory (every parameter and initial value fixed). Without\n"
    "[output] file it prints CSV on stdout: a header t,<state names> and one row\n"
    "per save time at full double precision (with [noise] observation_sigma,\n"
    "columns <state>_observed follow; with [sensitivity] method = forward, the\n"
    "derivatives d<state>_d<param> and d<state>_d<state>0; with method = adjoint\n"
    "or backsolve,\n"
    "one row: loss,dloss_d<param>...,dloss_d<state>0...); with [output] file it\n"
    "writes the HDF5\n"
    "result file (FILE.partial, renamed to FILE when complete).\n"
    "Exit status: 0 success; 1 the trajectory stopped early (its status is\n"
    "reported on stderr; the output is still written, unreached rows are nan);\n"
    "2 bad input (nothing is computed or written); 74 an I/O error.\n"
    "With [event] the event's time and state are reported on stderr; after a\n"
    "terminal event (status 4, a success) the CSV rows stop at the event.";

// CSV at full precision: %.17g reads back as the same double. Observations
// (ys_observed non-empty) follow the states as <state>_observed columns, then
// forward sensitivities as d<state>_d<param> and d<state>_d<state>0 columns
// (state-major: every derivative of the first state, then the next).
void print_csv(const BatchResult& r, const ModelInfo& model, const std::vector<double>& ys_observed,
               const SensitivityArrays& sens, std::size_t n_rows) {
  const std::vector<std::string>& state_names = model.state_names;
  const std::vector<std::string>& param_names = model.param_names;
  std::string header = "t";
  for (const auto& name : state_names) header += "," + name;
  if (!ys_observed.empty())
    for (const auto& name : state_names) header += "," + name + "_observed";
  if (sens.method == "forward")
    for (const auto& name : state_names) {
      for (const auto& param : param_names) header += ",d" + name + "_d" + param;
      for (const auto& wrt : state_names) header += ",d" + name + "_d" + wrt + "0";
    }
  std::printf("%s\n", header.c_str());
  const size_t n_state = state_names.size(), n_param = param_names.size();
  for (size_t j = 0; j < n_rows; ++j) {
    std::printf("%.17g", r.ts[j]);
    for (size_t i = 0; i < n_state; ++i) std::printf(",%.17g", r.ys[j * n_state + i]);
    if (!ys_observed.empty())
      for (size_t i = 0; i < n_state; ++i) std::printf(",%.17g", ys_observed[j * n_state + i]);
    if (sens.method == "forward")
      for (size_t i = 0; i < n_state; ++i) {
        const size_t row = j * n_state + i;
        for (size_t q = 0; q < n_param; ++q)
          std::printf(",%.17g", sens.dys_dparams[row * n_param + q]);
        for (size_t m = 0; m < n_state; ++m) std::printf(",%.17g", sens.dys_dy0[row * n_state + m]);
      }
    std::printf("\n");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw IoError("writing the CSV to stdout failed");
}

// The adjoint's CSV: one row, the loss and its gradient (full precision).
void print_gradient_csv(const ModelInfo& model, const SensitivityArrays& sens) {
  std::string header = "loss";
  for (const auto& param : model.param_names) header += ",dloss_d" + param;
  for (const auto& state : model.state_names) header += ",dloss_d" + state + "0";
  std::printf("%s\n%.17g", header.c_str(), sens.loss.at(0));
  for (double g : sens.dloss_dparams) std::printf(",%.17g", g);
  for (double g : sens.dloss_dy0) std::printf(",%.17g", g);
  std::printf("\n");
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw IoError("writing the CSV to stdout failed");
}

// [event]: what happened, on stderr. Returns the number of CSV rows to
// print: the save times up to a terminal event (those after it were never
// reached), else all.
std::size_t report_event(const BatchResult& r, const SolveSpec& spec, const ModelInfo& model) {
  const std::size_t all_rows = r.ts.size();
  if (!spec.event.enabled || r.event_count.empty()) return all_rows;
  const EventSpec& e = spec.event;
  const std::size_t n_state = model.state_names.size();
  const int count = r.event_count[0];
  const double t = count > 0 ? r.event_t[0] : 0.0;
  if (e.model_event >= 0) {
    const std::string what = event_description(e, model.state_names, model.event_names);
    if (count == 0) {
      std::fprintf(stderr, "kode: event: %s did not occur in [%.17g, %.17g]\n", what.c_str(),
                   spec.t0, spec.t1);
      return all_rows;
    }
    std::fprintf(stderr, "kode: event: %s at t = %.17g", what.c_str(), t);
  } else {
    const std::string& state = model.state_names.at(e.state);
    if (count == 0) {
      std::fprintf(stderr, "kode: event: %s did not cross %.17g (%s) in [%.17g, %.17g]\n",
                   state.c_str(), e.value, event_direction_name(e.direction), spec.t0, spec.t1);
      return all_rows;
    }
    std::fprintf(stderr, "kode: event: %s crossed %.17g (%s) at t = %.17g", state.c_str(), e.value,
                 event_direction_name(e.direction), t);
  }
  for (std::size_t i = 0; i < n_state; ++i)
    std::fprintf(stderr, ", %s = %.17g", model.state_names[i].c_str(), r.event_y[i]);
  if (e.terminal) {
    std::fprintf(stderr, "; terminal: the trajectory stops there\n");
    const double direction = spec.t1 >= spec.t0 ? 1.0 : -1.0;
    std::size_t rows = 0;
    while (rows < all_rows && direction * (r.ts[rows] - t) <= 0.0) ++rows;
    return rows;
  }
  std::fprintf(stderr, "; %d crossing%s in all\n", count, count == 1 ? "" : "s");
  return all_rows;
}

}  // namespace

int solve_command(const std::vector<std::string>& args, CommandContext& context) {
  const SingleRunArguments arguments = parse_single_run_arguments("solve", solve_summary, args);
  if (arguments.help) {
    std::cout << arguments.help_text;
    return exit_ok;
  }
  require_single_rank("solve", context.mpi.size());
  const PreparedRun run = prepare_single_run("solve", arguments, context.models);
  const SingleProblem& p = run.problem;
  const bool to_file = !p.output_file.empty();

  // Nothing the user asked for is dropped without a word.
  for (const auto& key : p.unused_keys)
    std::cerr << "kode: warning: kode solve does not use " << run.config.describe(key) << "\n";
  if (!to_file && (p.spec.save_steps || p.spec.dense))
    std::cerr << "kode: warning: save.steps/save.dense are stored only in an HDF5 file "
                 "([output] file); the CSV holds the save times only\n";

  context.kokkos.ensure_initialized();
  BatchResult result;
  SensitivityArrays sensitivity;
  const SensitivitySetup& sens = p.sensitivity;
  sensitivity.method = sens.method;
  int backward_status = 0;  // backsolve: the backward solve's status
  if (sens.has_loss()) {
    LossSpec loss = sens.loss;
    if (loss.kind == LossKind::mse)
      loss.data = read_loss_data(sens.loss_data_file, sens.loss_dataset, 0, 1, p.spec.ts,
                                 p.model->state_names, run.config.describe("loss.data"));
    AdjointResult adjoint;
    const auto solver = p.model->make_adjoint_solver(p.spec.method);
    if (sens.method == "backsolve") {
      solver->backsolve(p.spec, loss, p.params, p.y0, 1, adjoint);
      backward_status = adjoint.backward_status.at(0);
    } else {
      solver->solve(p.spec, loss, p.params, p.y0, 1, adjoint, sens.checkpoints);
    }
    if (sens.method == "adjoint" && adjoint.status.at(0) == 0 && !adjoint.gradient_ok.at(0))
      throw ConfigError("sensitivity.checkpoints = " + std::to_string(sens.checkpoints) +
                        " cannot hold the adjoint of " +
                        std::to_string(adjoint.num_accepted.at(0)) +
                        " accepted steps (about checkpoints^2 / 2 fit); raise it");
    sensitivity.loss = adjoint.loss;
    sensitivity.dloss_dparams = adjoint.dloss_dparams;
    sensitivity.dloss_dy0 = adjoint.dloss_dy0;
    result = p.model->solve(p.spec, p.params, p.y0, 1);
  } else if (sens.method == "forward") {
    // The values and step counts are the plain solve's, bit for bit.
    ForwardSensitivityResult forward;
    p.model->make_forward_solver(p.spec.method)->solve(p.spec, p.params, p.y0, 1, forward);
    result = std::move(forward.solution);
    sensitivity.dys_dparams = std::move(forward.dys_dparams);
    sensitivity.dys_dy0 = std::move(forward.dys_dy0);
  } else {
    result = p.model->solve(p.spec, p.params, p.y0, 1);
  }
  const std::vector<double> ys_observed =
      p.observation.enabled() ? observe_states(p.observation, result, p.spec.first_trajectory)
                              : std::vector<double>{};

  const std::size_t csv_rows = report_event(result, p.spec, *p.model);
  if (to_file) {
    const RunAttributes attributes = run_attributes(*p.model, p.spec, 0, context.mpi.size(),
                                                    resolved_config_text(p, run.config));
    write_result_file(
        p.output_file, arguments.overwrite, result,
        ResultLabels{p.model->state_names, p.model->param_names, p.model->event_names}, p.params,
        p.y0, attributes, p.observation, ys_observed, sensitivity);
  } else if (sens.has_loss()) {
    print_gradient_csv(*p.model, sensitivity);
  } else {
    print_csv(result, *p.model, ys_observed, sensitivity, csv_rows);
  }

  const auto status = static_cast<Status>(result.status.at(0));
  if ((status == Status::success || status == Status::event_occurred) && backward_status != 0) {
    std::cerr << "kode: the backward (adjoint) solve of backsolve stopped early: status "
              << backward_status << " (" << status_name(static_cast<Status>(backward_status))
              << "); the gradient is nan (sensitivity.method = adjoint differentiates the "
                 "forward steps and needs no backward solve)\n";
    return exit_trajectory_failed;
  }
  if (status == Status::success || status == Status::event_occurred) return exit_ok;
  std::cerr << "kode: trajectory stopped early: status " << static_cast<int>(status) << " ("
            << status_name(status) << ") after " << result.num_steps.at(0) << " steps ("
            << result.num_accepted.at(0) << " accepted, " << result.num_rejected.at(0)
            << " rejected)";
  if (status == Status::max_steps_reached)
    std::cerr << "; raise solver.max_steps (now " << p.spec.control.max_steps << ")";
  std::cerr << "; save times after the stop hold nan\n";
  return exit_trajectory_failed;
}

}  // namespace kode::cli
