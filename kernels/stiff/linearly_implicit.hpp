// Which methods are linearly implicit (Rosenbrock methods, kernels/stiff/):
// they declare `linearly_implicit = true` and are stepped by
// RosenbrockStepper (rosenbrock_stepper.hpp) instead of the explicit RK
// time loop, one trajectory per thread (no SIMD lanes, no sensitivities yet).
#pragma once

#include <type_traits>

namespace kode {

template <class Method, class = void>
struct is_linearly_implicit : std::false_type {};
template <class Method>
struct is_linearly_implicit<Method, std::void_t<decltype(Method::linearly_implicit)>>
    : std::integral_constant<bool, Method::linearly_implicit> {};

}  // namespace kode
