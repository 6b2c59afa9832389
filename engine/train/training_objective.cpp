#include "kode/engine/train/training_objective.hpp"

#include <Kokkos_Core.hpp>
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

// Parameter estimation: theta = the model's parameters (or their logs),
// the same for every trajectory; a trajectory's gradient row is its
// dloss/dparams (times p for log parameters: d/dlog p = p d/dp).
class ParamsObjective final : public TrainingObjective {
 public:
  explicit ParamsObjective(const TrainSettings& s)
      : settings_(s),
        adjoint_(s.model_info->make_adjoint_solver(s.spec.method)),
        forward_(s.model_info->make_solver(s.spec.method)) {}
  int n_learnable() const override { return static_cast<int>(settings_.initial_params.size()); }
  std::vector<double> initial_theta() const override {
    std::vector<double> theta = settings_.initial_params;
    if (settings_.log_params)
      for (double& x : theta) x = std::log(x);
    return theta;
  }
  std::vector<double> model_params(const std::vector<double>& theta) const override {
    std::vector<double> p = theta;
    if (settings_.log_params)
      for (double& x : p) x = std::exp(x);
    return p;
  }
  void gradients(const std::vector<double>& theta, const SolveSpec& spec,
                 const std::vector<double>& y0, const std::vector<double>& data, int n,
                 TrajectoryGradients& out) override {
    const std::vector<double> p = model_params(theta);
    adjoint_->solve(spec, mse_loss(data), repeated(p, n), y0, n, result_,
                    settings_.adjoint_checkpoints);
    const int np = n_learnable();
    const bool log = settings_.log_params;
    collect(
        result_, data, static_cast<int>(spec.ts.size()), settings_.n_state(), np,
        [&](int t, int q) {
          const double g = result_.dloss_dparams[static_cast<size_t>(t) * np + q];
          return log ? g * p[q] : g;
        },
        out);
  }
  void predict(const std::vector<double>& theta, const SolveSpec& spec,
               const std::vector<double>& y0, int n, BatchResult& out) override {
    forward_->solve(spec, repeated(model_params(theta), n), y0, n, out);
  }

 private:
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
