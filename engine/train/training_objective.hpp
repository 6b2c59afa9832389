// What a training step differentiates: for a set of trajectories of the data,
// each one's squared error at the save times (the mse loss of
// kernels/sensitivity/trajectory_loss.hpp) and its gradient with respect to
// the learnable values theta, by the discrete adjoint on the frozen step
// mesh (engine/sensitivity/adjoint_sensitivity.hpp). Two kinds: the weights
// of a neural ODE (read by every trajectory from one device array) and the
// named parameters of a registered model shared by every trajectory.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/train/train_settings.hpp"

namespace kode {

struct TrajectoryGradients {
  int n = 0, n_learnable = 0;
  std::vector<double> loss;      // [n] sum of squared errors (0 where not ok)
  std::vector<double> gradient;  // [n][n_learnable] of loss (0 where not ok)
  std::vector<double> observed;  // [n] finite observations fitted (0 where not ok)
  std::vector<std::int8_t> ok;   // [n] solve and gradient succeeded
};

class TrainingObjective {
 public:
  virtual ~TrainingObjective() = default;
  virtual int n_learnable() const = 0;
  // The initial theta: the network's Equinox initialisation from the seed,
  // or the model's initial parameters (their logs with parameter_scale log).
  virtual std::vector<double> initial_theta() const = 0;
  // y0 [n][n_state], data [n][spec.ts.size()][n_state] row-major.
  virtual void gradients(const std::vector<double>& theta, const SolveSpec& spec,
                         const std::vector<double>& y0, const std::vector<double>& data, int n,
                         TrajectoryGradients& out) = 0;
  // The model's trajectories at spec.ts (validation and predictions).
  virtual void predict(const std::vector<double>& theta, const SolveSpec& spec,
                       const std::vector<double>& y0, int n, BatchResult& out) = 0;
  // The model parameters theta stands for (learn = params), else empty.
  virtual std::vector<double> model_params(const std::vector<double>& theta) const = 0;
  // learn = params: the standard errors of the learnt parameters (in their
  // units) at theta from the trajectories (y0, data), by the Gauss-Newton
  // approximation cov = s^2 (J^T J)^-1 with J = d(predictions)/d(theta) from
  // forward sensitivities and s^2 = SSE / (observations - parameters)
  // (Seber & Wild, "Nonlinear Regression", Wiley 1989, section 2.1); NaN
  // where J^T J is singular (a parameter the data do not identify).
  // Networks: empty.
  virtual std::vector<double> standard_errors(const std::vector<double>& /*theta*/,
                                              const SolveSpec& /*spec*/,
                                              const std::vector<double>& /*y0*/,
                                              const std::vector<double>& /*data*/, int /*n*/) {
    return {};
  }
};

std::unique_ptr<TrainingObjective> make_training_objective(const TrainSettings& settings);

}  // namespace kode
