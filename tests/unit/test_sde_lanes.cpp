// SDE batches in SIMD lanes (kernels/simd/integrate_sde_lanes.hpp,
// simd/brownian_lanes.hpp): a batch solved with W trajectories per thread
// must give every trajectory the bits of the one-trajectory kernel -- states
// at the save times, per-step records, final states, counts and statuses --
// for every SDE method on every noise kind it supports, fixed and adaptive
// steps, a calculus conversion, and batches whose trajectories end at
// different steps and for different reasons (lanes refill mid-pack).
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "../lane_batches.hpp"
#include "kode/engine/batch/solve_batch.hpp"
#include "kode/engine/solvers/method_lists.hpp"
#include "kode/kernels/models/geometric_brownian_motion.hpp"
#include "kode/kernels/models/langevin_spring_mass_damper.hpp"
#include "kode/kernels/models/ornstein_uhlenbeck.hpp"
#include "kode/kernels/models/stochastic_lotka_volterra.hpp"

#if KODE_HAVE_LANES
namespace {

using kode::NoiseKind;

// Two geometric Brownian motions driven by one Brownian motion (scalar
// noise), or the same with a second, state-coupled noise column (general).
template <NoiseKind Kind>
struct CoupledGbm {
  static constexpr const char* name = "coupled_gbm";
  static constexpr int n_state = 2, n_param = 4;
  static constexpr int n_noise = Kind == NoiseKind::scalar ? 1 : 2;
  static constexpr NoiseKind noise = Kind;
  static constexpr kode::Calculus calculus = kode::Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x", "y"};
  static constexpr const char* param_names[n_param] = {"mu_x", "mu_y", "s_x", "s_y"};

  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * y[0];
    dy[1] = p[1] * y[1] - 0.1 * y[0];
  }
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time /*t*/, const T* y, const P* p, T* g) const {
    if constexpr (Kind == NoiseKind::scalar) {
      g[0] = p[2] * y[0];
      g[1] = p[3] * y[1];
    } else {
      g[0] = p[2] * y[0];
      g[1] = 0.2 * y[1];
      g[2] = 0.1 * y[0] * y[1];
      g[3] = p[3] * y[1];
    }
  }
};

// Ornstein-Uhlenbeck with a diffusion that grows in time where p[3] != 0
// (SRA1/ShARK add their time-dependent-G term only in those lanes).
struct TimeVaryingOu {
  static constexpr const char* name = "time_varying_ou";
  static constexpr int n_state = 1, n_param = 4, n_noise = 1;
  static constexpr NoiseKind noise = NoiseKind::additive;
  static constexpr kode::Calculus calculus = kode::Calculus::ito;
  static constexpr const char* state_names[n_state] = {"x"};
  static constexpr const char* param_names[n_param] = {"theta", "mu", "sigma", "growth"};

  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * (p[1] - y[0]);
  }
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void diffusion(Time t, const T* /*y*/, const P* p, T* g) const {
    g[0] = p[2] * (1.0 + p[3] * t);
  }
};

// Trajectory k's parameters and start: a spread of values, with a
// non-finite start (ends in begin) every 23rd and an explosive one (ends
// non-finite mid-run) every 31st where the model has a growth rate.
template <class Model>
void batch(int n, std::vector<double>& p, std::vector<double>& y0) {
  constexpr int N = Model::n_state, P = Model::n_param;
  p.clear();
  y0.clear();
  for (int k = 0; k < n; ++k) {
    const double a = ((k * 37) % 101) / 100.0, b = ((k * 53) % 97) / 96.0;
    for (int j = 0; j < P; ++j) p.push_back(0.2 + (j % 2 ? a : b) * (1.0 + 0.5 * j));
    for (int i = 0; i < N; ++i) y0.push_back(0.5 + 0.01 * k + 0.3 * i);
    if (k % 23 == 7) y0[static_cast<size_t>(k) * N] = std::numeric_limits<double>::quiet_NaN();
    if (k % 5 == 2 && P >= 4) p[static_cast<size_t>(k) * P + 3] = 0.0;  // constant G there
    if (k % 31 == 11) {
      if constexpr (std::is_same<Model, kode::models::GeometricBrownianMotion>::value) {
        p[static_cast<size_t>(k) * P] = 900.0;  // overflows within a few steps
        y0[static_cast<size_t>(k) * N] = 1e300;
      }
    }
  }
}

template <class Model, class Method, int W>
void compare(const kode::SolveSpec& s, int n) {
  std::vector<double> p, y0;
  batch<Model>(n, p, y0);
  kode_test::require_lanes_match<Model, Method, W>(Model{}, s, p, y0, n);
}

// Steps of 2^-6 (fixed) or from 0.05 (adaptive), save times that fall inside
// steps, so steps are cut there.
kode::SolveSpec spec(bool adaptive) {
  kode::SolveSpec s;
  s.t0 = 0.0;
  s.t1 = 1.0;
  s.ts = {0.0, 0.1, 1.0 / 3.0, 0.5, 0.77, 1.0};
  s.control.adaptive = adaptive;
  s.control.dt0 = adaptive ? 0.05 : 0x1p-6;
  s.control.rtol = 1e-3;
  s.control.atol = 1e-4;
  s.control.max_steps = 4096;  // (sizes the per-step records)
  s.noise.seed = 2026;
  return s;
}

template <class Model, class Method>
void compare_all(int n) {
  if constexpr (Method::supports(Model::noise)) {
    // (control.adaptive changes nothing for methods without an error estimate)
    for (int pass = 0; pass < (Method::has_error ? 2 : 1); ++pass) {
      const bool adaptive = pass == 1;
      INFO("model " << Model::name << ", adaptive " << adaptive);
      kode::SolveSpec s = spec(adaptive);
      compare<Model, Method, 2>(s, n);
      compare<Model, Method, KODE_SIMD_LANES>(s, n);
      s.save_steps = true;
      compare<Model, Method, 4>(s, n);
      s.save_steps = false;
      s.ts.clear();
      compare<Model, Method, 8>(s, n);
    }
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("SDE lanes give each trajectory the one-trajectory kernel's bits",
                        "[sde][simd][lanes]", kode::SdeMethods) {
  const int n = 101;  // not a multiple of any block (32 W)
  compare_all<kode::models::OrnsteinUhlenbeck, TestType>(n);
  compare_all<kode::models::GeometricBrownianMotion, TestType>(n);
  compare_all<kode::models::StochasticLotkaVolterra, TestType>(n);
  compare_all<kode::models::LangevinSpringMassDamper, TestType>(n);
  compare_all<CoupledGbm<NoiseKind::scalar>, TestType>(n);
  compare_all<CoupledGbm<NoiseKind::general>, TestType>(n);
  compare_all<TimeVaryingOu, TestType>(n);
}

TEMPLATE_LIST_TEST_CASE("SDE lanes convert the calculus as the one-trajectory kernel does",
                        "[sde][simd][lanes]", kode::SdeMethods) {
  // An Ito model solved as Stratonovich (Ito methods add the correction) and
  // as Ito (Stratonovich methods subtract it): the directional derivative of
  // the diffusion in lanes (LaneDual<1, W>).
  for (const char* calculus : {"stratonovich", "ito"}) {
    INFO("calculus " << calculus);
    kode::SolveSpec s = spec(false);
    s.noise.calculus = calculus;
    if constexpr (TestType::supports(NoiseKind::diagonal)) {
      compare<kode::models::StochasticLotkaVolterra, TestType, 4>(s, 101);
      compare<kode::models::GeometricBrownianMotion, TestType, 2>(s, 101);
    }
    if constexpr (TestType::supports(NoiseKind::scalar))
      compare<CoupledGbm<NoiseKind::scalar>, TestType, 4>(s, 101);
    if constexpr (TestType::supports(NoiseKind::general))
      compare<CoupledGbm<NoiseKind::general>, TestType, 4>(s, 101);
  }
}

TEST_CASE("SDE lanes stop trajectories for the same reasons at the same steps",
          "[sde][simd][lanes]") {
  kode::SolveSpec s = spec(true);
  s.control.max_steps = 25;  // stops the slower trajectories mid-run
  compare<TimeVaryingOu, kode::Shark, 4>(s, 77);
  compare<kode::models::GeometricBrownianMotion, kode::EulerMaruyama, 4>(s, 77);
  s.control.max_steps = 4096;
  s.control.dtmin = 0.02;  // stops those whose controller wants smaller steps
  compare<TimeVaryingOu, kode::Sra1, 4>(s, 77);
  s.control.dtmin = 0.0;
  s.control.dtmax = 0.03;
  compare<TimeVaryingOu, kode::Shark, 8>(s, 77);
  s.control.dtmax = 0.0;
  s.control.max_steps = 1;  // every trajectory ends after one step: a refill per lane per step
  compare<kode::models::OrnsteinUhlenbeck, kode::EulerMaruyama, 4>(s, 9);
  for (int n : {0, 1, 3})
    compare<kode::models::OrnsteinUhlenbeck, kode::Milstein, 8>(spec(false), n);
  // Brownian queries that land on tree nodes (dyadic steps and save times)
  // and one that reaches t1 exactly.
  s = spec(false);
  s.control.dt0 = 0.125;
  s.ts = {0.25, 0.5, 0.625, 1.0};
  compare<kode::models::StochasticLotkaVolterra, kode::EulerHeun, 4>(s, 50);
}

TEST_CASE("SDE batches run in lanes by default where the model's fields take packs",
          "[sde][simd][lanes]") {
  using Mem = Kokkos::DefaultExecutionSpace::memory_space;
  constexpr int host_lanes = std::is_same<Mem, Kokkos::HostSpace>::value ? KODE_SIMD_LANES : 1;
  STATIC_REQUIRE(kode::BatchSolver<kode::models::OrnsteinUhlenbeck, kode::EulerMaruyama>::lanes ==
                 host_lanes);
  STATIC_REQUIRE(kode::BatchSolver<kode::models::StochasticLotkaVolterra, kode::Milstein>::lanes ==
                 host_lanes);
  STATIC_REQUIRE(kode::BatchSolver<TimeVaryingOu, kode::Shark>::lanes == host_lanes);
}
#endif
