// Compile-time loop: calls f(std::integral_constant<int, i>{}) for i in
// [Begin, End). Inside f the index is a constant expression, so tableau
// coefficients indexed by it are folded into the instruction stream and zero
// coefficients drop out entirely; with plain loops compilers often keep the
// coefficient tables in memory and index them at run time.
#pragma once

#include <Kokkos_Core.hpp>
#include <type_traits>

namespace kode {

template <int Begin, int End, class F>
KOKKOS_FORCEINLINE_FUNCTION constexpr void static_for(F&& f) {
  if constexpr (Begin < End) {
    f(std::integral_constant<int, Begin>{});
    static_for<Begin + 1, End>(f);
  }
}

}  // namespace kode
