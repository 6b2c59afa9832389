#include "kode/engine/sweep/sweep_runner.hpp"

#include <chrono>
#include <thread>
#include <vector>

#include "kode/engine/mpi/mpi_check.hpp"
#include "kode/engine/sweep/chunk_solver.hpp"

namespace kode {

namespace {

using Clock = std::chrono::steady_clock;

bool stop_requested(const SweepRunOptions& options) {
  return options.stop_requested && *options.stop_requested != 0;
}

// Solves chunk c and writes it, mark included.
void compute_chunk(SweepFile& file, long long c, const SweepRunOptions& options,
                   ChunkSolver& solver, SweepChunk& chunk) {
  solver.solve(c, chunk);
  file.write_chunk(c, chunk);
  if (options.test_chunk_delay_ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(options.test_chunk_delay_ms));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Returns the number of chunks this rank computed.
long long run_static(const SweepPlan& plan, SweepFile& file, const std::vector<long long>& pending,
                     const SweepRunOptions& options, int rank, int n_ranks, long long done_before,
                     Clock::time_point start, ChunkSolver& solver, SweepChunk& chunk) {
  const long long n_pending = static_cast<long long>(pending.size());
  long long computed = 0, done = done_before;
  for (long long round = 0; round * n_ranks < n_pending; ++round) {
    const long long k = round * n_ranks + rank;
    long long local[2] = {0, 0};  // stop requests, trajectories finished
    if (k < n_pending) {
      compute_chunk(file, pending[static_cast<size_t>(k)], options, solver, chunk);
      ++computed;
      local[1] = plan.chunk_count(pending[static_cast<size_t>(k)]);
    }
    local[0] = stop_requested(options) ? 1 : 0;
    long long global[2] = {0, 0};
    check_mpi(MPI_Allreduce(local, global, 2, MPI_LONG_LONG, MPI_SUM, options.comm),
              "MPI_Allreduce(stop requests, progress)");
    done += global[1];
    if (rank == 0 && options.progress)
      options.progress({done, plan.slice_n_traj(), seconds_since(start), done - done_before});
    if (global[0] > 0) break;
  }
  return computed;
}

long long run_dynamic(const SweepPlan& plan, SweepFile& file, const std::vector<long long>& pending,
                      const SweepRunOptions& options, int rank, int n_ranks, long long done_before,
                      Clock::time_point start, ChunkSolver& solver, SweepChunk& chunk) {
  const long long n_pending = static_cast<long long>(pending.size());
  long long counter = 0;  // the next pending chunk to hand out (rank 0's memory)
  MPI_Win win = MPI_WIN_NULL;
  check_mpi(MPI_Win_create(rank == 0 ? &counter : nullptr,
                           rank == 0 ? static_cast<MPI_Aint>(sizeof(counter)) : 0,
                           sizeof(long long), MPI_INFO_NULL, options.comm, &win),
            "MPI_Win_create(chunk counter)");
  check_mpi(MPI_Win_lock_all(0, win), "MPI_Win_lock_all(chunk counter)");
  const auto fetch_add = [&](long long increment) {
    long long previous = 0;
    check_mpi(MPI_Fetch_and_op(&increment, &previous, MPI_LONG_LONG, 0, 0, MPI_SUM, win),
              "MPI_Fetch_and_op(chunk counter)");
    check_mpi(MPI_Win_flush(0, win), "MPI_Win_flush(chunk counter)");
    return previous;
  };
  long long computed = 0, computed_trajectories = 0;
  while (true) {
    if (stop_requested(options)) {
      // Past the end: every other rank's next fetch finds no work.
      fetch_add(n_pending);
      break;
    }
    const long long k = fetch_add(1);
    if (k >= n_pending) break;
    const long long c = pending[static_cast<size_t>(k)];
    compute_chunk(file, c, options, solver, chunk);
    ++computed;
    computed_trajectories += plan.chunk_count(c);
    if (rank == 0 && options.progress) {
      // Chunks handed out, less those other ranks may still be computing.
      const long long finished = std::max(0LL, k + 1 - (n_ranks - 1));
      const long long done = std::min(plan.slice_n_traj(), done_before + finished * plan.chunk);
      options.progress({std::max(done, done_before + computed_trajectories), plan.slice_n_traj(),
                        seconds_since(start), computed_trajectories});
    }
  }
  check_mpi(MPI_Win_unlock_all(win), "MPI_Win_unlock_all(chunk counter)");
  check_mpi(MPI_Win_free(&win), "MPI_Win_free(chunk counter)");
  return computed;
}

}  // namespace

SweepOutcome run_sweep(const SweepPlan& plan, const RunAttributes& attributes,
                       const SweepRunOptions& options) {
  const Clock::time_point start = Clock::now();
  int rank = 0, n_ranks = 1;
  check_mpi(MPI_Comm_rank(options.comm, &rank), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(options.comm, &n_ranks), "MPI_Comm_size");

  SweepFile file = options.resume ? SweepFile::reopen(plan, options.comm)
                                  : SweepFile::create(plan, attributes, options.comm);
  std::vector<long long> pending;
  long long done_before = 0;
  const auto& marks = file.chunks_done_at_open();
  for (long long c = plan.chunk_begin; c < plan.chunk_end; ++c) {
    if (marks[static_cast<size_t>(c - plan.chunk_begin)] == 1)
      done_before += plan.chunk_count(c);
    else
      pending.push_back(c);
  }

  // One solver for all of this rank's chunks: its device buffers and the
  // chunk's host vectors are allocated once, not per chunk.
  ChunkSolver solver(plan);
  SweepChunk chunk;
  // With one rank there is nothing to balance (and the file is the same by
  // construction); some MPI builds also offer no RMA window to a singleton.
  const long long computed = plan.schedule == "dynamic" && n_ranks > 1
                                 ? run_dynamic(plan, file, pending, options, rank, n_ranks,
                                               done_before, start, solver, chunk)
                                 : run_static(plan, file, pending, options, rank, n_ranks,
                                              done_before, start, solver, chunk);
  file.close();

  long long computed_all = 0;
  check_mpi(MPI_Allreduce(&computed, &computed_all, 1, MPI_LONG_LONG, MPI_SUM, options.comm),
            "MPI_Allreduce(chunks computed)");
  SweepOutcome outcome;
  outcome.complete = computed_all == static_cast<long long>(pending.size());
  if (outcome.complete) {
    on_rank0_for_all(options.comm, [&] {
      outcome.totals = SweepFile::finalize(plan);
      publish_partial_file(plan.output_file + ".partial", plan.output_file, options.overwrite);
    });
  }
  outcome.wall_s = seconds_since(start);
  return outcome;
}

}  // namespace kode
