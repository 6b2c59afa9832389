// engine/models/ (library kode::batch): the registry of models by name and
// the built-in registrations (builtin/, one translation unit per model so
// that each model's kernels compile in parallel). May include kernels/,
// engine/batch/ and engine/solvers/ only.
//
// Models known to a kode executable, by name. A model is a struct with
// compile-time sizes, names and a templated right-hand side (DESIGN.md,
// "Models"); make_model_info<Model>() checks that at compile time and
// instantiates its batch solver for every method. Built-in models come from
// builtin_models(); a downstream project adds its own with add().
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/sde_solver_registry.hpp"
#include "kode/engine/solvers/solver_registry.hpp"
#include "kode/kernels/models/hybrid.hpp"
#include "kode/kernels/neural/mlp.hpp"
#include "kode/kernels/stiff/rhs_jacobian.hpp"

namespace kode {

// A batch solver for one model and one method whose device buffers persist
// between calls (BatchSolver behind a virtual call), for loops over chunks.
class AnyBatchSolver {
 public:
  virtual ~AnyBatchSolver() = default;
  // params [n_traj][n_param], y0 [n_traj][n_state], row-major; the result
  // goes into `out`, reusing its storage.
  virtual void solve(const SolveSpec& spec, const std::vector<double>& params,
                     const std::vector<double>& y0, int n_traj, BatchResult& out) = 0;
};

template <class Model, class Tableau>
class TypedBatchSolver final : public AnyBatchSolver {
 public:
  explicit TypedBatchSolver(const Model& model) : solver_(model) {}
  void solve(const SolveSpec& spec, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, BatchResult& out) override {
    solver_.solve(spec, params, y0, n_traj, out);
  }

 private:
  BatchSolver<Model, Tableau> solver_;
};

// Forward sensitivities for one model and one method, buffers persisting
// between calls (ForwardSensitivitySolver behind a virtual call).
class AnyForwardSensitivitySolver {
 public:
  virtual ~AnyForwardSensitivitySolver() = default;
  virtual void solve(const SolveSpec& spec, const std::vector<double>& params,
                     const std::vector<double>& y0, int n_traj, ForwardSensitivityResult& out) = 0;
};

template <class Model, class Tableau>
class TypedForwardSensitivitySolver final : public AnyForwardSensitivitySolver {
 public:
  explicit TypedForwardSensitivitySolver(const Model& model) : solver_(model) {}
  void solve(const SolveSpec& spec, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, ForwardSensitivityResult& out) override {
    solver_.solve(spec, params, y0, n_traj, out);
  }

 private:
  ForwardSensitivitySolver<Model, Tableau> solver_;
};

// The discrete adjoint for one model and one method.
class AnyAdjointSolver {
 public:
  virtual ~AnyAdjointSolver() = default;
  virtual void solve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
                     const std::vector<double>& y0, int n_traj, AdjointResult& out,
                     int checkpoints) = 0;
  // The continuous adjoint solved backwards (AdjointSolver::backsolve).
  virtual void backsolve(const SolveSpec& spec, const LossSpec& loss,
                         const std::vector<double>& params, const std::vector<double>& y0,
                         int n_traj, AdjointResult& out) = 0;
};

template <class Model, class Tableau>
class TypedAdjointSolver final : public AnyAdjointSolver {
 public:
  explicit TypedAdjointSolver(const Model& model) : solver_(model) {}
  void solve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
             const std::vector<double>& y0, int n_traj, AdjointResult& out,
             int checkpoints) override {
    solver_.solve(spec, loss, params, y0, n_traj, out, checkpoints);
  }
  void backsolve(const SolveSpec& spec, const LossSpec& loss, const std::vector<double>& params,
                 const std::vector<double>& y0, int n_traj, AdjointResult& out) override {
    solver_.backsolve(spec, loss, params, y0, n_traj, out);
  }

 private:
  AdjointSolver<Model, Tableau> solver_;
};

struct ModelInfo {
  std::string name;
  int n_state = 0;
  int n_param = 0;
  std::vector<std::string> state_names;
  std::vector<std::string> param_names;
  // A block of shared weights (model_concept.hpp; the neural_ode model):
  // only [sensitivity] method = adjoint differentiates such a model.
  bool shared_weights = false;
  // Whether the stiff methods can form J and df/dt: from the model's own
  // jacobian() or from its rhs by dual numbers (its time a template
  // parameter); and whether they can also differentiate them for forward
  // sensitivities (the latter only).
  bool jacobian = false;
  bool stiff_sensitivities = false;
  // The model's own event functions (model_concept.hpp), by index.
  std::vector<std::string> event_names;
  // SDE models: the noise dimension, kind and the model's own calculus.
  bool sde = false;
  int n_noise = 0;
  std::string noise_kind;
  std::string calculus;
  // params [n_traj][n_param], y0 [n_traj][n_state], row-major.
  std::function<BatchResult(const SolveSpec&, const std::vector<double>& params,
                            const std::vector<double>& y0, int n_traj)>
      solve;
  // A persistent solver for `method` (throws std::invalid_argument for an
  // unknown method).
  std::function<std::unique_ptr<AnyBatchSolver>(const std::string& method)> make_solver;
  // Forward sensitivities for `method` (pathwise for SDE models; throws
  // std::invalid_argument for an unknown method or one the model cannot use).
  std::function<std::unique_ptr<AnyForwardSensitivitySolver>(const std::string& method)>
      make_forward_solver;
  // The discrete adjoint for `method` (as make_forward_solver; backsolve
  // refuses SDE models).
  std::function<std::unique_ptr<AnyAdjointSolver>(const std::string& method)> make_adjoint_solver;
  // ODE models with parameters: the hybrid model f(t, y; p) + MLP(t, y)
  // (kernels/models/hybrid.hpp) for a network whose weights pointer is set
  // (device memory that outlives the solver): its adjoint (gradients of the
  // weights and of p) and its plain solver. Empty for other models.
  std::function<std::unique_ptr<AnyAdjointSolver>(const Mlp& network, const std::string& method)>
      make_hybrid_adjoint_solver;
  std::function<std::unique_ptr<AnyBatchSolver>(const Mlp& network, const std::string& method)>
      make_hybrid_solver;
};

// Typed<Model, Method> for the SDE `method` of an SDE model, behind its Any
// interface, or an error naming why not.
template <class Any, template <class, class> class Typed, class Model>
std::unique_ptr<Any> make_sde_solver(const Model& model, const std::string& method) {
  std::unique_ptr<Any> solver;
  std::string refused;
  const bool known = dispatch_sde_solver(method, [&](auto tag) {
    using Method = typename decltype(tag)::type;
    if constexpr (Method::supports(Model::noise)) {
      solver = std::make_unique<Typed<Model, Method>>(model);
    } else {
      refused = std::string("solver.method '") + method + "' (" + Method::full_name +
                ") does not handle the " + noise_kind_name(Model::noise) + " noise of model '" +
                Model::name + "'";
    }
  });
  if (!refused.empty()) throw std::invalid_argument(refused);
  if (!known) {
    std::string names;
    for (const auto& s : all_sde_solvers())
      if (s.noise.find(noise_kind_name(Model::noise)) != std::string::npos)
        names += (names.empty() ? "" : ", ") + s.name;
    const bool ode_method = find_solver(method) != nullptr;
    throw std::invalid_argument("solver.method '" + method + "' " +
                                (ode_method ? "is an ODE solver; model '" : "is unknown; model '") +
                                Model::name + "' is an SDE: use one of " + names);
  }
  return solver;
}

// Which solvers take the stiff methods: plain solves (J and df/dt by the
// model's jacobian() or dual numbers), forward sensitivities (J by nested
// dual numbers), none (the adjoints, not yet).
enum class StiffSupport { none, solve, forward };

// Typed<Model, Tableau> for the ODE `method`, behind its Any interface, or
// an error naming why not.
template <class Any, template <class, class> class Typed, class Model,
          StiffSupport Stiff = StiffSupport::none>
std::unique_ptr<Any> make_ode_solver(const Model& model, const std::string& method) {
  std::unique_ptr<Any> solver;
  bool known = dispatch_solver(method, [&](auto tag) {
    using Tableau = typename decltype(tag)::type;
    solver = std::make_unique<Typed<Model, Tableau>>(model);
  });
  if (!known) {
    known = dispatch_stiff_solver(method, [&](auto tag) {
      using Method = typename decltype(tag)::type;
      if constexpr ((Stiff == StiffSupport::solve && jacobian_capable<Model>::value) ||
                    (Stiff == StiffSupport::forward && jacobian_differentiable<Model>::value))
        solver = std::make_unique<Typed<Model, Method>>(model);
    });
    if (known && !solver && Stiff == StiffSupport::forward)
      throw std::invalid_argument(
          "forward sensitivities through solver.method '" + method +
          "' differentiate J = df/dy "
          "and df/dt once more, by nested dual numbers, which needs model '" +
          std::string(Model::name) +
          "' to have an rhs templated on its time (a jacobian() member gives values only); "
          "use an explicit method");
    if (known && !solver && Stiff == StiffSupport::solve)
      throw std::invalid_argument(
          "solver.method '" + method +
          "' (linearly implicit, for stiff problems) needs J = "
          "df/dy and df/dt from model '" +
          std::string(Model::name) +
          "', which has no jacobian(t, y, p, dfdy, dfdt) member and whose rhs does not take "
          "dual numbers for its time (the time must be a template parameter, as in the "
          "built-in models: kernels/stiff/rhs_jacobian.hpp); use an explicit method");
    if (known && !solver)
      throw std::invalid_argument("solver.method '" + method +
                                  "' (implicit, for stiff problems) is not available for adjoint "
                                  "sensitivities or neural vector fields yet (plain solves and "
                                  "forward sensitivities take it); use an explicit method");
  }
  if (!known) {
    if (find_sde_solver(method))
      throw std::invalid_argument("solver.method '" + method + "' is an SDE solver; model '" +
                                  std::string(Model::name) + "' is an ODE");
    throw std::invalid_argument("unknown solver.method '" + method + "'");
  }
  return solver;
}

template <class Model>
ModelInfo make_model_info(const Model& model = Model{}) {
  static_assert(check_model<Model>(), "kode model: see kernels/model_concept.hpp");
  ModelInfo info;
  info.name = Model::name;
  info.n_state = Model::n_state;
  info.n_param = Model::n_param;
  info.shared_weights = has_weights<Model>::value;
  if constexpr (!is_sde_model<Model>::value) {
    info.jacobian = jacobian_capable<Model>::value;
    info.stiff_sensitivities = jacobian_differentiable<Model>::value;
  }
  for (int i = 0; i < Model::n_state; ++i) info.state_names.push_back(Model::state_names[i]);
  if constexpr (has_events<Model>::value)
    for (int k = 0; k < Model::n_events; ++k) info.event_names.push_back(Model::event_names[k]);
  if constexpr (Model::n_param > 0)
    for (int j = 0; j < Model::n_param; ++j) info.param_names.push_back(Model::param_names[j]);
  if constexpr (is_sde_model<Model>::value) {
    info.sde = true;
    info.n_noise = Model::n_noise;
    info.noise_kind = noise_kind_name(Model::noise);
    info.calculus = calculus_name(Model::calculus);
    info.make_solver = [model](const std::string& method) {
      return make_sde_solver<AnyBatchSolver, TypedBatchSolver>(model, method);
    };
    if constexpr (model_detail::has_diffusion<Model, NestedDual<DualN<2>>, DualN<2>>::value) {
      info.make_forward_solver = [model](const std::string& method) {
        return make_sde_solver<AnyForwardSensitivitySolver, TypedForwardSensitivitySolver>(model,
                                                                                           method);
      };
      info.make_adjoint_solver = [model](const std::string& method) {
        return make_sde_solver<AnyAdjointSolver, TypedAdjointSolver>(model, method);
      };
    } else {
      // A diffusion written for double parameters only cannot be
      // differentiated (check_sde_model_derivatives says how to write it).
      const auto refuse = [](const std::string&) -> std::nullptr_t {
        throw std::invalid_argument(
            std::string("[sensitivity]: model '") + Model::name +
            "' has a diffusion that is not a template over the scalar type of p; "
            "sensitivities of its paths need one (see kernels/model_concept.hpp)");
      };
      info.make_forward_solver = refuse;
      info.make_adjoint_solver = refuse;
    }
  } else {
    info.make_solver = [model](const std::string& method) {
      return make_ode_solver<AnyBatchSolver, TypedBatchSolver, Model, StiffSupport::solve>(model,
                                                                                           method);
    };
    info.make_forward_solver = [model](const std::string& method) {
      return make_ode_solver<AnyForwardSensitivitySolver, TypedForwardSensitivitySolver, Model,
                             StiffSupport::forward>(model, method);
    };
    info.make_adjoint_solver = [model](const std::string& method) {
      return make_ode_solver<AnyAdjointSolver, TypedAdjointSolver>(model, method);
    };
    if constexpr (Model::n_param > 0 && !has_weights<Model>::value &&
                  Model::n_state <= Mlp::max_in_out) {
      info.make_hybrid_adjoint_solver = [model](const Mlp& network, const std::string& method) {
        const models::Hybrid<Model> hybrid{model, network};
        hybrid.validate();
        return make_ode_solver<AnyAdjointSolver, TypedAdjointSolver>(hybrid, method);
      };
      info.make_hybrid_solver = [model](const Mlp& network, const std::string& method) {
        const models::Hybrid<Model> hybrid{model, network};
        hybrid.validate();
        return make_ode_solver<AnyBatchSolver, TypedBatchSolver>(hybrid, method);
      };
    }
  }
  info.solve = [make = info.make_solver](const SolveSpec& spec, const std::vector<double>& params,
                                         const std::vector<double>& y0, int n_traj) {
    BatchResult result;
    make(spec.method)->solve(spec, params, y0, n_traj, result);
    return result;
  };
  return info;
}

class ModelRegistry {
 public:
  // Throws if a model of the same name is already registered.
  void add(ModelInfo info);
  const ModelInfo* find(const std::string& name) const;
  const std::vector<ModelInfo>& all() const { return models_; }

 private:
  std::vector<ModelInfo> models_;
};

// The built-in models: the ODE models and the SDE models of DESIGN.md.
ModelRegistry builtin_models();

}  // namespace kode
