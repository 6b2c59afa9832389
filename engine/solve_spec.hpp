// What to solve for a batch: time span, method, step-size control and what to
// save. Everything here is the same for all trajectories of the batch; the
// per-trajectory inputs (parameters, initial states) come separately.
#pragma once

#include <string>
#include <vector>

#include "kernels/step_size_controller.hpp"

namespace kode {

struct SolveSpec {
  std::string method = "tsit5";
  double t0 = 0.0;
  double t1 = 1.0;
  // Save times, ordered in the direction of integration and inside [t0, t1]
  // (validate_solve_spec checks this). Saving "at t0"/"at t1" means listing them.
  std::vector<double> ts;
  bool save_steps = false;  // t and y after every accepted step
  bool dense = false;       // interpolation data of every accepted step
  StepSizeControl control;
};

// Throws std::invalid_argument naming the problem if the spec is unusable.
void validate_solve_spec(const SolveSpec& spec);

}  // namespace kode
