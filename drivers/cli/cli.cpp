#include "kode/cli/cli.hpp"

#include <algorithm>
#include <boost/program_options/errors.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "kode/cli/commands.hpp"
#include "kode/cli/runtime.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode::cli {

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&, CommandContext&);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"solve", "solve one trajectory: CSV on stdout, or HDF5 with [output] file", solve_command},
      {"sweep", "parameter sweeps and Monte Carlo over MPI ranks into one HDF5 file",
       sweep_command},
      {"train", "train a neural ODE or estimate a model's parameters from trajectories",
       train_command},
      {"merge", "join the part files of a sliced sweep (job array) into one file", merge_command},
      {"check", "validate a config without computing or writing anything", check_command},
      {"interpolate", "evaluate the dense output stored in a file at new times (CSV)",
       interpolate_command},
      {"models", "list the models: names of states and parameters", models_command},
      {"solvers", "list the solvers: order, stages, adaptivity, interpolant", solvers_command},
  };
  return list;
}

// Part of the contract (DESIGN.md) but not built yet.
const std::vector<std::pair<const char*, const char*>>& planned_commands() {
  static const std::vector<std::pair<const char*, const char*>> list = {};
  return list;
}

// The config sections and keys, one section a line (wrapped at 80 columns),
// from the list config parsing checks against (known_config_keys), so the
// help can never miss a section.
std::string config_keys_text() {
  const std::vector<std::string> order = {"model", "time",  "save",  "solver", "params",
                                          "y0",    "sweep", "noise", "output"};
  std::vector<std::string> sections = order;
  for (const auto& [section, keys] : known_config_keys())
    if (std::find(order.begin(), order.end(), section) == order.end()) sections.push_back(section);
  std::string text;
  for (const std::string& section : sections) {
    const std::vector<std::string>& keys = known_config_keys().at(section);
    std::vector<std::string> words;
    if (keys.empty())
      words.push_back(section == "params" ? "<model parameters>" : "<model states>");
    for (size_t i = 0; i < keys.size(); ++i)
      words.push_back(keys[i] + (i + 1 < keys.size() ? "," : ""));
    std::string line = "  [" + section + "]";
    for (const std::string& word : words) {
      if (line.size() + 1 + word.size() > 80) {
        text += line + "\n";
        line = "          ";
      }
      line += " " + word;
    }
    text += line + "\n";
  }
  return text;
}

std::string usage_text() {
  std::string text = "kode " + kode_version_string() +
                     ": solves batches of small ODEs in parallel (Kokkos, MPI, HDF5)\n\n"
                     "Usage: kode <command> [arguments]\n"
                     "       kode --help | --version\n\nCommands:\n";
  for (const auto& c : commands())
    text += "  " + std::string(c.name) + std::string(13 - std::string(c.name).size(), ' ') +
            c.summary + "\n";
  for (const auto& [name, summary] : planned_commands())
    text += "  " + std::string(name) + std::string(13 - std::string(name).size(), ' ') + summary +
            " (not implemented yet)\n";
  text +=
      "\nRun `kode <command> --help` for a command's arguments.\n"
      "Config keys (INI sections), overridable as --section.key=VALUE:\n";
  text += config_keys_text();
  text +=
      "Kokkos options (--kokkos-...) are passed to Kokkos.\n"
      "\nExit status: 0 done; 1 a trajectory stopped early (solve); 2 bad input (nothing\n"
      "written); 70 internal error; 74 I/O error writing or reading a file; 75 sweep\n"
      "or train stopped on SIGTERM/SIGUSR1 (run again with --resume).\n";
  return text;
}

int dispatch(const std::vector<std::string>& args, CommandContext& context) {
  if (args.empty()) {
    std::cerr << usage_text();
    throw ConfigError("no command given (see kode --help)");
  }
  const std::string& name = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "--help" || name == "-h" || name == "help") {
    if (context.mpi.rank() == 0) std::cout << usage_text();
    return exit_ok;
  }
  if (name == "--version" || name == "version") {
    if (context.mpi.rank() == 0) std::cout << version_text();
    return exit_ok;
  }
  for (const auto& c : commands())
    if (name == c.name) return c.run(rest, context);
  for (const auto& [planned, summary] : planned_commands())
    if (name == planned)
      throw ConfigError(std::string("kode ") + planned + " is not implemented yet (" + summary +
                        "); available: solve, sweep, merge, check, interpolate, models, solvers");
  std::vector<std::string> names;
  for (const auto& c : commands()) names.push_back(c.name);
  for (const auto& p : planned_commands()) names.push_back(p.first);
  std::string msg = "unknown command '" + name + "'";
  const std::string near = nearest_name(name, names);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  throw ConfigError(msg + " (see kode --help)");
}

}  // namespace

int run(int argc, char* argv[], const ModelRegistry& models) {
  // --kokkos-* arguments go to Kokkos, everything else to kode.
  std::vector<std::string> args, kokkos_args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    (a.rfind("--kokkos-", 0) == 0 ? kokkos_args : args).push_back(a);
  }
  int rank = 0;
  try {
    if (!args.empty() && (args.front() == "sweep" || args.front() == "train"))
      install_stop_handlers();
    MpiRuntime mpi;
    rank = mpi.rank();
    // Declared after MPI so that Kokkos is finalised first.
    KokkosRuntime kokkos(kokkos_args);
    CommandContext context{models, mpi, kokkos};
    try {
      return dispatch(args, context);
    } catch (const ConfigError& e) {
      if (rank == 0) std::cerr << "kode: error: " << e.what() << "\n";
      return exit_bad_input;
    } catch (const boost::program_options::error& e) {
      if (rank == 0) std::cerr << "kode: error: " << e.what() << "\n";
      return exit_bad_input;
    } catch (const Hdf5Error& e) {
      std::cerr << "kode: error: " << e.what() << "\n";
      return exit_io_error;
    } catch (const IoError& e) {
      std::cerr << "kode: error: " << e.what() << "\n";
      return exit_io_error;
    }
  } catch (const std::exception& e) {
    std::cerr << "kode: internal error: " << e.what() << "\n";
    return exit_software;
  }
}

}  // namespace kode::cli
