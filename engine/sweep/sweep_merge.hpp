// `kode merge`: joins the part files of a sliced sweep ([sweep] slice_index,
// slice_count; the part-file layout is in sweep_file.hpp) into one file
// identical, dataset by dataset, to one uninterrupted `kode sweep` of the
// whole sweep.
//
// It checks everything before writing anything: every part is a complete
// part file (not PATH.partial, every chunk marked done), all parts have the
// same resolved config apart from [output] file and the two slice keys, and
// together they hold every slice exactly once. The merged file is then
// written by SweepFile itself, chunk by chunk in index order (one chunk of
// one part in memory at a time), and finalised by SweepFile::finalize, the
// runner's own code: /ensemble is the same block-order merge of the same
// block statistics, so it is bit-identical to the single run's.
//
// Serial: one process (MPI_COMM_SELF for the file).
#pragma once

#include <string>
#include <vector>

#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/sweep_file.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/sweep/sweep_plan.hpp"

namespace kode {

struct SweepPart {
  std::string path;
  long long slice_index = 0;
  long long first_traj = 0;
  int n_ranks = 1;
};

struct SweepMergePlan {
  SweepPlan plan;                // the whole sweep, output.file = OUT
  std::vector<SweepPart> parts;  // in slice order
  int n_ranks = 1;               // the largest rank count of the parts
};

// Reads and checks the parts; builds the whole sweep's plan from their
// resolved config with output.file = `out`. Throws ConfigError naming the
// part and what is wrong (a missing or duplicate slice, another sweep, an
// incomplete part), Hdf5Error when reading fails.
SweepMergePlan plan_sweep_merge(const std::string& out, const std::vector<std::string>& parts,
                                const ModelRegistry& models);

// Writes OUT.partial, finalises it and publishes it as OUT (refused when OUT
// exists and !overwrite). On failure OUT.partial is removed.
SweepTotals merge_sweep_parts(const SweepMergePlan& merge, const RunAttributes& attributes,
                              bool overwrite);

}  // namespace kode
