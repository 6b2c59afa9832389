// `kode solve`: one trajectory, CSV on stdout or an HDF5 file.
#include <cstdio>
#include <iostream>

#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/kernels/status.hpp"

namespace kode::cli {

namespace {

const char* const solve_summary =
    "Solves one trajectory (every parameter and initial value fixed). Without\n"
    "[output] file it prints CSV on stdout: a header t,<state names> and one row\n"
    "per save time at full double precision (with [noise] observation_sigma,\n"
    "columns <state>_observed follow); with [output] file it writes the HDF5\n"
    "result file (FILE.partial, renamed to FILE when complete).\n"
    "Exit status: 0 success; 1 the trajectory stopped early (its status is\n"
    "reported on stderr; the output is still written, unreached rows are nan);\n"
    "2 bad input (nothing is computed or written); 74 an I/O error.";

// CSV at full precision: %.17g reads back as the same double. Observations
// (ys_observed non-empty) follow the states as <state>_observed columns.
void print_csv(const BatchResult& r, const std::vector<std::string>& state_names,
               const std::vector<double>& ys_observed) {
  std::string header = "t";
  for (const auto& name : state_names) header += "," + name;
  if (!ys_observed.empty())
    for (const auto& name : state_names) header += "," + name + "_observed";
  std::printf("%s\n", header.c_str());
  const size_t n_state = state_names.size();
  for (size_t j = 0; j < r.ts.size(); ++j) {
    std::printf("%.17g", r.ts[j]);
    for (size_t i = 0; i < n_state; ++i) std::printf(",%.17g", r.ys[j * n_state + i]);
    if (!ys_observed.empty())
      for (size_t i = 0; i < n_state; ++i) std::printf(",%.17g", ys_observed[j * n_state + i]);
    std::printf("\n");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw IoError("writing the CSV to stdout failed");
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
  const BatchResult result = p.model->solve(p.spec, p.params, p.y0, 1);
  const std::vector<double> ys_observed =
      p.observation.enabled() ? observe_states(p.observation, result, p.spec.first_trajectory)
                              : std::vector<double>{};

  if (to_file) {
    const RunAttributes attributes = run_attributes(*p.model, p.spec, 0, context.mpi.size(),
                                                    resolved_config_text(p, run.config));
    write_result_file(p.output_file, arguments.overwrite, result,
                      ResultLabels{p.model->state_names, p.model->param_names}, p.params, p.y0,
                      attributes, p.observation, ys_observed);
  } else {
    print_csv(result, p.model->state_names, ys_observed);
  }

  const auto status = static_cast<Status>(result.status.at(0));
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
