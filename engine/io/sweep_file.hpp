// The HDF5 file of `kode sweep`: DESIGN.md's layout ("Output"), written by
// all MPI ranks through MPI-IO, restartable chunk by chunk.
//
// Layout (n_traj trajectories, n_save save times, n_blocks statistics blocks):
//   /ts [n_save]  /traj [n_traj]  /state  /param        dimension scales
//   /ys [n_traj, n_save, n_state]   (not with output.save = statistics;
//                                     n_save = 1, /ts = [t1] with final)
//   /ys_observed [n_traj, n_save, n_state]   with [noise] observation_sigma:
//             /ys with observation noise (observation_noise.hpp); attrs
//             state_names, observation_sigma [n_state], observation_seed
//   /params [n_traj, n_param]  /y0 [n_traj, n_state]  /status int8 [n_traj]
//   /stats/num_steps, num_accepted, num_rejected      int32 [n_traj]
//   /ensemble/mean, var, min, max [n_save, n_state]   over successful
//             trajectories (status 0 or 4); var is unbiased (attr ddof = 1);
//             attr count = the number of successful trajectories
//   With a terminal [event], /ys rows hold NaN after a trajectory's event
//   (it never reached those save times): each /ensemble value is then over
//   the successful trajectories that reached it, /ensemble/count int64
//   [n_save, n_state] says how many, and /sweep/block_n int64 [n_blocks,
//   n_save, n_state] keeps the per-block counts.
//   With [event]: /events/t, /events/y, /events/count per trajectory
//             (event_layout.hpp) and /events/ensemble/mean, var, min, max
//             (scalars): the first occurrence's time over the successful
//             trajectories that had one (attr count), merged from
//             /sweep/event_block_count [n_blocks], event_block_mean, _m2,
//             _min, _max [n_blocks] like /sweep/block_*.
//   /sweep/chunk_done int8 [n_chunks]                 1 once chunk c is written
//   /sweep/block_count int64 [n_blocks], /sweep/block_mean, block_m2,
//   block_min, block_max [n_blocks, n_save, n_state]  per-block statistics
//   (ensemble_statistics.hpp); attrs block_size, chunk, n_chunks
//   root attributes as the single-run file (hdf5_writer.hpp).
// With [sensitivity] (sensitivity_layout.hpp lists the datasets):
//   /sensitivity/<dataset> [n_traj, ...]   per trajectory; the forward
//             method's dys_dparams, dys_dy0 not with output.save = statistics
//   /sensitivity/ensemble/<dataset>_mean, <dataset>_mean_square  [...]
//             the ensemble mean and mean square of each sensitivity over the
//             successful trajectories whose sensitivity row is finite (an
//             adjoint trajectory whose steps outgrew sensitivity.checkpoints
//             has NaN gradients); attr count. The mean square is
//             M2 / count + mean^2 of the merged Welford statistics.
//   /sweep/sensitivity_block_count int64 [n_blocks], sensitivity_block_mean,
//             sensitivity_block_m2 [n_blocks, n_row]: the per-block
//             statistics of the sensitivity rows, merged in block order like
//             /sweep/block_* (so the file is bit-identical across rank
//             counts, chunks, schedules and resume).
//
// Part files ([sweep] slice_count K > 1; slice k computes chunks
// [c0, c1) = [floor(k C/K), floor((k+1) C/K)) of the C chunks): the same
// layout restricted to the slice, so that a part is itself a valid sweep
// file of its trajectories, resumable with --resume like any other:
//   /traj [n] holds the GLOBAL indices first_traj .. first_traj + n - 1, and
//   every per-trajectory dataset (/ys, /params, /y0, /status, /stats/*) has
//   the slice's n rows in that order; /sweep/chunk_done [c1 - c0] (attr
//   n_chunks = c1 - c0); /sweep/block_* hold the slice's blocks (global
//   blocks first_traj / B .. : chunks, hence slices, hold whole blocks);
//   /ensemble is over the slice only (merge recomputes it from the blocks).
//   Extra root attributes (int64): slice_index, slice_count, first_traj,
//   first_chunk (c0), n_traj_total; the config attribute has the slice keys
//   in [sweep]. `kode merge` (sweep_merge.hpp) checks and joins the parts.
//
// Life of the file:
//  1. create(): rank 0 alone creates PATH.partial with the serial driver:
//     every dataset, attribute and dimension scale, the datasets contiguous
//     and allocated at once (so nothing is allocated later), chunk_done all
//     0. Creating the metadata serially keeps variable-length strings and
//     dimension scales out of parallel HDF5, which would need every such call
//     to be collective. Then all ranks open it with the MPI-IO driver.
//  2. write_chunk(): the rank that computed a chunk writes its rows with
//     independent transfers (ranks compute different numbers of chunks), then
//     sets chunk_done[c] = 1. Raw data of contiguous datasets goes straight to
//     MPI-IO, so a chunk marked done after `kill -9` is on disk.
//  3. close(): collective. finalize() (rank 0, serial driver) merges the block
//     statistics into /ensemble and counts the statuses; the caller then
//     publishes PATH.partial as PATH.
// reopen() opens an existing PATH.partial for --resume.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/sensitivity_layout.hpp"
#include "kode/engine/sweep/ensemble_statistics.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace kode {

// Dataset names of the layout above, shared with `kode merge`: the
// counters under /stats and the per-block statistics under /sweep.
inline constexpr const char* sweep_counter_names[3] = {"num_steps", "num_accepted", "num_rejected"};
inline constexpr const char* sweep_block_names[4] = {"block_mean", "block_m2", "block_min",
                                                     "block_max"};
inline constexpr const char* sweep_sensitivity_block_names[2] = {"sensitivity_block_mean",
                                                                 "sensitivity_block_m2"};
inline constexpr const char* sweep_event_block_names[4] = {"event_block_mean", "event_block_m2",
                                                           "event_block_min", "event_block_max"};

// A terminal event leaves NaN in the /ys rows after it: the statistics
// blocks then carry per-element counts (/sweep/block_n, /ensemble/count).
inline bool rows_end_at_events(const SweepPlan& plan) {
  return plan.spec.event.enabled && plan.spec.event.terminal;
}

// What a finished sweep holds, for the summary.
struct SweepTotals {
  long long n_traj = 0;
  long long successful = 0;
  long long with_sensitivity = 0;        // trajectories in the sensitivity statistics
  long long with_event = 0;              // successful trajectories with an event
  std::array<long long, 8> by_status{};  // trajectories per status code
};

// One chunk's data, as write_chunk stores it.
struct SweepChunk {
  std::vector<double> params;  // [count][n_param]
  std::vector<double> y0;      // [count][n_state]
  BatchResult result;
  std::vector<double> ys_observed;         // as result.ys with plan.observation, else empty
  SensitivityArrays sensitivity;           // with plan.sensitivity: the chunk's rows
  std::vector<EnsembleStatistics> blocks;  // chunk_block_statistics
  std::vector<EnsembleStatistics> sensitivity_blocks;  // chunk_sensitivity_statistics
  std::vector<EnsembleStatistics> event_blocks;        // chunk_event_statistics
};

class SweepFile {
 public:
  ~SweepFile();
  SweepFile(SweepFile&&) noexcept;
  SweepFile& operator=(SweepFile&&) noexcept;

  // Collective. Creates plan.output_file + ".partial" (replacing a stale one).
  static SweepFile create(const SweepPlan& plan, const RunAttributes& attributes, MPI_Comm comm);
  // Collective. Opens plan.output_file + ".partial" of an interrupted run.
  // ConfigError (on every rank) when it is missing, is not a sweep file, or
  // was written with another resolved config (the message names the first
  // differing line).
  static SweepFile reopen(const SweepPlan& plan, MPI_Comm comm);

  // chunk_done as read when the file was opened (all ranks).
  const std::vector<std::int8_t>& chunks_done_at_open() const;

  // Independent: the rows of chunk c, its statistics blocks, then its mark.
  void write_chunk(long long c, const SweepChunk& chunk);

  // Collective.
  void close();

  // Rank 0 only, after close() on every rank: merges the block statistics
  // into /ensemble in block order and counts the statuses.
  static SweepTotals finalize(const SweepPlan& plan);

 private:
  struct Impl;
  explicit SweepFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The /sensitivity datasets of the plan's method (sensitivity_layout.hpp),
// and those of them the file keeps per trajectory: the ones growing with the
// save times only when the trajectories themselves are kept.
std::vector<SensitivityDataset> all_sensitivity_datasets(const SweepPlan& plan);
std::vector<SensitivityDataset> sensitivity_row_datasets(const SweepPlan& plan);

// The bytes of raw data the file of `plan` preallocates (every dataset of the
// layout above; HDF5's metadata, a few kB, comes on top). A double, since a
// mistyped sweep can ask for more than 2^64 bytes.
double planned_data_bytes(const SweepPlan& plan);

// The statistics blocks of one chunk: block k covers trajectories
// [k B, (k+1) B) of the chunk, successful ones only, in index order.
std::vector<EnsembleStatistics> chunk_block_statistics(const SweepPlan& plan,
                                                       const BatchResult& result);

// The same blocks over the chunk's sensitivity rows (sensitivity_layout.hpp)
// of its successful trajectories whose row is finite.
std::vector<EnsembleStatistics> chunk_sensitivity_statistics(const SweepPlan& plan,
                                                             const BatchResult& result,
                                                             const SensitivityArrays& sensitivity);

// The same blocks over the first event time (width 1) of the chunk's
// successful trajectories that had an event.
std::vector<EnsembleStatistics> chunk_event_statistics(const SweepPlan& plan,
                                                       const BatchResult& result);

}  // namespace kode
