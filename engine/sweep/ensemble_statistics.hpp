// Ensemble statistics of a sweep (/ensemble/mean, var, min, max): per save
// time and state component, over the successful trajectories.
//
// Bitwise reproducibility whatever the rank count, chunk size or schedule
// (DESIGN.md, "Reliability rules") needs a reduction whose structure depends
// on nothing but the trajectory indices. Floating-point addition is not
// associative, so the order is fixed once and for all:
//  1. the trajectories are cut into statistics blocks of `block_size`
//     consecutive global indices (the last one may be shorter);
//  2. inside a block, trajectories are accumulated one at a time in index
//     order with Welford's update (B. P. Welford, "Note on a method for
//     calculating corrected sums of squares and products", Technometrics 4
//     (1962) 419-420), which is stable for long blocks;
//  3. the blocks are merged in block order, left to right, with the pairwise
//     formula of Chan, Golub & LeVeque ("Updating formulae and a pairwise
//     algorithm for computing sample variances", Stanford CS report
//     STAN-CS-79-773, 1979; Amer. Statist. 37 (1983) 242-247):
//        n = na + nb,  d = mean_b - mean_a,
//        mean = mean_a + d nb / n,  M2 = M2_a + M2_b + d^2 na nb / n.
// A chunk always holds whole blocks (sweep_plan checks it), so whoever
// computes a chunk computes its blocks exactly as anyone else would.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace kode {

// Running statistics of `width` values per sample (n_save * n_state).
struct EnsembleStatistics {
  std::int64_t count = 0;
  std::vector<double> mean, m2, min, max;

  explicit EnsembleStatistics(std::size_t width = 0)
      : mean(width, 0.0),
        m2(width, 0.0),
        min(width, std::numeric_limits<double>::infinity()),
        max(width, -std::numeric_limits<double>::infinity()) {}

  std::size_t width() const { return mean.size(); }

  // Welford's update with one sample x[width].
  void add(const double* x) {
    ++count;
    const double n = static_cast<double>(count);
    for (std::size_t k = 0; k < mean.size(); ++k) {
      const double delta = x[k] - mean[k];
      mean[k] += delta / n;
      m2[k] += delta * (x[k] - mean[k]);
      min[k] = std::min(min[k], x[k]);
      max[k] = std::max(max[k], x[k]);
    }
  }

  // Chan, Golub & LeVeque's pairwise merge: *this becomes the statistics of
  // its samples followed by those of `other`.
  void merge(const EnsembleStatistics& other) {
    if (other.count == 0) return;
    if (count == 0) {
      *this = other;
      return;
    }
    const double na = static_cast<double>(count), nb = static_cast<double>(other.count);
    const double n = na + nb;
    for (std::size_t k = 0; k < mean.size(); ++k) {
      const double delta = other.mean[k] - mean[k];
      mean[k] += delta * (nb / n);
      m2[k] += other.m2[k] + delta * delta * (na * nb / n);
      min[k] = std::min(min[k], other.min[k]);
      max[k] = std::max(max[k], other.max[k]);
    }
    count += other.count;
  }

  // The unbiased sample variance M2 / (count - 1); NaN for fewer than two
  // samples. With no samples, mean/min/max are NaN too.
  std::vector<double> variance() const {
    std::vector<double> v(mean.size(), std::numeric_limits<double>::quiet_NaN());
    if (count >= 2)
      for (std::size_t k = 0; k < v.size(); ++k) v[k] = m2[k] / static_cast<double>(count - 1);
    return v;
  }
  std::vector<double> or_nan(const std::vector<double>& values) const {
    return count > 0 ? values
                     : std::vector<double>(values.size(), std::numeric_limits<double>::quiet_NaN());
  }
};

}  // namespace kode
