#include "kode/engine/config/problem_from_config.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "kode/engine/config/call_syntax.hpp"
#include "kode/engine/io/trained_network.hpp"
#include "kode/engine/models/neural_ode_solvers.hpp"
#include "kode/engine/solvers/sde_solver_registry.hpp"
#include "kode/engine/solvers/solver_registry.hpp"

namespace kode {

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

bool contains(const std::vector<std::string>& items, const std::string& x) {
  return std::find(items.begin(), items.end(), x) != items.end();
}

// Shortest text that reads back as the same double.
std::string exact(double x) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(x);
}

// Every key of [params] / [y0] must be a name the model has.
void check_model_names(const Config& config, const ModelInfo& model) {
  struct Section {
    const char* name;
    const std::vector<std::string>& names;
    const char* other;
    const std::vector<std::string>& other_names;
    const char* what;
  };
  const Section sections[] = {
      {"params", model.param_names, "y0", model.state_names, "parameters"},
      {"y0", model.state_names, "params", model.param_names, "states"},
  };
  for (const auto& s : sections) {
    for (const std::string& name : config.keys_in(s.name)) {
      if (contains(s.names, name)) continue;
      const std::string key = std::string(s.name) + "." + name;
      std::string msg = "unknown key '" + key + "' (" + config.find(key)->origin + "): model '" +
                        model.name + "' has " + s.what + " " +
                        (s.names.empty() ? std::string("(none)") : join(s.names));
      if (contains(s.other_names, name)) {
        msg += "; did you mean '" + std::string(s.other) + "." + name + "'?";
      } else {
        const std::string near = nearest_name(name, s.names);
        if (!near.empty()) msg += "; did you mean '" + std::string(s.name) + "." + near + "'?";
      }
      throw ConfigError(msg);
    }
  }
}

// The fixed values of [params] or [y0], in the model's order.
std::vector<double> fixed_values(const Config& config, const std::string& section,
                                 const std::vector<std::string>& names) {
  std::vector<double> values;
  for (const std::string& name : names) {
    const std::string key = section + "." + name;
    const ConfigValue* v = config.find(key);
    if (!v)
      throw ConfigError("missing required key '" + key + "' (every " +
                        (section == "params" ? "parameter" : "initial state") +
                        " needs a value; give it in [" + section + "] or as --" + key + "=VALUE)");
    if (looks_like_design(v->text))
      throw ConfigError(config.describe(key) +
                        ": kode solve needs a fixed number for every value; designs such as "
                        "linspace(...) or uniform(...) belong to `kode sweep`");
    values.push_back(parse_number(v->text, config.describe(key)));
  }
  return values;
}

// validate_solve_spec's messages name the key; add where the user wrote it.
std::string with_origin(const std::string& message, const Config& config) {
  size_t best = std::string::npos;
  std::string best_key;
  for (const std::string& key : config.keys()) {
    const size_t at = message.find(key);
    if (at != std::string::npos && at < best) {
      best = at;
      best_key = key;
    }
  }
  if (best_key.empty()) return message;
  return message + " (" + best_key + " from " + config.find(best_key)->origin + ")";
}

}  // namespace

const ModelInfo& model_from_config(const Config& config, const ModelRegistry& models,
                                   std::shared_ptr<const ModelInfo>& trained) {
  std::vector<std::string> model_names;
  for (const auto& m : models.all()) model_names.push_back(m.name);
  model_names.push_back("neural_ode");
  const auto model_name = config.text("model.name");
  if (!model_name || model_name->empty())
    throw ConfigError("missing required key 'model.name' (valid models: " + join(model_names) +
                      ")");
  if (*model_name == "neural_ode") {
    // A network trained by kode train, read from its result file.
    const auto weights = config.text("model.weights");
    if (!weights || weights->empty())
      throw ConfigError(
          "model 'neural_ode' needs [model] weights = TRAIN.h5 (the result file of kode train)");
    const TrainedNetwork t = read_trained_network(*weights, config.describe("model.weights"));
    if (t.model != "neural_ode")
      throw ConfigError(config.describe("model.weights") + " holds a network trained for model '" +
                        t.model + "' (a hybrid): set model.name = " + t.model);
    trained = std::make_shared<const ModelInfo>(
        trained_neural_ode_info(t.network, t.weights, t.state_names));
    check_model_names(config, *trained);
    return *trained;
  }
  const ModelInfo* model = models.find(*model_name);
  if (!model) {
    std::string msg =
        "unknown model " + config.describe("model.name") + "; valid models: " + join(model_names);
    const std::string near = nearest_name(*model_name, model_names);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg);
  }
  if (config.has("model.weights")) {
    // The model plus the network correction kode train learnt for it.
    const std::string what = config.describe("model.weights");
    if (!model->make_hybrid_solver)
      throw ConfigError(what + ": model '" + model->name +
                        "' cannot take a network correction (weights are for neural_ode and "
                        "ODE models with parameters)");
    const TrainedNetwork t = read_trained_network(*config.text("model.weights"), what);
    if (t.model != model->name || t.state_names != model->state_names)
      throw ConfigError(what + " holds a network trained for model '" + t.model + "', not for '" +
                        model->name + "'");
    trained = std::make_shared<const ModelInfo>(trained_hybrid_info(*model, t.network, t.weights));
    check_model_names(config, *trained);
    return *trained;
  }
  check_model_names(config, *model);
  return *model;
}

namespace {

// [event] state = <state>, value = <level>.
void level_event_from_config(const Config& config, const ModelInfo& model, const std::string& state,
                             EventSpec& e) {
  const auto& names = model.state_names;
  const auto it = std::find(names.begin(), names.end(), state);
  if (it == names.end()) {
    std::string msg = config.describe("event.state") + ": model '" + model.name +
                      "' has no state '" + state + "'";
    const std::string near = nearest_name(state, names);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (states: " + join(names) + ")");
  }
  e.state = static_cast<int>(it - names.begin());
  const auto value = config.number("event.value");
  if (!value)
    throw ConfigError("missing required key 'event.value' (the level event.state crosses)");
  if (!std::isfinite(*value))
    throw ConfigError(config.describe("event.value") + ": must be a finite number");
  e.value = *value;
}

// [event] direction, terminal, records, tol (either kind of event).
void event_settings_from_config(const Config& config, EventSpec& e) {
  const std::string direction = config.text("event.direction").value_or("either");
  if (direction == "rising") {
    e.direction = EventDirection::rising;
  } else if (direction == "falling") {
    e.direction = EventDirection::falling;
  } else if (direction == "either") {
    e.direction = EventDirection::either;
  } else {
    std::string msg = config.describe("event.direction") + ": unknown direction";
    const std::string near = nearest_name(direction, {"rising", "falling", "either"});
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (expected rising, falling or either)");
  }
  e.terminal = config.boolean("event.terminal").value_or(true);
  if (const auto records = config.integer("event.records")) {
    if (*records < 1 || *records > max_event_records)
      throw ConfigError(config.describe("event.records") + ": must be in [1, " +
                        std::to_string(max_event_records) +
                        "] (how many occurrences are recorded per trajectory)");
    if (e.terminal && *records > 1)
      throw ConfigError(config.describe("event.records") +
                        ": a terminal event occurs once; records > 1 needs event.terminal = false");
    e.max_records = static_cast<int>(*records);
  }
  if (const auto tol = config.number("event.tol")) {
    if (!(*tol >= 0) || !std::isfinite(*tol))
      throw ConfigError(config.describe("event.tol") +
                        ": must be >= 0 (the event time's absolute tolerance; 0 locates it to "
                        "rounding)");
    e.time_tol = *tol;
  }
}

// [event] name = <one of the model's own event functions>.
void model_event_from_config(const Config& config, const ModelInfo& model, EventSpec& e) {
  const std::string name = *config.text("event.name");
  for (const char* key : {"event.state", "event.value"})
    if (config.has(key))
      throw ConfigError(config.describe(key) +
                        ": not with event.name (the model's event function replaces the level)");
  const auto& names = model.event_names;
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    std::string msg = config.describe("event.name") + ": model '" + model.name + "' has ";
    if (names.empty()) throw ConfigError(msg + "no event functions; use event.state and value");
    msg += "no event '" + name + "'";
    const std::string near = nearest_name(name, names);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (events: " + join(names) + ")");
  }
  e.model_event = static_cast<int>(it - names.begin());
}

// [event]: one state crossing a level, or one of the model's own event
// functions (kernels/events/event_spec.hpp).
EventSpec event_from_config(const Config& config, const ModelInfo& model) {
  EventSpec e;
  if (config.keys_in("event").empty()) return e;
  e.enabled = true;
  const auto state = config.text("event.state");
  if (config.has("event.name")) {
    model_event_from_config(config, model, e);
  } else if (!state) {
    throw ConfigError(
        "missing required key 'event.state' ([event] watches one state crossing event.value, "
        "or, with event.name, one of the model's own event functions)");
  } else {
    level_event_from_config(config, model, *state, e);
  }
  event_settings_from_config(config, e);
  return e;
}

}  // namespace

void solve_spec_from_config(const Config& config, const ModelInfo& model, SolveSpec& spec,
                            std::vector<std::string>& unused_keys) {
  // ---- time span ----
  spec.t0 = config.number("time.t0").value_or(0.0);
  const auto t1 = config.number("time.t1");
  if (!t1) throw ConfigError("missing required key 'time.t1' (the end of the time span)");
  spec.t1 = *t1;

  // ---- solver and step-size control ----
  bool method_adaptive = false;
  if (model.sde) {
    spec.method = config.text("solver.method").value_or("euler");
    const SdeSolverInfo* solver = find_sde_solver(spec.method);
    if (!solver) {
      std::vector<std::string> solver_names;
      for (const auto& s : all_sde_solvers()) solver_names.push_back(s.name);
      std::string msg = (find_solver(spec.method) ? "ODE solver " : "unknown solver ") +
                        config.describe("solver.method") + " for SDE model '" + model.name +
                        "'; valid methods for SDE models: " + join(solver_names);
      const std::string near = nearest_name(spec.method, solver_names);
      if (!near.empty() && !find_solver(spec.method)) msg += "; did you mean '" + near + "'?";
      throw ConfigError(msg);
    }
    if (solver->noise.find(model.noise_kind) == std::string::npos)
      throw ConfigError(config.describe("solver.method") + ": " + solver->full_name + " needs " +
                        solver->noise + " noise; model '" + model.name + "' has " +
                        model.noise_kind + " noise");
    method_adaptive = solver->adaptive;
  } else {
    spec.method = config.text("solver.method").value_or("tsit5");
    const SolverInfo* solver = find_solver(spec.method);
    if (!solver) {
      std::vector<std::string> solver_names;
      for (const auto& s : all_solvers()) solver_names.push_back(s.name);
      std::string msg = (find_sde_solver(spec.method) ? "SDE solver " : "unknown solver ") +
                        config.describe("solver.method") + " for ODE model '" + model.name +
                        "'; valid methods: " + join(solver_names);
      const std::string near = nearest_name(spec.method, solver_names);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      throw ConfigError(msg);
    }
    if (solver->stiff && !model.jacobian)
      throw ConfigError(config.describe("solver.method") + ": '" + spec.method +
                        "' (linearly implicit, for stiff problems) needs J = df/dy and df/dt "
                        "from model '" +
                        model.name +
                        "', which has no jacobian() member and whose rhs does not take dual "
                        "numbers for its time (the time must be a template parameter, as in "
                        "the built-in models); use an explicit method");
    method_adaptive = solver->adaptive;
  }
  const std::string controller = config.text("solver.controller").value_or("pid");
  if (controller != "pid" && controller != "constant")
    throw ConfigError(config.describe("solver.controller") + ": expected pid or constant");
  StepSizeControl& control = spec.control;
  if (!method_adaptive && controller == "pid" && config.has("solver.controller"))
    throw ConfigError(config.describe("solver.controller") + ": method '" + spec.method +
                      "' has no error estimate, so it cannot be step-size controlled; use "
                      "solver.controller = constant with solver.dt0");
  control.adaptive = method_adaptive && controller == "pid";
  if (const auto dt0 = config.number("solver.dt0")) {
    if (!(*dt0 > 0))
      throw ConfigError(config.describe("solver.dt0") +
                        ": must be > 0 (leave it out to let "
                        "kode choose the first step)");
    control.dt0 = *dt0;
  }
  if (!control.adaptive && !config.has("solver.dt0"))
    throw ConfigError("missing required key 'solver.dt0': constant steps (" +
                      (method_adaptive ? "solver.controller = constant"
                                       : "method '" + spec.method + "' has no error estimate") +
                      ") need a step size");
  const std::pair<const char*, double*> real_keys[] = {
      {"solver.rtol", &control.rtol},           {"solver.atol", &control.atol},
      {"solver.pcoeff", &control.pcoeff},       {"solver.icoeff", &control.icoeff},
      {"solver.dcoeff", &control.dcoeff},       {"solver.dtmin", &control.dtmin},
      {"solver.dtmax", &control.dtmax},         {"solver.factormin", &control.factormin},
      {"solver.factormax", &control.factormax}, {"solver.safety", &control.safety},
  };
  for (const auto& [key, target] : real_keys)
    if (const auto v = config.number(key)) *target = *v;
  if (const auto max_steps = config.integer("solver.max_steps")) {
    if (*max_steps < 1 || *max_steps > INT_MAX - 1)
      throw ConfigError(config.describe("solver.max_steps") + ": must be in [1, " +
                        std::to_string(INT_MAX - 1) + "]");
    control.max_steps = static_cast<int>(*max_steps);
  }
  // The Newton iteration of the ESDIRK methods (kernels/stiff/esdirk.hpp).
  const SolverInfo* method_info = model.sde ? nullptr : find_solver(spec.method);
  const bool newton = method_info != nullptr && method_info->newton;
  for (const char* key : {"solver.newton_kappa", "solver.newton_max_iters"})
    if (config.has(key) && !newton)
      throw ConfigError(config.describe(key) + ": method '" + spec.method +
                        "' has no Newton iteration (kvaerno3, kvaerno4 and kvaerno5 have)");
  if (const auto kappa = config.number("solver.newton_kappa")) {
    if (!(*kappa > 0.0 && *kappa < 1.0))
      throw ConfigError(config.describe("solver.newton_kappa") +
                        ": must be in (0, 1) (the Newton iteration stops when its predicted "
                        "error is below kappa times the step's error tolerance)");
    control.newton_kappa = *kappa;
  }
  if (const auto iters = config.integer("solver.newton_max_iters")) {
    if (*iters < 2 || *iters > 100)
      throw ConfigError(config.describe("solver.newton_max_iters") +
                        ": must be in [2, 100] (convergence is judged from two iterations on)");
    control.newton_max_iters = static_cast<int>(*iters);
  }
  if (!control.adaptive)
    for (const char* key :
         {"solver.rtol", "solver.atol", "solver.pcoeff", "solver.icoeff", "solver.dcoeff",
          "solver.factormin", "solver.factormax", "solver.safety"})
      if (config.has(key)) unused_keys.push_back(key);

  // ---- what to save ----
  const auto user_ts = config.times("save.ts");
  const bool save_t0 = config.boolean("save.t0").value_or(false);
  const bool save_t1 = config.boolean("save.t1").value_or(!user_ts.has_value());
  std::vector<double> ts = user_ts.value_or(std::vector<double>{});
  if (save_t0 && (ts.empty() || ts.front() != spec.t0)) ts.insert(ts.begin(), spec.t0);
  if (save_t1 && (ts.empty() || ts.back() != spec.t1)) ts.push_back(spec.t1);
  spec.ts = std::move(ts);
  spec.save_steps = config.boolean("save.steps").value_or(false);
  spec.dense = config.boolean("save.dense").value_or(false);

  // ---- noise (SDE models) ----
  if (model.sde) {
    // The Brownian paths follow sweep.seed unless noise.seed is given.
    const char* seed_key = config.has("noise.seed") ? "noise.seed" : "sweep.seed";
    const auto seed = config.integer(seed_key).value_or(0);
    if (seed < 0) throw ConfigError(config.describe(seed_key) + ": must be >= 0 (a 64-bit seed)");
    spec.noise.seed = static_cast<std::uint64_t>(seed);
    if (const auto tol = config.number("noise.tree_tol")) {
      if (!(*tol > 0) || !std::isfinite(*tol))
        throw ConfigError(config.describe("noise.tree_tol") + ": must be a positive number");
      spec.noise.tree_tol = *tol;
    }
    // noise.calculus, save.dense and solver.dt0 are checked with the rest of
    // the spec by validate_sde_spec (validate_solve_spec_from_config).
    spec.noise.calculus = config.text("noise.calculus").value_or("");
  } else {
    // noise.seed also keys the observation noise when observation_seed is absent.
    const bool seed_keys_observations =
        config.has("noise.observation_sigma") && !config.has("noise.observation_seed");
    for (const char* key : {"noise.seed", "noise.tree_tol", "noise.calculus"})
      if (config.has(key) && !(seed_keys_observations && std::string(key) == "noise.seed"))
        unused_keys.push_back(key);
  }

  // ---- event ----
  spec.event = event_from_config(config, model);
}

ObservationNoise observation_noise_from_config(const Config& config, const ModelInfo& model,
                                               std::vector<std::string>& unused_keys) {
  ObservationNoise noise;
  const std::string sigma_key = "noise.observation_sigma";
  const ConfigValue* value = config.find(sigma_key);
  if (!value) {
    if (config.has("noise.observation_seed")) unused_keys.push_back("noise.observation_seed");
    return noise;
  }
  const std::vector<std::string>& states = model.state_names;
  // One number for every state, or one per state in any axis form (list,
  // linspace, logspace) as save times and design axes take them.
  std::string name, inside;
  const bool is_list = split_call(value->text, name, inside);
  const std::vector<double> sigmas = parse_axis(value->text, config.describe(sigma_key), "values");
  if (is_list && sigmas.size() != states.size())
    throw ConfigError(config.describe(sigma_key) + ": needs one sigma per state of model '" +
                      model.name + "' (" + join(states) + "), got " +
                      std::to_string(sigmas.size()));
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const std::string what =
        config.describe(sigma_key) + (is_list ? ", sigma of state '" + states[i] + "'" : "");
    const double sigma = sigmas[i];
    if (!(sigma >= 0)) throw ConfigError(what + ": must be >= 0, got " + exact(sigma));
    noise.sigma.push_back(sigma);
  }
  if (!is_list) noise.sigma.assign(states.size(), noise.sigma.front());

  // The seed: observation_seed, else the seed the run already has.
  const char* seed_key = config.has("noise.observation_seed") ? "noise.observation_seed"
                         : config.has("noise.seed")           ? "noise.seed"
                                                              : "sweep.seed";
  const auto seed = config.integer(seed_key).value_or(0);
  if (seed < 0) throw ConfigError(config.describe(seed_key) + ": must be >= 0 (a 64-bit seed)");
  noise.seed = static_cast<std::uint64_t>(seed);
  return noise;
}

std::string output_save_from_config(const Config& config) {
  const std::string save = config.text("output.save").value_or("trajectories");
  if (save != "trajectories" && save != "final" && save != "statistics")
    throw ConfigError(config.describe("output.save") +
                      ": expected trajectories, final or statistics");
  return save;
}

void validate_solve_spec_from_config(const SolveSpec& spec, const ModelInfo& model,
                                     const Config& config) {
  try {
    validate_solve_spec(spec);
    if (model.sde) validate_sde_spec(spec);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(with_origin(e.what(), config));
  }
}

SingleProblem problem_from_config(const Config& config, const ModelRegistry& models) {
  check_known_sections_and_keys(config);
  SingleProblem p;

  // ---- model, parameters, initial state ----
  p.model = &model_from_config(config, models, p.trained_model);
  p.params = fixed_values(config, "params", p.model->param_names);
  p.y0 = fixed_values(config, "y0", p.model->state_names);

  solve_spec_from_config(config, *p.model, p.spec, p.unused_keys);
  p.observation = observation_noise_from_config(config, *p.model, p.unused_keys);

  // ---- output ----
  if (const auto file = config.text("output.file")) {
    if (file->empty()) throw ConfigError(config.describe("output.file") + ": empty file name");
    p.output_file = *file;
  }
  p.output_save = output_save_from_config(config);
  if (p.output_save != "trajectories")
    throw ConfigError(config.describe("output.save") +
                      ": kode solve stores one trajectory at every save time "
                      "(output.save = trajectories); final and statistics are for `kode sweep`");

  // sweep.seed is used after all when it keys the Brownian paths or the
  // observations (noise.seed and observation_seed absent).
  const bool sweep_seed_used =
      !config.has("noise.seed") &&
      (p.model->sde || (p.observation.enabled() && !config.has("noise.observation_seed")));
  for (const std::string& key : config.keys())
    if (key.rfind("sweep.", 0) == 0 && !(key == "sweep.seed" && sweep_seed_used))
      p.unused_keys.push_back(key);

  validate_solve_spec_from_config(p.spec, *p.model, config);
  p.sensitivity = sensitivity_from_config(config, *p.model, p.spec);
  return p;
}

namespace {

// [loss] keys and sensitivity.checkpoints belong to the adjoint only.
void reject_adjoint_keys(const Config& config, const std::string& why) {
  for (const std::string& key : config.keys())
    if (key.rfind("loss.", 0) == 0 || key == "sensitivity.checkpoints")
      throw ConfigError(config.describe(key) + ": " + why);
}

}  // namespace

SensitivitySetup sensitivity_from_config(const Config& config, const ModelInfo& model,
                                         const SolveSpec& spec) {
  SensitivitySetup p;
  const auto method = config.text("sensitivity.method");
  if (!method) {
    reject_adjoint_keys(config,
                        "needs [sensitivity] method = adjoint (the loss is what the adjoint "
                        "differentiates)");
    return p;
  }
  const std::string key = config.describe("sensitivity.method");
  if (*method != "forward" && *method != "adjoint" && *method != "backsolve") {
    std::string msg = key + ": unknown sensitivity method";
    const std::string near = nearest_name(*method, {"forward", "adjoint", "backsolve"});
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (expected forward, adjoint or backsolve)");
  }
  if (model.sde && *method == "backsolve")
    throw ConfigError(key + ": backsolve solves the adjoint ODE backwards and model '" +
                      model.name +
                      "' is an SDE; use forward or adjoint (pathwise gradients on each "
                      "trajectory's Brownian path)");
  if (model.shared_weights && *method != "adjoint")
    throw ConfigError(key + ": model '" + model.name +
                      "' reads a block of shared weights, which only method = adjoint "
                      "differentiates (its d/dy0 included)");
  if (spec.event.enabled)
    throw ConfigError(key +
                      ": cannot be combined with [event] (a terminal event moves the end of the "
                      "trajectory, which the sensitivities do not differentiate yet)");
  if (const SolverInfo* solver = model.sde ? nullptr : find_solver(spec.method);
      solver != nullptr && solver->stiff) {
    if (*method != "forward")
      throw ConfigError(key + ": solver.method '" + spec.method +
                        "' (implicit, for stiff problems) has forward sensitivities only; use "
                        "sensitivity.method = forward or an explicit method");
    if (!model.stiff_sensitivities)
      throw ConfigError(key + ": forward sensitivities through solver.method '" + spec.method +
                        "' need J = df/dy and df/dt differentiated by nested dual numbers, so "
                        "model '" +
                        model.name +
                        "' needs an rhs templated on its time (a jacobian() member gives "
                        "values only); use an explicit method");
  }
  if (spec.save_steps || spec.dense)
    throw ConfigError(key + ": sensitivities are computed at the save times only; drop " +
                      config.describe(spec.save_steps ? "save.steps" : "save.dense"));
  p.method = *method;
  if (*method == "forward") {
    reject_adjoint_keys(config,
                        "forward sensitivities are the full Jacobians, with no loss; use "
                        "sensitivity.method = adjoint for the gradient of a loss");
    return p;
  }

  // ---- adjoint and backsolve: the checkpoint budget (adjoint) and the loss ----
  if (*method == "backsolve" && config.has("sensitivity.checkpoints"))
    throw ConfigError(config.describe("sensitivity.checkpoints") +
                      ": backsolve keeps no checkpoints (O(1) memory: it solves the adjoint "
                      "backwards); checkpoints are for method = adjoint");
  if (*method == "adjoint")
    p.checkpoints = static_cast<int>(config.integer("sensitivity.checkpoints").value_or(256));
  if (const auto c = config.integer("sensitivity.checkpoints"))
    if (*c < 2 || *c > 1000000)
      throw ConfigError(config.describe("sensitivity.checkpoints") +
                        ": must be between 2 and 1000000 (checkpoint slots per trajectory)");
  if (spec.ts.empty())
    throw ConfigError(key + ": the loss is a sum over the save times, and there are none");
  const auto kind = config.text("loss.kind");
  if (!kind)
    throw ConfigError(
        "missing required key 'loss.kind' (sensitivity.method = adjoint differentiates a loss: "
        "kind = mse with data = FILE.h5, or kind = state with weights)");
  const std::string& n_state_names = join(model.state_names);
  if (*kind == "state") {
    p.loss.kind = LossKind::state;
    const auto text = config.text("loss.weights");
    if (!text)
      throw ConfigError(
          "missing required key 'loss.weights' (loss.kind = state: one weight per "
          "state of model '" +
          model.name + "' (" + n_state_names + "))");
    p.loss.weights = parse_axis(*text, config.describe("loss.weights"), "values");
    if (p.loss.weights.size() == 1)
      p.loss.weights.assign(model.state_names.size(), p.loss.weights[0]);
    if (p.loss.weights.size() != model.state_names.size())
      throw ConfigError(config.describe("loss.weights") + ": needs one weight per state (" +
                        n_state_names + ") or one for all, got " +
                        std::to_string(p.loss.weights.size()));
    const std::string at = config.text("loss.at").value_or("final");
    if (at != "final" && at != "all")
      throw ConfigError(config.describe("loss.at") + ": expected final or all");
    p.loss.final_only = at == "final";
    for (const char* k : {"loss.data", "loss.dataset"})
      if (config.has(k)) throw ConfigError(config.describe(k) + ": only for loss.kind = mse");
  } else if (*kind == "mse") {
    p.loss.kind = LossKind::mse;
    const auto data = config.text("loss.data");
    if (!data || data->empty())
      throw ConfigError(
          "missing required key 'loss.data' (loss.kind = mse compares with the "
          "trajectories of a kode solve/sweep file: data = FILE.h5)");
    p.loss_data_file = *data;
    p.loss_dataset = config.text("loss.dataset").value_or("ys_observed");
    if (p.loss_dataset != "ys_observed" && p.loss_dataset != "ys")
      throw ConfigError(config.describe("loss.dataset") + ": expected ys_observed or ys");
    for (const char* k : {"loss.weights", "loss.at"})
      if (config.has(k)) throw ConfigError(config.describe(k) + ": only for loss.kind = state");
  } else {
    std::string msg = config.describe("loss.kind") + ": unknown loss kind";
    const std::string near = nearest_name(*kind, {"mse", "state"});
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (expected mse or state)");
  }
  return p;
}

std::string resolved_solver_text(const SolveSpec& s) {
  const StepSizeControl& c = s.control;
  std::ostringstream out;
  out << "\n[solver]\nmethod = " << s.method << "\n";
  out << "controller = " << (c.adaptive ? "pid" : "constant") << "\n";
  if (c.dt0 > 0) out << "dt0 = " << exact(c.dt0) << "\n";
  out << "rtol = " << exact(c.rtol) << "\natol = " << exact(c.atol) << "\n";
  out << "max_steps = " << c.max_steps << "\n";
  out << "pcoeff = " << exact(c.pcoeff) << "\nicoeff = " << exact(c.icoeff)
      << "\ndcoeff = " << exact(c.dcoeff) << "\n";
  out << "dtmin = " << exact(c.dtmin) << "\ndtmax = " << exact(c.dtmax) << "\n";
  out << "factormin = " << exact(c.factormin) << "\nfactormax = " << exact(c.factormax)
      << "\nsafety = " << exact(c.safety) << "\n";
  return out.str();
}

std::string resolved_solve_text(const ModelInfo& model, const SolveSpec& s,
                                const ObservationNoise& observation, const Config& config) {
  std::ostringstream out;
  out << "# resolved by kode: every key with its effective value\n";
  out << "[model]\nname = " << model.name << "\n";
  if (config.has("model.weights"))
    out << "weights = " << config.find("model.weights")->text << "\n";
  out << "\n[time]\nt0 = " << exact(s.t0) << "\nt1 = " << exact(s.t1) << "\n";
  // save.ts as the user wrote it (exact: linspace is deterministic); t0/t1
  // as resolved, so the text gives the same save times.
  out << "\n[save]\n";
  const bool has_ts = config.has("save.ts");
  if (has_ts) out << "ts = " << config.find("save.ts")->text << "\n";
  out << "t0 = " << (config.boolean("save.t0").value_or(false) ? "true" : "false") << "\n";
  out << "t1 = " << (config.boolean("save.t1").value_or(!has_ts) ? "true" : "false") << "\n";
  out << "steps = " << (s.save_steps ? "true" : "false") << "\n";
  out << "dense = " << (s.dense ? "true" : "false") << "\n";
  out << resolved_solver_text(s);
  if (model.sde) {
    out << "\n[noise]\nseed = " << s.noise.seed << "\n";
    out << "tree_tol = " << exact(brownian_tree_tol(s.t0, s.t1, s.noise)) << "\n";
    out << "calculus = " << (s.noise.calculus.empty() ? model.calculus : s.noise.calculus) << "\n";
  }
  if (s.event.enabled) {
    const EventSpec& e = s.event;
    if (e.model_event >= 0) {
      out << "\n[event]\nname = " << model.event_names.at(e.model_event);
    } else {
      out << "\n[event]\nstate = " << model.state_names.at(e.state)
          << "\nvalue = " << exact(e.value);
    }
    out << "\ndirection = " << event_direction_name(e.direction)
        << "\nterminal = " << (e.terminal ? "true" : "false") << "\nrecords = " << e.max_records
        << "\ntol = " << exact(e.time_tol) << "\n";
  }
  if (observation.enabled()) {
    // One sigma per state and the seed in effect, so that the text gives the
    // same observations whatever defaults it relied on.
    if (!model.sde) out << "\n[noise]\n";
    std::vector<std::string> sigma;
    for (double x : observation.sigma) sigma.push_back(exact(x));
    out << "observation_sigma = list(" << join(sigma) << ")\n";
    out << "observation_seed = " << observation.seed << "\n";
  }
  return out.str();
}

std::string resolved_sensitivity_text(const SensitivitySetup& p) {
  std::ostringstream out;
  if (!p.empty()) out << "\n[sensitivity]\nmethod = " << p.method << "\n";
  if (p.method == "adjoint" || p.method == "backsolve") {
    if (p.method == "adjoint") out << "checkpoints = " << p.checkpoints << "\n";
    out << "\n[loss]\n";
    if (p.loss.kind == LossKind::state) {
      std::vector<std::string> w;
      for (double x : p.loss.weights) w.push_back(exact(x));
      out << "kind = state\nweights = list(" << join(w)
          << ")\nat = " << (p.loss.final_only ? "final" : "all") << "\n";
    } else {
      out << "kind = mse\ndata = " << p.loss_data_file << "\ndataset = " << p.loss_dataset << "\n";
    }
  }
  return out.str();
}

std::string resolved_config_text(const SingleProblem& p, const Config& config) {
  std::ostringstream out;
  out << resolved_solve_text(*p.model, p.spec, p.observation, config);
  out << resolved_sensitivity_text(p.sensitivity);
  out << "\n[params]\n";
  for (size_t j = 0; j < p.params.size(); ++j)
    out << p.model->param_names[j] << " = " << exact(p.params[j]) << "\n";
  out << "\n[y0]\n";
  for (size_t i = 0; i < p.y0.size(); ++i)
    out << p.model->state_names[i] << " = " << exact(p.y0[i]) << "\n";
  out << "\n[output]\n";
  if (!p.output_file.empty()) out << "file = " << p.output_file << "\n";
  out << "save = " << p.output_save << "\n";
  return out.str();
}

}  // namespace kode
