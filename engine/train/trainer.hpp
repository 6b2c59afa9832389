// The training loop of `kode train`: minibatches drawn from (seed, step),
// each rank differentiating whole blocks of the minibatch, the block sums
// combined in block order on every rank (never a reduction whose order
// depends on the rank count), one optimiser update applied identically on
// every rank. The loss history and the learnt values are therefore the same
// bits on 1, 2 or 3 ranks, and a run resumed from a checkpoint continues to
// the bits of an uninterrupted one.
#pragma once

#include <mpi.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/train/optimizer.hpp"
#include "kode/engine/train/train_settings.hpp"

namespace kode {

// Every trajectory of a minibatch failed to solve: thrown on every rank at
// the same step (it is decided from the combined block sums).
class TrainingFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Minibatch positions per gradient block: a rank differentiates whole blocks,
// so the block sums -- and hence every bit of the result -- do not depend on
// how many ranks share a minibatch.
inline constexpr int gradient_block = 8;

// Per step: the loss of the minibatch at the values before the update
// (mean squared error over its finite observations), the validation loss at
// the same values (NaN on steps without one), the learning rate and the
// global gradient norm (before clipping) of the update, and the
// minibatch's trajectories whose solve or gradient failed (left out).
struct TrainHistory {
  std::vector<double> loss, validation_loss, learning_rate, gradient_norm;
  std::vector<double> failed;
};

// Everything a resumed run needs (besides the config): the step the next
// update is, the learnt values, the optimiser's moments and the history.
// Minibatches are pure functions of (seed, step), so the step is the whole
// random-number position.
struct TrainState {
  long long step = 0;
  std::vector<double> theta;
  OptimizerState optimizer;
  TrainHistory history;
};

// Training and validation trajectories: indices into the data, ascending.
// The n_val = floor(fraction * n) trajectories with the smallest Philox key
// drawn from (seed, index) are the validation ones.
struct DataSplit {
  std::vector<int> train, validation;
};
DataSplit split_data(int n_traj, double validation_fraction, std::uint64_t seed);

// The data indices of the minibatch of `step`: `batch` distinct training
// trajectories drawn by a partial Fisher-Yates shuffle with Philox draws from
// (seed, step), or all of them, in order, when batch >= their count.
std::vector<int> minibatch(const std::vector<int>& train, int batch, std::uint64_t seed,
                           long long step);

struct TrainProgress {
  long long step = 0, steps = 0;  // updates done, of all
  double loss = 0, validation_loss = 0, learning_rate = 0;
  double elapsed_s = 0;
  long long steps_this_run = 0;
};

struct TrainRunOptions {
  MPI_Comm comm = MPI_COMM_WORLD;
  const volatile std::sig_atomic_t* stop_requested = nullptr;  // checked every step
  std::function<void(const TrainProgress&)> progress;          // rank 0, every step
  // Called on rank 0 every checkpoint_every steps and when stopping, with a
  // state identical on every rank (checked); what it throws is thrown on
  // every rank.
  std::function<void(const TrainState&)> write_checkpoint;
  int test_step_delay_ms = 0;  // tests: slows each step down (KODE_TEST_STEP_DELAY_MS)
};

struct TrainOutcome {
  bool complete = false;  // false: stopped on a signal, checkpoint written
  TrainState state;
  DataSplit split;
  double final_validation_loss = 0;  // NaN without validation trajectories
  std::vector<double> model_params;  // learn = params: every model parameter, learnt or fixed
  // learn = params, rank 0: standard errors of the learnt parameters
  // (Gauss-Newton, over the training trajectories;
  // TrainingObjective::standard_errors).
  std::vector<double> standard_errors;
  // Rank 0: the validation trajectories predicted with the final values,
  // [n_val][n_save][n_state], and their observations.
  std::vector<double> validation_predicted, validation_observed;
  long long steps_this_run = 0;
  double seconds = 0;
};

// Runs (or, from `start`, continues) the training. Collective over
// options.comm. Throws MpiError when the ranks' states diverge.
TrainOutcome run_training(const TrainSettings& settings, const TrainState* start,
                          const TrainRunOptions& options);

}  // namespace kode
