#include "kode/engine/train/training_objective.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>

#include "kode/engine/models/neural_ode_solvers.hpp"

namespace kode {

namespace {

// Loss rows of a finished adjoint: failed trajectories contribute nothing
// (they are counted by the trainer); the gradient columns come from `row`.
template <class Row>
void collect(const AdjointResult& r, const std::vector<double>& data, int n_save, int n_state,
             int n_learnable, Row row, TrajectoryGradients& out) {
  out.n = r.n_traj;
  out.n_learnable = n_learnable;
  out.loss.assign(static_cast<size_t>(out.n), 0.0);
  out.observed.assign(static_cast<size_t>(out.n), 0.0);
  out.ok.assign(static_cast<size_t>(out.n), 0);
  out.gradient.assign(static_cast<size_t>(out.n) * n_learnable, 0.0);
  const size_t per_traj = static_cast<size_t>(n_save) * n_state;
  for (int t = 0; t < out.n; ++t) {
    const bool ok = r.status[t] == 0 && r.gradient_ok[t] != 0 && std::isfinite(r.loss[t]);
    if (!ok) continue;
    out.ok[t] = 1;
    out.loss[t] = r.loss[t];
    double count = 0;
    for (size_t k = 0; k < per_traj; ++k) count += std::isfinite(data[t * per_traj + k]) ? 1 : 0;
    out.observed[t] = count;
    double* g = &out.gradient[static_cast<size_t>(t) * n_learnable];
    for (int q = 0; q < n_learnable; ++q) g[q] = row(t, q);
  }
}

LossSpec mse_loss(const std::vector<double>& data) {
  LossSpec loss;
  loss.kind = LossKind::mse;
  loss.data = data;
  return loss;
}

// y' = MLP_theta(t, y): theta is the network's weight block, copied into
// the device array the model reads before every solve.
class NetworkObjective final : public TrainingObjective {
 public:
  explicit NetworkObjective(const TrainSettings& s)
      : settings_(s),
        weights_(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kode::train::weights"),
                 s.network.n_weights()),
        host_(Kokkos::create_mirror_view(weights_)) {
    Mlp mlp = s.network;
    mlp.weights = weights_.data();
    adjoint_ = make_neural_ode_adjoint_solver(mlp, s.spec.method);
    forward_ = make_neural_ode_batch_solver(mlp, s.spec.method);
  }
  int n_learnable() const override { return settings_.network.n_weights(); }
  std::vector<double> initial_theta() const override {
    std::vector<double> theta(static_cast<size_t>(n_learnable()));
    settings_.network.initialize(settings_.seed, theta.data());
    return theta;
  }
  void gradients(const std::vector<double>& theta, const SolveSpec& spec,
                 const std::vector<double>& y0, const std::vector<double>& data, int n,
                 TrajectoryGradients& out) override {
    upload(theta);
    adjoint_->solve(spec, mse_loss(data), {}, y0, n, result_, settings_.adjoint_checkpoints);
    const int nw = n_learnable();
    collect(
        result_, data, static_cast<int>(spec.ts.size()), settings_.n_state(), nw,
        [&](int t, int q) { return result_.dloss_dweights[static_cast<size_t>(t) * nw + q]; }, out);
  }
  void predict(const std::vector<double>& theta, const SolveSpec& spec,
               const std::vector<double>& y0, int n, BatchResult& out) override {
    upload(theta);
    forward_->solve(spec, {}, y0, n, out);
  }
  std::vector<double> model_params(const std::vector<double>&) const override { return {}; }

 private:
  void upload(const std::vector<double>& theta) {
    for (size_t k = 0; k < theta.size(); ++k) host_(k) = theta[k];
    Kokkos::deep_copy(weights_, host_);
  }
  const TrainSettings& settings_;
  Kokkos::View<double*> weights_;
  typename Kokkos::View<double*>::HostMirror host_;
  std::unique_ptr<AnyAdjointSolver> adjoint_;
  std::unique_ptr<AnyBatchSolver> forward_;
  AdjointResult result_;
};

// Parameter estimation: theta = the learnt parameters (or their logs), the
// same for every trajectory; the others keep their initial values. A
// trajectory's gradient row is its dloss/dp over the learnt parameters
// (times p for log parameters: d/dlog p = p d/dp).
class ParamsObjective final : public TrainingObjective {
 public:
  explicit ParamsObjective(const TrainSettings& s)
      : settings_(s),
        adjoint_(s.model_info->make_adjoint_solver(s.spec.method)),
        forward_(s.model_info->make_solver(s.spec.method)) {}
  int n_learnable() const override { return static_cast<int>(settings_.learnt_params.size()); }
  std::vector<double> initial_theta() const override {
    std::vector<double> theta;
    for (int j : settings_.learnt_params) {
      const double p = settings_.initial_params[j];
      theta.push_back(settings_.log_params ? std::log(p) : p);
    }
    return theta;
  }
  std::vector<double> model_params(const std::vector<double>& theta) const override {
    std::vector<double> p = settings_.initial_params;
    for (size_t k = 0; k < theta.size(); ++k)
      p[settings_.learnt_params[k]] = settings_.log_params ? std::exp(theta[k]) : theta[k];
    return p;
  }
  void gradients(const std::vector<double>& theta, const SolveSpec& spec,
                 const std::vector<double>& y0, const std::vector<double>& data, int n,
                 TrajectoryGradients& out) override {
    const std::vector<double> p = model_params(theta);
    adjoint_->solve(spec, mse_loss(data), repeated(p, n), y0, n, result_,
                    settings_.adjoint_checkpoints);
    const int np = static_cast<int>(p.size());
    collect(
        result_, data, static_cast<int>(spec.ts.size()), settings_.n_state(), n_learnable(),
        [&](int t, int k) { return column(result_.dloss_dparams, t, np, k, p); }, out);
  }
  void predict(const std::vector<double>& theta, const SolveSpec& spec,
               const std::vector<double>& y0, int n, BatchResult& out) override {
    forward_->solve(spec, repeated(model_params(theta), n), y0, n, out);
  }
  std::vector<double> standard_errors(const std::vector<double>& theta, const SolveSpec& spec,
                                      const std::vector<double>& y0,
                                      const std::vector<double>& data, int n) override {
    const std::vector<double> p = model_params(theta);
    const int np = static_cast<int>(p.size()), K = n_learnable(), N = settings_.n_state();
    const int S = static_cast<int>(spec.ts.size());
    ForwardSensitivityResult f;
    settings_.model_info->make_forward_solver(spec.method)->solve(spec, repeated(p, n), y0, n, f);
    std::vector<double> gram(static_cast<size_t>(K) * K, 0.0), row(static_cast<size_t>(K));
    double sse = 0, count = 0;
    for (int t = 0; t < n; ++t) {
      if (f.solution.status[t] != 0) continue;
      for (int j = 0; j < S; ++j)
        for (int i = 0; i < N; ++i) {
          const size_t at = (static_cast<size_t>(t) * S + j) * N + i;
          if (!std::isfinite(data[at])) continue;
          const double r = f.solution.ys[at] - data[at];
          sse += r * r;
          count += 1;
          for (int k = 0; k < K; ++k)
            row[k] = column(f.dys_dparams, static_cast<int>(at), np, k, p);
          for (int a = 0; a < K; ++a)
            for (int b = 0; b < K; ++b) gram[a * K + b] += row[a] * row[b];
        }
    }
    const std::vector<double> inverse = inverse_spd(gram, K);
    const double s2 = count > K ? sse / (count - K) : std::nan("");
    std::vector<double> se;
    for (int k = 0; k < K; ++k) {
      const double se_theta = std::sqrt(s2 * inverse[k * K + k]);
      se.push_back(settings_.log_params ? p[settings_.learnt_params[k]] * se_theta : se_theta);
    }
    return se;
  }

 private:
  // d/dtheta_k of a quantity whose derivatives by the model's parameters are
  // row `r` of `d` ([.][np]).
  double column(const std::vector<double>& d, int r, int np, int k,
                const std::vector<double>& p) const {
    const int j = settings_.learnt_params[k];
    const double g = d[static_cast<size_t>(r) * np + j];
    return settings_.log_params ? g * p[j] : g;
  }
  // The inverse of a small symmetric positive definite matrix by
  // Gauss-Jordan elimination; NaN entries when it is singular to working
  // precision (a pivot below 1e-12 of the largest diagonal entry).
  static std::vector<double> inverse_spd(std::vector<double> a, int K) {
    std::vector<double> inv(static_cast<size_t>(K) * K, 0.0);
    for (int k = 0; k < K; ++k) inv[k * K + k] = 1.0;
    double largest = 0;
    for (int k = 0; k < K; ++k) largest = std::max(largest, std::fabs(a[k * K + k]));
    for (int c = 0; c < K; ++c) {
      const double pivot = a[c * K + c];
      if (!(std::fabs(pivot) > 1e-12 * largest))
        return std::vector<double>(static_cast<size_t>(K) * K, std::nan(""));
      for (int b = 0; b < K; ++b) {
        a[c * K + b] /= pivot;
        inv[c * K + b] /= pivot;
      }
      for (int r = 0; r < K; ++r) {
        if (r == c) continue;
        const double factor = a[r * K + c];
        for (int b = 0; b < K; ++b) {
          a[r * K + b] -= factor * a[c * K + b];
          inv[r * K + b] -= factor * inv[c * K + b];
        }
      }
    }
    return inv;
  }
  static std::vector<double> repeated(const std::vector<double>& p, int n) {
    std::vector<double> all;
    all.reserve(p.size() * static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) all.insert(all.end(), p.begin(), p.end());
    return all;
  }
  const TrainSettings& settings_;
  std::unique_ptr<AnyAdjointSolver> adjoint_;
  std::unique_ptr<AnyBatchSolver> forward_;
  AdjointResult result_;
};

}  // namespace

std::unique_ptr<TrainingObjective> make_training_objective(const TrainSettings& settings) {
  if (settings.learn == LearnKind::network) return std::make_unique<NetworkObjective>(settings);
  return std::make_unique<ParamsObjective>(settings);
}

}  // namespace kode
