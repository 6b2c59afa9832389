#include "kode/engine/models/neural_ode_solvers.hpp"

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

}  // namespace kode
