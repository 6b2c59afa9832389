// The one list of ODE methods and the one list of SDE methods kode ships.
// Everything that enumerates methods reads these lists: the name -> type
// dispatch (solver_registry.hpp, sde_solver_registry.hpp), `kode solvers`,
// and the tests that run every method. A new method is added here (and given
// its tableau or step header), nowhere else.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>

#include "kode/kernels/sde/additive_srk.hpp"
#include "kode/kernels/sde/euler_heun.hpp"
#include "kode/kernels/sde/euler_maruyama.hpp"
#include "kode/kernels/sde/milstein.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/kvaerno3.hpp"
#include "kode/kernels/stiff/kvaerno4.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock23.hpp"
#include "kode/kernels/tableaus/bosh3.hpp"
#include "kode/kernels/tableaus/dopri5.hpp"
#include "kode/kernels/tableaus/dopri8.hpp"
#include "kode/kernels/tableaus/euler.hpp"
#include "kode/kernels/tableaus/heun.hpp"
#include "kode/kernels/tableaus/midpoint.hpp"
#include "kode/kernels/tableaus/ralston.hpp"
#include "kode/kernels/tableaus/tsit5.hpp"

namespace kode {

// Explicit Runge-Kutta tableaus (values of solver.method for ODE models), in
// the order `kode solvers` lists them.
using OdeMethods = std::tuple<Euler, Heun, Midpoint, Ralston, Bosh3, Tsit5, Dopri5, Dopri8>;

// Implicit methods for stiff ODE models (kernels/stiff/): the linearly
// implicit Rosenbrock methods and the ESDIRK methods with their Newton
// iteration; plain solves only, one trajectory per thread.
using StiffMethods =
    std::tuple<Rosenbrock23, Rodas5P, Esdirk<Kvaerno3>, Esdirk<Kvaerno4>, Esdirk<Kvaerno5>>;

// SDE solvers (values of solver.method for SDE models).
using SdeMethods = std::tuple<EulerMaruyama, Milstein, EulerHeun, Sra1, Shark>;

// A method type carried as a value, so generic lambdas can receive it.
template <class T>
struct TableauTag {
  using type = T;
};

template <class List>
struct MethodList;

template <class... Methods>
struct MethodList<std::tuple<Methods...>> {
  // Calls f(TableauTag<M>{}) for every method M, in list order.
  template <class F>
  static void for_each(F&& f) {
    (f(TableauTag<Methods>{}), ...);
  }

  // Calls f(TableauTag<M>{}) for the method named `name`; false if none is.
  template <class F>
  static bool dispatch(const std::string& name, F&& f) {
    bool found = false;
    ((found = found || (name == Methods::name && (f(TableauTag<Methods>{}), true))), ...);
    return found;
  }
};

// The methods of List with an embedded error estimate (PID control possible).
template <class List>
struct AdaptiveMethodsOf;
template <class... Methods>
struct AdaptiveMethodsOf<std::tuple<Methods...>> {
  using type = decltype(std::tuple_cat(
      std::declval<
          std::conditional_t<Methods::has_error, std::tuple<Methods>, std::tuple<>>>()...));
};
template <class List>
using AdaptiveMethods = typename AdaptiveMethodsOf<List>::type;

}  // namespace kode
