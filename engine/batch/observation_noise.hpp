// Observation noise ([noise] observation_sigma, observation_seed): noisy
// measurements of the saved states, the synthetic training data of neural
// ODEs. The observation of state i of trajectory k (its global index) at save
// index j is
//   ys_observed[k][j][i] = ys[k][j][i] + sigma_i z(seed, k, j, i),
// z a standard normal that is a pure function of its four indices (Philox,
// kernels/counter_rng.hpp), so that observations never depend on the rank
// count, the chunk size, the batching or on resuming, and any one of them can
// be recomputed alone. States a trajectory never reached (NaN) stay NaN; a
// state with sigma 0 is copied exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/kernels/counter_rng.hpp"

namespace kode {

struct ObservationNoise {
  std::vector<double> sigma;  // [n_state], the model's state order; empty: no observations
  std::uint64_t seed = 0;
  bool enabled() const { return !sigma.empty(); }
};

// The per-trajectory key of the observation normals. The counter's tag
// "KOB" keeps these draws apart from the Brownian tree's path keys ("KBT",
// brownian_tree.hpp) and from the sweep designs' draws, which may use the
// same seed.
KOKKOS_INLINE_FUNCTION std::uint64_t observation_key(std::uint64_t seed, std::uint64_t trajectory) {
  return philox_draw(seed, trajectory, 0x4b4f42u).a;
}

// z(seed, k, j, i) of the trajectory whose key is observation_key(seed, k).
KOKKOS_INLINE_FUNCTION double observation_normal(std::uint64_t key, std::uint64_t save,
                                                 std::uint32_t state) {
  return standard_normal(philox_draw(key, save, state));
}

// The observations of `result.ys` ([n_traj][n_save][n_state], n_state =
// noise.sigma.size()) of trajectories first_trajectory, first_trajectory + 1,
// ...: a vector of the same layout.
std::vector<double> observe_states(const ObservationNoise& noise, const BatchResult& result,
                                   std::uint64_t first_trajectory);

}  // namespace kode
