#include "kode/engine/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "kode/engine/io/fingerprint.hpp"
#include "kode/engine/mpi/mpi_check.hpp"
#include "kode/engine/train/training_objective.hpp"
#include "kode/kernels/counter_rng.hpp"

namespace kode {

namespace {

// Philox streams (counter_hi) of the split and the minibatches; the network
// initialisation uses its own (kernels/neural/mlp.hpp).
constexpr std::uint64_t split_stream = 0x53504c54u;      // "SPLT"
constexpr std::uint64_t minibatch_stream = 0x4d424154u;  // "MBAT"

// floor(u * n) for 64 random bits u / 2^64: unbiased to 2^-64 relative.
std::uint64_t below(std::uint64_t bits, std::uint64_t n) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// [first, last) of `n` items for rank r of `size`, contiguous and in order.
std::pair<long long, long long> share(long long n, int r, int size) {
  return {n * r / size, n * (r + 1) / size};
}

// MpiError unless every rank holds the same bits of `state`.
void require_identical(const TrainState& state, MPI_Comm comm) {
  std::uint64_t h = fingerprint_basis ^ static_cast<std::uint64_t>(state.step);
  for (const auto* v : {&state.theta, &state.optimizer.m, &state.optimizer.v, &state.history.loss,
                        &state.history.validation_loss})
    add_to_fingerprint(h, *v);
  std::uint64_t lo = h, hi = h;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, comm),
            "MPI_Allreduce(state fingerprint)");
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, comm),
            "MPI_Allreduce(state fingerprint)");
  if (lo != hi)
    throw MpiError("kode train: the ranks' training states differ at step " +
                   std::to_string(state.step) + " (internal error: they must be identical)");
}

// Every rank's `local` values concatenated in rank order, on every rank.
std::vector<double> all_gather(const std::vector<double>& local, MPI_Comm comm, int size) {
  int count = static_cast<int>(local.size());
  std::vector<int> counts(static_cast<size_t>(size)), offsets(static_cast<size_t>(size), 0);
  check_mpi(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm),
            "MPI_Allgather(counts)");
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<size_t>(offsets.back() + counts.back()));
  check_mpi(MPI_Allgatherv(local.data(), count, MPI_DOUBLE, all.data(), counts.data(),
                           offsets.data(), MPI_DOUBLE, comm),
            "MPI_Allgatherv(gradient blocks)");
  return all;
}

class Trainer {
 public:
  Trainer(const TrainSettings& s, const TrainRunOptions& o)
      : s_(s), o_(o), objective_(make_training_objective(s)) {
    check_mpi(MPI_Comm_rank(o.comm, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(o.comm, &size_), "MPI_Comm_size");
    split_ = split_data(s.data.n_traj, s.validation_fraction, s.seed);
  }

  TrainOutcome run(const TrainState* start) {
    const auto t_start = std::chrono::steady_clock::now();
    TrainOutcome out;
    out.split = split_;
    TrainState& state = out.state;
    if (start) {
      state = *start;
    } else {
      state.theta = objective_->initial_theta();
    }
    if (static_cast<int>(state.theta.size()) != objective_->n_learnable())
      throw std::invalid_argument("kode train: the checkpoint holds " +
                                  std::to_string(state.theta.size()) +
                                  " learnable values, the "
                                  "model " +
                                  std::to_string(objective_->n_learnable()));
    const long long first_step = state.step;
    std::vector<double> grad;
    for (long long step = state.step; step < s_.steps; ++step) {
      if (stop_requested()) {
        require_identical(state, o_.comm);
        write_checkpoint(state);
        out.steps_this_run = step - first_step;
        out.seconds = seconds_since(t_start);
        return out;
      }
      const double validation = (step % s_.validate_every == 0 || step == s_.steps - 1)
                                    ? validation_loss(state.theta)
                                    : nan();
      double loss = 0, failed = 0;
      minibatch_gradient(state.theta, step, grad, loss, failed);
      const UpdateInfo info = apply_update(s_.optimizer, state.optimizer, state.theta, grad);
      TrainHistory& h = state.history;
      h.loss.push_back(loss);
      h.validation_loss.push_back(validation);
      h.learning_rate.push_back(info.learning_rate);
      h.gradient_norm.push_back(info.gradient_norm);
      h.failed.push_back(failed);
      state.step = step + 1;
      if (o_.test_step_delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(o_.test_step_delay_ms));
      if (rank_ == 0 && o_.progress)
        o_.progress({state.step, s_.steps, loss, validation, info.learning_rate,
                     seconds_since(t_start), state.step - first_step});
      if (s_.checkpoint_every > 0 && state.step % s_.checkpoint_every == 0 &&
          state.step < s_.steps) {
        require_identical(state, o_.comm);
        write_checkpoint(state);
      }
    }
    require_identical(state, o_.comm);
    out.complete = true;
    out.final_validation_loss = validation_loss(state.theta, &out);
    out.model_params = objective_->model_params(state.theta);
    if (rank_ == 0 && s_.has_params() && !s_.has_network()) {
      // One forward-sensitivity solve over every training trajectory, on
      // rank 0 alone (it writes and prints them; no communication, so no
      // rank-count dependence).
      gather_inputs(split_.train, s_.data.n_save, y0_, data_);
      out.standard_errors = objective_->standard_errors(
          state.theta, spec_for(s_.data.n_save), y0_, data_, static_cast<int>(split_.train.size()));
    }
    out.steps_this_run = state.step - first_step;
    out.seconds = seconds_since(t_start);
    return out;
  }

 private:
  static double nan() { return std::numeric_limits<double>::quiet_NaN(); }

  // Rank 0 writes; a failure there is every rank's error (no rank left
  // waiting in the next step's collective).
  void write_checkpoint(const TrainState& state) const {
    on_rank0_for_all(o_.comm, [&] {
      if (o_.write_checkpoint) o_.write_checkpoint(state);
    });
  }

  bool stop_requested() const {
    int flag = o_.stop_requested && *o_.stop_requested != 0 ? 1 : 0;
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, o_.comm),
              "MPI_Allreduce(stop request)");
    return flag != 0;
  }

  // The save times fitted at `step` (a prefix under the length curriculum).
  int fitted_saves(long long step) const {
    if (step < s_.curriculum_steps)
      return std::max(2, static_cast<int>(std::ceil(s_.curriculum * s_.data.n_save)));
    return s_.data.n_save;
  }

  SolveSpec spec_for(int n_fit) const {
    SolveSpec spec = s_.spec;
    spec.ts.assign(s_.data.ts.begin(), s_.data.ts.begin() + n_fit);
    spec.t1 = spec.ts.back();
    return spec;
  }

  // y0 and the first n_fit observations of the data trajectories `idx`.
  void gather_inputs(const std::vector<int>& idx, int n_fit, std::vector<double>& y0,
                     std::vector<double>& data) const {
    const int N = s_.data.n_state, S = s_.data.n_save;
    y0.clear();
    data.clear();
    for (int i : idx) {
      const auto y = s_.data.y0.begin() + static_cast<long long>(i) * N;
      y0.insert(y0.end(), y, y + N);
      const auto d = s_.data.ys.begin() + static_cast<long long>(i) * S * N;
      data.insert(data.end(), d, d + static_cast<long long>(n_fit) * N);
    }
  }

  // The mean squared error of the minibatch of `step` and its gradient,
  // from block sums combined in block order (the same bits on any number
  // of ranks).
  void minibatch_gradient(const std::vector<double>& theta, long long step,
                          std::vector<double>& grad, double& loss, double& failed) {
    const std::vector<int> batch = minibatch(split_.train, s_.batch, s_.seed, step);
    const long long n_blocks =
        (static_cast<long long>(batch.size()) + gradient_block - 1) / gradient_block;
    const auto [b0, b1] = share(n_blocks, rank_, size_);
    const long long p0 = b0 * gradient_block;
    const long long p1 = std::min<long long>(b1 * gradient_block, batch.size());
    const int n_fit = fitted_saves(step);
    const int W = objective_->n_learnable();
    const int width = W + 3;  // gradient, loss, observations, failed
    std::vector<double> blocks(static_cast<size_t>((b1 - b0) * width), 0.0);
    if (p1 > p0) {
      const std::vector<int> mine(batch.begin() + p0, batch.begin() + p1);
      gather_inputs(mine, n_fit, y0_, data_);
      objective_->gradients(theta, spec_for(n_fit), y0_, data_, static_cast<int>(mine.size()),
                            rows_);
      for (long long p = p0; p < p1; ++p) {
        const int t = static_cast<int>(p - p0);
        double* block = &blocks[static_cast<size_t>((p / gradient_block - b0) * width)];
        const double* g = &rows_.gradient[static_cast<size_t>(t) * W];
        for (int q = 0; q < W; ++q) block[q] += g[q];
        block[W] += rows_.loss[t];
        block[W + 1] += rows_.observed[t];
        block[W + 2] += rows_.ok[t] ? 0.0 : 1.0;
      }
    }
    const std::vector<double> all = all_gather(blocks, o_.comm, size_);
    std::vector<double> total(static_cast<size_t>(width), 0.0);
    for (long long b = 0; b < n_blocks; ++b)
      for (int q = 0; q < width; ++q) total[q] += all[static_cast<size_t>(b * width + q)];
    const double observed = total[W + 1];
    failed = total[W + 2];
    if (!(observed > 0))
      throw TrainingFailed(
          "kode train: every trajectory of the minibatch of step " + std::to_string(step) +
          " failed to solve (see [solver] max_steps, or lower train.learning_rate)");
    loss = total[W] / observed;
    grad.assign(static_cast<size_t>(W), 0.0);
    for (int q = 0; q < W; ++q) grad[q] = total[q] / observed;
  }

  // The mean squared error over every validation trajectory at the full
  // time series; with `out`, rank 0 also gets the predictions.
  double validation_loss(const std::vector<double>& theta, TrainOutcome* out = nullptr) {
    const std::vector<int>& val = split_.validation;
    if (val.empty()) return nan();
    const int N = s_.data.n_state, S = s_.data.n_save;
    const auto [v0, v1] = share(static_cast<long long>(val.size()), rank_, size_);
    std::vector<double> per_traj;  // sse, observations per trajectory
    std::vector<double> ys;
    if (v1 > v0) {
      const std::vector<int> mine(val.begin() + v0, val.begin() + v1);
      gather_inputs(mine, S, y0_, data_);
      objective_->predict(theta, spec_for(S), y0_, static_cast<int>(mine.size()), predicted_);
      for (size_t t = 0; t < mine.size(); ++t) {
        double sse = 0, count = 0;
        if (predicted_.status[t] == 0) {
          for (size_t k = 0; k < static_cast<size_t>(S) * N; ++k) {
            const double d = data_[t * S * N + k];
            if (!std::isfinite(d)) continue;
            const double e = predicted_.ys[t * S * N + k] - d;
            sse += e * e;
            count += 1;
          }
        }
        per_traj.push_back(sse);
        per_traj.push_back(count);
      }
      ys = predicted_.ys;
    }
    const std::vector<double> all = all_gather(per_traj, o_.comm, size_);
    double sse = 0, count = 0;
    for (size_t k = 0; k < all.size(); k += 2) {
      sse += all[k];
      count += all[k + 1];
    }
    if (out) {
      // Predictions in validation order on rank 0 (the shares are contiguous
      // and in rank order).
      const std::vector<double> all_ys = all_gather(ys, o_.comm, size_);
      if (rank_ == 0) {
        out->validation_predicted = all_ys;
        gather_inputs(val, S, y0_, out->validation_observed);
      }
    }
    return count > 0 ? sse / count : nan();
  }

  const TrainSettings& s_;
  const TrainRunOptions& o_;
  std::unique_ptr<TrainingObjective> objective_;
  int rank_ = 0, size_ = 1;
  DataSplit split_;
  std::vector<double> y0_, data_;
  TrajectoryGradients rows_;
  BatchResult predicted_;
};

}  // namespace

DataSplit split_data(int n_traj, double validation_fraction, std::uint64_t seed) {
  const int n_val = static_cast<int>(std::floor(validation_fraction * n_traj));
  std::vector<std::pair<std::uint64_t, int>> keys;
  for (int i = 0; i < n_traj; ++i)
    keys.push_back({philox_draw(seed, static_cast<std::uint64_t>(i), split_stream).a, i});
  std::sort(keys.begin(), keys.end());
  DataSplit split;
  for (int k = 0; k < n_traj; ++k)
    (k < n_val ? split.validation : split.train).push_back(keys[k].second);
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  return split;
}

std::vector<int> minibatch(const std::vector<int>& train, int batch, std::uint64_t seed,
                           long long step) {
  const int n = static_cast<int>(train.size());
  if (batch >= n) return train;
  std::vector<int> pool = train;
  for (int k = 0; k < batch; ++k) {
    const std::uint64_t counter =
        (static_cast<std::uint64_t>(step) << 24) | static_cast<std::uint64_t>(k);
    const std::uint64_t bits = philox_draw(seed, counter, minibatch_stream).a;
    const int j = k + static_cast<int>(below(bits, static_cast<std::uint64_t>(n - k)));
    std::swap(pool[k], pool[j]);
  }
  pool.resize(static_cast<size_t>(batch));
  return pool;
}

TrainOutcome run_training(const TrainSettings& settings, const TrainState* start,
                          const TrainRunOptions& options) {
  Trainer trainer(settings, options);
  return trainer.run(start);
}

}  // namespace kode
