// What kode needs of a model struct, checked at compile time with one
// readable static_assert per requirement (so a downstream model that misses
// one gets a sentence, not a page of template errors):
//
//   struct MyModel {
//     static constexpr const char* name = "my_model";
//     static constexpr int n_state = 2, n_param = 1;
//     static constexpr const char* state_names[n_state] = {"x", "v"};
//     static constexpr const char* param_names[n_param] = {"k"};
//     template <class T, class P>
//     KOKKOS_INLINE_FUNCTION void rhs(double t, const T* y, const P* p, T* dy) const;
//     // SDE models also: n_noise, noise (NoiseKind), calculus (Calculus) and
//     template <class T, class P>
//     KOKKOS_INLINE_FUNCTION void diffusion(double t, const T* y, const P* p, T* g) const;
//     // Optional: a vector-Jacobian product, v^T df/dy and v^T df/dp at
//     // (t, y, p), used by the adjoints instead of dual numbers when present
//     // (a neural vector field with thousands of parameters needs it).
//     KOKKOS_INLINE_FUNCTION void vjp(double t, const double* y, const double* p,
//                                     const double* v, double* vjp_y, double* vjp_p) const;
//     // Optional: J = df/dy (row-major, dfdy[i * n_state + j] = df_i/dy_j)
//     // and df/dt at (t, y, p), used by the stiff methods instead of dual
//     // numbers when present (kernels/stiff/rhs_jacobian.hpp).
//     KOKKOS_INLINE_FUNCTION void jacobian(double t, const double* y, const double* p,
//                                          double* dfdy, double* dfdt) const;
//     // Optional: named event functions g_k(t, y, p), chosen by name in the
//     // config's [event] section (kernels/events/); an event is where g_k
//     // changes sign.
//     static constexpr int n_events = 1;
//     static constexpr const char* event_names[n_events] = {"impact"};
//     KOKKOS_INLINE_FUNCTION double event(int k, double t, const double* y,
//                                         const double* p) const;
//   };
//
// rhs and diffusion are templates so that the same code runs on doubles and
// on dual numbers (kernels/dual.hpp): that is how sensitivities get model
// derivatives without hand-written ones. Optionally the time is a template
// too (`template <class Time, class T, class P> rhs(Time t, ...)`, written
// with arithmetic only): then CPU builds step several trajectories per
// thread, one per SIMD lane (kernels/simd/), with Time, T and P a LanePack.
//
// Shared weights (optional; a neural vector field, kernels/models/neural_ode.hpp):
// besides its few named per-trajectory parameters p, a model may read a block
// of weights sized at run time and shared by every trajectory of a batch,
// through a pointer into memory the caller owns (a Kokkos View on the
// execution space), so the struct stays small and trivially copyable and the
// weights are never copied per thread. Such a model declares
//     KOKKOS_INLINE_FUNCTION int n_weights() const;   // the block's length
//     void set_weights(const double* weights);        // host: where it lives
//     KOKKOS_INLINE_FUNCTION void vjp(double t, const double* y, const double* p,
//         const double* v, double* vjp_y, double* vjp_p, double* weights_bar) const;
// and the vjp ADDS v^T df/dtheta into weights_bar[0 .. n_weights). The
// discrete adjoint gives each trajectory its own row of dL/dtheta and sums
// the rows over the batch in a fixed order (adjoint_sensitivity.hpp), so no
// atomics and the same bits on every run and backend.
#pragma once

#include <type_traits>
#include <utility>

#include "kode/kernels/dual.hpp"
#include "kode/kernels/sde/noise.hpp"

namespace kode {

// SDE models declare their noise dimension.
template <class Model, class = void>
struct is_sde_model : std::false_type {};
template <class Model>
struct is_sde_model<Model, std::void_t<decltype(Model::n_noise)>> : std::true_type {};

namespace model_detail {

template <class M, class T, class P, class = void>
struct has_rhs : std::false_type {};
template <class M, class T, class P>
struct has_rhs<M, T, P,
               std::void_t<decltype(std::declval<const M&>().rhs(
                   0.0, static_cast<const T*>(nullptr), static_cast<const P*>(nullptr),
                   static_cast<T*>(nullptr)))>> : std::true_type {};

template <class M, class T, class P, class = void>
struct has_diffusion : std::false_type {};
template <class M, class T, class P>
struct has_diffusion<M, T, P,
                     std::void_t<decltype(std::declval<const M&>().diffusion(
                         0.0, static_cast<const T*>(nullptr), static_cast<const P*>(nullptr),
                         static_cast<T*>(nullptr)))>> : std::true_type {};

template <class M, class = void>
struct has_name : std::false_type {};
template <class M>
struct has_name<M, std::void_t<decltype(M::name), decltype(M::state_names[0])>>
    : std::is_convertible<decltype(M::name), const char*> {};

}  // namespace model_detail

namespace model_detail {
template <class M, class = void>
struct declares_weights : std::false_type {};
template <class M>
struct declares_weights<M, std::void_t<decltype(std::declval<const M&>().n_weights())>>
    : std::true_type {};
template <class M, class = void>
struct has_set_weights : std::false_type {};
template <class M>
struct has_set_weights<
    M, std::void_t<decltype(std::declval<M&>().set_weights(static_cast<const double*>(nullptr)))>>
    : std::true_type {};
template <class M, class = void>
struct has_weight_vjp : std::false_type {};
template <class M>
struct has_weight_vjp<
    M, std::void_t<decltype(std::declval<const M&>().vjp(
           0.0, static_cast<const double*>(nullptr), static_cast<const double*>(nullptr),
           static_cast<const double*>(nullptr), static_cast<double*>(nullptr),
           static_cast<double*>(nullptr), static_cast<double*>(nullptr)))>> : std::true_type {};
template <class M, class = void>
struct declares_events : std::false_type {};
template <class M>
struct declares_events<M, std::void_t<decltype(M::n_events)>> : std::true_type {};
}  // namespace model_detail

// The model reads a block of shared weights (see "Shared weights" above).
template <class M>
struct has_weights : std::integral_constant<bool, model_detail::declares_weights<M>::value &&
                                                      model_detail::has_set_weights<M>::value &&
                                                      model_detail::has_weight_vjp<M>::value> {};

// The model provides vjp(t, y, p, v, vjp_y, vjp_p) (see above).
template <class M, class = void>
struct has_vjp : std::false_type {};
template <class M>
struct has_vjp<M, std::void_t<decltype(std::declval<const M&>().vjp(
                      0.0, static_cast<const double*>(nullptr), static_cast<const double*>(nullptr),
                      static_cast<const double*>(nullptr), static_cast<double*>(nullptr),
                      static_cast<double*>(nullptr)))>> : std::true_type {};

// Whether the model supplies its own Jacobian: J = df/dy and df/dt at
// (t, y, p) in doubles (the stiff methods use it instead of dual numbers).
template <class M, class = void>
struct has_jacobian : std::false_type {};
template <class M>
struct has_jacobian<
    M, std::void_t<decltype(std::declval<const M&>().jacobian(
           0.0, static_cast<const double*>(nullptr), static_cast<const double*>(nullptr),
           static_cast<double*>(nullptr), static_cast<double*>(nullptr)))>> : std::true_type {};

// Whether the model defines events: n_events named functions
// event(k, t, y, p) whose sign changes are events (see above).
template <class M, class = void>
struct has_events : std::false_type {};
template <class M>
struct has_events<M, std::void_t<decltype(M::n_events), decltype(M::event_names[0]),
                                 decltype(std::declval<const M&>().event(
                                     0, 0.0, static_cast<const double*>(nullptr),
                                     static_cast<const double*>(nullptr)))>>
    : std::bool_constant<(M::n_events > 0)> {};

// Every model: compile-time sizes, names, a device-copyable struct and an
// rhs for doubles and for dual numbers. Returns true (for static_assert).
template <class Model>
constexpr bool check_model() {
  static_assert(Model::n_state > 0, "kode model: n_state must be a positive compile-time constant");
  static_assert(Model::n_param >= 0, "kode model: n_param must be a compile-time constant >= 0");
  static_assert(model_detail::has_name<Model>::value,
                "kode model: needs `static constexpr const char* name` and `state_names[n_state]` "
                "(and `param_names[n_param]` when n_param > 0)");
  static_assert(std::is_trivially_copyable<Model>::value,
                "kode model: the struct is copied to the device, so it must be trivially copyable");
  static_assert(model_detail::has_rhs<Model, double, double>::value,
                "kode model: needs `template <class T, class P> KOKKOS_INLINE_FUNCTION void "
                "rhs(double t, const T* y, const P* p, T* dy) const`");
  static_assert(model_detail::has_rhs<Model, DualN<2>, DualN<2>>::value,
                "kode model: rhs must also accept dual numbers (write it as a template over the "
                "scalar types T of y and P of p, using kode::math for functions): "
                "sensitivities differentiate it that way");
  if constexpr (model_detail::declares_weights<Model>::value) {
    static_assert(model_detail::has_set_weights<Model>::value,
                  "kode model with shared weights: needs `void set_weights(const double*)` (the "
                  "engine points the model at the weight block it owns)");
    static_assert(model_detail::has_weight_vjp<Model>::value,
                  "kode model with shared weights: needs `vjp(t, y, p, v, vjp_y, vjp_p, "
                  "weights_bar)` adding v^T df/dtheta into weights_bar (weights are not "
                  "differentiated by dual numbers)");
    static_assert(!is_sde_model<Model>::value,
                  "kode model: shared weights are implemented for ODE models only");
  }
  if constexpr (model_detail::declares_events<Model>::value)
    static_assert(has_events<Model>::value,
                  "kode model with events: needs n_events > 0, `static constexpr const char* "
                  "event_names[n_events]` and `KOKKOS_INLINE_FUNCTION double event(int k, double "
                  "t, const double* y, const double* p) const`");
  if constexpr (is_sde_model<Model>::value) {
    static_assert(model_detail::has_diffusion<Model, double, double>::value,
                  "kode SDE model: needs `template <class T, class P> KOKKOS_INLINE_FUNCTION void "
                  "diffusion(double t, const T* y, const P* p, T* g) const`");
    static_assert(model_detail::has_diffusion<Model, Dual, double>::value,
                  "kode SDE model: diffusion must also accept dual numbers for y (Milstein's "
                  "correction and the Ito-Stratonovich conversion differentiate it)");
    static_assert(Model::noise != NoiseKind::diagonal || Model::n_noise == Model::n_state,
                  "kode SDE model: diagonal noise needs n_noise == n_state");
    static_assert(Model::noise != NoiseKind::scalar || Model::n_noise == 1,
                  "kode SDE model: scalar noise needs n_noise == 1");
  }
  return true;
}

// SDE sensitivities also differentiate the diffusion's own derivative
// (dG/dy) u: diffusion must accept a NestedDual over DualN for y and DualN
// for p (any model written as one template over T and P does).
template <class Model>
constexpr bool check_sde_model_derivatives() {
  if constexpr (is_sde_model<Model>::value)
    static_assert(
        model_detail::has_diffusion<Model, NestedDual<DualN<2>>, DualN<2>>::value,
        "kode SDE model: for sensitivities, diffusion must be one template over the scalar types "
        "T of y and P of p (it is then evaluated with T = NestedDual<DualN<K>>, P = DualN<K>)");
  return true;
}

}  // namespace kode
