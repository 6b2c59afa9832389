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
    bool ok = r.status[t] == 0 && r.gradient_ok[t] != 0 && std::isfinite(r.loss[t]);
    double* g = &out.gradient[static_cast<size_t>(t) * n_learnable];
    for (int q = 0; ok && q < n_learnable; ++q) {
      g[q] = row(t, q);
      ok = std::isfinite(g[q]);  // one non-finite row would poison every update
    }
    if (!ok) {
      for (int q = 0; q < n_learnable; ++q) g[q] = 0.0;
      continue;
    }
    out.ok[t] = 1;
    out.loss[t] = r.loss[t];
    double count = 0;
    for (size_t k = 0; k < per_traj; ++k) count += std::isfinite(data[t * per_traj + k]) ? 1 : 0;
    out.observed[t] = count;
  }
}

LossSpec mse_loss(const std::vector<double>& data) {
  LossSpec loss;
  loss.kind = LossKind::mse;
  loss.data = data;
  return loss;
}

// theta = [the network's weights (neural_ode, or a hybrid model's
// correction), then the learnt model parameters (or their logs)]. The
// weights are copied into the device array the model reads before every
// solve; the parameters, the same for every trajectory, become each
// trajectory's row of the batch (the fixed ones keep their [params] values).
// A trajectory's gradient row is its dL/dweights row followed by its
// dL/dp over the learnt parameters (times p for log parameters: d/dlog p =
// p d/dp).
class Objective final : public TrainingObjective {
 public:
  explicit Objective(const TrainSettings& s)
      : settings_(s), n_weights_(s.has_network() ? s.network.n_weights() : 0) {
    Mlp mlp = s.network;
    if (s.has_network()) {
      weights_ = Kokkos::View<double*>(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kode::train::weights"), n_weights_);
      host_ = Kokkos::create_mirror_view(weights_);
      mlp.weights = weights_.data();
    }
    const std::string& method = s.spec.method;
    if (!s.model_info) {
      adjoint_ = make_neural_ode_adjoint_solver(mlp, method);
      forward_ = make_neural_ode_batch_solver(mlp, method);
    } else if (s.has_network()) {
      adjoint_ = s.model_info->make_hybrid_adjoint_solver(mlp, method);
      forward_ = s.model_info->make_hybrid_solver(mlp, method);
    } else {
      adjoint_ = s.model_info->make_adjoint_solver(method);
      forward_ = s.model_info->make_solver(method);
    }
  }
  int n_learnable() const override {
    return n_weights_ + static_cast<int>(settings_.learnt_params.size());
  }
  std::vector<double> initial_theta() const override {
    std::vector<double> theta(static_cast<size_t>(n_weights_));
    if (n_weights_ > 0) settings_.network.initialize(settings_.seed, theta.data());
    for (int j : settings_.learnt_params) {
      const double p = settings_.initial_params[j];
      theta.push_back(settings_.log_params ? std::log(p) : p);
    }
    return theta;
  }
  std::vector<double> model_params(const std::vector<double>& theta) const override {
    std::vector<double> p = settings_.initial_params;
    for (size_t k = 0; k < settings_.learnt_params.size(); ++k) {
      const double x = theta[n_weights_ + k];
      p[settings_.learnt_params[k]] = settings_.log_params ? std::exp(x) : x;
    }
    return p;
  }
  void gradients(const std::vector<double>& theta, const SolveSpec& spec,
                 const std::vector<double>& y0, const std::vector<double>& data, int n,
                 TrajectoryGradients& out) override {
    upload(theta);
    const std::vector<double> p = model_params(theta);
    adjoint_->solve(spec, mse_loss(data), repeated(p, n), y0, n, result_,
                    settings_.adjoint_checkpoints);
    const int np = static_cast<int>(p.size()), nw = n_weights_;
    collect(
        result_, data, static_cast<int>(spec.ts.size()), settings_.n_state(), n_learnable(),
        [&](int t, int q) {
          return q < nw ? result_.dloss_dweights[static_cast<size_t>(t) * nw + q]
                        : column(result_.dloss_dparams, t, np, q - nw, p);
        },
        out);
  }
  void predict(const std::vector<double>& theta, const SolveSpec& spec,
               const std::vector<double>& y0, int n, BatchResult& out) override {
    upload(theta);
    forward_->solve(spec, repeated(model_params(theta), n), y0, n, out);
  }
  std::vector<double> standard_errors(const std::vector<double>& theta, const SolveSpec& spec,
                                      const std::vector<double>& y0,
                                      const std::vector<double>& data, int n) override {
    if (n_weights_ > 0) return {};  // networks: no such approximation
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
  void upload(const std::vector<double>& theta) {
    if (n_weights_ == 0) return;
    for (int k = 0; k < n_weights_; ++k) host_(k) = theta[static_cast<size_t>(k)];
    Kokkos::deep_copy(weights_, host_);
  }
  static std::vector<double> repeated(const std::vector<double>& p, int n) {
    std::vector<double> all;
    all.reserve(p.size() * static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) all.insert(all.end(), p.begin(), p.end());
    return all;
  }
  const TrainSettings& settings_;
  const int n_weights_;
  Kokkos::View<double*> weights_;
  typename Kokkos::View<double*>::HostMirror host_;
  std::unique_ptr<AnyAdjointSolver> adjoint_;
  std::unique_ptr<AnyBatchSolver> forward_;
  AdjointResult result_;
};

}  // namespace

std::unique_ptr<TrainingObjective> make_training_objective(const TrainSettings& settings) {
  return std::make_unique<Objective>(settings);
}

}  // namespace kode
