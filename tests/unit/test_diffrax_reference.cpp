// kode against Diffrax, step for step. kode's PID controller, error norm and
// step clipping follow diffrax.PIDController / diffeqsolve, so with the same
// first step the same steps are accepted and rejected. Reference values were
// produced with Diffrax 0.7.2 + JAX 0.10.2 (float64), e.g. for the first row:
//   diffrax.diffeqsolve(ODETerm(f), Tsit5(), 0.0, 10.0, 0.01, y0, args=(0.1, 2.0),
//       stepsize_controller=PIDController(rtol=1e-4, atol=1e-6),
//       saveat=SaveAt(t1=True), max_steps=100000)
// reading sol.stats["num_steps"], sol.stats["num_accepted_steps"], sol.ys[0].
// dt0 = 0.01 is passed explicitly because Diffrax 0.7.2 never runs its
// Hairer initial-step selection inside diffeqsolve (the terms arrive wrapped in
// a WrapTerm, so its `isinstance(terms, ODETerm)` test fails and it falls back
// to 0.01); kode runs Hairer's algorithm when dt0 is not given.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "engine/model_registry.hpp"

namespace {

struct DiffraxReference {
  std::string method, model;
  std::vector<double> params, y0;
  double t0, t1, rtol, atol;
  int num_steps, num_accepted;
  std::vector<double> y1;
};

const std::vector<DiffraxReference> references = {
    {"tsit5", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 38, 33, {0.079064582220277249, -0.2360060554074164}},
    {"tsit5", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 1e-08, 1e-10, 246, 212, {0.079116022927685964, -0.23599483668517479}},
    {"tsit5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 51, 39, {1.0251987502977813, 0.91013215218580845}},
    {"tsit5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 1e-08, 1e-10, 245, 221, {1.0263447680404054, 0.90969106243530695}},
    {"tsit5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 51, 39, {0.97746427925190993, 1.0960673503733962}},
    {"tsit5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 1e-08, 1e-10, 257, 221, {0.9787657038265396, 1.1005211328759663}},
    {"dopri5", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 40, 34, {0.079036706335505719, -0.23588749723103686}},
    {"dopri5", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 1e-08, 1e-10, 258, 223, {0.079116022503887454, -0.23599482715897779}},
    {"dopri5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 47, 36, {1.0264686459512182, 0.9057476062028309}},
    {"dopri5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 1e-08, 1e-10, 233, 200, {1.0263448377841744, 0.90969098042815766}},
    {"dopri5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 51, 36, {0.97641338719643789, 1.0934846200037081}},
    {"dopri5", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 1e-08, 1e-10, 238, 202, {0.97876560460764384, 1.1005208790516721}},
    {"dopri8", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 13, 13, {0.079147530883190653, -0.23599348113315388}},
    {"dopri8", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 1e-08, 1e-10, 34, 34, {0.079116024125685289, -0.23599484152598166}},
    {"dopri8", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 34, 24, {1.0264576647874846, 0.909627758471107}},
    {"dopri8", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 1e-08, 1e-10, 80, 64, {1.0263447829035044, 0.90969106836128788}},
    {"dopri8", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 31, 23, {0.97881287124178484, 1.1007835183949446}},
    {"dopri8", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 1e-08, 1e-10, 84, 65, {0.97876572482991964, 1.1005211805286557}},
    {"bosh3", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 214, 168, {0.079028009665567764, -0.23547184309778896}},
    {"bosh3", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 1e-08, 1e-10, 3769, 3649, {0.0791160176947803, -0.23599478649902156}},
    {"bosh3", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 197, 165, {1.0252522360053484, 0.91047821945828211}},
    {"bosh3", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 1e-08, 1e-10, 3473, 3420, {1.026344640622179, 0.90969116216927837}},
    {"bosh3", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 198, 164, {0.97819892028187949, 1.0982265552005381}},
    {"bosh3", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 1e-08, 1e-10, 3457, 3403, {0.97876566792846431, 1.1005209740995898}},
    {"heun", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 1761, 1677, {0.079048123141471846, -0.23602749746958246}},
    {"heun", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 1769, 1738, {1.026411134849063, 0.90964737711544552}},
    {"heun", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 1750, 1720, {0.97872795206109298, 1.1003688517770451}},
    {"midpoint", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 1761, 1677, {0.079048123141471652, -0.2360274974695826}},
    {"midpoint", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 1769, 1738, {1.0264324246468792, 0.90961525270893839}},
    {"midpoint", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 1750, 1720, {0.97870530275334633, 1.1003017722429189}},
    {"ralston", "damped_oscillator", {0.1, 2.0}, {1.0, 0.0}, 0, 10, 0.0001, 1e-06, 1761, 1677, {0.07904812314147161, -0.23602749746958229}},
    {"ralston", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 0, 10, 0.0001, 1e-06, 1769, 1738, {1.0264254272545841, 0.9096258387697842}},
    {"ralston", "lotka_volterra", {1.5, 1.0, 3.0, 1.0}, {1.0, 1.0}, 10, 0, 0.0001, 1e-06, 1750, 1720, {0.97871285967505928, 1.1003243716493083}},
};

}  // namespace

TEST_CASE("PID-controlled solves match Diffrax step for step", "[diffrax][controller]") {
  const kode::ModelRegistry models = kode::builtin_models();
  for (const auto& ref : references) {
    INFO(ref.method << " " << ref.model << " t0=" << ref.t0 << " t1=" << ref.t1
                    << " rtol=" << ref.rtol);
    const kode::ModelInfo* model = models.find(ref.model);
    REQUIRE(model != nullptr);
    kode::SolveSpec spec;
    spec.method = ref.method;
    spec.t0 = ref.t0;
    spec.t1 = ref.t1;
    spec.control.rtol = ref.rtol;
    spec.control.atol = ref.atol;
    spec.control.dt0 = 0.01;
    spec.control.max_steps = 100000;
    const kode::BatchResult r = model->solve(spec, ref.params, ref.y0, 1);
    REQUIRE(r.status[0] == 0);
    CHECK(r.num_steps[0] == ref.num_steps);
    CHECK(r.num_accepted[0] == ref.num_accepted);
    CHECK(r.num_rejected[0] == ref.num_steps - ref.num_accepted);
    // Same steps, so the only differences are rounding (libm pow, summation
    // order), amplified along the trajectory.
    for (size_t i = 0; i < ref.y1.size(); ++i)
      CHECK(std::fabs(r.y_final[i] - ref.y1[i]) <= 1e-9 * (1.0 + std::fabs(ref.y1[i])));
  }
}
