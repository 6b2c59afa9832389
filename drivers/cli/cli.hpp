// The `kode` command line: subcommands (solve, check, interpolate, models,
// solvers, ...) over whatever models a registry holds, so a downstream
// project gets the full CLI for its own models by passing its registry.
#pragma once

#include "engine/model_registry.hpp"

namespace kode::cli {

// Initialises MPI and Kokkos, runs the subcommand named in argv[1] and returns
// the process exit status: 0 done, 1 a trajectory failed (`solve`), 2 bad input.
int run(int argc, char* argv[], const ModelRegistry& models);

}  // namespace kode::cli
