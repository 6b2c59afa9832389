// What `kode solve` and `kode check` share: the same arguments
// ([CONFIG.ini] [--section.key=value ...] [--overwrite]) and the same
// validation, so that `check` says "ok" exactly when `solve` would start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kode/cli/command_line.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/config/problem_from_config.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/models/model_registry.hpp"

namespace kode::cli {

struct SingleRunArguments {
  std::optional<std::string> config_file;
  std::vector<ConfigOverride> overrides;
  bool overwrite = false;
  bool help = false;
  std::string help_text;
  boost::program_options::variables_map options;  // incl. the command's extra options
};

// `extra`: options of the command beyond --help and --overwrite (`sweep`'s
// --resume, --quiet), listed in the usage line and the help.
SingleRunArguments parse_single_run_arguments(
    const std::string& command, const std::string& summary, const std::vector<std::string>& args,
    const boost::program_options::options_description& extra = {});

struct PreparedRun {
  Config config;
  SingleProblem problem;
  bool output_exists = false;  // only `kode check` gets this far with one
};

// Reads and validates everything, including that the output file can be
// created; computes nothing and writes nothing. Throws ConfigError.
PreparedRun prepare_single_run(const std::string& command, const SingleRunArguments& arguments,
                               const ModelRegistry& models);

// The root attributes of a result file for a run of `model` with `spec`.
RunAttributes run_attributes(const ModelInfo& model, const SolveSpec& spec, std::uint64_t seed,
                             int n_ranks, const std::string& config_text);

// One MPI rank computes one trajectory; more ranks would race on stdout and
// on the output file.
void require_single_rank(const std::string& command, int n_ranks);

}  // namespace kode::cli
