#include "kode/engine/train/optimizer.hpp"

#include <cmath>
#include <cstddef>
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

// The double nearest pi, as jnp.pi (std::numbers::pi is C++20).
constexpr double kPi = 3.141592653589793;

// Optax's cosine_decay_schedule(init, decay_steps, alpha) at `count`:
//   init * ((1 - alpha) * 0.5 * (1 + cos(pi * min(count, T) / T)) + alpha)
// evaluated in the same order; the exponent is 1, and x**1.0 is x exactly.
// Loshchilov & Hutter 2017 (SGDR), eq. (5) without restarts.
double cosine_decay(double init, long long decay_steps, double alpha, long long count) {
  const double t = static_cast<double>(decay_steps);
  const double c = std::fmin(static_cast<double>(count), t);
  const double cosine = 0.5 * (1.0 + std::cos(kPi * c / t));
  return init * ((1.0 - alpha) * cosine + alpha);
}

// Optax's linear_schedule(init, end, transition_steps) at `count`, which is
// polynomial_schedule with power 1: (init - end) * (1 - c / T) + end with c
// clipped to [0, T] (frac**1 is frac exactly).
double linear_ramp(double init, double end, long long steps, long long count) {
  if (steps <= 0) return init;  // Optax: a constant schedule at init
  const long long c = count < 0 ? 0 : (count > steps ? steps : count);
  const double frac = 1.0 - static_cast<double>(c) / static_cast<double>(steps);
  return (init - end) * frac + end;
}

void check_finite(double x, const char* field) {
  if (!std::isfinite(x)) fail(std::string(field) + " must be finite, got " + num(x));
}

void check_decay(double b, const char* field) {
  // b = 1 would never forget the initial zero moment, and its bias
  // correction 1 - b^t would divide by zero.
  if (!(b >= 0.0 && b < 1.0)) fail(std::string(field) + " must be in [0, 1), got " + num(b));
}

}  // namespace

OptimizerSettings default_settings(OptimizerKind kind) {
  OptimizerSettings s;
  s.kind = kind;
  // optax.adam(lr, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0);
  // optax.adabelief(lr, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16).
  // Optax has no default learning rate; 1e-3 is Kingma & Ba's suggestion.
  s.learning_rate = 1e-3;
  s.b1 = 0.9;
  s.b2 = 0.999;
  if (kind == OptimizerKind::adabelief) {
    s.eps = 1e-16;
    s.eps_root = 1e-16;
  } else {
    s.eps = 1e-8;
    s.eps_root = 0.0;
  }
  return s;
}

void validate(const OptimizerSettings& s) {
  if (s.kind != OptimizerKind::adam && s.kind != OptimizerKind::adabelief)
    fail("kind is not a known optimizer");
  if (s.schedule != ScheduleKind::constant && s.schedule != ScheduleKind::cosine &&
      s.schedule != ScheduleKind::warmup_cosine)
    fail("schedule is not a known learning-rate schedule");
  check_finite(s.learning_rate, "learning_rate");
  if (!(s.learning_rate > 0.0)) fail("learning_rate must be > 0, got " + num(s.learning_rate));
  check_decay(s.b1, "b1");
  check_decay(s.b2, "b2");
  check_finite(s.eps, "eps");
  if (s.eps < 0.0) fail("eps must be >= 0, got " + num(s.eps));
  check_finite(s.eps_root, "eps_root");
  if (s.eps_root < 0.0) fail("eps_root must be >= 0, got " + num(s.eps_root));
  check_finite(s.final_learning_rate, "final_learning_rate");
  if (s.final_learning_rate < 0.0)
    fail("final_learning_rate must be >= 0, got " + num(s.final_learning_rate));
  check_finite(s.clip_norm, "clip_norm");
  if (s.clip_norm < 0.0) fail("clip_norm must be >= 0 (0: no clipping), got " + num(s.clip_norm));
  if (s.total_steps < 0) fail("total_steps must be >= 0, got " + std::to_string(s.total_steps));
  if (s.warmup_steps < 0) fail("warmup_steps must be >= 0, got " + std::to_string(s.warmup_steps));
  if (s.schedule != ScheduleKind::constant && s.total_steps <= 0)
    fail(std::string("total_steps must be > 0 for the ") + schedule_name(s.schedule) +
         " schedule, got " + std::to_string(s.total_steps));
  if (s.schedule == ScheduleKind::warmup_cosine && s.warmup_steps >= s.total_steps)
    // Optax's cosine part needs decay_steps = total - warmup > 0.
    fail("warmup_steps must be < total_steps for the warmup_cosine schedule, got " +
         std::to_string(s.warmup_steps) + " >= " + std::to_string(s.total_steps));
  if (s.schedule != ScheduleKind::warmup_cosine && s.warmup_steps != 0)
    fail("warmup_steps is only used by the warmup_cosine schedule, got " +
         std::to_string(s.warmup_steps) + " with " + schedule_name(s.schedule));
}

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adabelief: return "adabelief";
  }
  return "unknown";
}

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::cosine: return "cosine";
    case ScheduleKind::warmup_cosine: return "warmup_cosine";
  }
  return "unknown";
}

std::optional<OptimizerKind> parse_optimizer(const std::string& name) {
  for (auto k : {OptimizerKind::adam, OptimizerKind::adabelief})
    if (name == optimizer_name(k)) return k;
  return std::nullopt;
}

std::optional<ScheduleKind> parse_schedule(const std::string& name) {
  for (auto k : {ScheduleKind::constant, ScheduleKind::cosine, ScheduleKind::warmup_cosine})
    if (name == schedule_name(k)) return k;
  return std::nullopt;
}

double learning_rate_at(const OptimizerSettings& s, long long step) {
  if (step < 0) fail("learning_rate_at: step must be >= 0, got " + std::to_string(step));
  switch (s.schedule) {
    case ScheduleKind::constant: return s.learning_rate;
    case ScheduleKind::cosine:
      // optax.cosine_decay_schedule(lr, total, alpha = final / lr): its end
      // value is alpha * lr, final_learning_rate up to rounding.
      return cosine_decay(s.learning_rate, s.total_steps, s.final_learning_rate / s.learning_rate,
                          step);
    case ScheduleKind::warmup_cosine: {
      // optax.warmup_cosine_decay_schedule(0, lr, warmup, total, final) joins
      // linear_schedule(0, lr, warmup) and cosine_decay_schedule(lr, total -
      // warmup, final / lr) at `warmup`, the second called with step - warmup.
      if (step < s.warmup_steps) return linear_ramp(0.0, s.learning_rate, s.warmup_steps, step);
      const double alpha = s.learning_rate == 0.0 ? 0.0 : s.final_learning_rate / s.learning_rate;
      return cosine_decay(s.learning_rate, s.total_steps - s.warmup_steps, alpha,
                          step - s.warmup_steps);
    }
  }
  fail("learning_rate_at: unknown schedule");
}

UpdateInfo apply_update(const OptimizerSettings& s, OptimizerState& state,
                        std::vector<double>& theta, const std::vector<double>& grad) {
  validate(s);
  const std::size_t n = theta.size();
  if (grad.size() != n)
    fail("apply_update: gradient has " + std::to_string(grad.size()) + " entries, parameters " +
         std::to_string(n));
  if (state.m.empty() && state.v.empty() && state.step == 0) {
    state.m.assign(n, 0.0);
    state.v.assign(n, 0.0);
  }
  if (state.m.size() != n || state.v.size() != n)
    fail("apply_update: optimizer state has " + std::to_string(state.m.size()) + "/" +
         std::to_string(state.v.size()) + " moments, parameters " + std::to_string(n));

  UpdateInfo info{};
  info.learning_rate = learning_rate_at(s, state.step);

  // Global L2 norm (optax.tree.norm): the root of the plain sum of squares.
  double sum_sq = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum_sq += grad[i] * grad[i];
  const double norm = std::sqrt(sum_sq);
  info.gradient_norm = norm;

  // Clipping by the global norm rescales the whole gradient onto the ball of
  // radius clip_norm, keeping its direction, so one exploding component
  // cannot throw the parameters far (Pascanu, Mikolov, Bengio, ICML 2013,
  // Algorithm 1). optax.clip_by_global_norm keeps g when norm < max_norm and
  // otherwise takes (g / norm) * max_norm, in that order.
  info.clipped = s.clip_norm > 0.0 && !(norm < s.clip_norm);

  // Bias corrections (Kingma & Ba 2015, Algorithm 1): the moments start at
  // zero, so after t updates their expectation carries a factor 1 - b^t.
  // Optax divides by 1 - b**t with t = step + 1 as a float power.
  const double t = static_cast<double>(state.step + 1);
  const double bc1 = 1.0 - std::pow(s.b1, t);
  const double bc2 = 1.0 - std::pow(s.b2, t);
  const double neg_lr = -info.learning_rate;  // optax.scale_by_learning_rate: -1 * lr

  const bool belief = s.kind == OptimizerKind::adabelief;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = info.clipped ? grad[i] / norm * s.clip_norm : grad[i];
    // Exponential moving averages as optax.tree.update_moment:
    // (1 - b) * g^k + b * moment.
    const double m = (1.0 - s.b1) * g + s.b1 * state.m[i];
    double v;
    double u;
    if (belief) {
      // AdaBelief (Zhuang et al. 2020, Algorithm 2): the second moment is the
      // EMA of the squared deviation of g from its prediction m, so the step
      // is large where gradients agree with their trend; eps_root is added
      // to the stored s, inside the bias correction, as in Optax.
      const double e = g - m;
      v = (1.0 - s.b2) * (e * e) + s.b2 * state.v[i];
      v = v + s.eps_root;
      u = (m / bc1) / (std::sqrt(v / bc2) + s.eps);
    } else {
      // Adam (Kingma & Ba 2015, Algorithm 1); eps_root (Optax) inside the root.
      v = (1.0 - s.b2) * (g * g) + s.b2 * state.v[i];
      u = (m / bc1) / (std::sqrt(v / bc2 + s.eps_root) + s.eps);
    }
    state.m[i] = m;
    state.v[i] = v;
    // optax.apply_updates: theta + (-lr * u).
    theta[i] = theta[i] + neg_lr * u;
  }
  ++state.step;
  return info;
}

}  // namespace kode
