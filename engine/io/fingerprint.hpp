// A cheap check that arrays hold the same bits: FNV-1a (Fowler-Noll-Vo,
// 64-bit variant) over their bytes. `kode train` fingerprints its data (a
// resume refuses other data behind the same file name) and, across ranks,
// its replicated optimiser state (the ranks must hold the same bits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kode {

// The FNV-1a offset basis: the hash of no bytes.
inline constexpr std::uint64_t fingerprint_basis = 1469598103934665603ULL;

// Continues `hash` over the bytes of `values`.
inline void add_to_fingerprint(std::uint64_t& hash, const std::vector<double>& values) {
  constexpr std::uint64_t fnv_prime = 1099511628211ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (std::size_t k = 0; k < values.size() * sizeof(double); ++k) {
    hash ^= bytes[k];
    hash *= fnv_prime;
  }
}

}  // namespace kode
