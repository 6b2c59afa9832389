// First-order optimisers for training neural ODEs on the host: Adam and
// AdaBelief with a constant, cosine or warmup-cosine learning rate, and
// optional clipping of the gradient by its global L2 norm.
//
// kode's training has to reproduce Diffrax/Optax runs, so every formula
// follows Optax 0.2.8 (optax.adam, optax.adabelief, optax.clip_by_global_norm,
// optax.cosine_decay_schedule, optax.warmup_cosine_decay_schedule) down to the
// order of the floating-point operations: in float64 kode's parameters agree
// with Optax's (jax x64) to about one ulp per update
// (tests/unit/test_optimizer.cpp, reference values from
// tests/unit/reference/optax_reference.py).
//
// One known, deliberate difference: Optax keeps its step counter in int32,
// and with jax 0.10 the linear warmup of warmup_cosine_decay_schedule then
// divides in float32, so Optax's whole warmup-cosine learning rate is
// rounded to float32 even with x64 enabled (and differs between jit and eager
// execution by a few float32 ulps). kode evaluates the same formula in
// float64; this equals Optax's schedule called with a 64-bit count.
//
// Host-side and plain C++: the parameter vector of a neural ODE is small next
// to the cost of the solves that produce its gradient.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kode {

enum class OptimizerKind {
  adam,      // D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015
  adabelief  // J. Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
             // Observed Gradients", NeurIPS 2020
};

enum class ScheduleKind {
  constant,
  // Half a cosine period from learning_rate down to final_learning_rate over
  // total_steps updates, then constant: I. Loshchilov, F. Hutter, "SGDR:
  // Stochastic Gradient Descent with Warm Restarts", ICLR 2017 (one cycle,
  // no restart).
  cosine,
  // Linear warmup from 0 to learning_rate over warmup_steps updates, then the
  // cosine decay above over the remaining total_steps - warmup_steps.
  warmup_cosine
};

struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::adam;
  double learning_rate = 1e-3;  // peak value
  double b1 = 0.9, b2 = 0.999;  // decay rates of the first and second moment estimates
  // eps is added to the root of the second moment, eps_root under the root.
  // Optax's defaults differ per optimiser (adam 1e-8 and 0, adabelief 1e-16
  // and 1e-16): start from default_settings(kind).
  double eps = 1e-8;
  double eps_root = 0.0;
  ScheduleKind schedule = ScheduleKind::constant;
  long long total_steps = 0;         // decay_steps of the cosine schedules
  long long warmup_steps = 0;        // warmup_cosine only
  double final_learning_rate = 0.0;  // end value of the cosine schedules
  double clip_norm = 0.0;            // > 0: clip the gradient by its global L2 norm first
};

// Optax's defaults for that optimiser (learning rate 1e-3, constant, no clipping).
OptimizerSettings default_settings(OptimizerKind kind);

// Throws std::invalid_argument naming the field when a setting is out of
// range: learning_rate <= 0, b1 or b2 outside [0, 1), eps or eps_root < 0,
// negative or non-finite values, total_steps <= 0 for the cosine schedules,
// warmup_steps >= total_steps for warmup_cosine, warmup_steps != 0 for the
// other schedules (it would be ignored), clip_norm < 0.
void validate(const OptimizerSettings& s);

const char* optimizer_name(OptimizerKind kind);
const char* schedule_name(ScheduleKind kind);
// The inverses of the names above (exact, lower case); std::nullopt when unknown.
std::optional<OptimizerKind> parse_optimizer(const std::string& name);
std::optional<ScheduleKind> parse_schedule(const std::string& name);

// Everything a checkpoint must hold to resume bit-identically.
struct OptimizerState {
  long long step = 0;        // updates applied so far
  std::vector<double> m, v;  // first and second moment (AdaBelief: s) estimates
};

// The learning rate used by update number `step` (0-based, as Optax's
// schedule(count)). Throws std::invalid_argument for step < 0.
double learning_rate_at(const OptimizerSettings& s, long long step);

struct UpdateInfo {
  double learning_rate;  // used by this update
  double gradient_norm;  // global L2 norm of grad as passed in (before clipping)
  bool clipped;          // clip_norm > 0 and gradient_norm >= clip_norm
};

// One update in place, in Optax's order of operations: clip, update the
// moments, bias-correct with step + 1, theta += -lr * mhat / (sqrt(vhat +
// eps_root) + eps) (AdaBelief: eps_root is added to the stored s instead),
// then step += 1. state.m and state.v are sized (zeros) on first use; grad is
// not modified. Validates s; throws std::invalid_argument when grad, theta
// and a non-empty state differ in size.
UpdateInfo apply_update(const OptimizerSettings& s, OptimizerState& state,
                        std::vector<double>& theta, const std::vector<double>& grad);

}  // namespace kode
