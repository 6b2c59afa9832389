#include "kode/engine/train/train_settings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "kode/engine/config/problem_from_config.hpp"
#include "kode/engine/models/neural_ode_solvers.hpp"

namespace kode {

namespace {

std::string exact(double x) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(x);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// One of `choices` for `key` (default `fallback`), or ConfigError listing them.
std::string choice(const Config& config, const std::string& key,
                   const std::vector<std::string>& choices, const std::string& fallback) {
  const std::string value = config.text(key).value_or(fallback);
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;
  std::string msg = config.describe(key) + " is not one of " + join(choices);
  const std::string near = nearest_name(value, choices);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  throw ConfigError(msg);
}

long long integer_in(const Config& config, const std::string& key, long long fallback, long long lo,
                     long long hi) {
  const long long v = config.integer(key).value_or(fallback);
  if (v < lo || v > hi)
    throw ConfigError(config.describe(key) + " must be in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return v;
}

// Sections `kode train` reads; anything else would be silently ignored.
void check_train_sections(const Config& config) {
  for (const std::string& key : config.keys()) {
    const std::string section = key.substr(0, key.find('.'));
    if (section != "train" && section != "solver" && section != "params")
      throw ConfigError("'" + key + "' (" + config.find(key)->origin +
                        ") is not used by kode train, which reads [train], [solver] and, for "
                        "a registered model, [params]; remove it");
  }
}

}  // namespace

const char* activation_name(MlpActivation a) {
  switch (a) {
    case MlpActivation::softplus: return "softplus";
    case MlpActivation::tanh: return "tanh";
    case MlpActivation::relu: return "relu";
    case MlpActivation::silu: return "silu";
    case MlpActivation::elu: return "elu";
  }
  return "?";
}

const char* final_activation_name(MlpFinalActivation a) {
  return a == MlpFinalActivation::tanh ? "tanh" : "identity";
}

int TrainSettings::n_learnable() const {
  return (has_network() ? network.n_weights() : 0) + static_cast<int>(learnt_params.size());
}

TrainSettings train_settings_from_config(const Config& config, const ModelRegistry& models) {
  check_known_sections_and_keys(config);
  check_train_sections(config);
  TrainSettings s;

  // ---- data ----
  const auto data = config.text("train.data");
  if (!data || data->empty())
    throw ConfigError("missing required key 'train.data' (a kode solve/sweep HDF5 file)");
  std::string dataset;
  if (config.has("train.dataset"))
    dataset = choice(config, "train.dataset", {"ys_observed", "ys"}, "");
  s.data = read_training_data(*data, dataset, config.describe("train.data"));

  // ---- model and what is learnt ----
  std::vector<std::string> names = {"neural_ode"};
  for (const auto& m : models.all()) names.push_back(m.name);
  s.model = choice(config, "train.model", names, "neural_ode");
  const bool neural = s.model == "neural_ode";
  const std::string learn =
      choice(config, "train.learn", {"network", "params", "both"}, neural ? "network" : "params");
  s.learn = learn == "network"  ? LearnKind::network
            : learn == "params" ? LearnKind::params
                                : LearnKind::both;
  if (neural && s.learn != LearnKind::network)
    throw ConfigError(config.describe("train.learn") +
                      ": model neural_ode has no parameters; it learns its network");
  const std::vector<std::string> network_keys = {
      "width", "depth", "activation", "final_activation", "time_input", "learnt_scale"};
  const std::vector<std::string> params_keys = {"parameter_scale", "learn_params"};
  if (!s.has_network())
    for (const std::string& k : network_keys)
      if (config.has("train." + k))
        throw ConfigError(config.describe("train." + k) +
                          " applies to a network (train.learn = network or both) only");
  if (!s.has_params())
    for (const std::string& k : params_keys)
      if (config.has("train." + k))
        throw ConfigError(config.describe("train." + k) +
                          " applies to train.learn = params or both only");

  ModelInfo neural_info;
  const ModelInfo* info = nullptr;
  if (neural) {
    if (config.keys_in("params").size() > 0)
      throw ConfigError("[params] is for a registered model; model neural_ode has none");
    if (s.data.n_state > max_neural_ode_states)
      throw ConfigError(config.describe("train.data") + " has " + std::to_string(s.data.n_state) +
                        " states; kode builds neural ODEs of 1 to " +
                        std::to_string(max_neural_ode_states));
    neural_info.name = "neural_ode";
    neural_info.n_state = s.data.n_state;
    neural_info.state_names = s.data.state_names;
    info = &neural_info;
  } else {
    info = models.find(s.model);
    if (info->sde)
      throw ConfigError(config.describe("train.model") +
                        " is an SDE model; kode train fits ODE models");
    if (info->n_param == 0)
      throw ConfigError(config.describe("train.model") +
                        " has no parameters (for a network alone use model neural_ode)");
    if (s.has_network() && !info->make_hybrid_adjoint_solver)
      throw ConfigError(config.describe("train.model") +
                        " cannot take a network correction (a model with shared weights, or "
                        "more than 16 states)");
    if (info->n_state != s.data.n_state || info->state_names != s.data.state_names)
      throw ConfigError(config.describe("train.data") + " holds the states (" +
                        join(s.data.state_names) + "); model '" + s.model + "' has (" +
                        join(info->state_names) + ")");
    s.log_params = choice(config, "train.parameter_scale", {"linear", "log"}, "linear") == "log";
    for (const std::string& k : config.keys_in("params"))
      if (std::find(info->param_names.begin(), info->param_names.end(), k) ==
          info->param_names.end())
        throw ConfigError(config.describe("params." + k) + " is not a parameter of model '" +
                          s.model + "' (" + join(info->param_names) + ")");
    for (const std::string& p : info->param_names) {
      const auto v = config.number("params." + p);
      if (!v)
        throw ConfigError("missing key 'params." + p + "': " +
                          (s.has_params() ? "the initial value of every parameter"
                                          : "the value of every parameter of the hybrid model"));
      if (!std::isfinite(*v)) throw ConfigError(config.describe("params." + p) + " must be finite");
      s.initial_params.push_back(*v);
    }
  }
  if (s.has_network()) {
    Mlp& m = s.network;
    m.in_size = m.out_size = s.data.n_state;
    m.width = static_cast<int>(integer_in(config, "train.width", 64, 1, Mlp::max_width));
    m.depth = static_cast<int>(integer_in(config, "train.depth", 2, 0, Mlp::max_depth));
    const std::string act =
        choice(config, "train.activation", {"softplus", "tanh", "relu", "silu", "elu"}, "softplus");
    for (int a = 0; a <= 4; ++a)
      if (act == activation_name(static_cast<MlpActivation>(a)))
        m.activation = static_cast<MlpActivation>(a);
    m.final_activation =
        choice(config, "train.final_activation", {"identity", "tanh"}, "identity") == "tanh"
            ? MlpFinalActivation::tanh
            : MlpFinalActivation::identity;
    m.time_input = config.boolean("train.time_input").value_or(false);
    m.learnt_scale = config.boolean("train.learnt_scale").value_or(false);
    m.validate();
  }
  if (s.has_params()) {
    // [train] learn_params: the parameters fitted (default all); the others
    // keep their [params] values (e.g. the volumes of a PK model whose
    // amounts only identify the rate constants cl/v1, q/v1, q/v2).
    if (config.has("train.learn_params")) {
      const std::string list = *config.text("train.learn_params");
      std::string inner = list;
      if (inner.rfind("list(", 0) == 0 && inner.back() == ')')
        inner = inner.substr(5, inner.size() - 6);
      std::stringstream items(inner);
      std::string name;
      while (std::getline(items, name, ',')) {
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        const auto it = std::find(info->param_names.begin(), info->param_names.end(), name);
        if (it == info->param_names.end())
          throw ConfigError(config.describe("train.learn_params") + ": '" + name +
                            "' is not a parameter of model '" + s.model + "' (" +
                            join(info->param_names) + ")");
        const int index = static_cast<int>(it - info->param_names.begin());
        if (std::find(s.learnt_params.begin(), s.learnt_params.end(), index) !=
            s.learnt_params.end())
          throw ConfigError(config.describe("train.learn_params") + " names '" + name + "' twice");
        s.learnt_params.push_back(index);
      }
      if (s.learnt_params.empty())
        throw ConfigError(config.describe("train.learn_params") +
                          " names no parameter (list(name, ...))");
    } else {
      for (int j = 0; j < info->n_param; ++j) s.learnt_params.push_back(j);
    }
    if (s.log_params)
      for (int j : s.learnt_params)
        if (!(s.initial_params[j] > 0))
          throw ConfigError(config.describe("params." + info->param_names[j]) +
                            " must be > 0 with train.parameter_scale = log");
  }
  if (!neural) s.model_info = info;

  // ---- optimisation ----
  s.steps = integer_in(config, "train.steps", 200, 1, 1000000000LL);
  s.batch = static_cast<int>(integer_in(config, "train.batch", 32, 1, 1 << 24));
  s.seed = static_cast<std::uint64_t>(integer_in(config, "train.seed", 0, 0, 1LL << 62));
  const auto kind = parse_optimizer(config.text("train.optimizer").value_or("adam"));
  if (!kind)
    throw ConfigError(config.describe("train.optimizer") + " is not one of adam, adabelief");
  s.optimizer = default_settings(*kind);
  s.optimizer.learning_rate = config.number("train.learning_rate").value_or(1e-3);
  const auto schedule = parse_schedule(config.text("train.schedule").value_or("constant"));
  if (!schedule)
    throw ConfigError(config.describe("train.schedule") +
                      " is not one of constant, cosine, warmup_cosine");
  s.optimizer.schedule = *schedule;
  s.optimizer.total_steps = s.steps;
  s.optimizer.warmup_steps = config.integer("train.warmup_steps").value_or(0);
  s.optimizer.final_learning_rate = config.number("train.final_learning_rate").value_or(0.0);
  s.optimizer.clip_norm = config.number("train.clip_norm").value_or(0.0);
  if (config.has("train.warmup_steps") && s.optimizer.schedule != ScheduleKind::warmup_cosine)
    throw ConfigError(config.describe("train.warmup_steps") +
                      " needs train.schedule = warmup_cosine");
  if (config.has("train.final_learning_rate") && s.optimizer.schedule == ScheduleKind::constant)
    throw ConfigError(config.describe("train.final_learning_rate") +
                      " needs train.schedule = cosine or warmup_cosine");
  try {
    validate(s.optimizer);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("[train] optimizer settings: ") + e.what());
  }

  s.validation_fraction = config.number("train.validation_fraction").value_or(0.2);
  if (!(s.validation_fraction >= 0.0 && s.validation_fraction < 1.0))
    throw ConfigError(config.describe("train.validation_fraction") + " must be in [0, 1)");
  const long long n_val = static_cast<long long>(std::floor(s.validation_fraction * s.data.n_traj));
  if (s.data.n_traj - n_val < 1)
    throw ConfigError(config.describe("train.validation_fraction") +
                      " leaves no training "
                      "trajectory of the " +
                      std::to_string(s.data.n_traj) + " in the data");
  s.validate_every = integer_in(config, "train.validate_every", 10, 1, 1000000000LL);
  s.curriculum = config.number("train.curriculum").value_or(1.0);
  if (!(s.curriculum > 0.0 && s.curriculum <= 1.0))
    throw ConfigError(config.describe("train.curriculum") +
                      " must be in (0, 1]: the fraction of the time series fitted first");
  s.curriculum_steps = integer_in(config, "train.curriculum_steps", 0, 0, s.steps);
  if (config.has("train.curriculum") != config.has("train.curriculum_steps"))
    throw ConfigError(
        "train.curriculum and train.curriculum_steps go together: fit the first fraction "
        "`curriculum` of the time series for `curriculum_steps` steps, then all of it");
  if (s.curriculum_steps > 0 && static_cast<int>(std::ceil(s.curriculum * s.data.n_save)) < 2)
    throw ConfigError(config.describe("train.curriculum") + " keeps fewer than 2 of the " +
                      std::to_string(s.data.n_save) + " save times");
  s.checkpoint_every = integer_in(config, "train.checkpoint_every", 0, 0, 1000000000LL);
  s.adjoint_checkpoints =
      static_cast<int>(integer_in(config, "train.checkpoints", 256, 2, 1 << 20));
  const auto output = config.text("train.output");
  if (!output || output->empty())
    throw ConfigError("missing required key 'train.output' (the result HDF5 file)");
  s.output = *output;

  // ---- solver: [solver] over the data's time span and save times ----
  Config solver_config;
  for (const std::string& k : config.keys_in("solver"))
    solver_config.set("solver." + k, config.find("solver." + k)->text,
                      config.find("solver." + k)->origin);
  solver_config.set("time.t0", exact(s.data.ts.front()), "the data's /ts");
  solver_config.set("time.t1", exact(s.data.ts.back()), "the data's /ts");
  std::vector<std::string> unused;
  solve_spec_from_config(solver_config, *info, s.spec, unused);
  if (!unused.empty())
    throw ConfigError(config.describe(unused.front()) +
                      " is not used with the chosen step-size control; remove it");
  s.spec.ts = s.data.ts;
  s.spec.t0 = s.data.ts.front();
  s.spec.t1 = s.data.ts.back();
  if (s.spec.save_steps || s.spec.dense) throw ConfigError("kode train saves no steps");
  return s;
}

std::string learnt_summary(const TrainSettings& s) {
  std::string out;
  if (s.has_network()) {
    const int n = s.network.n_weights();
    out = std::to_string(n) + (n == 1 ? " weight" : " weights") + " (width " +
          std::to_string(s.network.width) + ", depth " + std::to_string(s.network.depth) + ", " +
          activation_name(s.network.activation) + ")";
  }
  if (s.has_params()) {
    const size_t n = s.learnt_params.size();
    if (!out.empty()) out += " + ";
    out += std::to_string(n) + (n == 1 ? " parameter" : " parameters") +
           (s.log_params ? " (log scale)" : "");
  }
  return out;
}

std::string resolved_train_text(const TrainSettings& s) {
  std::ostringstream out;
  const OptimizerSettings& o = s.optimizer;
  out << "# resolved by kode train: every key with its effective value\n[train]\n";
  char fingerprint[32];
  std::snprintf(fingerprint, sizeof(fingerprint), "%016llx",
                static_cast<unsigned long long>(s.data.fingerprint));
  out << "# the data: " << s.data.n_traj << " trajectories, fingerprint " << fingerprint << "\n";
  out << "data = " << s.data.path << "\ndataset = " << s.data.dataset << "\n";
  out << "model = " << s.model << "\n";
  out << "learn = "
      << (s.learn == LearnKind::network  ? "network"
          : s.learn == LearnKind::params ? "params"
                                         : "both")
      << "\n";
  if (s.has_network()) {
    out << "width = " << s.network.width << "\ndepth = " << s.network.depth << "\n";
    out << "activation = " << activation_name(s.network.activation) << "\n";
    out << "final_activation = " << final_activation_name(s.network.final_activation) << "\n";
    out << "time_input = " << (s.network.time_input ? "true" : "false") << "\n";
    out << "learnt_scale = " << (s.network.learnt_scale ? "true" : "false") << "\n";
  }
  if (s.has_params()) {
    out << "parameter_scale = " << (s.log_params ? "log" : "linear") << "\n";
    std::vector<std::string> learnt;
    for (int j : s.learnt_params) learnt.push_back(s.model_info->param_names[j]);
    out << "learn_params = list(" << join(learnt) << ")\n";
  }
  out << "steps = " << s.steps << "\nbatch = " << s.batch << "\n";
  out << "optimizer = " << optimizer_name(o.kind) << "\n";
  out << "learning_rate = " << exact(o.learning_rate) << "\n";
  out << "schedule = " << schedule_name(o.schedule) << "\n";
  if (o.schedule == ScheduleKind::warmup_cosine) out << "warmup_steps = " << o.warmup_steps << "\n";
  if (o.schedule != ScheduleKind::constant)
    out << "final_learning_rate = " << exact(o.final_learning_rate) << "\n";
  out << "clip_norm = " << exact(o.clip_norm) << "\n";
  out << "validation_fraction = " << exact(s.validation_fraction) << "\n";
  out << "validate_every = " << s.validate_every << "\n";
  if (s.curriculum_steps > 0)
    out << "curriculum = " << exact(s.curriculum) << "\ncurriculum_steps = " << s.curriculum_steps
        << "\n";
  out << "seed = " << s.seed << "\ncheckpoint_every = " << s.checkpoint_every << "\n";
  out << "checkpoints = " << s.adjoint_checkpoints << "\noutput = " << s.output << "\n";
  out << resolved_solver_text(s.spec);
  if (s.model_info) {
    out << "\n[params]\n";
    for (size_t j = 0; j < s.initial_params.size(); ++j)
      out << s.model_info->param_names[j] << " = " << exact(s.initial_params[j]) << "\n";
  }
  return out.str();
}

}  // namespace kode
