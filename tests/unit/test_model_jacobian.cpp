// A model's own jacobian(t, y, p, dfdy, dfdt) (kernels/model_concept.hpp,
// kernels/stiff/rhs_jacobian.hpp): detected, preferred to dual numbers when
// both are possible, and what makes a model whose rhs takes `double t`
// usable by the stiff methods. Checked against the dual-number Jacobian of
// the same vector field and by solving with it.
#include <catch2/catch_test_macros.hpp>
#include <cmath>

#include "kode/kernels/model_concept.hpp"
#include "kode/kernels/models/robertson.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rhs_jacobian.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"
#include "stiff_test_helpers.hpp"

namespace {

using kode_test::ProtheroRobinson;
using kode_test::Recorder;

// Robertson with `double t` in its rhs (no df/dt by dual numbers) and its
// Jacobian written by hand; counts its jacobian() calls when given a counter.
struct RobertsonHandJacobian {
  static constexpr const char* name = "robertson_hand_jacobian";
  static constexpr int n_state = 3, n_param = 3;
  static constexpr const char* state_names[n_state] = {"y1", "y2", "y3"};
  static constexpr const char* param_names[n_param] = {"k1", "k2", "k3"};
  int* calls = nullptr;

  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double /*t*/, const T* y, const P* p, T* dy) const {
    kode::models::Robertson{}.rhs(0.0, y, p, dy);
  }
  KOKKOS_INLINE_FUNCTION void jacobian(double /*t*/, const double* y, const double* p, double* dfdy,
                                       double* dfdt) const {
    if (calls) ++*calls;
    const double k1 = p[0], k2 = p[1], k3 = p[2];
    const double rows[3][3] = {{-k1, k3 * y[2], k3 * y[1]},
                               {k1, -2.0 * k2 * y[1] - k3 * y[2], -k3 * y[1]},
                               {0.0, 2.0 * k2 * y[1], 0.0}};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) dfdy[i * 3 + j] = rows[i][j];
      dfdt[i] = 0.0;
    }
  }
};

// Prothero-Robinson with `double t` and df/dt written by hand (non-autonomous:
// the Rosenbrock steps use df/dt).
struct ProtheroRobinsonHandJacobian {
  static constexpr const char* name = "prothero_robinson_hand_jacobian";
  static constexpr int n_state = 1, n_param = 1;
  static constexpr const char* state_names[n_state] = {"y"};
  static constexpr const char* param_names[n_param] = {"lambda"};
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double t, const T* y, const P* p, T* dy) const {
    dy[0] = p[0] * (y[0] - std::sin(t)) + std::cos(t);
  }
  KOKKOS_INLINE_FUNCTION void jacobian(double t, const double* /*y*/, const double* p, double* dfdy,
                                       double* dfdt) const {
    dfdy[0] = p[0];
    dfdt[0] = -p[0] * std::cos(t) - std::sin(t);
  }
};

// The same Robertson with a templated time AND a jacobian(): both ways are
// possible, and the model's own must be the one used.
struct RobertsonBoth : RobertsonHandJacobian {
  template <class Time, class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(Time /*t*/, const T* y, const P* p, T* dy) const {
    kode::models::Robertson{}.rhs(0.0, y, p, dy);
  }
};

// The Robertson without either (double t, no jacobian): not stiff-capable.
struct RobertsonNeither {
  static constexpr const char* name = "robertson_neither";
  static constexpr int n_state = 3, n_param = 3;
  static constexpr const char* state_names[n_state] = {"y1", "y2", "y3"};
  static constexpr const char* param_names[n_param] = {"k1", "k2", "k3"};
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(double /*t*/, const T* y, const P* p, T* dy) const {
    kode::models::Robertson{}.rhs(0.0, y, p, dy);
  }
};

static_assert(kode::check_model<RobertsonHandJacobian>());
static_assert(kode::check_model<RobertsonBoth>());
static_assert(kode::check_model<RobertsonNeither>());

kode::StepSizeControl tight(double rtol) {
  kode::StepSizeControl c;
  c.rtol = rtol;
  c.atol = 1e-14;
  c.max_steps = 1000000;
  return c;
}

template <class Method, class Model, int N>
kode::Status solve(const Model& m, const double* p, double t1, double (&y)[N],
                   kode::StepCounts& counts, double rtol = 1e-8) {
  Recorder<N> r;
  return kode::integrate_rosenbrock_trajectory<Method>(m, p, 0.0, t1, y, tight(rtol), r, counts);
}

}  // namespace

TEST_CASE("a model's jacobian() is detected and makes a double-time rhs stiff-capable",
          "[stiff][jacobian]") {
  STATIC_REQUIRE(kode::has_jacobian<RobertsonHandJacobian>::value);
  STATIC_REQUIRE(!kode::rhs_takes_dual_time<RobertsonHandJacobian>::value);
  STATIC_REQUIRE(kode::jacobian_capable<RobertsonHandJacobian>::value);

  STATIC_REQUIRE(!kode::has_jacobian<kode::models::Robertson>::value);
  STATIC_REQUIRE(kode::rhs_takes_dual_time<kode::models::Robertson>::value);
  STATIC_REQUIRE(kode::jacobian_capable<kode::models::Robertson>::value);

  STATIC_REQUIRE(kode::has_jacobian<RobertsonBoth>::value);
  STATIC_REQUIRE(kode::rhs_takes_dual_time<RobertsonBoth>::value);

  STATIC_REQUIRE(!kode::has_jacobian<RobertsonNeither>::value);
  STATIC_REQUIRE(!kode::rhs_takes_dual_time<RobertsonNeither>::value);
  STATIC_REQUIRE(!kode::jacobian_capable<RobertsonNeither>::value);
}

TEST_CASE("rhs_with_jacobian returns the model's J and df/dt, equal to the dual-number ones",
          "[stiff][jacobian]") {
  const double p[3] = {0.04, 3e7, 1e4}, y[3] = {0.9, 2e-5, 0.1};
  double f_hand[3], j_hand[3][3], ft_hand[3], f_dual[3], j_dual[3][3], ft_dual[3];
  int calls = 0;
  RobertsonHandJacobian hand;
  hand.calls = &calls;
  kode::rhs_with_jacobian(hand, p, 1.5, y, f_hand, j_hand, ft_hand);
  kode::rhs_with_jacobian(kode::models::Robertson{}, p, 1.5, y, f_dual, j_dual, ft_dual);
  REQUIRE(calls == 1);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f_hand[i] == f_dual[i]);
    REQUIRE(ft_hand[i] == ft_dual[i]);
    for (int j = 0; j < 3; ++j) REQUIRE(std::fabs(j_hand[i][j] - j_dual[i][j]) <= 1e-12);
  }

  const double lambda = -3.0, t = 0.7, y1[1] = {0.2};
  double f1[1], j1[1][1], ft1[1], f2[1], j2[1][1], ft2[1];
  kode::rhs_with_jacobian(ProtheroRobinsonHandJacobian{}, &lambda, t, y1, f1, j1, ft1);
  kode::rhs_with_jacobian(ProtheroRobinson{}, &lambda, t, y1, f2, j2, ft2);
  REQUIRE(f1[0] == f2[0]);
  REQUIRE(j1[0][0] == j2[0][0]);
  REQUIRE(std::fabs(ft1[0] - ft2[0]) <= 1e-15);
}

TEST_CASE("the model's jacobian() is preferred to dual numbers when both are possible",
          "[stiff][jacobian]") {
  const double p[3] = {0.04, 3e7, 1e4};
  int calls = 0;
  RobertsonBoth m;
  m.calls = &calls;
  double y[3] = {1.0, 0.0, 0.0};
  kode::StepCounts counts;
  REQUIRE(solve<kode::Rodas5P>(m, p, 40.0, y, counts) == kode::Status::success);
  // One linearisation at the start and one after each accepted step but the last.
  REQUIRE(calls == counts.num_accepted);
}

TEST_CASE("stiff solves through a model's jacobian() match the dual-number solves",
          "[stiff][jacobian]") {
  const double p[3] = {0.04, 3e7, 1e4};
  SECTION("Robertson to t = 1e5, Rodas5P and Kvaerno5") {
    double y_hand[3] = {1.0, 0.0, 0.0}, y_dual[3] = {1.0, 0.0, 0.0};
    kode::StepCounts c_hand, c_dual;
    REQUIRE(solve<kode::Rodas5P>(RobertsonHandJacobian{}, p, 1e5, y_hand, c_hand) ==
            kode::Status::success);
    REQUIRE(solve<kode::Rodas5P>(kode::models::Robertson{}, p, 1e5, y_dual, c_dual) ==
            kode::Status::success);
    // The two Jacobians differ by rounding only, so the step sequences match
    // and the solutions agree far below the tolerance.
    REQUIRE(c_hand.num_steps == c_dual.num_steps);
    for (int i = 0; i < 3; ++i) REQUIRE(std::fabs(y_hand[i] - y_dual[i]) <= 1e-12 * y_dual[0]);

    double z_hand[3] = {1.0, 0.0, 0.0}, z_dual[3] = {1.0, 0.0, 0.0};
    using K5 = kode::Esdirk<kode::Kvaerno5>;
    REQUIRE(solve<K5>(RobertsonHandJacobian{}, p, 1e5, z_hand, c_hand) == kode::Status::success);
    REQUIRE(solve<K5>(kode::models::Robertson{}, p, 1e5, z_dual, c_dual) == kode::Status::success);
    for (int i = 0; i < 3; ++i) REQUIRE(std::fabs(z_hand[i] - z_dual[i]) <= 1e-12 * z_dual[0]);
    // And both are the Robertson solution at t = 1e5 (SciPy Radau at rtol
    // 1e-13, the reference of test_rosenbrock.cpp) to the tolerance's order.
    const double reference[3] = {1.786592114210012e-02, 7.274751468436637e-08,
                                 9.821340061103787e-01};
    for (int i = 0; i < 3; ++i) {
      REQUIRE(std::fabs(y_hand[i] - reference[i]) <= 1e-5 * std::fabs(reference[i]));
      REQUIRE(std::fabs(z_hand[i] - reference[i]) <= 1e-5 * std::fabs(reference[i]));
    }
  }
  SECTION("stiff Prothero-Robinson (non-autonomous: df/dt from the model) against sin t") {
    const double lambda = -1e6;
    double y[1] = {0.0};
    kode::StepCounts counts;
    REQUIRE(solve<kode::Rodas5P>(ProtheroRobinsonHandJacobian{}, &lambda, 10.0, y, counts) ==
            kode::Status::success);
    REQUIRE(std::fabs(y[0] - std::sin(10.0)) <= 1e-7);
  }
}
