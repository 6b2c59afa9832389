// Shared weight blocks (model_concept.hpp): a run-time-sized array of weights
// read by every trajectory through a pointer, differentiated by the discrete
// adjoint with the model's own vjp into per-trajectory rows, summed over the
// batch in a fixed order (no atomics).
//  - dL/dtheta against central finite differences of the loss on a fixed step
//    mesh, for a linear test field and the neural ODE (MLP) model;
//  - dL/dp and dL/dy0 of a model with weights against forward mode (<= 1e-12);
//  - the batch sum: the fixed-order block sum of the rows, bit for bit;
//  - checkpointed weight gradients bit-identical to store-all ones;
//  - the device API reuses its weight-gradient buffers; backsolve refuses.
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/neural_ode.hpp"

namespace {

// dy/dt = W y + b - k y, W [2 x 2] row-major and b [2] in the weight block,
// k a named parameter.
struct LinearField {
  static constexpr const char* name = "linear_field";
  static constexpr int n_state = 2, n_param = 1;
  static constexpr const char* state_names[n_state] = {"u", "v"};
  static constexpr const char* param_names[n_param] = {"k"};
  const double* weights = nullptr;

  KOKKOS_INLINE_FUNCTION int n_weights() const { return 6; }
  void set_weights(const double* w) { weights = w; }
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double, const T* y, const P* p, T* dy) const {
    for (int i = 0; i < 2; ++i)
      dy[i] = weights[2 * i] * y[0] + weights[2 * i + 1] * y[1] + weights[4 + i] - p[0] * y[i];
  }
  KOKKOS_INLINE_FUNCTION void vjp(double, const double* y, const double* p, const double* v,
                                  double* vy, double* vp, double* wbar) const {
    for (int j = 0; j < 2; ++j) vy[j] = v[0] * weights[j] + v[1] * weights[2 + j] - p[0] * v[j];
    vp[0] = -(v[0] * y[0] + v[1] * y[1]);
    for (int i = 0; i < 2; ++i) {
      wbar[2 * i] += v[i] * y[0];
      wbar[2 * i + 1] += v[i] * y[1];
      wbar[4 + i] += v[i];
    }
  }
};
static_assert(kode::has_weights<LinearField>::value, "the test model's weights are detected");
static_assert(kode::has_weights<kode::models::NeuralOde<2>>::value, "the MLP's weights too");

kode::SolveSpec fixed_mesh_spec() {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 2.0;
  for (int j = 0; j <= 8; ++j) s.ts.push_back(0.25 * j);
  s.ts[3] = 0.7;  // interpolated inside a step
  s.control.adaptive = false;
  s.control.dt0 = 0.05;
  s.control.max_steps = 100000;
  return s;
}

kode::LossSpec mse_against(const std::vector<double>& ys) {
  kode::LossSpec loss;
  loss.kind = kode::LossKind::mse;
  loss.data = ys;
  for (size_t k = 0; k < loss.data.size(); ++k) loss.data[k] += 0.2 * std::sin(0.7 * k + 0.3);
  return loss;
}

// The model's weights in a View the test owns (the caller's side of the API).
template <class Model>
struct WeightBlock {
  Kokkos::View<double*> view;
  explicit WeightBlock(const std::vector<double>& w) : view("test::weights", w.size()) {
    auto h = Kokkos::create_mirror_view(view);
    for (size_t k = 0; k < w.size(); ++k) h(k) = w[k];
    Kokkos::deep_copy(view, h);
  }
};

// Central differences of trajectory `t`'s loss in each weight, on the fixed
// mesh, against the adjoint's row.
template <class Model, class Method>
void check_against_finite_differences(Model model, const std::vector<double>& w,
                                      const std::vector<double>& params,
                                      const std::vector<double>& y0, int n_traj, double tol) {
  const kode::SolveSpec s = fixed_mesh_spec();
  WeightBlock<Model> block(w);
  model.set_weights(block.view.data());
  const auto ys = kode::solve_batch<Model, Method>(model, s, params, y0, n_traj).ys;
  const kode::LossSpec loss = mse_against(ys);
  kode::AdjointSolver<Model, Method> adjoint(model);
  kode::AdjointResult a;
  adjoint.solve(s, loss, params, y0, n_traj, a, 100000);
  const int n_w = static_cast<int>(w.size());
  REQUIRE(a.n_weights == n_w);
  REQUIRE(a.dloss_dweights.size() == static_cast<size_t>(n_traj) * n_w);
  for (int k = 0; k < n_w; ++k) {
    const double h = 1e-6 * std::max(1.0, std::fabs(w[k]));
    std::vector<double> loss_at[2];
    for (int side = 0; side < 2; ++side) {
      std::vector<double> moved = w;
      moved[k] += side == 0 ? h : -h;
      WeightBlock<Model> other(moved);
      Model m = model;
      m.set_weights(other.view.data());
      kode::AdjointSolver<Model, Method> again(m);
      kode::AdjointResult r;
      again.solve(s, loss, params, y0, n_traj, r, 100000);
      loss_at[side] = r.loss;
    }
    for (int t = 0; t < n_traj; ++t) {
      const double fd = (loss_at[0][t] - loss_at[1][t]) / (2 * h);
      const double g = a.dloss_dweights[static_cast<size_t>(t) * n_w + k];
      INFO(Model::name << " weight " << k << " trajectory " << t << ": adjoint " << g << ", fd "
                       << fd);
      CHECK(std::fabs(g - fd) <= tol * std::max(1.0, std::fabs(fd)));
    }
  }
}

}  // namespace

TEST_CASE("weight gradients of a linear field agree with finite differences", "[weights]") {
  const std::vector<double> w = {-0.3, 0.8, -0.9, -0.2, 0.1, -0.05};
  check_against_finite_differences<LinearField, kode::Tsit5>(LinearField{}, w, {0.1, 0.4},
                                                             {1.0, 0.0, 0.5, -1.0}, 2, 1e-6);
  check_against_finite_differences<LinearField, kode::Bosh3>(LinearField{}, w, {0.1, 0.4},
                                                             {1.0, 0.0, 0.5, -1.0}, 2, 1e-6);
}

TEST_CASE("weight gradients of the neural ODE agree with finite differences", "[weights]") {
  using Model = kode::models::NeuralOde<2>;
  for (const auto activation : {kode::MlpActivation::tanh, kode::MlpActivation::softplus}) {
    Model model;
    model.mlp.in_size = model.mlp.out_size = 2;
    model.mlp.width = 5;
    model.mlp.depth = 2;
    model.mlp.activation = activation;
    model.mlp.final_activation = kode::MlpFinalActivation::tanh;
    model.mlp.learnt_scale = true;
    model.validate();
    std::vector<double> w(static_cast<size_t>(model.n_weights()));
    model.mlp.initialize(42, w.data());
    check_against_finite_differences<Model, kode::Tsit5>(model, w, {}, {1.0, -0.5, 0.2, 0.9}, 2,
                                                         1e-6);
  }
}

TEST_CASE("a model with weights: dL/dp and dL/dy0 equal forward mode", "[weights]") {
  const std::vector<double> w = {-0.3, 0.8, -0.9, -0.2, 0.1, -0.05};
  WeightBlock<LinearField> block(w);
  LinearField model;
  model.set_weights(block.view.data());
  kode::SolveSpec s = fixed_mesh_spec();
  s.control.adaptive = true;
  s.control.rtol = 1e-6;
  s.control.atol = 1e-8;
  const std::vector<double> params = {0.1, 0.4}, y0 = {1.0, 0.0, 0.5, -1.0};
  const auto fwd =
      kode::forward_sensitivity_batch<LinearField, kode::Dopri5>(model, s, params, y0, 2);
  const kode::LossSpec loss = mse_against(fwd.solution.ys);
  kode::AdjointSolver<LinearField, kode::Dopri5> adjoint(model);
  kode::AdjointResult a;
  adjoint.solve(s, loss, params, y0, 2, a, 100000);
  const int n_save = static_cast<int>(s.ts.size());
  for (int t = 0; t < 2; ++t) {
    double gp = 0.0, gy[2] = {0.0, 0.0};
    for (int j = 0; j < n_save; ++j)
      for (int i = 0; i < 2; ++i) {
        const size_t row = (static_cast<size_t>(t) * n_save + j) * 2 + i;
        const double g = 2.0 * (fwd.solution.ys[row] - loss.data[row]);
        gp += g * fwd.dys_dparams[row];
        for (int m = 0; m < 2; ++m) gy[m] += g * fwd.dys_dy0[row * 2 + m];
      }
    CHECK(std::fabs(a.dloss_dparams[t] - gp) <= 1e-12 * std::fabs(gp));
    for (int m = 0; m < 2; ++m)
      CHECK(std::fabs(a.dloss_dy0[t * 2 + m] - gy[m]) <= 1e-12 * std::fabs(gy[m]));
  }
}

TEST_CASE("weight gradient sums: fixed block order, checkpoint-independent, device buffers reused",
          "[weights]") {
  using Model = kode::models::NeuralOde<2>;
  using Solver = kode::AdjointSolver<Model, kode::Tsit5>;
  Model model;
  model.mlp.in_size = model.mlp.out_size = 2;
  model.mlp.width = 8;
  model.mlp.depth = 1;
  model.mlp.activation = kode::MlpActivation::silu;
  std::vector<double> w(static_cast<size_t>(model.n_weights()));
  model.mlp.initialize(7, w.data());
  WeightBlock<Model> block(w);
  model.set_weights(block.view.data());
  const int n = 600;  // blocks of 256, 256 and 88
  kode::SolveSpec s = fixed_mesh_spec();
  s.control.adaptive = true;
  s.control.rtol = 1e-5;
  s.control.atol = 1e-7;
  std::vector<double> y0;
  for (int t = 0; t < n; ++t) {
    y0.push_back(std::cos(0.01 * t));
    y0.push_back(std::sin(0.013 * t));
  }
  const auto ys = kode::solve_batch<Model, kode::Tsit5>(model, s, {}, y0, n).ys;
  const kode::LossSpec loss = mse_against(ys);
  Solver solver(model);
  kode::AdjointResult all;
  solver.solve(s, loss, {}, y0, n, all, 100000);
  const int n_w = model.n_weights();
  // The fixed order: per block of sum_block trajectories in index order, then
  // the blocks in order.
  for (int k = 0; k < n_w; ++k) {
    double total = 0.0;
    for (int b = 0; b * Solver::sum_block < n; ++b) {
      double acc = 0.0;
      for (int t = b * Solver::sum_block; t < std::min(n, (b + 1) * Solver::sum_block); ++t)
        acc += all.dloss_dweights[static_cast<size_t>(t) * n_w + k];
      total += acc;
    }
    CHECK(std::memcmp(&total, &all.sum_dloss_dweights[k], sizeof(double)) == 0);
  }
  // Checkpointed: the same bits.
  kode::AdjointResult few;
  solver.solve(s, loss, {}, y0, n, few, 5);
  for (int t = 0; t < n; ++t) REQUIRE(few.gradient_ok[t] == 1);
  CHECK(few.dloss_dweights == all.dloss_dweights);
  CHECK(few.sum_dloss_dweights == all.sum_dloss_dweights);
  // The device API: the same buffers on the next call.
  Solver::Dev<double**> d_params("test::params", n, 0), d_y0("test::y0", n, 2);
  Solver::Dev<double***> d_data("test::data", n, static_cast<int>(s.ts.size()), 2);
  auto h_y0 = Kokkos::create_mirror_view(d_y0);
  auto h_data = Kokkos::create_mirror_view(d_data);
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < 2; ++i) {
      h_y0(t, i) = y0[2 * t + i];
      for (int j = 0; j < static_cast<int>(s.ts.size()); ++j)
        h_data(t, j, i) = loss.data[(static_cast<size_t>(t) * s.ts.size() + j) * 2 + i];
    }
  Kokkos::deep_copy(d_y0, h_y0);
  Kokkos::deep_copy(d_data, h_data);
  Solver device(model);
  const auto& out = device.solve_device(s, loss, d_params, d_y0, d_data, 100000);
  const double* rows = out.dloss_dweights.data();
  const double* sums = out.sum_dloss_dweights.data();
  const auto& again = device.solve_device(s, loss, d_params, d_y0, d_data, 100000);
  CHECK(again.dloss_dweights.data() == rows);
  CHECK(again.sum_dloss_dweights.data() == sums);
  auto h_sum = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), again.sum_dloss_dweights);
  for (int k = 0; k < n_w; ++k) CHECK(h_sum(k) == all.sum_dloss_dweights[k]);
}

TEST_CASE("backsolve refuses models with shared weights", "[weights]") {
  const std::vector<double> w = {-0.3, 0.8, -0.9, -0.2, 0.1, -0.05};
  WeightBlock<LinearField> block(w);
  LinearField model;
  model.set_weights(block.view.data());
  kode::LossSpec loss;
  loss.weights = {1.0, 1.0};
  kode::AdjointSolver<LinearField, kode::Tsit5> adjoint(model);
  kode::AdjointResult a;
  CHECK_THROWS_WITH(adjoint.backsolve(fixed_mesh_spec(), loss, {0.1}, {1.0, 0.0}, 1, a),
                    Catch::Matchers::ContainsSubstring("weights"));
}
