// Events (kernels/events/): a state crossing a level, located on each step's
// interpolant by the Illinois root finder. Checked against closed forms: the
// exponential decay's time to a level, a falling ball's impact, a cosine's
// rising and falling crossings, two crossings inside one step, no event for
// a trajectory starting at the level, the root accuracy against the time
// tolerance, a model's own event functions, and a terminal event's saves (the save observer sees
// the step cut at the event). Explicit, stiff and SDE steppers alike.
#include <Kokkos_Core.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "kode/kernels/events/event_observer.hpp"
#include "kode/kernels/events/locate_crossing.hpp"
#include "kode/kernels/integrate_trajectory.hpp"
#include "kode/kernels/save_observer.hpp"
#include "kode/kernels/stiff/esdirk.hpp"
#include "kode/kernels/stiff/implicit_method.hpp"
#include "kode/kernels/stiff/kvaerno5.hpp"
#include "kode/kernels/stiff/rodas5p.hpp"
#include "kode/kernels/stiff/rosenbrock_stepper.hpp"
#include "kode/kernels/tableaus/bosh3.hpp"
#include "kode/kernels/tableaus/tsit5.hpp"

namespace {

using Host = Kokkos::HostSpace;

// y' = -k y.
struct Decay {
  static constexpr const char* name = "decay";
  static constexpr int n_state = 1, n_param = 1;
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(const T&, const T* y, const P* p, T* dy) const {
    dy[0] = -p[0] * y[0];
  }
};

// A ball falling from rest: h' = v, v' = -g.
struct Ball {
  static constexpr const char* name = "ball";
  static constexpr int n_state = 2, n_param = 1;
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(const T&, const T* y, const P* p, T* dy) const {
    dy[0] = y[1];
    dy[1] = -p[0] + 0.0 * y[0];
  }
};

// The falling ball with its own event functions (model_concept.hpp):
// "ground", the height; "kinetic" (v^2 - p1^2, the speed reaching p1, a
// function of the state that is no single state's level); "clock", t - 1.5
// (a function of the time alone).
struct BallWithEvents : Ball {
  static constexpr int n_param = 2;
  static constexpr int n_events = 3;
  static constexpr const char* event_names[n_events] = {"ground", "kinetic", "clock"};
  KOKKOS_INLINE_FUNCTION double event(int k, double t, const double* y, const double* p) const {
    return k == 0 ? y[0] : k == 1 ? y[1] * y[1] - p[1] * p[1] : t - 1.5;
  }
};
static_assert(kode::has_events<BallWithEvents>::value);
static_assert(!kode::has_events<Ball>::value);

// x'' = -x: x = cos t from (1, 0).
struct Oscillator {
  static constexpr const char* name = "oscillator";
  static constexpr int n_state = 2, n_param = 0;
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(const T&, const T* y, const P*, T* dy) const {
    dy[0] = y[1];
    dy[1] = -y[0];
  }
};

// y' = 2 t - 1: y = t^2 - t from 0, which every interpolant here reproduces.
struct Parabola {
  static constexpr const char* name = "parabola";
  static constexpr int n_state = 1, n_param = 0;
  template <class T, class P>
  KOKKOS_INLINE_FUNCTION void rhs(const T& t, const T* y, const P*, T* dy) const {
    dy[0] = 2.0 * t - 1.0 + 0.0 * y[0];
  }
};

// An observer with nothing to save (the inner one of EventObserver).
struct NoSaves {
  double last_step_end = 0.0;
  KOKKOS_INLINE_FUNCTION void begin(double, const double (&)[1]) {}
  KOKKOS_INLINE_FUNCTION bool pending_save_time(double&) const { return false; }
  KOKKOS_INLINE_FUNCTION void finish() {}
  template <class Step>
  KOKKOS_INLINE_FUNCTION void step(const Step& s) {
    last_step_end = s.t0 + s.dt;
  }
};
template <int N>
struct NoSavesN {
  KOKKOS_INLINE_FUNCTION void begin(double, const double (&)[N]) {}
  KOKKOS_INLINE_FUNCTION bool pending_save_time(double&) const { return false; }
  KOKKOS_INLINE_FUNCTION void finish() {}
  template <class Step>
  KOKKOS_INLINE_FUNCTION void step(const Step&) {}
};

template <int N>
kode::EventViews<N, Host> event_views(int records) {
  return {Kokkos::View<double**, Kokkos::LayoutLeft, Host>("t", 1, records),
          Kokkos::View<double***, Kokkos::LayoutLeft, Host>("y", 1, records, N),
          Kokkos::View<int*, Kokkos::LayoutLeft, Host>("count", 1)};
}

kode::StepSizeControl tight() {
  kode::StepSizeControl c;
  c.rtol = 1e-10;
  c.atol = 1e-12;
  c.max_steps = 100000;
  return c;
}

struct Outcome {
  kode::Status status;
  std::vector<double> t;  // the recorded event times
  int count;
  double y_final[2];
};

// Solves `Model` with an explicit tableau or a stiff method through an
// EventObserver over NoSavesN.
template <class Method, class Model, int N>
Outcome solve_with_event(const double (&y0)[N], const double* p, double t1,
                         const kode::EventSpec& event, const kode::StepSizeControl& control) {
  auto views = event_views<N>(event.max_records);
  NoSavesN<N> inner;
  kode::EventObserver<N, NoSavesN<N>, Host> observer{inner, event, views, 0};
  double y[N];
  for (int i = 0; i < N; ++i) y[i] = y0[i];
  kode::StepCounts counts;
  Outcome o;
  if constexpr (kode::is_implicit_method<Method>::value) {
    o.status = kode::integrate_rosenbrock_trajectory<Method>(Model{}, p, 0.0, t1, y, control,
                                                             observer, counts);
  } else {
    o.status =
        kode::integrate_trajectory<Method>(Model{}, p, 0.0, t1, y, control, observer, counts);
  }
  observer.finish();
  for (int k = 0; k < event.max_records; ++k) o.t.push_back(views.t(0, k));
  o.count = views.count(0);
  for (int i = 0; i < 2; ++i) o.y_final[i] = i < N ? y[i] : 0.0;
  return o;
}

}  // namespace

TEST_CASE("locate_crossing: brackets to the tolerance, past the root, within bisection's work") {
  int calls = 0;
  auto h = [&](double x) {
    ++calls;
    return std::exp(x) - 2.0;  // root ln 2
  };
  const double root = std::log(2.0);
  for (double tol : {0.0, 1e-12, 1e-6, 1e-2}) {
    calls = 0;
    const double x = kode::locate_crossing(h, 0.0, h(0.0), 1.0, h(1.0), tol);
    INFO("tol " << tol << ": x " << x << " after " << calls << " evaluations");
    REQUIRE(x >= root);
    REQUIRE(x - root <= std::max(tol, 2.3e-16));
    REQUIRE(calls <= 2 + 2 * 64);
  }
  // A step function (no secant help): bisection's bound holds.
  calls = 0;
  auto step = [&](double x) {
    ++calls;
    return x < 0.3 ? -1.0 : 1.0;
  };
  const double x = kode::locate_crossing(step, 0.0, -1.0, 1.0, 1.0, 1e-9);
  REQUIRE(x >= 0.3);
  REQUIRE(x - 0.3 <= 1e-9);
  REQUIRE(calls <= 2 * 30 + 2);
}

TEMPLATE_TEST_CASE("a terminal event: exponential decay reaching a level, at ln(1/level)/k",
                   "[events]", kode::Tsit5, kode::Bosh3, kode::Rodas5P,
                   kode::Esdirk<kode::Kvaerno5>) {
  const double k = 0.7, level = 0.25, exact = std::log(1.0 / level) / k;
  kode::EventSpec e;
  e.enabled = true;
  e.value = level;
  e.direction = kode::EventDirection::falling;
  const Outcome o = solve_with_event<TestType, Decay>({1.0}, &k, 10.0, e, tight());
  INFO(TestType::name << ": event at " << o.t[0] << ", exact " << exact);
  REQUIRE(o.status == kode::Status::event_occurred);
  REQUIRE(o.count == 1);
  // The solution's own error (rtol 1e-10) bounds the time's: |dt| = |dy| / |y'|.
  REQUIRE(std::fabs(o.t[0] - exact) < 1e-8);
  // The trajectory ends there, on the crossed side of the level.
  REQUIRE(o.y_final[0] <= level);
  REQUIRE(o.y_final[0] > level - 1e-9);
}

TEST_CASE("a falling ball's impact time is sqrt(2 h0 / g) to rounding") {
  // h(t) = h0 - g t^2 / 2 is a polynomial Tsit5 and its interpolant reproduce.
  const double g = 9.81, h0 = 20.0, exact = std::sqrt(2.0 * h0 / g);
  kode::EventSpec e;
  e.enabled = true;
  e.value = 0.0;
  e.direction = kode::EventDirection::falling;
  const Outcome o = solve_with_event<kode::Tsit5, Ball>({h0, 0.0}, &g, 10.0, e, tight());
  REQUIRE(o.status == kode::Status::event_occurred);
  // Rounding only: h reaches 0 by cancellation from h0 = 20 (measured 2.2e-14).
  REQUIRE(std::fabs(o.t[0] - exact) < 1e-12);
  REQUIRE(std::fabs(o.y_final[1] + g * exact) < 1e-12);  // the impact speed g t
}

TEST_CASE("a model's own event functions: impact, a speed and a time, to rounding") {
  const double g = 9.81, h0 = 20.0, speed = 7.0, impact = std::sqrt(2.0 * h0 / g);
  const double p[2] = {g, speed};
  // The time at which each event occurs, and the event's direction.
  const double expected[3] = {impact, speed / g, 1.5};
  const kode::EventDirection directions[3] = {
      kode::EventDirection::falling, kode::EventDirection::rising, kode::EventDirection::either};
  for (int k = 0; k < 3; ++k) {
    kode::EventSpec e;
    e.enabled = true;
    e.model_event = k;
    e.direction = directions[k];
    auto views = event_views<2>(1);
    NoSavesN<2> inner;
    const BallWithEvents model;
    kode::EventObserver<2, NoSavesN<2>, Host, BallWithEvents> observer{inner, e,      views,
                                                                       0,     &model, p};
    double y[2] = {h0, 0.0};
    kode::StepCounts counts;
    const kode::Status status =
        kode::integrate_trajectory<kode::Tsit5>(model, p, 0.0, 10.0, y, tight(), observer, counts);
    observer.finish();
    INFO("event " << BallWithEvents::event_names[k] << ": t = " << views.t(0, 0) << ", expected "
                  << expected[k]);
    REQUIRE(status == kode::Status::event_occurred);
    REQUIRE(views.count(0) == 1);
    REQUIRE(std::fabs(views.t(0, 0) - expected[k]) < 1e-12);
    REQUIRE(std::fabs(y[1] + g * expected[k]) < 1e-11);  // v = -g t at the event
  }
}

TEST_CASE("directions: cos t crossing 0.5 rises at 5pi/3 and falls at pi/3, 7pi/3") {
  const double pi = std::acos(-1.0);
  kode::EventSpec e;
  e.enabled = true;
  e.value = 0.5;
  e.terminal = false;
  e.max_records = 3;
  struct Case {
    kode::EventDirection direction;
    std::vector<double> times;  // the first three crossings
    int count;                  // all crossings before t = 4 pi
  };
  const Case cases[] = {
      {kode::EventDirection::falling, {pi / 3, 7 * pi / 3, NAN}, 2},
      {kode::EventDirection::rising, {5 * pi / 3, 11 * pi / 3, NAN}, 2},
      {kode::EventDirection::either, {pi / 3, 5 * pi / 3, 7 * pi / 3}, 4},
  };
  for (const Case& c : cases) {
    e.direction = c.direction;
    const Outcome o =
        solve_with_event<kode::Tsit5, Oscillator>({1.0, 0.0}, nullptr, 4 * pi, e, tight());
    INFO("direction " << static_cast<int>(c.direction));
    REQUIRE(o.status == kode::Status::success);
    REQUIRE(o.count == c.count);
    for (int j = 0; j < 3; ++j) {
      if (std::isnan(c.times[j])) {
        REQUIRE(std::isnan(o.t[j]));
      } else {
        REQUIRE(std::fabs(o.t[j] - c.times[j]) < 1e-8);
      }
    }
  }
}

TEMPLATE_TEST_CASE("two crossings inside one step are both found, in order", "[events]",
                   kode::Tsit5, kode::Bosh3) {
  // One constant step over [0, 1] of y = t^2 - t: it falls through -0.1 at
  // (1 - sqrt 0.6) / 2 and rises back at (1 + sqrt 0.6) / 2.
  kode::StepSizeControl one_step;
  one_step.adaptive = false;
  one_step.dt0 = 1.0;
  kode::EventSpec e;
  e.enabled = true;
  e.value = -0.1;
  e.terminal = false;
  e.max_records = 2;
  const Outcome o = solve_with_event<TestType, Parabola>({0.0}, nullptr, 1.0, e, one_step);
  REQUIRE(o.count == 2);
  REQUIRE(std::fabs(o.t[0] - (1.0 - std::sqrt(0.6)) / 2) < 1e-14);
  REQUIRE(std::fabs(o.t[1] - (1.0 + std::sqrt(0.6)) / 2) < 1e-14);
  // Terminal: the first one ends the trajectory.
  e.terminal = true;
  const Outcome first = solve_with_event<TestType, Parabola>({0.0}, nullptr, 1.0, e, one_step);
  REQUIRE(first.status == kode::Status::event_occurred);
  REQUIRE(first.count == 1);
  REQUIRE(std::fabs(first.y_final[0] + 0.1) < 1e-14);
}

TEST_CASE("a trajectory starting at the level has no event at t0; its next crossing counts") {
  // cos t starts at its maximum 1: level 1 is not crossed at t0, and cos t
  // touches it again from below at 2 pi (reaching the level: rising).
  const double pi = std::acos(-1.0);
  kode::EventSpec e;
  e.enabled = true;
  e.value = 1.0;
  e.terminal = true;
  const Outcome falling = [&] {
    e.direction = kode::EventDirection::falling;
    return solve_with_event<kode::Tsit5, Oscillator>({1.0, 0.0}, nullptr, 3.0, e, tight());
  }();
  REQUIRE(falling.status == kode::Status::success);
  REQUIRE(falling.count == 0);
  REQUIRE(std::isnan(falling.t[0]));
  // Level 0.5 from x0 = 0.5 (x = 0.5 cos t + v0 sin t with v0 = 0.5):
  // x = 0.5 (cos t + sin t) leaves the level upwards at t0 and comes back
  // down through it at t = pi / 2.
  e.value = 0.5;
  e.direction = kode::EventDirection::either;
  const Outcome back =
      solve_with_event<kode::Tsit5, Oscillator>({0.5, 0.5}, nullptr, 3.0, e, tight());
  REQUIRE(back.status == kode::Status::event_occurred);
  REQUIRE(std::fabs(back.t[0] - pi / 2) < 1e-8);
}

TEST_CASE("the event time is as accurate as its time tolerance asks") {
  const double k = 1.3, level = 0.1, exact = std::log(1.0 / level) / k;
  kode::EventSpec e;
  e.enabled = true;
  e.value = level;
  e.direction = kode::EventDirection::falling;
  for (double tol : {1e-2, 1e-4, 1e-7}) {
    e.time_tol = tol;
    const Outcome o = solve_with_event<kode::Tsit5, Decay>({1.0}, &k, 10.0, e, tight());
    INFO("time_tol " << tol << ": error " << o.t[0] - exact);
    // Past the crossing (on the interpolant, itself within 1e-9 here) and
    // within the tolerance of it.
    REQUIRE(o.t[0] - exact > -1e-9);
    REQUIRE(o.t[0] - exact <= tol + 1e-9);
  }
}

TEST_CASE("a terminal event cuts the saves: before it the solution, after it NaN") {
  const double k = 0.5, level = 0.5, exact = std::log(2.0) / k;  // 1.386
  Kokkos::View<double*, Kokkos::LayoutLeft, Host> ts("ts", 4);
  ts(0) = 0.5;
  ts(1) = 1.0;
  ts(2) = exact;  // after the located event by at most the root's tolerance
  ts(3) = 2.0;
  kode::SaveViews<1, Host> views;
  views.ts = ts;
  views.ys = Kokkos::View<double***, Kokkos::LayoutLeft, Host>("ys", 1, 4, 1);
  kode::SaveObserver<1, 4, Host> saves{views, 0, 1.0};
  kode::EventSpec e;
  e.enabled = true;
  e.value = level;
  auto ev = event_views<1>(1);
  kode::EventObserver<1, kode::SaveObserver<1, 4, Host>, Host> observer{saves, e, ev, 0};
  double y[1] = {1.0};
  kode::StepCounts counts;
  const kode::Status s =
      kode::integrate_trajectory<kode::Tsit5>(Decay{}, &k, 0.0, 10.0, y, tight(), observer, counts);
  observer.finish();
  REQUIRE(s == kode::Status::event_occurred);
  REQUIRE(std::fabs(views.ys(0, 0, 0) - std::exp(-0.25)) < 1e-9);
  REQUIRE(std::fabs(views.ys(0, 1, 0) - std::exp(-0.5)) < 1e-9);
  REQUIRE(ev.t(0, 0) >= exact - 1e-9);
  if (ev.t(0, 0) >= exact) {
    REQUIRE(std::fabs(views.ys(0, 2, 0) - level) < 1e-9);
  } else {
    REQUIRE(std::isnan(views.ys(0, 2, 0)));
  }
  REQUIRE(std::isnan(views.ys(0, 3, 0)));
  REQUIRE(y[0] <= level);
}
