// engine/solvers/: the methods kode ships, by name. method_lists.hpp holds
// the one list of ODE and one of SDE methods; this header and
// sde_solver_registry.hpp turn a solver.method name into its type (compile-
// time dispatch) and describe each method for `kode solvers`. May include
// kernels/ only.
//
// The explicit Runge-Kutta solvers: descriptions and name -> tableau dispatch.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/dense_interpolant.hpp"
#include "kode/kernels/stiff/implicit_method.hpp"

namespace kode {

struct SolverInfo {
  std::string name;
  int order;
  int stages;
  bool adaptive;  // has an embedded error estimate (PID control possible)
  bool fsal;
  int dense_degree;
  std::string interpolant;
  bool stiff;   // implicit (StiffMethods): forward sensitivities only
  bool newton;  // its stages are solved by Newton (solver.newton_* apply)
};

template <class Tableau>
SolverInfo solver_info() {
  return SolverInfo{Tableau::name,
                    Tableau::order,
                    Tableau::stages,
                    Tableau::has_error,
                    Tableau::fsal,
                    dense_degree<Tableau>(),
                    Tableau::dense_order > 0 ? "native" : "cubic Hermite",
                    is_implicit_method<Tableau>::value,
                    uses_newton<Tableau>::value};
}

// Calls f(TableauTag<T>{}) for the explicit tableau named `method`; returns
// false if there is no such method.
template <class F>
bool dispatch_solver(const std::string& method, F&& f) {
  return MethodList<OdeMethods>::dispatch(method, std::forward<F>(f));
}

// The same for the implicit (stiff) methods.
template <class F>
bool dispatch_stiff_solver(const std::string& method, F&& f) {
  return MethodList<StiffMethods>::dispatch(method, std::forward<F>(f));
}

inline std::vector<SolverInfo> all_solvers() {
  std::vector<SolverInfo> solvers;
  const auto add = [&](auto tag) {
    solvers.push_back(solver_info<typename decltype(tag)::type>());
  };
  MethodList<OdeMethods>::for_each(add);
  MethodList<StiffMethods>::for_each(add);
  return solvers;
}

inline const SolverInfo* find_solver(const std::string& method) {
  static const std::vector<SolverInfo> solvers = all_solvers();
  for (const auto& s : solvers)
    if (s.name == method) return &s;
  return nullptr;
}

}  // namespace kode
