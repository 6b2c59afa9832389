// Evaluates a solved trajectory at any t in [t0, t1] from its stored dense
// output (BatchResult with save.dense), without re-solving: locate the step
// by binary search, then evaluate that step's interpolant.
#pragma once

#include "kode/engine/batch/batch_result.hpp"

namespace kode {

// Writes y(t) into out[0..n_state). Returns false if t lies outside the
// solved interval of trajectory `traj` (or it has no dense output).
bool evaluate_dense(const BatchResult& r, int traj, double t, double* out);

// The same for raw arrays (as read back from an HDF5 file): step boundaries
// ts[0..n_steps] and node values ys[n_steps][degree+1][n_state].
bool evaluate_dense(const double* ts, const double* ys, int n_steps, int degree, int n_state,
                    double t, double* out);

}  // namespace kode
