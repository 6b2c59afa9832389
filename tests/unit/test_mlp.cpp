// The MLP vector field of neural ODEs (kernels/neural/mlp.hpp): the flat
// weight layout on hand-computed nets; evaluate on doubles against a
// reference forward pass written here with plain loops and std:: functions
// (it walks the flat array sequentially, so it also checks the offsets), for
// every hidden activation, both final activations, time input and learnt
// scale on and off, depths 0-3, widths 1, 5, 16 and in/out sizes 1-3;
// evaluate on dual numbers equals evaluate on doubles in value, bit for bit;
// vjp's v^T df/dy against evaluate seeded with dual numbers in y; vjp's
// v^T df/dtheta against the reference forward pass run with dual-number
// weights and against central finite differences of evaluate; activations
// at their kinks and at extreme arguments; accumulation into theta_bar; the
// Philox initialisation (deterministic, seed-dependent, inside its bounds,
// uniform, index-wise equal to a Kokkos kernel's); validate; the struct
// inside a Kokkos kernel.
//
// Tolerances (all relative to max(1, |reference|)); the worst errors seen
// over all configurations are given for the margin:
//  * kForwardTol = 1e-13, evaluate vs the reference (worst seen 7.9e-15):
//    both sum each layer in the same order (bias, then inputs in order); they
//    differ only in the activations (mlp.hpp's log1p/expm1 built from log and
//    exp, a few ulps, vs std::log1p/expm1; Kokkos vs std tanh) propagated
//    through <= 4 layers of <= 17 terms of size <= ~10. A wrong weight index
//    or formula is an O(0.1) error.
//  * kDerivTol = 1e-12, vjp vs dual numbers (worst seen 2.3e-14): both are
//    exact derivatives up to rounding, computed in a different order and with
//    different activation derivatives (e.g. tanh' as 1 - tanh^2 vs the dual
//    rule, softplus' as sigmoid vs the dual derivative of log(1 + e^x)).
//  * kFdTol = 1e-6, vjp vs the central difference (f(w + h) - f(w - h)) / 2h
//    with h = 1e-5 (worst seen 2.2e-8): truncation h^2 |f'''| / 6, with
//    |f'''| up to ~1e3 here (weights <= 1.5, y <= 2, t <= 3 through up to 4
//    layers), i.e. <= ~2e-8, plus rounding ~eps |f| / h <= 2e-16 * 20 / 1e-5
//    = 4e-10; elu's second derivative jumps at 0, which makes the truncation
//    O(h) for a pre-activation within h of 0. 1e-6 leaves a margin of ~50
//    and still catches a wrong derivative (O(1e-2) or more). A relu kink
//    within h |a| of a pre-activation would break it; the fixed seeds below
//    have none (the dual-number check has no such caveat).
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kode/kernels/counter_rng.hpp"
#include "kode/kernels/dual.hpp"
#include "kode/kernels/neural/mlp.hpp"

namespace {

using kode::DualN;
using kode::Mlp;
using kode::MlpActivation;
using kode::MlpFinalActivation;

constexpr double kForwardTol = 1e-13;
constexpr double kDerivTol = 1e-12;
constexpr double kFdTol = 1e-6;
constexpr double kFdStep = 1e-5;

constexpr MlpActivation kActivations[] = {MlpActivation::softplus, MlpActivation::tanh,
                                          MlpActivation::relu, MlpActivation::silu,
                                          MlpActivation::elu};
constexpr MlpFinalActivation kFinals[] = {MlpFinalActivation::identity, MlpFinalActivation::tanh};

const char* name_of(MlpActivation a) {
  switch (a) {
    case MlpActivation::softplus: return "softplus";
    case MlpActivation::tanh: return "tanh";
    case MlpActivation::relu: return "relu";
    case MlpActivation::silu: return "silu";
    case MlpActivation::elu: return "elu";
  }
  return "?";
}

double rel_err(double x, double ref) {
  return std::fabs(x - ref) / std::max(1.0, std::fabs(ref));
}

struct Config {
  int in, out, width, depth;
  MlpActivation act;
  MlpFinalActivation fin;
  bool time, scale;
};

std::string describe(const Config& c) {
  std::ostringstream s;
  s << "in " << c.in << " out " << c.out << " width " << c.width << " depth " << c.depth << " "
    << name_of(c.act) << " final " << (c.fin == MlpFinalActivation::tanh ? "tanh" : "identity")
    << " time " << c.time << " scale " << c.scale;
  return s.str();
}

Mlp make_mlp(const Config& c) {
  Mlp m;
  m.in_size = c.in;
  m.out_size = c.out;
  m.width = c.width;
  m.depth = c.depth;
  m.activation = c.act;
  m.final_activation = c.fin;
  m.time_input = c.time;
  m.learnt_scale = c.scale;
  return m;
}

// Every combination the brief asks for: 5 activations x 2 finals x time x
// scale x depths 0-3 x widths 1, 5, 16 x (in, out) in {(1,1), (2,3), (3,2)}.
std::vector<Config> all_configs() {
  std::vector<Config> cs;
  const int io[][2] = {{1, 1}, {2, 3}, {3, 2}};
  for (MlpActivation act : kActivations)
    for (MlpFinalActivation fin : kFinals)
      for (int time = 0; time < 2; ++time)
        for (int scale = 0; scale < 2; ++scale)
          for (int depth = 0; depth <= 3; ++depth)
            for (int width : {1, 5, 16})
              for (const auto& p : io)
                cs.push_back({p[0], p[1], width, depth, act, fin, time == 1, scale == 1});
  return cs;
}

// Test weights independent of Mlp::initialize: uniform in (-1.5, 1.5), larger
// than Equinox's init so that pre-activations reach the nonlinear parts;
// scale entries in (0.5, 1.5) so that the scale is not the identity.
std::vector<double> test_weights(const Mlp& m, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> w(-1.5, 1.5), s(0.5, 1.5);
  std::vector<double> v(static_cast<std::size_t>(m.n_weights()));
  for (double& x : v) x = w(gen);
  if (m.learnt_scale)
    for (int i = 0; i < m.out_size; ++i) v[static_cast<std::size_t>(m.scale_offset() + i)] = s(gen);
  return v;
}

// ---- the reference forward pass, generic in the scalar S of the weights
// and values (double with std:: functions, DualN<K> with kode::math) ----

double r_exp(double x) {
  return std::exp(x);
}
double r_tanh(double x) {
  return std::tanh(x);
}
double r_log1p(double x) {
  return std::log1p(x);
}
double r_expm1(double x) {
  return std::expm1(x);
}
template <int K>
DualN<K> r_exp(const DualN<K>& x) {
  return kode::math::exp(x);
}
template <int K>
DualN<K> r_tanh(const DualN<K>& x) {
  return kode::math::tanh(x);
}
template <int K>
DualN<K> r_log1p(const DualN<K>& x) {
  return kode::math::log(1.0 + x);
}
template <int K>
DualN<K> r_expm1(const DualN<K>& x) {
  return kode::math::exp(x) - 1.0;
}

// The textbook formulas (see mlp.hpp's MlpActivation for the sources).
template <class S>
S ref_activation(MlpActivation a, const S& x) {
  switch (a) {
    case MlpActivation::softplus: return x > 0.0 ? x + r_log1p(r_exp(-x)) : r_log1p(r_exp(x));
    case MlpActivation::tanh: return r_tanh(x);
    case MlpActivation::relu: return x > 0.0 ? x : S(0.0);
    case MlpActivation::silu: return x / (1.0 + r_exp(-x));
    case MlpActivation::elu: return x > 0.0 ? x : r_expm1(x);
  }
  return x;
}

// Walks the flat array front to back as documented (W_l [out, in] row-major,
// b_l [out], per layer; then the scale), independently of Mlp's offsets, and
// returns f(t, y); `used` is the number of weights read.
template <class S>
std::vector<S> ref_forward(const Config& c, const std::vector<S>& w, double t,
                           const std::vector<S>& y, std::size_t* used = nullptr) {
  std::vector<int> sizes{c.in + (c.time ? 1 : 0)};
  for (int l = 0; l < c.depth; ++l) sizes.push_back(c.width);
  sizes.push_back(c.out);
  std::vector<S> a(y);
  if (c.time) a.push_back(S(t));
  std::size_t p = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const int n_in = sizes[l], n_out = sizes[l + 1];
    const std::size_t W = p, b = p + static_cast<std::size_t>(n_out * n_in);
    p = b + static_cast<std::size_t>(n_out);
    std::vector<S> z(static_cast<std::size_t>(n_out));
    for (int i = 0; i < n_out; ++i) {
      S s = w[b + i];
      for (int j = 0; j < n_in; ++j) s += w[W + i * n_in + j] * a[j];
      const bool hidden = l + 2 < sizes.size();
      if (hidden)
        s = ref_activation(c.act, s);
      else if (c.fin == MlpFinalActivation::tanh)
        s = r_tanh(s);
      z[i] = s;
    }
    a = z;
  }
  if (c.scale) {
    for (int i = 0; i < c.out; ++i) a[i] = w[p + i] * a[i];
    p += static_cast<std::size_t>(c.out);
  }
  if (used) *used = p;
  return a;
}

// Sample inputs: y in (-2, 2), t in (0, 3), v in (-1, 1).
struct Point {
  double t;
  std::vector<double> y, v;
};
std::vector<Point> sample_points(const Config& c, unsigned seed, int n) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> ys(-2.0, 2.0), ts(0.0, 3.0), vs(-1.0, 1.0);
  std::vector<Point> ps;
  for (int k = 0; k < n; ++k) {
    Point p{ts(gen), {}, {}};
    for (int i = 0; i < c.in; ++i) p.y.push_back(ys(gen));
    for (int i = 0; i < c.out; ++i) p.v.push_back(vs(gen));
    ps.push_back(p);
  }
  return ps;
}

std::vector<double> eval(const Mlp& m, const std::vector<double>& w, const Point& p) {
  Mlp mw = m;
  mw.weights = w.data();
  std::vector<double> out(static_cast<std::size_t>(m.out_size));
  mw.evaluate(p.t, p.y.data(), out.data());
  return out;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

TEST_CASE("Mlp: trivially copyable, small, flat layout of hand-counted nets", "[mlp]") {
  STATIC_REQUIRE(std::is_trivially_copyable<Mlp>::value);
  STATIC_REQUIRE(std::is_trivially_copyable<kode::BasicMlp<8, 2, 4>>::value);
  STATIC_REQUIRE(sizeof(Mlp) <= 48);
  STATIC_REQUIRE(Mlp::max_width == 128 && Mlp::max_depth == 8 && Mlp::max_in_out == 16);

  // in 2 (+ t), width 3, depth 2, out 1, scale: 3 x (3 + 1) + 3 x (3 + 1) +
  // 1 x (3 + 1) + 1 = 29.
  Mlp m = make_mlp({2, 1, 3, 2, MlpActivation::tanh, MlpFinalActivation::identity, true, true});
  CHECK(m.n_inputs() == 3);
  CHECK(m.n_layers() == 3);
  CHECK(m.layer_offset(0) == 0);
  CHECK(m.layer_offset(1) == 12);
  CHECK(m.layer_offset(2) == 24);
  CHECK(m.scale_offset() == 28);
  CHECK(m.n_weights() == 29);
  CHECK(m.layer_in(0) == 3);
  CHECK(m.layer_in(2) == 3);
  CHECK(m.layer_out(2) == 1);
  m.learnt_scale = false;
  m.time_input = false;
  CHECK(m.n_weights() == 3 * 3 + 12 + 4);

  // Every configuration: the offsets agree with the sequential walk.
  for (const Config& c : all_configs()) {
    const Mlp mc = make_mlp(c);
    std::vector<double> w(static_cast<std::size_t>(mc.n_weights()), 0.0);
    std::size_t used = 0;
    ref_forward(c, w, 0.0, std::vector<double>(static_cast<std::size_t>(c.in), 0.0), &used);
    INFO(describe(c));
    CHECK(used == static_cast<std::size_t>(mc.n_weights()));
  }
}

TEST_CASE("Mlp: hand-computed outputs fix the row-major W [out, in], the bias and the t column",
          "[mlp]") {
  // depth 0, in 2, out 2, identity: W = [[1, 2], [3, 4]], b = [5, 6], y = (1, 10):
  // f = (1 + 20 + 5, 3 + 40 + 6) = (26, 49); W^T would give (36, 48).
  Mlp m = make_mlp({2, 2, 1, 0, MlpActivation::relu, MlpFinalActivation::identity, false, false});
  const double w[] = {1, 2, 3, 4, 5, 6};
  m.weights = w;
  const double y[] = {1.0, 10.0};
  double f[2];
  m.evaluate(0.0, y, f);
  CHECK(f[0] == 26.0);
  CHECK(f[1] == 49.0);

  // With time input and scale: in 1 (+ t), out 1: W = [2, 3], b = 1, scale 0.5,
  // at t = 4, y = 5: 0.5 (2 5 + 3 4 + 1) = 11.5.
  Mlp mt = make_mlp({1, 1, 1, 0, MlpActivation::relu, MlpFinalActivation::identity, true, true});
  const double wt[] = {2, 3, 1, 0.5};
  mt.weights = wt;
  const double yt[] = {5.0};
  double ft[1];
  mt.evaluate(4.0, yt, ft);
  CHECK(ft[0] == 11.5);
  // d/dy = 0.5 2 = 1, not t's column; d/dW = 0.5 (5, 4), d/db = 0.5, d/dscale = 23.
  double vy[1] = {-7.0}, tb[4] = {0, 0, 0, 0};
  const double v[] = {1.0};
  mt.vjp(4.0, yt, v, vy, tb);
  CHECK(vy[0] == 1.0);
  CHECK(tb[0] == 2.5);
  CHECK(tb[1] == 2.0);
  CHECK(tb[2] == 0.5);
  CHECK(tb[3] == 23.0);

  // One hidden relu unit: out = 2 relu(y - 1) + 3; at y = 4: 9, at y = 0: 3.
  Mlp mh = make_mlp({1, 1, 1, 1, MlpActivation::relu, MlpFinalActivation::identity, false, false});
  const double wh[] = {1, -1, 2, 3};
  mh.weights = wh;
  const double y4[] = {4.0}, y0[] = {0.0};
  double fh[1];
  mh.evaluate(0.0, y4, fh);
  CHECK(fh[0] == 9.0);
  mh.evaluate(0.0, y0, fh);
  CHECK(fh[0] == 3.0);
}

TEST_CASE("Mlp: evaluate on doubles equals the reference forward pass; dual values equal it",
          "[mlp]") {
  int n_configs = 0;
  for (const Config& c : all_configs()) {
    const Mlp m0 = make_mlp(c);
    REQUIRE(m0.validation_error().empty());
    const std::vector<double> w = test_weights(m0, 11u + static_cast<unsigned>(n_configs));
    Mlp m = m0;
    m.weights = w.data();
    double worst = 0.0;
    bool dual_values_equal = true;
    for (const Point& p : sample_points(c, 7u + static_cast<unsigned>(n_configs), 4)) {
      const std::vector<double> ref = ref_forward(c, w, p.t, p.y);
      std::vector<double> out(static_cast<std::size_t>(c.out));
      m.evaluate(p.t, p.y.data(), out.data());
      for (int i = 0; i < c.out; ++i) worst = std::max(worst, rel_err(out[i], ref[i]));

      std::vector<DualN<3>> yd, outd(static_cast<std::size_t>(c.out));
      for (int i = 0; i < c.in; ++i) yd.push_back(DualN<3>::variable(p.y[i], i));
      m.evaluate(p.t, yd.data(), outd.data());
      for (int i = 0; i < c.out; ++i) dual_values_equal = dual_values_equal && outd[i].v == out[i];

      // out may alias y when in == out.
      if (c.in == c.out) {
        std::vector<double> inout(p.y);
        m.evaluate(p.t, inout.data(), inout.data());
        for (int i = 0; i < c.out; ++i) dual_values_equal = dual_values_equal && inout[i] == out[i];
      }
    }
    INFO(describe(c) << ": worst relative error " << worst);
    CHECK(worst <= kForwardTol);
    CHECK(dual_values_equal);
    ++n_configs;
  }
  CHECK(n_configs == 5 * 2 * 2 * 2 * 4 * 3 * 3);
}

TEST_CASE("Mlp: vjp against dual numbers (y and theta) and finite differences (theta)", "[mlp]") {
  constexpr int kChunk = 8;  // weights seeded per reference pass
  using D = DualN<kChunk>;
  int n_configs = 0;
  for (const Config& c : all_configs()) {
    const Mlp m0 = make_mlp(c);
    const std::vector<double> w = test_weights(m0, 101u + static_cast<unsigned>(n_configs));
    Mlp m = m0;
    m.weights = w.data();
    const std::size_t nw = w.size();
    double worst_y = 0.0, worst_theta = 0.0, worst_fd = 0.0;
    for (const Point& p : sample_points(c, 203u + static_cast<unsigned>(n_configs), 2)) {
      std::vector<double> vjp_y(static_cast<std::size_t>(c.in), 0.0), theta_bar(nw, 0.0);
      m.vjp(p.t, p.y.data(), p.v.data(), vjp_y.data(), theta_bar.data());

      // v^T df/dy: evaluate with y seeded as dual-number variables.
      std::vector<DualN<3>> yd, outd(static_cast<std::size_t>(c.out));
      for (int i = 0; i < c.in; ++i) yd.push_back(DualN<3>::variable(p.y[i], i));
      m.evaluate(p.t, yd.data(), outd.data());
      for (int j = 0; j < c.in; ++j) {
        double ref = 0.0;
        for (int i = 0; i < c.out; ++i) ref += p.v[i] * kode::tangent(outd[i], j);
        worst_y = std::max(worst_y, rel_err(vjp_y[j], ref));
      }

      // v^T df/dtheta: the reference forward pass with kChunk weights at a
      // time seeded as dual-number variables.
      std::vector<D> yc(p.y.begin(), p.y.end());
      for (std::size_t k0 = 0; k0 < nw; k0 += kChunk) {
        std::vector<D> wd(w.begin(), w.end());
        for (std::size_t k = k0; k < std::min(nw, k0 + kChunk); ++k)
          wd[k] = D::variable(w[k], static_cast<int>(k - k0));
        const std::vector<D> out = ref_forward(c, wd, p.t, yc);
        for (std::size_t k = k0; k < std::min(nw, k0 + kChunk); ++k) {
          double ref = 0.0;
          for (int i = 0; i < c.out; ++i) ref += p.v[i] * out[i].d[k - k0];
          worst_theta = std::max(worst_theta, rel_err(theta_bar[k], ref));
        }
      }

      // v^T df/dtheta: central differences of evaluate.
      std::vector<double> wp(w);
      for (std::size_t k = 0; k < nw; ++k) {
        wp[k] = w[k] + kFdStep;
        const double fp = dot(p.v, eval(m0, wp, p));
        wp[k] = w[k] - kFdStep;
        const double fm = dot(p.v, eval(m0, wp, p));
        wp[k] = w[k];
        worst_fd = std::max(worst_fd, rel_err(theta_bar[k], (fp - fm) / (2.0 * kFdStep)));
      }
    }
    INFO(describe(c) << ": worst relative errors y " << worst_y << ", theta " << worst_theta
                     << ", theta finite differences " << worst_fd);
    CHECK(worst_y <= kDerivTol);
    CHECK(worst_theta <= kDerivTol);
    CHECK(worst_fd <= kFdTol);
    ++n_configs;
  }
}

namespace {

// f(y) = act(y): in 1, out 1, width 1, depth 1, W_0 = 1, b_0 = 0, W_1 = 1,
// b_1 = 0, so evaluate gives the activation and vjp (v = 1) its derivative.
struct Probe {
  double w[4] = {1.0, 0.0, 1.0, 0.0};
  Mlp m;
  explicit Probe(MlpActivation a) {
    m = make_mlp({1, 1, 1, 1, a, MlpFinalActivation::identity, false, false});
    m.weights = w;
  }
  Probe(const Probe&) = delete;
  double value(double x) const {
    double f;
    m.evaluate(0.0, &x, &f);
    return f;
  }
  double derivative(double x) const {
    const double v = 1.0;
    double dy, tb[4] = {0, 0, 0, 0};
    m.vjp(0.0, &x, &v, &dy, tb);
    return dy;
  }
  double dual_derivative(double x) const {
    const kode::Dual xd = kode::Dual::variable(x);
    kode::Dual f;
    m.evaluate(0.0, &xd, &f);
    return f.d;
  }
};

}  // namespace

TEST_CASE("Mlp: activations at their kinks, near 0 and at extreme arguments", "[mlp]") {
  // Derivatives at exactly 0: relu 0 (as jax.nn.relu), softplus and silu 1/2,
  // tanh and elu 1 -- from vjp and from dual numbers.
  const std::pair<MlpActivation, double> at_zero[] = {{MlpActivation::relu, 0.0},
                                                      {MlpActivation::softplus, 0.5},
                                                      {MlpActivation::silu, 0.5},
                                                      {MlpActivation::tanh, 1.0},
                                                      {MlpActivation::elu, 1.0}};
  for (const auto& [a, d0] : at_zero) {
    const Probe p(a);
    INFO(name_of(a));
    CHECK(p.value(0.0) == (a == MlpActivation::softplus ? std::log(2.0) : 0.0));
    CHECK(p.derivative(0.0) == d0);
    CHECK(p.dual_derivative(0.0) == d0);
  }

  // Closed forms at moderate and extreme points, relative to |reference|
  // (not max(1, .)): softplus and elu keep full relative accuracy where they
  // are tiny (the log1p / expm1 constructions of mlp.hpp), and nothing
  // overflows. References: std::log1p / std::expm1 / std::exp.
  const double xs[] = {-800.0, -40.0, -5.0, -1e-9, 1e-12, 0.3, 7.0, 800.0};
  for (MlpActivation a : kActivations) {
    const Probe p(a);
    for (double x : xs) {
      double f = 0.0, df = 0.0;
      switch (a) {
        case MlpActivation::softplus:
          f = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
          df = x > 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
          break;
        case MlpActivation::tanh:
          f = std::tanh(x);
          df = 1.0 - f * f;
          break;
        case MlpActivation::relu:
          f = x > 0 ? x : 0.0;
          df = x > 0 ? 1.0 : 0.0;
          break;
        case MlpActivation::silu: {
          const double s = x > 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
          f = x * s;
          df = s * (1.0 + x * (1.0 - s));
          break;
        }
        case MlpActivation::elu:
          f = x > 0 ? x : std::expm1(x);
          df = x > 0 ? 1.0 : std::exp(x);
          break;
      }
      INFO(name_of(a) << " at " << x << ": value " << p.value(x) << " vs " << f << ", derivative "
                      << p.derivative(x) << " / " << p.dual_derivative(x) << " vs " << df);
      CHECK(std::isfinite(p.value(x)));
      CHECK(std::isfinite(p.derivative(x)));
      CHECK(std::isfinite(p.dual_derivative(x)));
      CHECK(std::fabs(p.value(x) - f) <= 1e-14 * std::fabs(f));
      CHECK(std::fabs(p.derivative(x) - df) <= 1e-14 * std::fabs(df));
      CHECK(std::fabs(p.dual_derivative(x) - df) <= 1e-14 * std::fabs(df));
    }
  }
}

TEST_CASE("Mlp: vjp accumulates into theta_bar and overwrites vjp_y", "[mlp]") {
  for (MlpActivation act : kActivations) {
    const Config c{3, 2, 5, 2, act, MlpFinalActivation::tanh, true, true};
    Mlp m = make_mlp(c);
    const std::vector<double> w = test_weights(m, 5u);
    m.weights = w.data();
    const Point p = sample_points(c, 9u, 1)[0];
    const std::size_t nw = w.size();

    std::vector<double> once(nw, 0.0), twice(nw, 0.0), vy(3, 99.0), vy2(3, -5.0);
    m.vjp(p.t, p.y.data(), p.v.data(), vy.data(), once.data());
    m.vjp(p.t, p.y.data(), p.v.data(), vy2.data(), twice.data());
    m.vjp(p.t, p.y.data(), p.v.data(), vy2.data(), twice.data());
    INFO(name_of(act));
    bool doubled = true, nonzero = false;
    for (std::size_t k = 0; k < nw; ++k) {
      doubled = doubled && twice[k] == 2.0 * once[k];  // g + g = 2 g exactly
      nonzero = nonzero || once[k] != 0.0;
    }
    CHECK(doubled);
    CHECK(nonzero);
    CHECK(vy == vy2);  // overwritten, not accumulated

    // Onto arbitrary contents: prior + g.
    std::vector<double> prior(nw);
    for (std::size_t k = 0; k < nw; ++k) prior[k] = 0.25 * static_cast<double>(k) - 3.0;
    std::vector<double> acc(prior);
    m.vjp(p.t, p.y.data(), p.v.data(), vy.data(), acc.data());
    bool added = true;
    for (std::size_t k = 0; k < nw; ++k) added = added && acc[k] == prior[k] + once[k];
    CHECK(added);
  }
}

TEST_CASE("Mlp: initialize as Equinox's Linear, with Philox from (seed, index)", "[mlp]") {
  // in 16 (+ t), width 128, depth 2, out 16, scale: the 128 x 128 layer has
  // 16512 entries uniform in (-b, b), b = 1/sqrt(128).
  Mlp m = make_mlp({16, 16, 128, 2, MlpActivation::softplus, MlpFinalActivation::tanh, true, true});
  REQUIRE(m.validation_error().empty());
  const std::size_t nw = static_cast<std::size_t>(m.n_weights());
  std::vector<double> a(nw), b(nw), other(nw);
  m.initialize(42, a.data());
  m.initialize(42, b.data());
  m.initialize(43, other.data());
  CHECK(a == b);
  std::size_t same = 0;
  for (std::size_t k = 0; k < static_cast<std::size_t>(m.scale_offset()); ++k)
    same += a[k] == other[k] ? 1 : 0;
  CHECK(same == 0);

  // initial_weight(seed, k) is initialize's value, bit for bit; bounds per
  // layer (strict: open_unit_interval excludes 0 and 1); scale = 1.
  bool equal = true, inside = true;
  for (int l = 0; l < m.n_layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(m.layer_in(l)));
    const int begin = m.layer_offset(l), end = begin + m.layer_out(l) * (m.layer_in(l) + 1);
    CHECK(end == (l + 1 < m.n_layers() ? m.layer_offset(l + 1) : m.scale_offset()));
    for (int k = begin; k < end; ++k) {
      inside = inside && std::fabs(a[static_cast<std::size_t>(k)]) < bound;
      equal = equal && m.initial_weight(42, k) == a[static_cast<std::size_t>(k)];
    }
  }
  CHECK(equal);
  CHECK(inside);

  // The draw itself, so that a seed gives the same initial net in every
  // version: weight k is (2 u - 1) / sqrt(fan_in), u = open_unit_interval of
  // the first 64 bits of Philox4x32-10 with key = seed, counter = (k, stream
  // "KMLP" = 0x4b4d4c50).
  for (int k : {0, 5, m.layer_offset(1) - 1, m.layer_offset(1), m.layer_offset(2) + 3,
                m.scale_offset() - 1}) {
    const int fan_in = k < m.layer_offset(1) ? 17 : 128;
    const double u = kode::open_unit_interval(
        kode::philox_draw(42, static_cast<std::uint64_t>(k), 0x4b4d4c50u).a);
    INFO("weight " << k);
    CHECK(a[static_cast<std::size_t>(k)] ==
          (2.0 * u - 1.0) / std::sqrt(static_cast<double>(fan_in)));
  }
  for (int i = 0; i < m.out_size; ++i) {
    CHECK(a[static_cast<std::size_t>(m.scale_offset() + i)] == 1.0);
    CHECK(m.initial_weight(42, m.scale_offset() + i) == 1.0);
  }

  // The bound uses the layer's fan_in: the first layer (fan_in 17) reaches
  // beyond the 128-wide layers' bound 1/sqrt(128) = 0.088.
  double first_max = 0.0;
  for (int k = 0; k < m.layer_offset(1); ++k)
    first_max = std::max(first_max, std::fabs(a[static_cast<std::size_t>(k)]));
  CHECK(first_max > 0.2);

  // Uniform on (-b, b) in the 128 x 128 layer, n = 16512: mean 0 with
  // standard error b / sqrt(3 n); mean square b^2 / 3 with standard error
  // b^2 sqrt(4 / (45 n)); counts in 10 equal bins chi-square with 9 degrees
  // of freedom, whose 99.99% quantile is 33.7. Thresholds: 5 standard errors.
  const int begin = m.layer_offset(1), end = m.layer_offset(2);
  const double n = static_cast<double>(end - begin), bound = 1.0 / std::sqrt(128.0);
  double sum = 0.0, sum2 = 0.0;
  int bins[10] = {};
  for (int k = begin; k < end; ++k) {
    const double x = a[static_cast<std::size_t>(k)];
    sum += x;
    sum2 += x * x;
    ++bins[std::min(9, static_cast<int>((x + bound) / (2.0 * bound) * 10.0))];
  }
  const double mean = sum / n, mean2 = sum2 / n;
  double chi2 = 0.0;
  for (int c : bins) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
  INFO("mean " << mean << ", mean square " << mean2 << " vs " << bound * bound / 3.0 << ", chi2 "
               << chi2);
  CHECK(std::fabs(mean) < 5.0 * bound / std::sqrt(3.0 * n));
  CHECK(std::fabs(mean2 - bound * bound / 3.0) < 5.0 * bound * bound * std::sqrt(4.0 / (45.0 * n)));
  CHECK(chi2 < 33.7);

  // Without a scale vector, nothing is written past the last bias.
  m.learnt_scale = false;
  std::vector<double> c(nw + 1, -9.0);
  m.initialize(42, c.data());
  CHECK(c[static_cast<std::size_t>(m.n_weights())] == -9.0);
  CHECK(std::equal(c.begin(), c.begin() + m.n_weights(), a.begin()));
}

TEST_CASE("Mlp: validate rejects out-of-bounds sizes and kinds, naming the value", "[mlp]") {
  const auto message = [](const auto& m) -> std::string {
    try {
      m.validate();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  const Mlp good =
      make_mlp({2, 2, 16, 2, MlpActivation::softplus, MlpFinalActivation::identity, true, true});
  CHECK(good.validation_error().empty());
  CHECK_NOTHROW(good.validate());
  Mlp edge = good;
  edge.in_size = 16;
  edge.out_size = 16;
  edge.width = 128;
  edge.depth = 8;
  CHECK(edge.validation_error().empty());
  edge.depth = 0;
  CHECK(edge.validation_error().empty());

  struct Bad {
    void (*set)(Mlp&);
    const char* field;
    const char* value;
  };
  const Bad bads[] = {
      {[](Mlp& m) { m.width = 0; }, "width", "= 0 "},
      {[](Mlp& m) { m.width = 129; }, "width", "= 129 "},
      {[](Mlp& m) { m.width = -3; }, "width", "= -3 "},
      {[](Mlp& m) { m.depth = 9; }, "depth", "= 9 "},
      {[](Mlp& m) { m.depth = -1; }, "depth", "= -1 "},
      {[](Mlp& m) { m.in_size = 0; }, "in_size", "= 0 "},
      {[](Mlp& m) { m.in_size = 17; }, "in_size", "= 17 "},
      {[](Mlp& m) { m.out_size = 0; }, "out_size", "= 0 "},
      {[](Mlp& m) { m.out_size = 40; }, "out_size", "= 40 "},
      {[](Mlp& m) { m.activation = static_cast<MlpActivation>(7); }, "activation", "= 7 "},
      {[](Mlp& m) { m.final_activation = static_cast<MlpFinalActivation>(2); }, "final_activation",
       "= 2 "},
  };
  for (const Bad& bad : bads) {
    Mlp m = good;
    bad.set(m);
    const std::string e = message(m);
    INFO("message: " << e);
    CHECK(e == m.validation_error());
    CHECK(e.find(std::string(bad.field) + " " + bad.value) != std::string::npos);
  }
  // A width of 0 is rejected also where depth 0 does not use it.
  Mlp w0 = good;
  w0.depth = 0;
  w0.width = 0;
  CHECK_THROWS_AS(w0.validate(), std::invalid_argument);

  // Smaller compile-time bounds are reported as such.
  kode::BasicMlp<8, 2, 4> small;
  small.width = 9;
  CHECK(message(small).find("width = 9 is out of range [1, 8]") != std::string::npos);
  small.width = 8;
  small.depth = 3;
  CHECK(message(small).find("depth = 3 is out of range [0, 2]") != std::string::npos);
  small.depth = 2;
  small.in_size = 5;
  CHECK(message(small).find("in_size = 5 is out of range [1, 4]") != std::string::npos);
  small.in_size = 4;
  small.out_size = 4;
  CHECK(message(small).empty());
}

TEST_CASE("Mlp: inside a Kokkos kernel, weights in a View, per-trajectory evaluate and vjp",
          "[mlp]") {
  const Config c{3, 3, 16, 2, MlpActivation::softplus, MlpFinalActivation::tanh, true, true};
  Mlp m = make_mlp(c);
  const int nw = m.n_weights(), n = 64;

  // Initialise on the device, one weight per thread, and compare with the
  // host's sequential initialize: Philox from (seed, index) is order-free.
  Kokkos::View<double*> weights("kode::test_mlp::weights", nw);
  {
    const Mlp mi = m;
    Kokkos::parallel_for(
        "kode::test_mlp::initialize", Kokkos::RangePolicy<>(0, nw),
        KOKKOS_LAMBDA(const int k) { weights(k) = mi.initial_weight(7, k); });
  }
  auto weights_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), weights);
  std::vector<double> host_w(static_cast<std::size_t>(nw));
  m.initialize(7, host_w.data());
  bool same_init = true;
  for (int k = 0; k < nw; ++k) same_init = same_init && weights_h(k) == host_w[k];
  CHECK(same_init);

  Kokkos::View<double*[3]> y("kode::test_mlp::y", n), v("kode::test_mlp::v", n),
      f("kode::test_mlp::f", n), vy("kode::test_mlp::vjp_y", n);
  Kokkos::View<double**, Kokkos::LayoutRight> theta_bar("kode::test_mlp::theta_bar", n, nw);
  auto y_h = Kokkos::create_mirror_view(y);
  auto v_h = Kokkos::create_mirror_view(v);
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j) {
      y_h(i, j) = u(gen);
      v_h(i, j) = u(gen);
    }
  Kokkos::deep_copy(y, y_h);
  Kokkos::deep_copy(v, v_h);

  Mlp md = m;
  md.weights = weights.data();
  Kokkos::parallel_for(
      "kode::test_mlp::evaluate_vjp", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(const int i) {
        double yi[3], vi[3], fi[3], vyi[3];
        for (int j = 0; j < 3; ++j) {
          yi[j] = y(i, j);
          vi[j] = v(i, j);
        }
        const double t = 0.1 * i;
        md.evaluate(t, yi, fi);
        md.vjp(t, yi, vi, vyi, &theta_bar(i, 0));
        for (int j = 0; j < 3; ++j) {
          f(i, j) = fi[j];
          vy(i, j) = vyi[j];
        }
      });
  auto f_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), f);
  auto vy_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), vy);
  auto tb_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), theta_bar);

  // Against the host: the reference forward pass, and the host's vjp (on a
  // GPU, contractions into fused multiply-adds may differ: a tolerance).
  Mlp mh = m;
  mh.weights = host_w.data();
  double worst_f = 0.0, worst_vjp = 0.0;
  for (int i = 0; i < n; ++i) {
    std::vector<double> yi(3), vi(3);
    for (int j = 0; j < 3; ++j) {
      yi[j] = y_h(i, j);
      vi[j] = v_h(i, j);
    }
    const std::vector<double> ref = ref_forward(c, host_w, 0.1 * i, yi);
    std::vector<double> vyh(3), tbh(static_cast<std::size_t>(nw), 0.0);
    mh.vjp(0.1 * i, yi.data(), vi.data(), vyh.data(), tbh.data());
    for (int j = 0; j < 3; ++j) {
      worst_f = std::max(worst_f, rel_err(f_h(i, j), ref[j]));
      worst_vjp = std::max(worst_vjp, rel_err(vy_h(i, j), vyh[j]));
    }
    for (int k = 0; k < nw; ++k)
      worst_vjp = std::max(worst_vjp, rel_err(tb_h(i, k), tbh[static_cast<std::size_t>(k)]));
  }
  INFO("worst relative errors: f " << worst_f << ", vjp " << worst_vjp);
  CHECK(worst_f <= kForwardTol);
  CHECK(worst_vjp <= kDerivTol);
}
