// The explicit Runge-Kutta solvers kode ships, by name, and the compile-time
// dispatch from a method name to its tableau type.
#pragma once

#include <string>
#include <vector>

#include "kernels/dense_interpolant.hpp"
#include "kernels/tableaus/bosh3.hpp"
#include "kernels/tableaus/dopri5.hpp"
#include "kernels/tableaus/dopri8.hpp"
#include "kernels/tableaus/euler.hpp"
#include "kernels/tableaus/heun.hpp"
#include "kernels/tableaus/midpoint.hpp"
#include "kernels/tableaus/ralston.hpp"
#include "kernels/tableaus/tsit5.hpp"

namespace kode {

template <class T>
struct TableauTag {
  using type = T;
};

struct SolverInfo {
  std::string name;
  int order;
  int stages;
  bool adaptive;  // has an embedded error estimate (PID control possible)
  bool fsal;
  int dense_degree;
  std::string interpolant;
};

template <class Tableau>
SolverInfo solver_info() {
  return SolverInfo{Tableau::name,
                    Tableau::order,
                    Tableau::stages,
                    Tableau::has_error,
                    Tableau::fsal,
                    dense_degree<Tableau>(),
                    Tableau::dense_order > 0 ? "native" : "cubic Hermite"};
}

// Calls f(TableauTag<T>{}) for the tableau named `method`; returns false if
// there is no such method.
template <class F>
bool dispatch_solver(const std::string& method, F&& f) {
  if (method == Euler::name) return f(TableauTag<Euler>{}), true;
  if (method == Heun::name) return f(TableauTag<Heun>{}), true;
  if (method == Midpoint::name) return f(TableauTag<Midpoint>{}), true;
  if (method == Ralston::name) return f(TableauTag<Ralston>{}), true;
  if (method == Bosh3::name) return f(TableauTag<Bosh3>{}), true;
  if (method == Tsit5::name) return f(TableauTag<Tsit5>{}), true;
  if (method == Dopri5::name) return f(TableauTag<Dopri5>{}), true;
  if (method == Dopri8::name) return f(TableauTag<Dopri8>{}), true;
  return false;
}

inline std::vector<SolverInfo> all_solvers() {
  return {solver_info<Euler>(),   solver_info<Heun>(),  solver_info<Midpoint>(),
          solver_info<Ralston>(), solver_info<Bosh3>(), solver_info<Tsit5>(),
          solver_info<Dopri5>(),  solver_info<Dopri8>()};
}

inline const SolverInfo* find_solver(const std::string& method) {
  static const std::vector<SolverInfo> solvers = all_solvers();
  for (const auto& s : solvers)
    if (s.name == method) return &s;
  return nullptr;
}

}  // namespace kode
