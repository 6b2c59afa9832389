// The solve of one chunk of `kode sweep`: the design values of its
// trajectories, the batch solve (with forward sensitivities or the discrete
// adjoint when the plan asks for them), the observations and the statistics
// blocks, ready for SweepFile::write_chunk. Its solvers and their device
// buffers persist from chunk to chunk.
#pragma once

#include <memory>

#include "kode/engine/io/sweep_file.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace kode {

class ChunkSolver {
 public:
  explicit ChunkSolver(const SweepPlan& plan);
  // Chunk c of the plan into `out` (its storage reused). Throws ConfigError
  // when the loss data cannot be read (check_sweep_loss_data ran first).
  void solve(long long c, SweepChunk& out);

 private:
  const SweepPlan& plan_;
  std::unique_ptr<AnyBatchSolver> plain_;
  std::unique_ptr<AnyForwardSensitivitySolver> forward_;
  std::unique_ptr<AnyAdjointSolver> adjoint_;
  ForwardSensitivityResult forward_result_;
  AdjointResult adjoint_result_;
};

}  // namespace kode
