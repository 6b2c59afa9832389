// The subcommands of `kode`. Each takes the arguments after its name and
// returns the exit status; input errors are thrown as ConfigError (the
// caller prints them and exits with 2).
#pragma once

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/cli/runtime.hpp"
#include "kode/engine/models/model_registry.hpp"

namespace kode::cli {

// Exit statuses (also listed in `kode --help`).
inline constexpr int exit_ok = 0;
inline constexpr int exit_trajectory_failed = 1;  // `solve`: status other than success
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_software = 70;  // EX_SOFTWARE: an internal error
inline constexpr int exit_io_error = 74;  // EX_IOERR: writing or reading a file failed
inline constexpr int exit_stopped = 75;   // EX_TEMPFAIL: `sweep` stopped on a signal; --resume

// Writing an output (stdout, a file) failed: exit 74.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandContext {
  const ModelRegistry& models;
  const MpiRuntime& mpi;
  KokkosRuntime& kokkos;
};

// SIGTERM/SIGUSR1 handlers that only set the stop flag `sweep` checks at
// chunk boundaries and `train` every step (DESIGN.md). run() installs them
// before MPI starts when the command is `sweep` or `train`, so a signal
// reaching a rank still starting up cannot kill it.
void install_stop_handlers();
// The flag those handlers set.
extern volatile std::sig_atomic_t stop_flag;

int solve_command(const std::vector<std::string>& args, CommandContext& context);
int sweep_command(const std::vector<std::string>& args, CommandContext& context);
int train_command(const std::vector<std::string>& args, CommandContext& context);
int merge_command(const std::vector<std::string>& args, CommandContext& context);
int check_command(const std::vector<std::string>& args, CommandContext& context);
int interpolate_command(const std::vector<std::string>& args, CommandContext& context);
int models_command(const std::vector<std::string>& args, CommandContext& context);
int solvers_command(const std::vector<std::string>& args, CommandContext& context);

// "1 grid point", "3 grid points": a count with its noun in the right number.
inline std::string counted(long long n, const std::string& singular,
                           const std::string& plural = "") {
  return std::to_string(n) + " " + (n == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

// "kode 0.1.0 (git abc)" and the versions of Kokkos, MPI and HDF5.
std::string version_text();
std::string kode_version_string();

}  // namespace kode::cli
