// `kode merge OUT.h5 PART.h5 ...`: joins the part files of a sliced sweep
// (a Slurm job array, scripts/slurm/sweep_array.sbatch) into one file
// (engine/sweep/sweep_merge.hpp does the work; this is the command line).
#include <iostream>

#include "kode/cli/command_line.hpp"
#include "kode/cli/commands.hpp"
#include "kode/cli/single_run.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/sweep/sweep_merge.hpp"

namespace kode::cli {

namespace po = boost::program_options;

int merge_command(const std::vector<std::string>& args, CommandContext& context) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "overwrite", "replace an existing OUT.h5 (it is never replaced otherwise)")(
      "quiet,q", "no summary on stderr");
  po::options_description hidden;
  hidden.add_options()("files", po::value<std::vector<std::string>>(), "OUT.h5 PART.h5 ...");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("files", -1);
  const po::variables_map vm = parse_command_options("merge", args, all, positional);
  if (vm.count("help")) {
    if (context.mpi.rank() == 0)
      std::cout << "Usage: kode merge OUT.h5 PART.h5 ... [--overwrite] [--quiet]\n\n"
                   "Joins the part files of a sweep run in slices (kode sweep with [sweep]\n"
                   "slice_index = k and slice_count = K, e.g. the tasks of a Slurm job array:\n"
                   "scripts/slurm/sweep_array.sbatch) into OUT.h5, identical dataset by dataset\n"
                   "to one kode sweep of the whole sweep with [output] file = OUT.h5 (/ensemble\n"
                   "included). The parts, in any order, must be complete (not FILE.partial),\n"
                   "of the same sweep (the same resolved config apart from [output] file and the\n"
                   "slice keys) and hold every slice 0..K-1 exactly once. Nothing is written\n"
                   "unless all of that holds; OUT.h5 is written as OUT.h5.partial and renamed\n"
                   "when complete. Runs on one process, one chunk in memory at a time.\n"
                   "Exit status: 0 done; 2 bad input (a missing or duplicate slice, parts of\n"
                   "different sweeps, an incomplete part, OUT.h5 exists; nothing written);\n"
                   "74 an I/O error.\n\n"
                << options;
    return exit_ok;
  }
  if (context.mpi.size() > 1)
    throw ConfigError("kode merge runs on one MPI rank; run it without mpiexec/srun");
  const std::vector<std::string> files =
      vm.count("files") ? vm["files"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.size() < 2)
    throw ConfigError(
        "kode merge: expected OUT.h5 and at least one part file (usage: kode merge OUT.h5 "
        "PART.h5 ...; see kode merge --help)");
  const std::string out = files.front();
  const std::vector<std::string> parts(files.begin() + 1, files.end());
  const bool overwrite = vm.count("overwrite") > 0;

  check_output_path(out, overwrite);
  const SweepMergePlan merge = plan_sweep_merge(out, parts, context.models);
  const SweepPlan& plan = merge.plan;
  const RunAttributes attributes =
      run_attributes(*plan.model, plan.spec, plan.design.seed(), merge.n_ranks, plan.config_text);
  const SweepTotals totals = merge_sweep_parts(merge, attributes, overwrite);
  if (vm.count("quiet") == 0)
    std::cerr << "kode merge: " << counted(static_cast<long long>(merge.parts.size()), "part")
              << ", " << counted(totals.n_traj, "trajectory", "trajectories") << " of "
              << plan.model->name << ", " << totals.successful << " successful -> " << out << "\n";
  return exit_ok;
}

}  // namespace kode::cli
