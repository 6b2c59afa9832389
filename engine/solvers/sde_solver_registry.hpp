// The SDE solvers kode ships, by name (values of solver.method for SDE
// models), and the compile-time dispatch from a name to the solver type.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kode/engine/solvers/solver_registry.hpp"

namespace kode {

struct SdeSolverInfo {
  std::string name;
  std::string full_name;
  double strong_order;
  bool adaptive;         // has an error estimate (PID control possible)
  std::string calculus;  // the solution it converges to
  std::string noise;     // the noise kinds it accepts
};

template <class Method>
SdeSolverInfo sde_solver_info() {
  std::string noise;
  for (NoiseKind k :
       {NoiseKind::diagonal, NoiseKind::scalar, NoiseKind::additive, NoiseKind::general})
    if (Method::supports(k)) noise += std::string(noise.empty() ? "" : ",") + noise_kind_name(k);
  const bool additive_only =
      Method::supports(NoiseKind::additive) && !Method::supports(NoiseKind::diagonal);
  return SdeSolverInfo{Method::name,
                       Method::full_name,
                       Method::strong_order,
                       Method::has_error,
                       additive_only ? "ito=stratonovich" : calculus_name(Method::calculus),
                       noise};
}

// Calls f(TableauTag<S>{}) for the SDE solver named `method`; returns false
// if there is no such solver.
template <class F>
bool dispatch_sde_solver(const std::string& method, F&& f) {
  return MethodList<SdeMethods>::dispatch(method, std::forward<F>(f));
}

inline std::vector<SdeSolverInfo> all_sde_solvers() {
  std::vector<SdeSolverInfo> solvers;
  MethodList<SdeMethods>::for_each(
      [&](auto tag) { solvers.push_back(sde_solver_info<typename decltype(tag)::type>()); });
  return solvers;
}

inline const SdeSolverInfo* find_sde_solver(const std::string& method) {
  static const std::vector<SdeSolverInfo> solvers = all_sde_solvers();
  for (const auto& s : solvers)
    if (s.name == method) return &s;
  return nullptr;
}

}  // namespace kode
