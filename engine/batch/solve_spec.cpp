#include "kode/engine/batch/solve_spec.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace kode {

namespace {
[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument(what);
}

std::string num(double x) {
  std::ostringstream s;
  s.precision(17);
  s << x;
  return s.str();
}
}  // namespace

void validate_solve_spec(const SolveSpec& s) {
  const auto& c = s.control;
  if (!std::isfinite(s.t0)) fail("time.t0 must be finite, got " + num(s.t0));
  if (!std::isfinite(s.t1)) fail("time.t1 must be finite, got " + num(s.t1));
  if (s.t0 == s.t1) fail("time.t1 must differ from time.t0 (both are " + num(s.t0) + ")");
  const double dir = s.t1 > s.t0 ? 1.0 : -1.0;
  for (size_t j = 0; j < s.ts.size(); ++j) {
    const double t = s.ts[j];
    if (!std::isfinite(t) || dir * (t - s.t0) < 0 || dir * (t - s.t1) > 0)
      fail("save.ts: time " + num(t) + " lies outside [time.t0, time.t1] = [" + num(s.t0) + ", " +
           num(s.t1) + "]");
    if (j > 0 && dir * (t - s.ts[j - 1]) < 0)
      fail("save.ts: times must be ordered from time.t0 towards time.t1 (" + num(s.ts[j - 1]) +
           " then " + num(t) + ")");
  }
  if (!(c.dt0 >= 0) || !std::isfinite(c.dt0))
    fail("solver.dt0 must be a positive number, got " + num(c.dt0));
  if (!c.adaptive && !(c.dt0 > 0))
    fail(
        "solver.dt0 is required for constant steps (solver.controller = constant, or method "
        "euler)");
  if (c.adaptive) {
    if (!(c.rtol > 0) || !std::isfinite(c.rtol))
      fail("solver.rtol must be > 0, got " + num(c.rtol));
    if (!(c.atol > 0) || !std::isfinite(c.atol))
      fail("solver.atol must be > 0, got " + num(c.atol));
    if (!(c.safety > 0) || !(c.safety <= 1))
      fail("solver.safety must be in (0, 1], got " + num(c.safety));
    if (!(c.factormin > 0) || !(c.factormin <= 1))
      fail("solver.factormin must be in (0, 1], got " + num(c.factormin));
    if (!(c.factormax >= 1) || !std::isfinite(c.factormax))
      fail("solver.factormax must be >= 1, got " + num(c.factormax));
    if (!std::isfinite(c.pcoeff)) fail("solver.pcoeff must be finite");
    if (!std::isfinite(c.icoeff)) fail("solver.icoeff must be finite");
    if (!std::isfinite(c.dcoeff)) fail("solver.dcoeff must be finite");
  }
  if (!(c.dtmin >= 0) || !std::isfinite(c.dtmin))
    fail("solver.dtmin must be >= 0, got " + num(c.dtmin));
  if (!(c.dtmax >= 0)) fail("solver.dtmax must be >= 0, got " + num(c.dtmax));
  if (c.dtmax > 0 && c.dtmin > c.dtmax)
    fail("solver.dtmin (" + num(c.dtmin) + ") exceeds solver.dtmax (" + num(c.dtmax) + ")");
  if (c.max_steps < 1) fail("solver.max_steps must be >= 1, got " + std::to_string(c.max_steps));
  const EventSpec& e = s.event;
  if (e.enabled) {
    if (e.model_event < 0) {
      if (!std::isfinite(e.value)) fail("event.value must be finite, got " + num(e.value));
      if (e.state < 0) fail("event.state: no such state");
    }
    if (e.max_records < 1 || e.max_records > max_event_records)
      fail("event.records must be in [1, " + std::to_string(max_event_records) + "], got " +
           std::to_string(e.max_records));
    if (!(e.time_tol >= 0) || !std::isfinite(e.time_tol))
      fail("event.tol must be >= 0, got " + num(e.time_tol));
  }
}

double brownian_tree_tol(double t0, double t1, const NoiseSpec& noise) {
  return noise.tree_tol > 0 ? noise.tree_tol : std::fabs(t1 - t0) * 0x1p-24;
}

void validate_sde_spec(const SolveSpec& s) {
  if (!(s.t1 > s.t0))
    fail("SDE models integrate forward in time: time.t1 (" + num(s.t1) + ") must exceed time.t0 (" +
         num(s.t0) + ")");
  if (s.dense)
    fail(
        "save.dense is not available for SDE models (a Brownian path has no interpolant); "
        "save at save.ts or every step instead");
  if (!(s.control.dt0 > 0))
    fail(
        "missing required key 'solver.dt0': SDE solvers need the (first) step size (there is "
        "no error-based initial step for SDEs)");
  if (!s.noise.calculus.empty() && s.noise.calculus != "ito" && s.noise.calculus != "stratonovich")
    fail("noise.calculus must be ito or stratonovich, got '" + s.noise.calculus + "'");
  if (!(s.noise.tree_tol >= 0) || !std::isfinite(s.noise.tree_tol))
    fail("noise.tree_tol must be a positive number, got " + num(s.noise.tree_tol));
}

}  // namespace kode
