// cli/ (drivers/cli/, installed as kode/cli/): the `kode` command line.
// Subcommands (solve, sweep, merge, check, interpolate, models, solvers)
// over whatever models a registry holds, so a downstream project gets the
// full CLI for its own models by passing its registry. The only layer that
// parses arguments, prints, and maps exceptions to exit statuses; it may
// include everything in engine/ and kernels/, and nothing includes it.
#pragma once

#include "kode/engine/models/model_registry.hpp"

namespace kode::cli {

// Initialises MPI and Kokkos, runs the subcommand named in argv[1] and returns
// the process exit status (DESIGN.md; the constants are in commands.hpp):
// 0 done; 1 a `solve` trajectory stopped early; 2 bad input (nothing
// computed, no file created or changed); 70 internal error; 74 I/O error
// reading or writing a file; 75 `sweep` stopped on SIGTERM/SIGUSR1 after a
// clean checkpoint (run again with --resume).
int run(int argc, char* argv[], const ModelRegistry& models);

}  // namespace kode::cli
