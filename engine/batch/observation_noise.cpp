#include "kode/engine/batch/observation_noise.hpp"

#include <cmath>

namespace kode {

std::vector<double> observe_states(const ObservationNoise& noise, const BatchResult& result,
                                   std::uint64_t first_trajectory) {
  const size_t n_state = noise.sigma.size();
  const size_t n_save = result.ts.size();
  const size_t n_traj = static_cast<size_t>(result.n_traj);
  std::vector<double> observed = result.ys;
  if (n_state == 0 || n_save == 0) return observed;
  for (size_t k = 0; k < n_traj; ++k) {
    const std::uint64_t key = observation_key(noise.seed, first_trajectory + k);
    for (size_t j = 0; j < n_save; ++j) {
      for (size_t i = 0; i < n_state; ++i) {
        const size_t at = (k * n_save + j) * n_state + i;
        if (at >= observed.size()) return observed;
        // sigma 0 copies exactly (y + 0 z would turn -0 into +0); NaN, a
        // save time the trajectory never reached, stays NaN as it is.
        if (noise.sigma[i] == 0.0 || std::isnan(observed[at])) continue;
        observed[at] += noise.sigma[i] * observation_normal(key, j, static_cast<std::uint32_t>(i));
      }
    }
  }
  return observed;
}

}  // namespace kode
