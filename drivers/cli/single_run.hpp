// What `kode solve` and `kode check` share: the same arguments
// ([CONFIG.ini] [--section.key=value ...] [--overwrite]) and the same
// validation, so that `check` says "ok" exactly when `solve` would start.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/cli/command_line.hpp"
#include "engine/config.hpp"
#include "engine/model_registry.hpp"
#include "engine/problem_from_config.hpp"

namespace kode::cli {

struct SingleRunArguments {
  std::optional<std::string> config_file;
  std::vector<ConfigOverride> overrides;
  bool overwrite = false;
  bool help = false;
  std::string help_text;
};

SingleRunArguments parse_single_run_arguments(const std::string& command,
                                              const std::string& summary,
                                              const std::vector<std::string>& args);

struct PreparedRun {
  Config config;
  SingleProblem problem;
};

// Reads and validates everything, including that the output file can be
// created; computes nothing and writes nothing. Throws ConfigError.
PreparedRun prepare_single_run(const std::string& command, const SingleRunArguments& arguments,
                               const ModelRegistry& models);

// One MPI rank computes one trajectory; more ranks would race on stdout and
// on the output file.
void require_single_rank(const std::string& command, int n_ranks);

}  // namespace kode::cli
