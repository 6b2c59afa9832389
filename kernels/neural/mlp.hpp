// A multilayer perceptron as the vector field of a neural ODE, y' = f(t, y),
// device-callable: forward pass on doubles and on dual numbers, a
// hand-written reverse-mode vector-Jacobian product, and Equinox's
// initialisation drawn with Philox. Header-only, no allocation, no I/O.
//
// Architecture, as Equinox's eqx.nn.MLP (https://docs.kidger.site/equinox/
// api/nn/mlp/): in_size -> `depth` hidden layers of `width` units -> out_size,
// i.e. depth + 1 Linear layers; depth = 0 is one Linear(in, out). Each hidden
// Linear is followed by the hidden activation, the last one by the final
// activation (identity or tanh). Two optional extras:
//   * time input: t is appended to the input after y (n_inputs = in_size + 1),
//     for non-autonomous vector fields f(t, y);
//   * learnt scale: the output is multiplied elementwise by a learnt vector
//     [out_size], initialised to 1 -- Diffrax's latent ODE example
//     (https://docs.kidger.site/diffrax/examples/latent_ode/) uses
//     `scale * mlp(y)` with a tanh final activation, so the output is bounded
//     but its size is learnt.
//
// Weights are NOT stored in the struct: they live in one flat array of
// doubles shared by every trajectory (the engine keeps it in a Kokkos View and
// sets `weights = view.data()`), so the struct stays small and trivially
// copyable and is passed by value to kernels. Flat layout, for each Linear
// layer l = 0 .. depth in order:
//     W_l [out_l, in_l] row-major (W_l[i][j] at offset i * in_l + j), then
//     b_l [out_l];
// then, if learnt_scale, scale [out_size]. Here in_0 = n_inputs(),
// in_l = width for l >= 1, out_l = width for l < depth, out_depth = out_size.
// The layer computes z_l = W_l a_l + b_l (the orientation of Equinox's
// Linear, weight of shape (out_features, in_features)). layer_offset(),
// scale_offset() and n_weights() give the offsets.
//
// Sizes are run-time values with compile-time upper bounds (template
// parameters), so every local array has a fixed size and nothing is
// allocated: 1 <= width <= MaxWidth (checked even for depth 0, where it is
// unused), 0 <= depth <= MaxDepth, 1 <= in_size <= MaxInOut,
// 1 <= out_size <= MaxInOut (the time input comes on top of in_size). The
// defaults, 128 / 8 / 16, cover the nets of Diffrax's neural ODE examples
// (width 64, depth 2); validate() checks them on the host. Local memory per
// call: evaluate<T> about (MaxInOut + 1 + 2 MaxWidth) values of T; vjp about
// (2 MaxDepth + 3) MaxWidth + 2 MaxInOut doubles (19 KiB at the defaults), so a
// GPU build with small nets may instantiate BasicMlp with smaller bounds.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kode/kernels/compat.hpp"
#include "kode/kernels/counter_rng.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/simd/lane_math.hpp"

namespace kode {

// Hidden activation (Equinox takes any jax.nn function; these are the ones
// neural ODEs use). Formulas, with their derivatives used by vjp:
//   softplus(x) = log(1 + e^x)                (Dugas et al., NIPS 2000)
//               = max(x, 0) + log1p(e^-|x|),  derivative sigmoid(x)
//   tanh(x),                                  derivative 1 - tanh(x)^2
//   relu(x)     = max(x, 0)                   (Nair & Hinton, ICML 2010),
//               derivative 1 for x > 0, else 0 (0 at x = 0, as jax.nn.relu)
//   silu(x)     = x sigmoid(x)                (Elfwing, Uchibe & Doya, Neural
//               Networks 107, 2018; "swish"), derivative s (1 + x (1 - s))
//   elu(x)      = x for x > 0, else e^x - 1   (Clevert, Unterthiner &
//               Hochreiter, ICLR 2016; alpha = 1 as jax.nn.elu),
//               derivative 1 for x > 0, else e^x
enum class MlpActivation : int { softplus = 0, tanh = 1, relu = 2, silu = 3, elu = 4 };

// Activation after the last Linear layer (Equinox's final_activation).
enum class MlpFinalActivation : int { identity = 0, tanh = 1 };

namespace mlp_detail {

// The activations are written once as templates over the scalar type
// (double, DualN<K>) with kode::math functions, so that evaluate<DualN<K>>
// differentiates them by the dual-number rules -- an independent check of the
// hand-written derivatives of vjp -- and evaluate<double> and the value part
// of evaluate<DualN<K>> agree bit for bit. Comparisons of dual numbers are on
// values, so each branch is taken as for doubles.

// tanh: compat.hpp has no double tanh in kode::math; dual.hpp keeps one (with
// compat.hpp's Kokkos version split) for its own DualN tanh, so using it here
// gives doubles exactly the value part of kode::math::tanh(DualN).
KOKKOS_INLINE_FUNCTION double tanh(double x) {
  return dual_detail::tanh(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION T tanh(const T& x) {
  return kode::math::tanh(x);
}

// log(1 + e) for 0 < e <= 1 to a few ulps with log alone (kode::math has no
// log1p): u = 1 + e rounds, but log(u) * e / (u - 1) corrects exactly for the
// rounding, since u - 1 is then exact (D. Goldberg, "What every computer
// scientist should know about floating-point arithmetic", ACM Comput. Surv.
// 23 (1991), Theorem 4). If u rounds to 1, log1p(e) = e to within e^2/2.
template <class T>
KOKKOS_INLINE_FUNCTION T log1p_of_small(const T& e) {
  const T u = 1.0 + e;
  if (u == 1.0) return e;
  return kode::math::log(u) * (e / (u - 1.0));
}

// e^x - 1 for x <= 0, accurate also near 0 where e^x - 1 cancels (kode::math
// has no expm1): Kahan's (u - 1) x / log(u) with u = e^x rounded (N. J.
// Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., SIAM
// 2002, section 1.14.1). u == 1: the result is x to within x^2/2; u - 1 == -1:
// e^x is below half an ulp of 1, the result is -1.
template <class T>
KOKKOS_INLINE_FUNCTION T expm1_of_nonpositive(const T& x) {
  const T u = kode::math::exp(x);
  if (u == 1.0) return x;
  const T um1 = u - 1.0;
  if (um1 == -1.0) return um1;
  return um1 * x / kode::math::log(u);
}

// 1 / (1 + e^-x) without overflow: e^-x is only formed for x >= 0, e^x for
// x < 0, so the exponential is at most 1.
template <class T>
KOKKOS_INLINE_FUNCTION T sigmoid(const T& x) {
  if (x >= 0.0) return 1.0 / (1.0 + kode::math::exp(-x));
  const T e = kode::math::exp(x);
  return e / (1.0 + e);
}

// Written as two branches rather than max(x, 0) + log1p(e^-|x|): the two are
// equal, but |x| has derivative 0 at x = 0 in dual arithmetic (dual.hpp's
// fabs), which would give softplus'(0) = 0 instead of 1/2. Each branch is
// smooth, and e^-|x| <= 1 never overflows.
template <class T>
KOKKOS_INLINE_FUNCTION T softplus(const T& x) {
  if (x > 0.0) return x + log1p_of_small(kode::math::exp(-x));
  return log1p_of_small(kode::math::exp(x));
}

template <class T>
KOKKOS_INLINE_FUNCTION T relu(const T& x) {
  if (x > 0.0) return x;
  return T(0.0);
}

template <class T>
KOKKOS_INLINE_FUNCTION T silu(const T& x) {
  return x * sigmoid(x);
}

template <class T>
KOKKOS_INLINE_FUNCTION T elu(const T& x) {
  if (x > 0.0) return x;
  return expm1_of_nonpositive(x);
}

#if KODE_HAVE_LANES
// The activations on W trajectories at once (LanePack<W>, or LaneDual<K, W>
// for forward sensitivities in lanes), for evaluate<T> on packs: each lane
// gets exactly the scalar activation's bits for its trajectory. The
// exponentials, logs and tanh are C-library calls (lane_math.hpp: a vector
// version would round differently), so these go lane by lane through the
// scalar functions above, branches included; relu has none and is one
// select. The linear layers, where the multiply-adds are, stay in pack
// arithmetic.
#define KODE_MLP_LANEWISE(f)                                         \
  template <int W>                                                   \
  KOKKOS_INLINE_FUNCTION LanePack<W> f(const LanePack<W>& x) {       \
    return lane_map(x, [](double v) { return f(v); });               \
  }                                                                  \
  template <int K, int W>                                            \
  KOKKOS_INLINE_FUNCTION LaneDual<K, W> f(const LaneDual<K, W>& x) { \
    return lane_map(x, [](const DualN<K>& v) { return f(v); });      \
  }
KODE_MLP_LANEWISE(tanh)
KODE_MLP_LANEWISE(softplus)
KODE_MLP_LANEWISE(silu)
KODE_MLP_LANEWISE(elu)
#undef KODE_MLP_LANEWISE

// relu(x) = x > 0 ? x : +0.0, as the scalar branch (a NaN lane gives +0.0 too).
template <int W>
KOKKOS_INLINE_FUNCTION LanePack<W> relu(const LanePack<W>& x) {
  return lane_select(x > 0.0, x, LanePack<W>(0.0));
}
template <int K, int W>
KOKKOS_INLINE_FUNCTION LaneDual<K, W> relu(const LaneDual<K, W>& x) {
  return lane_map(x, [](const DualN<K>& v) { return relu(v); });
}
#endif  // KODE_HAVE_LANES

// Applies a hidden activation to z[0 .. n) in place; the switch is outside
// the loop, so the loop body has no branch on the kind.
template <class T>
KOKKOS_INLINE_FUNCTION void activate(MlpActivation kind, T* z, int n) {
  switch (kind) {
    case MlpActivation::softplus:
      for (int i = 0; i < n; ++i) z[i] = softplus(z[i]);
      break;
    case MlpActivation::tanh:
      for (int i = 0; i < n; ++i) z[i] = mlp_detail::tanh(z[i]);
      break;
    case MlpActivation::relu:
      for (int i = 0; i < n; ++i) z[i] = relu(z[i]);
      break;
    case MlpActivation::silu:
      for (int i = 0; i < n; ++i) z[i] = silu(z[i]);
      break;
    case MlpActivation::elu:
      for (int i = 0; i < n; ++i) z[i] = elu(z[i]);
      break;
  }
}

// a[i] = act(z[i]) (the same value as activate gives) and da[i] = act'(z[i]),
// the derivatives listed at MlpActivation.
KOKKOS_INLINE_FUNCTION void activate_with_derivative(MlpActivation kind, const double* z, double* a,
                                                     double* da, int n) {
  switch (kind) {
    case MlpActivation::softplus:
      // softplus and its derivative sigmoid from one exponential e^-|z| and
      // its 1 + e: the same branches and operations as softplus() and
      // sigmoid(), so the same bits, for half the exponentials and one log.
      for (int i = 0; i < n; ++i) {
        const bool positive = z[i] > 0.0;
        const double e = kode::math::exp(positive ? -z[i] : z[i]);
        const double u = 1.0 + e;
        const double log1p_e = u == 1.0 ? e : kode::math::log(u) * (e / (u - 1.0));
        a[i] = positive ? z[i] + log1p_e : log1p_e;
        da[i] = positive ? 1.0 / u : e / u;
      }
      break;
    case MlpActivation::tanh:
      for (int i = 0; i < n; ++i) {
        a[i] = mlp_detail::tanh(z[i]);
        da[i] = 1.0 - a[i] * a[i];
      }
      break;
    case MlpActivation::relu:
      for (int i = 0; i < n; ++i) {
        a[i] = relu(z[i]);
        da[i] = z[i] > 0.0 ? 1.0 : 0.0;
      }
      break;
    case MlpActivation::silu:
      for (int i = 0; i < n; ++i) {
        const double s = sigmoid(z[i]);
        a[i] = z[i] * s;
        da[i] = s * (1.0 + z[i] * (1.0 - s));
      }
      break;
    case MlpActivation::elu:
      for (int i = 0; i < n; ++i) {
        a[i] = elu(z[i]);
        da[i] = z[i] > 0.0 ? 1.0 : kode::math::exp(z[i]);
      }
      break;
  }
}

// Philox stream of the initial weights ("KMLP"): the counter's high word, so
// that a seed also used for other Philox draws (Brownian paths, observation
// noise) gives unrelated numbers here.
constexpr std::uint64_t init_stream = 0x4b4d4c50u;

// Uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)) from (seed, index) alone.
// open_unit_interval never returns 0 or 1, so the bounds are never reached.
KOKKOS_INLINE_FUNCTION double initial_uniform(std::uint64_t seed, int index, int fan_in) {
  const double u =
      open_unit_interval(philox_draw(seed, static_cast<std::uint64_t>(index), init_stream).a);
  return (2.0 * u - 1.0) / kode::math::sqrt(static_cast<double>(fan_in));
}

}  // namespace mlp_detail

template <int MaxWidth = 128, int MaxDepth = 8, int MaxInOut = 16>
struct BasicMlp {
  static_assert(MaxWidth >= 1 && MaxDepth >= 0 && MaxInOut >= 1,
                "kode::BasicMlp: bounds must be MaxWidth >= 1, MaxDepth >= 0, MaxInOut >= 1");

  static constexpr int max_width = MaxWidth;
  static constexpr int max_depth = MaxDepth;
  static constexpr int max_in_out = MaxInOut;

  int in_size = 1;   // size of y, 1 .. MaxInOut
  int out_size = 1;  // size of f, 1 .. MaxInOut (a vector field: = in_size)
  int width = 1;     // units per hidden layer, 1 .. MaxWidth
  int depth = 0;     // number of hidden layers, 0 .. MaxDepth (depth + 1 Linear layers)
  MlpActivation activation = MlpActivation::softplus;
  MlpFinalActivation final_activation = MlpFinalActivation::identity;
  bool time_input = false;          // t appended to the input after y
  bool learnt_scale = false;        // output multiplied by a learnt vector [out_size]
  const double* weights = nullptr;  // n_weights() doubles, layout above; not owned

  // ---- sizes and the flat layout ----

  KOKKOS_INLINE_FUNCTION constexpr int n_inputs() const { return in_size + (time_input ? 1 : 0); }
  // Linear layers, l = 0 .. depth.
  KOKKOS_INLINE_FUNCTION constexpr int n_layers() const { return depth + 1; }
  KOKKOS_INLINE_FUNCTION constexpr int layer_in(int l) const { return l == 0 ? n_inputs() : width; }
  KOKKOS_INLINE_FUNCTION constexpr int layer_out(int l) const {
    return l == depth ? out_size : width;
  }
  // Offset of W_l; b_l follows at layer_offset(l) + layer_out(l) * layer_in(l).
  KOKKOS_INLINE_FUNCTION constexpr int layer_offset(int l) const {
    return l == 0 ? 0 : width * (n_inputs() + 1) + (l - 1) * width * (width + 1);
  }
  KOKKOS_INLINE_FUNCTION constexpr int scale_offset() const {
    return layer_offset(depth) + out_size * (layer_in(depth) + 1);
  }
  KOKKOS_INLINE_FUNCTION constexpr int n_weights() const {
    return scale_offset() + (learnt_scale ? out_size : 0);
  }

  // ---- host-side checks ----

  // Empty if the sizes and kinds are within the bounds, else a sentence
  // naming the bad field and its value. (weights is not checked: it may be
  // set later.)
  std::string validation_error() const {
    const auto range = [](const char* field, int value, int lo, int hi) -> std::string {
      if (value >= lo && value <= hi) return {};
      return std::string("kode MLP: ") + field + " = " + std::to_string(value) +
             " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    };
    std::string e = range("in_size", in_size, 1, MaxInOut);
    if (e.empty()) e = range("out_size", out_size, 1, MaxInOut);
    if (e.empty()) e = range("width", width, 1, MaxWidth);
    if (e.empty()) e = range("depth", depth, 0, MaxDepth);
    if (e.empty()) e = range("activation", static_cast<int>(activation), 0, 4);
    if (e.empty()) e = range("final_activation", static_cast<int>(final_activation), 0, 1);
    return e;
  }

  // Throws std::invalid_argument with validation_error()'s message.
  void validate() const {
    const std::string e = validation_error();
    if (!e.empty()) throw std::invalid_argument(e);
  }

  // ---- forward pass ----

  // out[0 .. out_size) = f(t, y), y[0 .. in_size). T is double or a dual
  // number (DualN<K>: y seeded with tangents gives the Jacobian-vector
  // products); the weights are double, so they are constants here (vjp gives
  // their derivatives). out may alias y (y is copied first). On CPU builds T
  // may also be a LanePack<W> (or LaneDual<K, W>), W trajectories at once:
  // each weight is then one double broadcast to the W lanes, every lane
  // computing the scalar code's operations in its order (the same bits).
  // Time is T's time type: double, or a pack of W times, or a dual number
  // (df/dt for the stiff methods, kernels/stiff/rhs_jacobian.hpp); T(t) must
  // convert it.
  template <class Time, class T>
  KOKKOS_INLINE_FUNCTION void evaluate(const Time& t, const T* y, T* out) const {
    T x[MaxInOut + 1];
    for (int j = 0; j < in_size; ++j) x[j] = y[j];
    if (time_input) x[in_size] = T(t);
    if (depth == 0) {
      linear(0, x, out);
    } else {
      T h[2][MaxWidth];
      linear(0, x, h[0]);
      mlp_detail::activate(activation, h[0], width);
      for (int l = 1; l < depth; ++l) {
        linear(l, h[(l - 1) & 1], h[l & 1]);
        mlp_detail::activate(activation, h[l & 1], width);
      }
      linear(depth, h[(depth - 1) & 1], out);
    }
    if (final_activation == MlpFinalActivation::tanh) {
      for (int i = 0; i < out_size; ++i) out[i] = mlp_detail::tanh(out[i]);
    }
    if (learnt_scale) {
      const double* scale = weights + scale_offset();
      for (int i = 0; i < out_size; ++i) out[i] = scale[i] * out[i];
    }
  }

  // ---- reverse mode ----

  // At (t, y), with v [out_size]:
  //   vjp_y[0 .. in_size)      = v^T df/dy      (overwritten; not d/dt),
  //   theta_bar[0 .. n_weights()) += v^T df/dtheta (ACCUMULATED, so a caller
  //                                 can sum over stages, steps and samples).
  // Backpropagation (Rumelhart, Hinton & Williams, Nature 323, 1986): the
  // forward pass is recomputed keeping each hidden layer's activations
  // a_l = act(z_{l-1}) and derivatives act'(z_{l-1}), then with
  // delta = v^T df/dz_l, going down the layers: W_l_bar += delta a_l^T,
  // b_l_bar += delta, and delta <- act'(z_{l-1}) .* (W_l^T delta).
  KOKKOS_INLINE_FUNCTION void vjp(double t, const double* y, const double* v, double* vjp_y,
                                  double* theta_bar) const {
    constexpr int kDepthSlots = MaxDepth > 0 ? MaxDepth : 1;
    constexpr int kUnits = MaxWidth > MaxInOut ? MaxWidth : MaxInOut;
    double x[MaxInOut + 1];  // input a_0
    // Hidden layers l = 1 .. depth: their input a_l = act(z_{l-1}) and
    // act'(z_{l-1}), both from the forward pass (one activation call per
    // unit: the backward pass reuses them).
    double a[kDepthSlots][MaxWidth], da[kDepthSlots][MaxWidth];
    double z[MaxWidth];      // the current pre-activation
    double z_out[MaxInOut];  // pre-activation of the last layer
    double delta[kUnits], next[kUnits];

    // Forward, keeping every hidden layer's activations and derivatives.
    for (int j = 0; j < in_size; ++j) x[j] = y[j];
    if (time_input) x[in_size] = t;
    for (int l = 0; l <= depth; ++l) {
      const double* in = x;
      if (l > 0) {
        mlp_detail::activate_with_derivative(activation, z, a[l - 1], da[l - 1], width);
        in = a[l - 1];
      }
      linear(l, in, l == depth ? z_out : z);
    }

    // Output layer: out_i = s_i o_i, o_i = final(z_out_i).
    const bool final_tanh = final_activation == MlpFinalActivation::tanh;
    for (int i = 0; i < out_size; ++i) {
      const double o = final_tanh ? mlp_detail::tanh(z_out[i]) : z_out[i];
      double g = v[i];
      if (learnt_scale) {
        theta_bar[scale_offset() + i] += v[i] * o;
        g *= weights[scale_offset() + i];
      }
      delta[i] = final_tanh ? g * (1.0 - o * o) : g;
    }

    // Down the Linear layers.
    for (int l = depth; l >= 0; --l) {
      const int n_in = layer_in(l), n_out = layer_out(l);
      const double* W = weights + layer_offset(l);
      double* W_bar = theta_bar + layer_offset(l);
      double* b_bar = W_bar + n_out * n_in;
      const double* in = l > 0 ? a[l - 1] : x;
      for (int j = 0; j < n_in; ++j) next[j] = 0.0;
      for (int i = 0; i < n_out; ++i) {
        const double d = delta[i];
        b_bar[i] += d;
        for (int j = 0; j < n_in; ++j) {
          W_bar[i * n_in + j] += d * in[j];
          next[j] += W[i * n_in + j] * d;
        }
      }
      if (l > 0) {
        for (int j = 0; j < n_in; ++j) delta[j] = da[l - 1][j] * next[j];
      } else {
        for (int j = 0; j < in_size; ++j) vjp_y[j] = next[j];
      }
    }
  }

  // ---- initialisation ----

  // The initial value of weight `index` (0 <= index < n_weights()) for a
  // seed, as Equinox's Linear (https://docs.kidger.site/equinox/api/nn/
  // linear/): every weight and bias of a layer uniform in (-1/sqrt(fan_in),
  // 1/sqrt(fan_in)), fan_in = the layer's input size; scale entries 1. Drawn
  // with Philox from (seed, index) alone, so a weight does not depend on the
  // order, thread or rank that computes it: a kernel over indices and
  // initialize() give the same array.
  KOKKOS_INLINE_FUNCTION double initial_weight(std::uint64_t seed, int index) const {
    if (index >= scale_offset()) return 1.0;
    int l = 0;
    while (l < depth && index >= layer_offset(l + 1)) ++l;
    return mlp_detail::initial_uniform(seed, index, layer_in(l));
  }

  // weights_out[0 .. n_weights()) = initial_weight(seed, k) for every k, bit
  // for bit, layer by layer.
  KOKKOS_INLINE_FUNCTION void initialize(std::uint64_t seed, double* weights_out) const {
    for (int l = 0; l <= depth; ++l) {
      const int begin = layer_offset(l), end = begin + layer_out(l) * (layer_in(l) + 1);
      for (int k = begin; k < end; ++k) {
        weights_out[k] = mlp_detail::initial_uniform(seed, k, layer_in(l));
      }
    }
    if (learnt_scale) {
      for (int i = 0; i < out_size; ++i) weights_out[scale_offset() + i] = 1.0;
    }
  }

 private:
  // z[0 .. out_l) = W_l a + b_l, summed bias first, then j = 0 .. in_l - 1.
  // Four rows at a time: each row's sum keeps that order (so the bits do not
  // depend on the blocking), but four independent sums are in flight, so the
  // loop is not bound by the latency of one chain of dependent additions.
  template <class T>
  KOKKOS_INLINE_FUNCTION void linear(int l, const T* a, T* z) const {
    const int n_in = layer_in(l), n_out = layer_out(l);
    const double* W = weights + layer_offset(l);
    const double* b = W + n_out * n_in;
    int i = 0;
    for (; i + 4 <= n_out; i += 4) {
      const double *w0 = W + i * n_in, *w1 = w0 + n_in, *w2 = w1 + n_in, *w3 = w2 + n_in;
      T s0 = T(b[i]), s1 = T(b[i + 1]), s2 = T(b[i + 2]), s3 = T(b[i + 3]);
      for (int j = 0; j < n_in; ++j) {
        s0 += w0[j] * a[j];
        s1 += w1[j] * a[j];
        s2 += w2[j] * a[j];
        s3 += w3[j] * a[j];
      }
      z[i] = s0;
      z[i + 1] = s1;
      z[i + 2] = s2;
      z[i + 3] = s3;
    }
    for (; i < n_out; ++i) {
      T s = T(b[i]);
      for (int j = 0; j < n_in; ++j) s += W[i * n_in + j] * a[j];
      z[i] = s;
    }
  }
};

// The default bounds: width <= 128, depth <= 8, in_size and out_size <= 16.
using Mlp = BasicMlp<>;

static_assert(std::is_trivially_copyable<Mlp>::value,
              "kode::Mlp is copied to the device by value, so it must be trivially copyable");
static_assert(sizeof(Mlp) <= 48, "kode::Mlp must stay small (sizes, kinds, one pointer)");

}  // namespace kode
