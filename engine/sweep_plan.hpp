// From a Config and the registered models, everything `kode sweep` needs,
// validated before any compute or file creation (bad input never costs a
// run and never leaves a file behind): the model, the SolveSpec shared by
// all trajectories, the Design that gives every trajectory its parameter and
// initial values, the chunking, the schedule, and the output.
//
// Keys beyond the single-run ones ([time], [solver], [save] are parsed by
// problem_from_config's helpers, exactly as `kode solve` parses them):
//   [params]/[y0]  every name of the model: a number or a design value
//                  (sweep_design.hpp)
//   [sweep]  design, samples, paths, seed (default 0): see sweep_design.hpp
//            chunk     trajectories per unit of work (default 4096); a
//                      multiple of statistics_block_size, or >= the sweep size
//            schedule  static (default: chunk c on rank c % n_ranks) or
//                      dynamic (first come, first served)
//   [output] file (required), save = trajectories | final | statistics
//            final: /ys is [n_traj, 1, n_state] at /ts = [t1] (the solve
//            saves at t1 only, whatever save.ts says)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/model_registry.hpp"
#include "engine/solve_spec.hpp"
#include "engine/sweep_design.hpp"

namespace kode {

// Trajectories per statistics block (ensemble_statistics.hpp). Part of the
// file format: it fixes the order of the floating-point reduction, so it is
// stored in the file (/sweep attribute block_size) and never changes with
// the chunk size or the rank count.
inline constexpr long long statistics_block_size = 1024;

struct SweepPlan {
  const ModelInfo* model = nullptr;  // owned by the registry
  SolveSpec spec;
  Design design;  // names: params.<p> in the model's order, then y0.<s>
  long long n_traj = 0;
  long long chunk = 4096;
  long long n_chunks = 0;
  long long block_size = statistics_block_size;
  long long n_blocks = 0;
  std::string schedule = "static";
  std::string output_file;
  std::string output_save = "trajectories";
  std::string config_text;  // the resolved config (root attribute `config`)

  // Trajectories [first, first + count) of chunk c.
  long long chunk_first(long long c) const { return c * chunk; }
  int chunk_count(long long c) const {
    return static_cast<int>(std::min(chunk, n_traj - c * chunk));
  }
  int n_save() const { return static_cast<int>(spec.ts.size()); }
  bool stores_ys() const { return output_save != "statistics"; }
};

// Throws ConfigError naming the key and the bad value.
SweepPlan sweep_plan_from_config(const Config& config, const ModelRegistry& models);

}  // namespace kode
