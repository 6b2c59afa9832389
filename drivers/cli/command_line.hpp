// Splitting a subcommand's arguments into config overrides
// (`--section.key=value`, `--section.key value`, and the short forms --model,
// --rtol, ...) and the command's own options, which Boost.Program_options
// parses. Overrides are taken out first, in order, so later ones win.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kode/engine/config/config.hpp"

namespace kode::cli {

struct ConfigOverride {
  std::string key;  // "section.key"
  std::string value;
  std::string token;  // as typed, for messages
};

struct SplitArguments {
  std::vector<ConfigOverride> overrides;
  std::vector<std::string> rest;  // everything else, for Boost
};

// Throws ConfigError for an override without a value.
SplitArguments split_config_overrides(const std::vector<std::string>& args);

// Parses the command's own options. Unknown flags and malformed options
// become ConfigError naming the flag (with a suggestion when one is close).
boost::program_options::variables_map parse_command_options(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional);

// The config file (if any) with the overrides applied on top.
Config load_config(const std::optional<std::string>& file,
                   const std::vector<ConfigOverride>& overrides);

// Help text shared by the commands that take config overrides.
std::string config_override_help();

}  // namespace kode::cli
