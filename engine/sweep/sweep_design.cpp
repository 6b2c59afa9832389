#include "kode/engine/sweep/sweep_design.hpp"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "kode/engine/config/call_syntax.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/kernels/counter_rng.hpp"

namespace kode {

namespace {

// What a Philox draw is for: the last counter word, so that draws made for
// different purposes never share a counter (and so never correlate).
constexpr std::uint32_t kPurposeRandom = 0;     // design = random
constexpr std::uint32_t kPurposeLhsJitter = 1;  // position inside an LHS stratum
constexpr std::uint32_t kPurposeFeistel = 2;    // + (round << 8): permutation rounds
constexpr std::uint32_t kPurposeSobolShift = 3;

// 2^53: beyond it trajectory indices are no longer exact as doubles (progress
// arithmetic, HDF5 readers in Python); far beyond any real sweep.
constexpr long long kMaxTrajectories = 1LL << 53;

const std::vector<std::string>& design_functions() {
  static const std::vector<std::string> names = {"list",    "linspace", "logspace",
                                                 "uniform", "normal",   "lognormal"};
  return names;
}

const std::vector<std::string>& design_kinds() {
  static const std::vector<std::string> kinds = {"grid", "random", "lhs", "sobol"};
  return kinds;
}

// Row-major mixed-radix strides need the product of axis sizes; every
// product is checked against kMaxTrajectories so that nothing overflows.
long long checked_product(long long a, long long b, const std::string& what) {
  if (a > 0 && b > kMaxTrajectories / a)
    throw ConfigError(what + " has more than 2^53 trajectories (grid points x samples x paths)");
  return a * b;
}

// Wichura's AS 241 (PPND16) coefficients, Appl. Statist. 37 (1988) 477-484:
// rational approximations in r = 0.180625 - q^2 for |q| <= 0.425 (q = p -
// 1/2), and in r = sqrt(-log(min(p, 1-p))) - 1.6 or - 5 in the tails.
constexpr double kA[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                          1.9715909503065514427e+3, 1.3731693765509461125e+4,
                          4.5921953931549871457e+4, 6.7265770927008700853e+4,
                          3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kB[8] = {1.0,
                          4.2313330701600911252e+1,
                          6.8718700749205790830e+2,
                          5.3941960214247511077e+3,
                          2.1213794301586595867e+4,
                          3.9307895800092710610e+4,
                          2.8729085735721942674e+4,
                          5.2264952788528545610e+3};
constexpr double kC[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                          5.76949722146069140550e0,  3.64784832476320460504e0,
                          1.27045825245236838258e0,  2.41780725177450611770e-1,
                          2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kD[8] = {1.0,
                          2.05319162663775882187e0,
                          1.67638483018380384940e0,
                          6.89767334985100004550e-1,
                          1.48103976427480074590e-1,
                          1.51986665636164571966e-2,
                          5.47593808499534494600e-4,
                          1.05075007164441684324e-9};
constexpr double kE[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                          1.78482653991729133580e0,  2.96560571828504891230e-1,
                          2.65321895265761230930e-2, 1.24266094738807843860e-3,
                          2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kF[8] = {1.0,
                          5.99832206555887937690e-1,
                          1.36929880922735805310e-1,
                          1.48753612908506148525e-2,
                          7.86869131145613259100e-4,
                          1.84631831751005468180e-5,
                          1.42151175831644588870e-7,
                          2.04426310338993978564e-15};

// c[0] + c[1] r + ... + c[7] r^7 by Horner's rule.
double polynomial7(const double* c, double r) {
  double s = c[7];
  for (int k = 6; k >= 0; --k) s = s * r + c[k];
  return s;
}

}  // namespace

// ---- building blocks ----

// The kernels' Philox draw and open-interval map, so that the host-side
// designs and the device-side random numbers are one implementation.
PhiloxBits philox_bits(std::uint64_t seed, std::uint64_t c01, std::uint32_t c2, std::uint32_t c3) {
  const PhiloxOutput r = philox_draw(
      seed, c01, static_cast<std::uint64_t>(c2) | (static_cast<std::uint64_t>(c3) << 32));
  return {r.a, r.b};
}

double unit_open(std::uint64_t bits) {
  return open_unit_interval(bits);
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * polynomial7(kA, r) / polynomial7(kB, r);
  }
  double r = std::sqrt(-std::log(q < 0.0 ? p : 1.0 - p));
  double x;
  if (r <= 5.0) {
    r -= 1.6;
    x = polynomial7(kC, r) / polynomial7(kD, r);
  } else {
    r -= 5.0;
    x = polynomial7(kE, r) / polynomial7(kF, r);
  }
  return q < 0.0 ? -x : x;
}

SobolDirections::SobolDirections(int dimensions) : dimensions_(dimensions) {
  if (dimensions < 0 || dimensions > max_dimensions)
    throw std::invalid_argument("SobolDirections: dimension count out of range");
  if (dimensions == 0) return;
  v_.assign(static_cast<std::size_t>(dimensions) * 64, 0);
  // Boost's engine holds the Joe-Kuo direction numbers but only steps a
  // state forward. Its seed(s) sets the state to the point whose Gray code
  // is gray(s + 1); for s = 2^(r+1) - 2 that Gray code is 2^r, i.e. the point
  // is direction number r itself. Reading them out once lets every point be
  // computed directly, which is what a pure function of the index needs.
  boost::random::sobol_engine<std::uint64_t, 64> engine(static_cast<std::size_t>(dimensions));
  for (int r = 0; r < 64; ++r) {
    const std::uint64_t s =
        r == 63 ? ~std::uint64_t{0} - 1 : (std::uint64_t{1} << (r + 1)) - 2;  // 2^(r+1) - 2
    engine.seed(s);
    for (int d = 0; d < dimensions; ++d) v_[static_cast<std::size_t>(d) * 64 + r] = engine();
  }
}

std::uint64_t SobolDirections::bits(std::uint64_t index, int dimension) const {
  if (dimension < 0 || dimension >= dimensions_)
    throw std::out_of_range("SobolDirections::bits: dimension out of range");
  const std::uint64_t* v = &v_[static_cast<std::size_t>(dimension) * 64];
  std::uint64_t gray = index ^ (index >> 1);
  std::uint64_t x = 0;
  // Branch-free: the bits of a Gray code are unpredictable, and a
  // mispredicted branch per bit would cost more than the XOR.
  for (int r = 0; gray != 0; ++r, gray >>= 1) x ^= v[r] & (std::uint64_t{0} - (gray & 1));
  return x;
}

std::uint64_t permute_index(std::uint64_t i, std::uint64_t n, std::uint64_t seed,
                            std::uint32_t stream) {
  if (i >= n) throw std::out_of_range("permute_index: i >= n");
  if (n == 1) return 0;
  // A balanced Feistel network permutes {0,1}^(2h); 2h is the smallest even
  // bit count covering n, so the domain is < 4n and cycle walking (apply the
  // permutation again until the value lands below n) takes < 4 steps on
  // average; it always ends, because the cycle through i returns to i.
  int bits = 0;
  while (bits < 64 && ((n - 1) >> bits) != 0) ++bits;
  bits += bits & 1;
  const int half = bits / 2;
  const std::uint64_t mask = (std::uint64_t{1} << half) - 1;
  // Four rounds with independent round functions give a pseudo-random
  // permutation (Luby & Rackoff, SIAM J. Comput. 17 (1988) 373-386); here
  // the round function is Philox keyed by the seed, separated by stream.
  const auto encrypt = [&](std::uint64_t x) {
    std::uint64_t left = x >> half, right = x & mask;
    for (std::uint32_t round = 0; round < 4; ++round) {
      const std::uint64_t f =
          philox_bits(seed, right, stream, kPurposeFeistel | (round << 8)).lo & mask;
      const std::uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    return (left << half) | right;
  };
  std::uint64_t x = encrypt(i);
  while (x >= n) x = encrypt(x);
  return x;
}

// ---- DesignValue ----

double DesignValue::axis_value(long long i) const {
  switch (kind) {
    case Kind::list: return items[static_cast<std::size_t>(i)];
    case Kind::linspace:
    case Kind::logspace: return axis_point(kind == Kind::logspace, a, b, n, i);
    default: return a;
  }
}

double DesignValue::quantile(double u) const {
  switch (kind) {
    case Kind::uniform: return a + (b - a) * u;
    case Kind::normal: return a + b * normal_quantile(u);
    case Kind::lognormal: return std::exp(a + b * normal_quantile(u));
    default: return a;
  }
}

DesignValue parse_design_value(const std::string& raw, const std::string& key) {
  const std::string text = trim_spaces(raw);
  const std::string in = " in '" + text + "'";
  DesignValue v;
  std::string name, inside;
  if (!split_call(text, name, inside)) {
    if (text.empty())
      throw ConfigError(key + ": empty value; expected a number or a design such as " +
                        "linspace(a, b, n) or uniform(a, b)");
    try {
      v.a = parse_number(text, key);
    } catch (const ConfigError&) {
      // Text that starts like a number gets parse_number's own message
      // ("out of the range of a double", "not a number").
      const unsigned char c0 = static_cast<unsigned char>(text[0]);
      if (std::isdigit(c0) || c0 == '+' || c0 == '-' || c0 == '.') throw;
      throw ConfigError(key + ": expected a number or a design (list, linspace, logspace, " +
                        "uniform, normal, lognormal), got '" + text + "'");
    }
    v.kind = DesignValue::Kind::fixed;
    return v;
  }
  const std::vector<std::string> args = split_arguments(inside);
  const auto want = [&](std::size_t count, const char* signature) {
    if (args.size() != count)
      throw ConfigError(key + ": " + name + " takes " + std::to_string(count) + " arguments " +
                        signature + ", got " + std::to_string(args.size()) + in);
  };
  const auto number = [&](std::size_t k, const char* arg) {
    return parse_number(args[k], key + ": " + name + " argument " + arg + " = '" + args[k] + "'");
  };

  if (name == "list") {
    if (args.empty()) throw ConfigError(key + ": list() needs at least one value" + in);
    v.kind = DesignValue::Kind::list;
    for (std::size_t k = 0; k < args.size(); ++k)
      v.items.push_back(parse_number(
          args[k], key + ": list item " + std::to_string(k + 1) + " = '" + args[k] + "'"));
    v.n = static_cast<long long>(v.items.size());
    return v;
  }
  if (name == "linspace" || name == "logspace") {
    want(3, "(a, b, n)");
    v.kind = name == "linspace" ? DesignValue::Kind::linspace : DesignValue::Kind::logspace;
    v.a = number(0, "a");
    v.b = number(1, "b");
    v.n = parse_integer(args[2], key + ": " + name + " argument n = '" + args[2] + "'");
    if (v.n < 1)
      throw ConfigError(key + ": " + name + " needs n >= 1, got " + std::to_string(v.n) + in);
    if (v.n > kMaxTrajectories)
      throw ConfigError(key + ": " + name + " n = " + std::to_string(v.n) + " is too large" + in);
    if (v.kind == DesignValue::Kind::logspace &&
        (!std::isfinite(std::pow(10.0, v.a)) || !std::isfinite(std::pow(10.0, v.b))))
      throw ConfigError(key + ": logspace end points 10^a, 10^b overflow a double" + in);
    if (v.kind == DesignValue::Kind::linspace && !std::isfinite(v.b - v.a))
      throw ConfigError(key + ": linspace range b - a overflows a double" + in);
    return v;
  }
  if (name == "uniform") {
    want(2, "(a, b)");
    v.kind = DesignValue::Kind::uniform;
    v.a = number(0, "a");
    v.b = number(1, "b");
    if (!(v.a < v.b))
      throw ConfigError(key + ": uniform(a, b) needs a < b, got a = " + args[0] +
                        ", b = " + args[1] + in);
    if (!std::isfinite(v.b - v.a))
      throw ConfigError(key + ": uniform range b - a overflows a double" + in);
    return v;
  }
  if (name == "normal" || name == "lognormal") {
    want(2, "(mu, sigma)");
    v.kind = name == "normal" ? DesignValue::Kind::normal : DesignValue::Kind::lognormal;
    v.a = number(0, "mu");
    v.b = number(1, "sigma");
    if (!(v.b > 0.0))
      throw ConfigError(key + ": " + name + "(mu, sigma) needs sigma > 0, got " + args[1] + in);
    return v;
  }
  std::string msg = key + ": unknown design function '" + name + "'" + in;
  const std::string near = nearest_name(name, design_functions());
  msg += near.empty() ? "; expected list, linspace, logspace, uniform, normal or lognormal"
                      : "; did you mean '" + near + "'?";
  throw ConfigError(msg);
}

// ---- Design ----

Design make_design(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string& kind_text, std::optional<long long> samples,
                   std::optional<long long> paths, std::uint64_t seed) {
  if (names.size() != values.size())
    throw std::invalid_argument("make_design: names and values differ in length");
  Design d;
  d.names_ = names;
  d.seed_ = seed;
  for (std::size_t k = 0; k < names.size(); ++k)
    d.values_.push_back(parse_design_value(values[k], names[k]));

  int first_distribution = -1, n_distributions = 0;
  for (std::size_t k = 0; k < d.values_.size(); ++k)
    if (d.values_[k].is_distribution()) {
      if (first_distribution < 0) first_distribution = static_cast<int>(k);
      ++n_distributions;
    }

  // The kind: "" lets the values decide, so a pure grid or a plain Monte
  // Carlo needs no [sweep] design line.
  std::string kind = trim_spaces(kind_text);
  if (kind.empty()) {
    kind = n_distributions > 0 || samples ? "random" : "grid";
  } else if (std::find(design_kinds().begin(), design_kinds().end(), kind) ==
             design_kinds().end()) {
    std::string msg = "sweep.design: unknown design '" + kind + "'";
    const std::string near = nearest_name(kind, design_kinds());
    msg +=
        near.empty() ? "; expected grid, random, lhs or sobol" : "; did you mean '" + near + "'?";
    throw ConfigError(msg);
  }
  d.kind_ = kind;
  d.sampling_ = kind == "random"  ? Design::Sampling::random
                : kind == "lhs"   ? Design::Sampling::lhs
                : kind == "sobol" ? Design::Sampling::sobol
                                  : Design::Sampling::grid;

  if (paths && *paths < 1)
    throw ConfigError("sweep.paths: must be >= 1, got " + std::to_string(*paths));
  d.paths_ = paths ? *paths : 1;
  if (samples && *samples < 1)
    throw ConfigError("sweep.samples: must be >= 1, got " + std::to_string(*samples));

  if (kind == "grid") {
    if (first_distribution >= 0) {
      const std::size_t k = static_cast<std::size_t>(first_distribution);
      throw ConfigError(names[k] + ": '" + trim_spaces(values[k]) +
                        "' is a random distribution, but sweep.design = grid takes only " +
                        "numbers and axes (list, linspace, logspace); use design = random, " +
                        "lhs or sobol");
    }
    if (samples)
      throw ConfigError("sweep.samples = " + std::to_string(*samples) +
                        " is not used by design = grid (the axes give the points); remove it " +
                        "or give distributions with design = random, lhs or sobol");
    d.samples_ = 1;
  } else {
    if (n_distributions == 0)
      throw ConfigError("sweep.design = " + kind +
                        " needs at least one random distribution (uniform, normal, lognormal) " +
                        "in [params] or [y0]");
    if (!samples && trim_spaces(kind_text).empty()) {
      const std::size_t k = static_cast<std::size_t>(first_distribution);
      throw ConfigError(names[k] + ": '" + trim_spaces(values[k]) +
                        "' is a random distribution, which needs sweep.samples (the number of " +
                        "points to draw)");
    }
    if (!samples)
      throw ConfigError("sweep.design = " + kind +
                        " needs sweep.samples (the number of points to draw)");
    d.samples_ = *samples;
  }

  // Axis strides, row-major: the last axis in `names` varies fastest.
  d.stride_.assign(names.size(), 0);
  long long stride = 1;
  for (std::size_t k = names.size(); k-- > 0;) {
    if (!d.values_[k].is_axis()) continue;
    d.stride_[k] = stride;
    stride = checked_product(stride, d.values_[k].axis_size(), "the sweep");
  }
  d.grid_points_ = stride;
  checked_product(checked_product(d.grid_points_, d.samples_, "the sweep"), d.paths_, "the sweep");

  if (kind == "sobol") {
    if (n_distributions > SobolDirections::max_dimensions)
      throw ConfigError("sweep.design = sobol supports at most " +
                        std::to_string(SobolDirections::max_dimensions) + " random names, got " +
                        std::to_string(n_distributions));
    d.sobol_ = SobolDirections(n_distributions);
    d.sobol_dim_.assign(names.size(), -1);
    d.sobol_shift_.assign(names.size(), 0);
    int dim = 0;
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (!d.values_[k].is_distribution()) continue;
      d.sobol_dim_[k] = dim++;
      // A random digital shift (XOR with seeded bits) keeps the net
      // structure of the points (every elementary interval still holds its
      // share of points) and makes the seed select a randomised Sobol set
      // (Owen, "Monte Carlo theory, methods and examples", ch. 17; L'Ecuyer
      // & Lemieux 2002). Unshifted, point 0 would sit at u = 2^-53, an
      // 8-sigma outlier of every normal, in every sweep.
      d.sobol_shift_[k] =
          philox_bits(seed, 0, static_cast<std::uint32_t>(k), kPurposeSobolShift).lo;
    }
  }
  return d;
}

double Design::distribution_value(int name, long long sample) const {
  const DesignValue& v = values_[static_cast<std::size_t>(name)];
  const auto s = static_cast<std::uint64_t>(sample);
  const auto pos = static_cast<std::uint32_t>(name);
  double u = 0.5;
  if (sampling_ == Sampling::random) {
    u = unit_open(philox_bits(seed_, s, pos, kPurposeRandom).lo);
  } else if (sampling_ == Sampling::lhs) {
    // Stratum permute(sample) of `samples` equal strata, a uniform position
    // inside it (McKay, Beckman & Conover, Technometrics 21 (1979) 239-245).
    const std::uint64_t stratum =
        permute_index(s, static_cast<std::uint64_t>(samples_), seed_, pos);
    const double jitter = unit_open(philox_bits(seed_, s, pos, kPurposeLhsJitter).lo);
    u = (static_cast<double>(stratum) + jitter) / static_cast<double>(samples_);
    // Rounding of the sum can reach 1 for the last stratum; keep u < 1.
    if (u >= 1.0) u = std::nextafter(1.0, 0.0);
  } else if (sampling_ == Sampling::sobol) {
    const std::size_t k = static_cast<std::size_t>(name);
    u = unit_open(sobol_.bits(s, sobol_dim_[k]) ^ sobol_shift_[k]);
  }
  return v.quantile(u);
}

void Design::values(long long index, double* out) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("Design::values: trajectory index " + std::to_string(index) +
                            " outside [0, " + std::to_string(size()) + ")");
  const long long grid_point = grid_point_of(index);
  const long long sample = sample_of(index);
  for (std::size_t k = 0; k < values_.size(); ++k) {
    const DesignValue& v = values_[k];
    if (v.is_axis()) {
      out[k] = v.axis_value((grid_point / stride_[k]) % v.axis_size());
    } else if (v.is_distribution()) {
      out[k] = distribution_value(static_cast<int>(k), sample);
    } else {
      out[k] = v.a;
    }
  }
}

void Design::fill(long long first, int count, double* out) const {
  const std::size_t n = values_.size();
  for (int i = 0; i < count; ++i) values(first + i, out + static_cast<std::size_t>(i) * n);
}

}  // namespace kode
