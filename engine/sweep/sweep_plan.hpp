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
//            chunk     trajectories per unit of work (default 4096); rounded
//                      up to a multiple of statistics_block_size (chunk_note
//                      says so) unless it covers the whole sweep
//            schedule  static (default: chunk c on rank c % n_ranks) or
//                      dynamic (first come, first served)
//            slice_index, slice_count  (default 0 and 1: the whole sweep)
//                      compute only slice slice_index of slice_count: chunks
//                      [floor(k C / K), floor((k+1) C / K)) of the C chunks,
//                      so that every trajectory is computed exactly as in one
//                      run; the file is a part file (sweep_file.hpp) for
//                      `kode merge`. 1 <= slice_count <= C.
//   [output] file (required), save = trajectories | final | statistics
//            final: /ys is [n_traj, 1, n_state] at /ts = [t1] (the solve
//            saves at t1 only, whatever save.ts says)
//   [noise]  observation_sigma, observation_seed (problem_from_config.hpp):
//            /ys_observed beside /ys; an error with save = statistics
//   [sensitivity], [loss]  as for `kode solve` (problem_from_config.hpp):
//            /sensitivity datasets per trajectory and their ensemble mean
//            and mean square (sweep_file.hpp); the loss data of trajectory i
//            is row i of the data file (check_sweep_loss_data)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/config/problem_from_config.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/sweep/sweep_design.hpp"

namespace kode {

// Trajectories per statistics block (ensemble_statistics.hpp). Part of the
// file format: it fixes the order of the floating-point reduction, so it is
// stored in the file (/sweep attribute block_size) and never changes with
// the chunk size or the rank count.
inline constexpr long long statistics_block_size = 1024;

struct SweepPlan {
  const ModelInfo* model = nullptr;                // owned by the registry, or by trained_model
  std::shared_ptr<const ModelInfo> trained_model;  // model neural_ode: its network's
  SolveSpec spec;
  Design design;  // names: params.<p> in the model's order, then y0.<s>
  long long n_traj = 0;
  long long chunk = 4096;
  std::string chunk_note;  // non-empty when sweep.chunk was rounded up
  long long n_chunks = 0;
  long long block_size = statistics_block_size;
  long long n_blocks = 0;
  std::string schedule = "static";
  std::string output_file;
  std::string output_save = "trajectories";
  ObservationNoise observation;  // enabled: /ys_observed beside /ys
  SensitivitySetup sensitivity;  // empty: no /sensitivity
  std::string config_text;       // the resolved config (root attribute `config`)
  // The slice this run computes: chunks [chunk_begin, chunk_end). Whole
  // chunks, and chunks hold whole statistics blocks, so a slice's rows and
  // blocks are contiguous ranges of the whole sweep's.
  long long slice_index = 0;
  long long slice_count = 1;
  long long chunk_begin = 0;
  long long chunk_end = 0;

  // Trajectories [first, first + count) of chunk c.
  long long chunk_first(long long c) const { return c * chunk; }
  int chunk_count(long long c) const {
    return static_cast<int>(std::min(chunk, n_traj - c * chunk));
  }
  bool is_slice() const { return slice_count > 1; }
  // The slice's trajectories [slice_first(), slice_first() + slice_n_traj()),
  // chunks and statistics blocks (all equal to the sweep's without slicing).
  long long slice_first() const { return chunk_first(chunk_begin); }
  long long slice_n_traj() const {
    return chunk_end > chunk_begin
               ? chunk_first(chunk_end - 1) + chunk_count(chunk_end - 1) - slice_first()
               : 0;
  }
  long long slice_n_chunks() const { return chunk_end - chunk_begin; }
  long long slice_first_block() const { return slice_first() / block_size; }
  long long slice_n_blocks() const { return (slice_n_traj() + block_size - 1) / block_size; }
  int n_save() const { return static_cast<int>(spec.ts.size()); }
  bool stores_ys() const { return output_save != "statistics"; }
};

// Throws ConfigError naming the key and the bad value.
SweepPlan sweep_plan_from_config(const Config& config, const ModelRegistry& models);

// With an mse loss: checks that [loss] data holds trajectories 0 ..
// n_traj - 1 at the sweep's save times (reads the last one). ConfigError
// naming `what` (the key) otherwise. Separate from the plan, which `kode
// merge` rebuilds without the data file.
void check_sweep_loss_data(const SweepPlan& plan, const std::string& what);

}  // namespace kode
