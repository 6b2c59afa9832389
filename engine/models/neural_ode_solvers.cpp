#include "kode/engine/models/neural_ode_solvers.hpp"

#include <Kokkos_Core.hpp>
#include <memory>
#include <optional>
#include <stdexcept>

namespace kode {

namespace {

// f<N>() for N = n_state, the template argument chosen at run time.
template <class F>
auto for_state_count(int n_state, F&& f) {
  switch (n_state) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    case 8: return f(std::integral_constant<int, 8>{});
    default:
      throw std::invalid_argument("neural_ode: " + std::to_string(n_state) +
                                  " states; kode builds neural ODEs of 1 to " +
                                  std::to_string(max_neural_ode_states) + " states");
  }
}

void check_vector_field(const Mlp& mlp) {
  mlp.validate();
  if (mlp.in_size != mlp.out_size)
    throw std::invalid_argument("neural_ode: the network maps " + std::to_string(mlp.in_size) +
                                " inputs to " + std::to_string(mlp.out_size) +
                                " outputs; a vector field needs as many of each");
}

}  // namespace

std::unique_ptr<AnyAdjointSolver> make_neural_ode_adjoint_solver(const Mlp& mlp,
                                                                 const std::string& method) {
  check_vector_field(mlp);
  return for_state_count(mlp.in_size, [&](auto n) {
    return neural_ode_detail::adjoint_solver<decltype(n)::value>(mlp, method);
  });
}

std::unique_ptr<AnyBatchSolver> make_neural_ode_batch_solver(const Mlp& mlp,
                                                             const std::string& method) {
  check_vector_field(mlp);
  return for_state_count(mlp.in_size, [&](auto n) {
    return neural_ode_detail::batch_solver<decltype(n)::value>(mlp, method);
  });
}

namespace {

// A trained network's weights on the device, made once (after Kokkos is
// initialised: the first solver is made inside the run) and kept alive by
// every closure that hands out solvers reading them.
struct DeviceWeights {
  Mlp mlp;
  std::vector<double> host;
  std::optional<Kokkos::View<double*>> device;
  Mlp on_device() {
    if (!device) {
      device.emplace(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kode::trained::weights"),
                     host.size());
      auto mirror = Kokkos::create_mirror_view(*device);
      for (size_t k = 0; k < host.size(); ++k) mirror(k) = host[k];
      Kokkos::deep_copy(*device, mirror);
    }
    Mlp m = mlp;
    m.weights = device->data();
    return m;
  }
};

std::shared_ptr<DeviceWeights> device_weights(const Mlp& mlp, const std::vector<double>& weights,
                                              size_t n_state, const char* what) {
  check_vector_field(mlp);
  if (weights.size() != static_cast<size_t>(mlp.n_weights()) ||
      n_state != static_cast<size_t>(mlp.in_size))
    throw std::invalid_argument(std::string(what) +
                                ": the weights or the states do not fit the network");
  return std::make_shared<DeviceWeights>(DeviceWeights{mlp, weights, std::nullopt});
}

void add_solve(ModelInfo& info) {
  info.solve = [make = info.make_solver](const SolveSpec& spec, const std::vector<double>& params,
                                         const std::vector<double>& y0, int n_traj) {
    BatchResult result;
    make(spec.method)->solve(spec, params, y0, n_traj, result);
    return result;
  };
}

[[noreturn]] std::unique_ptr<AnyForwardSensitivitySolver> no_forward(const std::string&) {
  throw std::invalid_argument(
      "[sensitivity] method = forward is not built for models with trained weights (use "
      "method = adjoint)");
}

}  // namespace

ModelInfo trained_neural_ode_info(const Mlp& mlp, const std::vector<double>& weights,
                                  const std::vector<std::string>& state_names) {
  auto shared = device_weights(mlp, weights, state_names.size(), "neural_ode");
  ModelInfo info;
  info.name = "neural_ode";
  info.n_state = mlp.in_size;
  info.state_names = state_names;
  info.shared_weights = true;
  info.make_solver = [shared](const std::string& method) {
    return make_neural_ode_batch_solver(shared->on_device(), method);
  };
  info.make_adjoint_solver = [shared](const std::string& method) {
    return make_neural_ode_adjoint_solver(shared->on_device(), method);
  };
  info.make_forward_solver = no_forward;
  add_solve(info);
  return info;
}

ModelInfo trained_hybrid_info(const ModelInfo& base, const Mlp& mlp,
                              const std::vector<double>& weights) {
  if (!base.make_hybrid_solver)
    throw std::invalid_argument("model '" + base.name + "' cannot take a network correction");
  auto shared = device_weights(mlp, weights, base.state_names.size(), base.name.c_str());
  ModelInfo info = base;
  info.shared_weights = true;
  info.make_solver = [shared, make = base.make_hybrid_solver](const std::string& method) {
    return make(shared->on_device(), method);
  };
  info.make_adjoint_solver = [shared,
                              make = base.make_hybrid_adjoint_solver](const std::string& method) {
    return make(shared->on_device(), method);
  };
  info.make_forward_solver = no_forward;
  info.make_hybrid_solver = nullptr;
  info.make_hybrid_adjoint_solver = nullptr;
  add_solve(info);
  return info;
}

}  // namespace kode
