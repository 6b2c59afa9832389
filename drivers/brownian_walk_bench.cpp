// Microbenchmark of BrownianWalker queries (kernels/sde/brownian_walker.hpp):
// 20,000 paths on [0, 1] with tol 2^-12, queried at the ends of 256 fixed
// steps of 2^-8 (Euler-Maruyama's queries in the OU benchmark) and at 34
// non-dyadic times k * 0.0293 (like adaptive steps, which descend to the
// tolerance). Prints ns per query and a checksum of the W values.
// Built as build/drivers/brownian_walk_bench (KODE_ENABLE_BENCHMARKS); run it
// pinned to one core (taskset -c 0). docs/benchmarks.md, "SDE", has results.
#include <chrono>
#include <cstdio>

#include "kode/kernels/sde/brownian_walker.hpp"

template <class Times>
double ns_per_query(int paths, int queries, Times times, double& checksum) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < paths; ++i) {
    kode::BrownianWalker<> walker(kode::VirtualBrownianTree(0.0, 1.0, 0x1p-12, 2026, i, 0));
    for (int k = 1; k <= queries; ++k) checksum += walker.state(times(k)).w;
  }
  const auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(end - start).count() / (double(paths) * queries);
}

int main() {
  double fixed_sum = 0.0, adaptive_sum = 0.0;
  const double fixed = ns_per_query(
      20000, 256, [](int k) { return k * 0x1p-8; }, fixed_sum);
  const double adaptive = ns_per_query(
      20000, 34, [](int k) { return k * 0.0293; }, adaptive_sum);
  std::printf("fixed 2^-8: %.1f ns/query  adaptive-like: %.1f ns/query  checksums %.17g %.17g\n",
              fixed, adaptive, fixed_sum, adaptive_sum);
}
