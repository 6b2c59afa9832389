// Which methods are implicit (kernels/stiff/: the Rosenbrock methods and the
// ESDIRK methods): they declare `implicit = true` and are stepped by
// RosenbrockStepper (rosenbrock_stepper.hpp; one W = I - h gamma J per
// attempt) instead of the explicit RK time loop, one trajectory per thread
// (no SIMD lanes; forward sensitivities but no adjoints yet). `newton` says whether the method
// solves its stages by a Newton iteration (the ESDIRK methods), which the
// solver.newton_* settings control.
#pragma once

#include <type_traits>

namespace kode {

template <class Method, class = void>
struct is_implicit_method : std::false_type {};
template <class Method>
struct is_implicit_method<Method, std::void_t<decltype(Method::implicit)>>
    : std::integral_constant<bool, Method::implicit> {};

template <class Method, class = void>
struct uses_newton : std::false_type {};
template <class Method>
struct uses_newton<Method, std::void_t<decltype(Method::newton)>>
    : std::integral_constant<bool, Method::newton> {};

}  // namespace kode
