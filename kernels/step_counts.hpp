// Per-trajectory step statistics, as Diffrax's Solution.stats.
#pragma once

namespace kode {

struct StepCounts {
  int num_steps = 0;  // attempted steps
  int num_accepted = 0;
  int num_rejected = 0;
};

}  // namespace kode
