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
// `count` is the number of samples; `n[k]` the number that had a value at
// k: a NaN entry (a save time after a terminal event, which the trajectory
// never reached) is left out of that element's statistics only. Without
// NaN entries n[k] == count everywhere and the arithmetic is the same as
// with one count.
struct EnsembleStatistics {
  std::int64_t count = 0;
  std::vector<std::int64_t> n;
  std::vector<double> mean, m2, min, max;

  explicit EnsembleStatistics(std::size_t width = 0)
      : n(width, 0),
        mean(width, 0.0),
        m2(width, 0.0),
        min(width, std::numeric_limits<double>::infinity()),
        max(width, -std::numeric_limits<double>::infinity()) {}

  std::size_t width() const { return mean.size(); }

  // Every element counted `count` times (blocks stored without per-element
  // counts: their samples had no NaN).
  void set_count(std::int64_t samples) {
    count = samples;
    n.assign(mean.size(), samples);
  }

  // Welford's update with one sample x[width].
  void add(const double* x) {
    ++count;
    for (std::size_t k = 0; k < mean.size(); ++k) {
      if (x[k] != x[k]) continue;  // NaN: no value here
      const double nk = static_cast<double>(++n[k]);
      const double delta = x[k] - mean[k];
      mean[k] += delta / nk;
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
    for (std::size_t k = 0; k < mean.size(); ++k) {
      if (other.n[k] == 0) continue;
      if (n[k] == 0) {
        mean[k] = other.mean[k];
        m2[k] = other.m2[k];
        min[k] = other.min[k];
        max[k] = other.max[k];
        n[k] = other.n[k];
        continue;
      }
      const double na = static_cast<double>(n[k]), nb = static_cast<double>(other.n[k]);
      const double nn = na + nb;
      const double delta = other.mean[k] - mean[k];
      mean[k] += delta * (nb / nn);
      m2[k] += other.m2[k] + delta * delta * (na * nb / nn);
      min[k] = std::min(min[k], other.min[k]);
      max[k] = std::max(max[k], other.max[k]);
      n[k] += other.n[k];
    }
    count += other.count;
  }

  // The unbiased sample variance M2 / (n - 1); NaN for fewer than two
  // values.
  std::vector<double> variance() const {
    std::vector<double> v(mean.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < v.size(); ++k)
      if (n[k] >= 2) v[k] = m2[k] / static_cast<double>(n[k] - 1);
    return v;
  }
  // `values` (mean, min or max) with NaN where there was no value.
  std::vector<double> or_nan(const std::vector<double>& values) const {
    std::vector<double> out = values;
    for (std::size_t k = 0; k < out.size(); ++k)
      if (n[k] == 0) out[k] = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
};

}  // namespace kode
