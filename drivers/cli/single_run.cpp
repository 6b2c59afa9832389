#include "kode/cli/single_run.hpp"

#include <sstream>

#include "kode/cli/commands.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode::cli {

namespace po = boost::program_options;

SingleRunArguments parse_single_run_arguments(const std::string& command,
                                              const std::string& summary,
                                              const std::vector<std::string>& args,
                                              const po::options_description& extra) {
  SingleRunArguments out;
  SplitArguments split = split_config_overrides(args);
  out.overrides = std::move(split.overrides);

  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "overwrite", "replace an existing [output] file (it is never replaced otherwise)");
  for (const auto& option : extra.options()) options.add(option);
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>(), "config file");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);

  const po::variables_map vm = parse_command_options(command, split.rest, all, positional);
  out.help = vm.count("help") > 0;
  out.overwrite = vm.count("overwrite") > 0;
  if (vm.count("config")) out.config_file = vm["config"].as<std::string>();
  out.options = vm;

  std::ostringstream help;
  help << "Usage: kode " << command << " [CONFIG.ini] [--section.key=VALUE ...] [--overwrite]";
  for (const auto& option : extra.options()) help << " [--" << option->long_name() << "]";
  help << "\n\n" << summary << "\n\n" << options << "\n" << config_override_help();
  out.help_text = help.str();
  return out;
}

PreparedRun prepare_single_run(const std::string& command, const SingleRunArguments& arguments,
                               const ModelRegistry& models) {
  if (!arguments.config_file && arguments.overrides.empty())
    throw ConfigError("kode " + command +
                      ": no config given; pass CONFIG.ini and/or --section.key=VALUE options "
                      "(see kode " +
                      command + " --help)");
  PreparedRun run;
  run.config = load_config(arguments.config_file, arguments.overrides);
  run.problem = problem_from_config(run.config, models);
  // `kode check` writes nothing, so an existing output file is a note there.
  if (!run.problem.output_file.empty())
    run.output_exists = check_output_path(run.problem.output_file, arguments.overwrite,
                                          /*allow_existing=*/command == "check");
  else if (run.problem.spec.ts.empty())
    throw ConfigError(
        "nothing to print: no save times (save.ts is absent and save.t1 = false); "
        "give save.ts, or [output] file to store steps/dense output");
  return run;
}

RunAttributes run_attributes(const ModelInfo& model, const SolveSpec& spec, std::uint64_t seed,
                             int n_ranks, const std::string& config_text) {
  RunAttributes attributes;
  attributes.kode_version = kode_version_string();
  attributes.model = model.name;
  attributes.solver = spec.method;
  attributes.rtol = spec.control.rtol;
  attributes.atol = spec.control.atol;
  attributes.seed = seed;
  attributes.n_ranks = n_ranks;
  attributes.config_text = config_text;
  attributes.t0 = spec.t0;
  attributes.t1 = spec.t1;
  attributes.event = spec.event;
  return attributes;
}

void require_single_rank(const std::string& command, int n_ranks) {
  if (n_ranks > 1)
    throw ConfigError("kode " + command + " runs on one MPI rank, but " + std::to_string(n_ranks) +
                      " were started; run it without mpiexec (kode sweep spreads work over ranks)");
}

}  // namespace kode::cli
