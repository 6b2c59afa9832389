// What an SDE model declares about its noise, and the products with the
// diffusion matrix G (n_state x n_noise) that every SDE solver needs.
//
// A model's diffusion(t, y, p, g) fills g according to its NoiseKind:
//  - diagonal: n_noise = n_state and G = diag(g[0..N)); as in Kloeden &
//    Platen (1992, Sec. 10.3), component i may depend on y_i only;
//  - scalar:   n_noise = 1, G is the column g[0..N);
//  - additive: G (row-major g[i * M + j]) depends on t only, never on y;
//  - general:  G (row-major g[i * M + j]) depends on t and y.
// A model also declares the calculus its equations are written in (Ito or
// Stratonovich); the engine converts the drift when a solver converges to
// the other one (sde_vector_fields.hpp).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

enum class NoiseKind { diagonal, scalar, additive, general };
enum class Calculus { ito, stratonovich };

inline constexpr const char* noise_kind_name(NoiseKind k) {
  return k == NoiseKind::diagonal   ? "diagonal"
         : k == NoiseKind::scalar   ? "scalar"
         : k == NoiseKind::additive ? "additive"
                                    : "general";
}
inline constexpr const char* calculus_name(Calculus c) {
  return c == Calculus::ito ? "ito" : "stratonovich";
}

// Number of doubles in a model's diffusion array g.
template <class Model>
constexpr int diffusion_size() {
  return Model::noise == NoiseKind::diagonal || Model::noise == NoiseKind::scalar
             ? Model::n_state
             : Model::n_state * Model::n_noise;
}

// out += scale G dw for a diffusion array g of the model's NoiseKind.
// (T: the scalar type of g and out, double or a dual number; DW: that of the
// increments, double, or a LanePack in SIMD lanes, where T is one too.)
template <NoiseKind K, int N, int M, class G, class DW, class T>
KOKKOS_INLINE_FUNCTION void add_noise_product(const G& g, const DW (&dw)[M], double scale,
                                              T (&out)[N]) {
  for (int i = 0; i < N; ++i) {
    T s = 0.0;
    if constexpr (K == NoiseKind::diagonal) {
      s = g[i] * dw[i];
    } else if constexpr (K == NoiseKind::scalar) {
      s = g[i] * dw[0];
    } else {
      for (int j = 0; j < M; ++j) s += g[i * M + j] * dw[j];
    }
    out[i] += scale * s;
  }
}

}  // namespace kode
