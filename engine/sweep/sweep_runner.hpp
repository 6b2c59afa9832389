// engine/sweep/ (library kode::engine): `kode sweep` across MPI ranks: the
// sweep design (which values each trajectory gets), the validated plan, this
// chunk loop, ensemble statistics and the merge of job-array parts. May
// include everything else in engine/ and kernels/.
//
// The chunk loop of `kode sweep` on every MPI rank: which rank computes which
// chunk, the solve of one chunk, and the agreement on stopping early.
//
// Schedules (the file is the same bit for bit with either):
//   static   the pending chunks (all, or those not marked done on --resume)
//            in index order; pending chunk k goes to rank k % n_ranks. Work
//            proceeds in rounds of one chunk per rank; after each round one
//            MPI_Allreduce sums the ranks' stop requests and progress, so a
//            signal on any rank stops all of them at the same chunk boundary.
//   dynamic  first come, first served: a rank takes the next pending chunk by
//            MPI_Fetch_and_op on a counter in an RMA window on rank 0, so
//            heavy-tailed chunk costs do not idle the other ranks. A rank that
//            sees a stop request pushes the counter past the end, so every
//            rank stops after its current chunk.
// A chunk's data and its completion mark are written by the rank that
// computed it; the file is finalised (ensemble statistics, rename to the
// final name) only when every chunk is marked.
//
// The engine prints nothing: progress goes to a callback (rank 0 only).
#pragma once

#include <mpi.h>

#include <csignal>
#include <functional>

#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/sweep_file.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace kode {

struct SweepProgress {
  long long done = 0;   // trajectories finished (approximate with schedule = dynamic)
  long long total = 0;  // trajectories in the sweep (in its slice with slice_count > 1)
  double elapsed_s = 0.0;
  long long computed_this_run = 0;  // trajectories computed since this run started
};

struct SweepRunOptions {
  MPI_Comm comm = MPI_COMM_WORLD;
  bool resume = false;     // continue plan.output_file + ".partial"
  bool overwrite = false;  // may replace an existing plan.output_file at the end
  // Set (by a signal handler) to ask for a clean stop at the next chunk
  // boundary; may be null.
  const volatile std::sig_atomic_t* stop_requested = nullptr;
  // Called on rank 0 after each of its chunks (and after each round with the
  // static schedule).
  std::function<void(const SweepProgress&)> progress;
  // Test only (KODE_TEST_CHUNK_DELAY_MS in the CLI): sleep this long after
  // each chunk, so that tests can interrupt a run of a small sweep.
  int test_chunk_delay_ms = 0;
};

struct SweepOutcome {
  bool complete = false;  // false: stopped early, PATH.partial kept for --resume
  SweepTotals totals;     // rank 0 only, when complete
  double wall_s = 0.0;
};

// Collective over options.comm. Throws ConfigError (bad input: e.g. a
// mismatching --resume file), Hdf5Error or MpiError.
SweepOutcome run_sweep(const SweepPlan& plan, const RunAttributes& attributes,
                       const SweepRunOptions& options);

}  // namespace kode
