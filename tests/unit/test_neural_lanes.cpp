// The neural ODE's vector field in SIMD lanes (kernels/neural/mlp.hpp on
// LanePack<W>, kernels/models/neural_ode.hpp lane-capable): W trajectories
// per evaluation must give every lane the bits of the one-trajectory code.
//  - Mlp::evaluate on packs of W = 2, 4, 8 against evaluate<double> lane by
//    lane, bit for bit, for every hidden activation, both final activations,
//    with and without the time input and the learnt scale, depth 0 and
//    deeper nets (widths that leave a remainder after the four-row blocks),
//    at inputs that take every branch of the activations (kinks, tiny and
//    huge arguments, infinities, NaN); and on LaneDual (forward sensitivities
//    in lanes) against DualN, values and tangents;
//  - whole batch solves of neural_ode models through the lanes kernel against
//    the one-trajectory kernel: states, saves, step records, counts, statuses,
//    for tsit5, dopri5, bosh3 and euler, adaptive and constant steps; and
//    forward sensitivities in lanes against one trajectory per thread.
#include <Kokkos_Core.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../lane_batches.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/sensitivity/forward_sensitivity.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/neural_ode.hpp"
#include "kode/kernels/neural/mlp.hpp"
#include "kode/kernels/simd/lane_pack.hpp"

#if KODE_HAVE_LANES
namespace {

using kode::Mlp;
using kode::MlpActivation;
using kode::MlpFinalActivation;
using kode_test::bits;

constexpr MlpActivation kActivations[] = {MlpActivation::softplus, MlpActivation::tanh,
                                          MlpActivation::relu, MlpActivation::silu,
                                          MlpActivation::elu};

// Equinox's initial weights for `seed`, times `gain` (so that hidden units
// reach the activations' tails), with the learnt scale (initially 1) set to
// values away from 1, so that it changes the bits.
std::vector<double> random_weights(const Mlp& m, std::uint64_t seed, double gain) {
  std::vector<double> w(m.n_weights());
  m.initialize(seed, w.data());
  for (int k = 0; k < m.scale_offset(); ++k) w[k] *= gain;
  for (int i = 0; m.learnt_scale && i < m.out_size; ++i) w[m.scale_offset() + i] = 0.5 + 0.3 * i;
  return w;
}

// Input number `k` of a sweep that covers the activations' branches: zeros
// of both signs, tiny values (log1p/expm1 at their rounding limits), moderate
// values of both signs, huge ones (e^-|x| underflows), infinities and NaN.
double probe(int k) {
  static const double special[] = {0.0,
                                   -0.0,
                                   1e-300,
                                   -1e-300,
                                   1e-17,
                                   -1e-17,
                                   40.0,
                                   -40.0,
                                   800.0,
                                   -800.0,
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN()};
  constexpr int n_special = sizeof(special) / sizeof(special[0]);
  if (k % 3 == 0) return special[(k / 3) % n_special];
  return 3.0 * std::sin(1.7 * k + 0.4) * (k % 5 == 1 ? 10.0 : 1.0);
}

template <int W>
void check_evaluate_on_packs(const Mlp& m, int n_points) {
  using Pack = kode::LanePack<W>;
  const int n_in = m.in_size, n_out = m.out_size;
  for (int first = 0; first < n_points; first += W) {
    Pack y[Mlp::max_in_out], out[Mlp::max_in_out], t;
    double ys[W][Mlp::max_in_out], ts[W];
    for (int l = 0; l < W; ++l) {
      const int point = first + l;
      ts[l] = point % 4 == 3 ? probe(7 * point + 1) : 0.25 * point;
      t.set(l, ts[l]);
      for (int j = 0; j < n_in; ++j) {
        ys[l][j] = probe(point * n_in + j);
        y[j].set(l, ys[l][j]);
      }
    }
    m.evaluate(t, y, out);
    for (int l = 0; l < W; ++l) {
      double expected[Mlp::max_in_out];
      m.evaluate(ts[l], ys[l], expected);
      for (int i = 0; i < n_out; ++i) {
        INFO("W " << W << ", point " << first + l << ", output " << i << ": lanes " << out[i][l]
                  << ", scalar " << expected[i]);
        REQUIRE(bits(out[i][l]) == bits(expected[i]));
      }
    }
  }
}

// Forward sensitivities in lanes evaluate the network on LaneDual numbers:
// each lane's value and tangents must be DualN's.
template <int K, int W>
void check_evaluate_on_lane_duals(const Mlp& m, int n_points) {
  using Pack = kode::LanePack<W>;
  using LD = kode::LaneDual<K, W>;
  using D = kode::DualN<K>;
  const int n_in = m.in_size, n_out = m.out_size;
  for (int first = 0; first < n_points; first += W) {
    LD y[Mlp::max_in_out], out[Mlp::max_in_out];
    D yd[W][Mlp::max_in_out];
    Pack t;
    double ts[W];
    for (int l = 0; l < W; ++l) {
      const int point = first + l;
      ts[l] = 0.5 * point;
      t.set(l, ts[l]);
      for (int j = 0; j < n_in; ++j) {
        yd[l][j] = D::variable(probe(point * n_in + j), j % K);
        kode::dual_detail::tangent_ref(yd[l][j], (j + 1) % K) = 0.3 * (l + 1);
        kode::lane_set(y[j], l, yd[l][j]);
      }
    }
    m.evaluate(t, y, out);
    for (int l = 0; l < W; ++l) {
      D expected[Mlp::max_in_out];
      m.evaluate(ts[l], yd[l], expected);
      for (int i = 0; i < n_out; ++i) {
        const D got = kode::lane_get(out[i], l);
        INFO("W " << W << ", point " << first + l << ", output " << i);
        REQUIRE(bits(got.v) == bits(expected[i].v));
        for (int k = 0; k < K; ++k)
          REQUIRE(bits(kode::tangent(got, k)) == bits(kode::tangent(expected[i], k)));
      }
    }
  }
}

// The neural ODE with its weights in a View (the caller's side of the API).
template <int N>
struct NeuralModel {
  kode::models::NeuralOde<N> model;
  Kokkos::View<double*> weights;
  NeuralModel(const Mlp& m, std::uint64_t seed, double gain) {
    model.mlp = m;
    model.validate();
    const std::vector<double> w = random_weights(m, seed, gain);
    weights = Kokkos::View<double*>("test::weights", w.size());
    auto h = Kokkos::create_mirror_view(weights);
    for (size_t k = 0; k < w.size(); ++k) h(k) = w[k];
    Kokkos::deep_copy(weights, h);
    model.set_weights(weights.data());
  }
};

template <class Model, class Method, int W>
void compare_solves(const Model& model, const kode::SolveSpec& s, const std::vector<double>& y0,
                    int n) {
  kode_test::require_lanes_match<Model, Method, W>(model, s, {}, y0, n);
}

// Starts spread over [-3, 3]^N, so step counts differ from lane to lane
// (lanes refill mid-pack); one non-finite start (ends in begin) per 29.
std::vector<double> neural_starts(int n, int n_state) {
  std::vector<double> y0;
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n_state; ++i)
      y0.push_back(t % 29 == 13 ? std::numeric_limits<double>::quiet_NaN()
                                : 3.0 * std::sin(0.9 * t + 1.3 * i + 0.2));
  return y0;
}

kode::SolveSpec neural_spec(bool adaptive) {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 2.0;
  s.ts = {0.0, 0.3, 1.0, 1.7, 2.0};
  s.control.adaptive = adaptive;
  s.control.rtol = 1e-9;
  s.control.atol = 1e-11;
  s.control.dt0 = 0.05;
  s.control.max_steps = 400;  // the step records are sized by it
  return s;
}

}  // namespace

TEST_CASE("Mlp::evaluate on packs: every lane has evaluate<double>'s bits", "[mlp][simd][lanes]") {
  for (MlpActivation act : kActivations) {
    for (MlpFinalActivation fin : {MlpFinalActivation::identity, MlpFinalActivation::tanh}) {
      for (bool time_input : {false, true}) {
        for (bool scale : {false, true}) {
          for (int depth : {0, 1, 3}) {
            Mlp m;
            m.in_size = 3;
            m.out_size = depth == 1 ? 5 : 3;
            m.width = depth == 3 ? 7 : 12;  // 7: three rows after the four-row blocks
            m.depth = depth;
            m.activation = act;
            m.final_activation = fin;
            m.time_input = time_input;
            m.learnt_scale = scale;
            const std::vector<double> w = random_weights(m, 17 + depth, 4.0);
            m.weights = w.data();
            INFO("activation " << int(act) << ", final " << int(fin) << ", time " << time_input
                               << ", scale " << scale << ", depth " << depth);
            check_evaluate_on_packs<2>(m, 40);
            check_evaluate_on_packs<4>(m, 40);
            check_evaluate_on_packs<8>(m, 40);
          }
        }
      }
    }
  }
}

TEST_CASE("Mlp::evaluate on LaneDual: every lane has DualN's value and tangents",
          "[mlp][simd][lanes]") {
  for (MlpActivation act : kActivations) {
    for (MlpFinalActivation fin : {MlpFinalActivation::identity, MlpFinalActivation::tanh}) {
      Mlp m;
      m.in_size = m.out_size = 2;
      m.width = 9;
      m.depth = 2;
      m.activation = act;
      m.final_activation = fin;
      m.time_input = true;
      m.learnt_scale = true;
      const std::vector<double> w = random_weights(m, 5, 3.0);
      m.weights = w.data();
      INFO("activation " << int(act) << ", final " << int(fin));
      check_evaluate_on_lane_duals<3, 2>(m, 24);
      check_evaluate_on_lane_duals<3, 4>(m, 24);
    }
  }
}

TEST_CASE("the neural ODE runs in lanes by default", "[simd][lanes]") {
  using Mem = Kokkos::DefaultExecutionSpace::memory_space;
  constexpr bool host = std::is_same<Mem, Kokkos::HostSpace>::value;
  STATIC_REQUIRE(kode::lane_capable<kode::models::NeuralOde<2>, 2>::value);
  STATIC_REQUIRE(kode::default_lanes<kode::models::NeuralOde<2>, kode::Tsit5, false>() ==
                 (host ? KODE_SIMD_LANES : 1));
  STATIC_REQUIRE(kode::BatchSolver<kode::models::NeuralOde<3>, kode::Dopri5>::lanes ==
                 (host ? KODE_SIMD_LANES : 1));
}

TEMPLATE_TEST_CASE("neural ODE batches in lanes give each trajectory the one-trajectory bits",
                   "[simd][lanes]", kode::Tsit5, kode::Dopri5, kode::Bosh3, kode::Euler) {
  const int n = 203;  // not a multiple of any block (32 W)
  Mlp m;
  m.in_size = m.out_size = 2;
  m.width = 16;
  m.depth = 2;
  for (MlpActivation act : {MlpActivation::softplus, MlpActivation::tanh, MlpActivation::elu}) {
    m.activation = act;
    NeuralModel<2> net(m, 3, 2.0);
    const std::vector<double> y0 = neural_starts(n, 2);
    for (bool adaptive : {true, false}) {
      INFO("activation " << int(act) << ", adaptive " << adaptive);
      kode::SolveSpec s = neural_spec(adaptive);
      compare_solves<kode::models::NeuralOde<2>, TestType, 2>(net.model, s, y0, n);
      compare_solves<kode::models::NeuralOde<2>, TestType, 4>(net.model, s, y0, n);
      s.save_steps = true;
      s.dense = true;
      compare_solves<kode::models::NeuralOde<2>, TestType, 8>(net.model, s, y0, n);
    }
  }
  // Non-autonomous, three states, relu and silu, final tanh with a learnt
  // scale; a small max_steps stops some trajectories mid-run.
  Mlp mt;
  mt.in_size = mt.out_size = 3;
  mt.width = 10;
  mt.depth = 3;
  mt.time_input = true;
  mt.learnt_scale = true;
  mt.final_activation = MlpFinalActivation::tanh;
  for (MlpActivation act : {MlpActivation::relu, MlpActivation::silu}) {
    mt.activation = act;
    NeuralModel<3> net(mt, 11, 3.0);
    const std::vector<double> y0 = neural_starts(77, 3);
    kode::SolveSpec s = neural_spec(true);
    s.control.max_steps = 12;
    INFO("time input, activation " << int(act));
    compare_solves<kode::models::NeuralOde<3>, TestType, 4>(net.model, s, y0, 77);
  }
}

TEST_CASE("neural ODE forward sensitivities in lanes give the one-trajectory bits",
          "[simd][lanes][forward]") {
  using Model = kode::models::NeuralOde<2>;
  Mlp m;
  m.in_size = m.out_size = 2;
  m.width = 8;
  m.depth = 2;
  m.time_input = true;
  NeuralModel<2> net(m, 9, 2.0);
  const int n = 41;
  const std::vector<double> y0 = neural_starts(n, 2), no_params;
  const kode::SolveSpec s = neural_spec(true);
  kode::ForwardSensitivityResult one, packed;
  kode::ForwardSensitivitySolver<Model, kode::Tsit5, 1>(net.model).solve(s, no_params, y0, n, one);
  kode::ForwardSensitivitySolver<Model, kode::Tsit5, 4>(net.model).solve(s, no_params, y0, n,
                                                                         packed);
  REQUIRE(one.solution.status == packed.solution.status);
  REQUIRE(one.solution.num_steps == packed.solution.num_steps);
  REQUIRE(one.solution.num_rejected == packed.solution.num_rejected);
  kode_test::require_same_bits(one.solution.ys, packed.solution.ys, "ys");
  kode_test::require_same_bits(one.solution.y_final, packed.solution.y_final, "y_final");
  kode_test::require_same_bits(one.dys_dy0, packed.dys_dy0, "dys_dy0");
  kode_test::require_same_bits(one.dy_final_dy0, packed.dy_final_dy0, "dy_final_dy0");
}
#endif
