// Host-side results of a batch solve, in C (row-major) order with the
// trajectory index slowest, the layout of kode's HDF5 file (DESIGN.md).
// Entries a trajectory never reached (it stopped early) are NaN.
#pragma once

#include <cstdint>
#include <vector>

namespace kode {

struct BatchResult {
  int n_traj = 0;
  int n_state = 0;
  std::vector<double> ts;           // [n_save]
  std::vector<double> ys;           // [n_traj][n_save][n_state]
  std::vector<double> y_final;      // [n_traj][n_state]
  std::vector<std::int8_t> status;  // [n_traj]
  std::vector<int> num_steps;       // [n_traj] attempted
  std::vector<int> num_accepted;    // [n_traj]
  std::vector<int> num_rejected;    // [n_traj]

  // save.steps: t and y at t0 and after every accepted step.
  int step_capacity = 0;
  std::vector<int> n_steps_saved;  // [n_traj]
  std::vector<double> step_ts;     // [n_traj][step_capacity]
  std::vector<double> step_ys;     // [n_traj][step_capacity][n_state]

  // save.dense: per accepted step, the interpolant at degree+1 equispaced nodes.
  int dense_degree = 0;
  int dense_capacity = 0;          // max accepted steps per trajectory
  std::vector<int> n_dense_steps;  // [n_traj]
  std::vector<double> dense_ts;    // [n_traj][dense_capacity + 1] step boundaries
  std::vector<double> dense_ys;    // [n_traj][dense_capacity][dense_degree+1][n_state]

  // [event]: the first event_records occurrences per trajectory (NaN where
  // there were fewer) and the count of all of them.
  int event_records = 0;
  std::vector<double> event_t;   // [n_traj][event_records]
  std::vector<double> event_y;   // [n_traj][event_records][n_state]
  std::vector<int> event_count;  // [n_traj]

  int n_save() const { return static_cast<int>(ts.size()); }
};

}  // namespace kode
