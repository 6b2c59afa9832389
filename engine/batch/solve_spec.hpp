// What to solve for a batch: time span, method, step-size control and what to
// save. Everything here is the same for all trajectories of the batch; the
// per-trajectory inputs (parameters, initial states) come separately.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kode/kernels/events/event_spec.hpp"
#include "kode/kernels/step_size_controller.hpp"

namespace kode {

// The Brownian paths of an SDE batch ([noise] section). Trajectory k of the
// batch (global index first_trajectory + k) follows the paths keyed by
// (seed, first_trajectory + k, noise dimension), whatever the batching.
struct NoiseSpec {
  std::uint64_t seed = 0;
  // Brownian tree resolution: queries bisect down to intervals of this
  // length. 0 chooses |t1 - t0| * 2^-24, far below any realistic step.
  double tree_tol = 0.0;
  // The calculus the model's equations are read in: "" for the model's own,
  // "ito" or "stratonovich".
  std::string calculus;
};

// The Brownian tree resolution a spec asks for (tree_tol or its default).
double brownian_tree_tol(double t0, double t1, const NoiseSpec& noise);

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
  // [event]: a state crossing a level (kernels/events/event_spec.hpp).
  EventSpec event;
  // SDE models only.
  NoiseSpec noise;
  std::uint64_t first_trajectory = 0;  // global index of the batch's first trajectory
};

// The most occurrences of an event recorded per trajectory (event.records).
inline constexpr int max_event_records = 1000;

// Throws std::invalid_argument naming the problem if the spec is unusable.
void validate_solve_spec(const SolveSpec& spec);

// The additional rules for SDE models: forward in time, no dense output,
// an explicit dt0, a known calculus and a positive tree tolerance.
void validate_sde_spec(const SolveSpec& spec);

}  // namespace kode
