// The design of `kode sweep`: which parameter and initial-state values each
// trajectory of a sweep gets. A Design is built once from the [params]/[y0]
// values and the [sweep] keys; after that, the values of any trajectory are a
// pure function of (design, seed, global trajectory index). Nothing depends on
// the rank count, the chunk size or the order in which trajectories are
// evaluated, so any trajectory can be re-run alone and a resumed or
// re-partitioned run reproduces the same values bit for bit.
//
// Per-name values (the text of a [params] or [y0] key):
//   3.5                      fixed
//   list(a, b, ...)          grid axis with these values
//   linspace(a, b, n)        grid axis, as numpy.linspace: a + i (b-a)/(n-1), the last exactly b
//   logspace(a, b, n)        grid axis, as numpy.logspace: 10^linspace(a, b, n)
//   uniform(a, b)            distribution on (a, b), a < b
//   normal(mu, sigma)        distribution, sigma > 0
//   lognormal(mu, sigma)     exp(normal(mu, sigma)): mu, sigma of the underlying normal (numpy)
//
// [sweep] design (the kind):
//   grid    the Cartesian product of all axes. Distributions are an error.
//           `samples` is an error (it would be silently ignored).
//   random  `samples` independent draws from the distributions (Philox).
//   lhs     Latin hypercube of `samples` points: each distribution's (0,1)
//           probability interval is cut into `samples` equal strata, every
//           stratum is used exactly once per name, and the stratum order is
//           an independent pseudo-random permutation per name.
//   sobol   `samples` Sobol points (Joe-Kuo direction numbers, Gray-code
//           order) with a random digital shift from the seed, mapped through
//           each distribution's quantile function.
//   ""      (key absent) random when some name has a distribution, else grid.
// random, lhs and sobol need `samples` >= 1 and at least one distribution.
//
// Combination rule, one for all kinds: trajectories are the Cartesian product
//   grid point  x  sample  x  path
// in that nesting order (path fastest):
//   index = (grid_point * samples + sample) * paths + path
// - grid_point enumerates the axes row-major over `names` in the order given
//   (the model's order, params before y0): the first axis varies slowest, as
//   numpy.meshgrid(..., indexing="ij") flattened in C order or
//   itertools.product. Without axes there is one grid point.
// - sample is 0..samples-1 (one sample, no draws, for design = grid). The
//   same `samples` design points are used at every grid point (common random
//   numbers: differences between grid points are due to the axes alone).
// - path is 0..paths-1: repeats of the same point (SDE Brownian paths), with
//   identical parameter and initial values. paths defaults to 1 (ODEs).
//
// Randomness: every random number is Random123's Philox4x32-10 keyed by the
// 64-bit seed, with the counter (sample index, name position, purpose), so a
// value depends only on (seed, sample index, name position) and the sample
// index is a function of the trajectory index. Sobol uses dimension j for the
// j-th distribution-valued name in `names` order. A name appended after the
// others leaves the earlier names' draws for each sample unchanged.
//
// Memory is O(names + list() items), independent of the sweep size:
// linspace/logspace points are computed on demand, Sobol points directly from
// their index, and the LHS permutations are bijective hashes (a Feistel
// network with cycle walking), never materialised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kode {

// ---- building blocks (exposed for tests and for other samplers) ----

// Philox4x32-10 (Salmon et al., SC'11, via Random123) output for the counter
// (c0, c1, c2, c3) and the key `seed`, as two 64-bit words.
struct PhiloxBits {
  std::uint64_t lo, hi;
};
PhiloxBits philox_bits(std::uint64_t seed, std::uint64_t c01, std::uint32_t c2, std::uint32_t c3);

// 64 random bits to a double strictly inside (0,1): the top 52 bits k give
// (k + 1/2) 2^-52, exact in a double, so 0 and 1 never occur (quantile
// functions are infinite there) and the values are symmetric about 1/2.
double unit_open(std::uint64_t bits);

// The standard normal quantile function, Phi^-1(p) for p in (0,1):
// Wichura's algorithm AS 241 (PPND16), Appl. Statist. 37 (1988) 477-484,
// relative accuracy about 1e-16.
double normal_quantile(double p);

// The Sobol sequence in Gray-code order (Antonov & Saleev 1979; Bratley &
// Fox, ACM TOMS 14 (1988) 88-100) with the direction numbers of Joe & Kuo,
// SIAM J. Sci. Comput. 30 (2008) 2635-2654 (file new-joe-kuo-6.21201), taken
// from Boost.Random's table. Point `index` is the XOR of the direction
// numbers selected by the bits of index ^ (index >> 1), so any point is
// computed directly (64 XORs at most), without stepping a generator.
// Point 0 is the origin (Boost's sobol_engine starts at point 1).
class SobolDirections {
 public:
  static constexpr int max_dimensions = 3667;  // Boost.Random's table
  explicit SobolDirections(int dimensions = 0);
  int dimensions() const { return dimensions_; }
  // Coordinate `dimension` (0-based) of point `index` as a 64-bit binary
  // fraction: the coordinate is bits / 2^64.
  std::uint64_t bits(std::uint64_t index, int dimension) const;

 private:
  int dimensions_ = 0;
  std::vector<std::uint64_t> v_;  // v_[dimension * 64 + r]: direction number r
};

// A pseudo-random permutation of {0, ..., n-1} keyed by (seed, stream),
// evaluated at i without materialising it: a 4-round Feistel network on the
// smallest even number of bits covering n, with cycle walking (Black &
// Rogaway, "Ciphers with arbitrary finite domains", CT-RSA 2002).
std::uint64_t permute_index(std::uint64_t i, std::uint64_t n, std::uint64_t seed,
                            std::uint32_t stream);

// ---- the design ----

// How one name gets its values.
struct DesignValue {
  enum class Kind { fixed, list, linspace, logspace, uniform, normal, lognormal };
  Kind kind = Kind::fixed;
  // fixed: a. linspace/logspace: a, b (exponents for logspace), n points.
  // uniform: a, b. normal/lognormal: a = mu, b = sigma.
  double a = 0.0, b = 0.0;
  long long n = 1;
  std::vector<double> items;  // list

  bool is_axis() const {
    return kind == Kind::list || kind == Kind::linspace || kind == Kind::logspace;
  }
  bool is_distribution() const {
    return kind == Kind::uniform || kind == Kind::normal || kind == Kind::lognormal;
  }
  long long axis_size() const {
    return kind == Kind::list ? static_cast<long long>(items.size()) : n;
  }
  // Point i of an axis.
  double axis_value(long long i) const;
  // The distribution's quantile function at u in (0,1).
  double quantile(double u) const;
};

// Parses one value; `key` ("params.omega") names it in error messages.
// Throws ConfigError for malformed text, empty lists, n < 1, a >= b,
// sigma <= 0 and unknown function names.
DesignValue parse_design_value(const std::string& text, const std::string& key);

class Design {
 public:
  // The number of trajectories: grid points x samples x paths.
  long long size() const { return grid_points_ * samples_ * paths_; }
  int n_names() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const std::string& kind() const { return kind_; }
  long long grid_points() const { return grid_points_; }
  long long samples() const { return samples_; }
  long long paths() const { return paths_; }
  std::uint64_t seed() const { return seed_; }
  // How each name gets its values (parsed), in the order of names().
  const std::vector<DesignValue>& design_values() const { return values_; }

  // The values of trajectory `index` (0 <= index < size()), one per name, in
  // the order of `names`. Thread-safe (const, no shared state).
  void values(long long index, double* out) const;
  // Trajectories first .. first+count-1 into out[count][n_names()]
  // (row-major); bitwise equal to calling values() for each.
  void fill(long long first, int count, double* out) const;

  // Which components of an index.
  long long grid_point_of(long long index) const { return index / paths_ / samples_; }
  long long sample_of(long long index) const { return (index / paths_) % samples_; }
  long long path_of(long long index) const { return index % paths_; }

 private:
  friend Design make_design(const std::vector<std::string>&, const std::vector<std::string>&,
                            const std::string&, std::optional<long long>, std::optional<long long>,
                            std::uint64_t);
  double distribution_value(int name, long long sample) const;

  std::vector<std::string> names_;
  std::vector<DesignValue> values_;
  std::string kind_;  // "grid", "random", "lhs" or "sobol" (resolved)
  enum class Sampling { grid, random, lhs, sobol } sampling_ = Sampling::grid;
  long long grid_points_ = 1, samples_ = 1, paths_ = 1;
  std::uint64_t seed_ = 0;
  // Row-major strides of the axes: stride_[k] for name k (0 for non-axes).
  std::vector<long long> stride_;
  // sobol: the Sobol dimension of each distribution name (-1 otherwise),
  // the direction numbers, and each name's digital shift.
  std::vector<int> sobol_dim_;
  SobolDirections sobol_;
  std::vector<std::uint64_t> sobol_shift_;
};

// Builds the design. `names` are the config keys ("params.omega", "y0.x") in
// the model's order and name the values in messages; `values` their texts.
// `kind` is the [sweep] design text ("" when absent). `samples` and `paths`
// are the [sweep] keys (nullopt when absent; paths defaults to 1). Throws
// ConfigError naming the key for every invalid input.
Design make_design(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string& kind, std::optional<long long> samples,
                   std::optional<long long> paths, std::uint64_t seed);

}  // namespace kode
