#include "kode/engine/sweep/sweep_plan.hpp"

#include <algorithm>
#include <sstream>

#include "kode/engine/config/problem_from_config.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode {

namespace {

// The design of one section's names, in the model's order; every name needs
// a value (a number or a design).
void design_inputs(const Config& config, const std::string& section,
                   const std::vector<std::string>& model_names, std::vector<std::string>& names,
                   std::vector<std::string>& texts) {
  for (const std::string& name : model_names) {
    const std::string key = section + "." + name;
    const ConfigValue* v = config.find(key);
    if (!v)
      throw ConfigError("missing required key '" + key + "' (every " +
                        (section == "params" ? "parameter" : "initial state") +
                        " needs a number or a design such as linspace(a,b,n) or uniform(a,b); " +
                        "give it in [" + section + "] or as --" + key + "=VALUE)");
    names.push_back(key);
    texts.push_back(v->text);
  }
}

std::string resolved_sweep_text(const SweepPlan& plan, const Config& config) {
  std::ostringstream out;
  out << resolved_solve_text(*plan.model, plan.spec, plan.observation, config);
  out << resolved_sensitivity_text(plan.sensitivity);
  // Design values as written: they are parsed deterministically, so the
  // text gives the same values.
  const auto& names = plan.design.names();
  for (const char* section : {"params", "y0"}) {
    out << "\n[" << section << "]\n";
    const std::string prefix = std::string(section) + ".";
    for (const std::string& name : names)
      if (name.rfind(prefix, 0) == 0)
        out << name.substr(prefix.size()) << " = " << config.find(name)->text << "\n";
  }
  out << "\n[sweep]\ndesign = " << plan.design.kind() << "\n";
  if (plan.design.kind() != "grid") out << "samples = " << plan.design.samples() << "\n";
  out << "paths = " << plan.design.paths() << "\nseed = " << plan.design.seed() << "\n";
  out << "chunk = " << plan.chunk << "\nschedule = " << plan.schedule << "\n";
  // Only for a slice: the resolved config of an unsliced run stays as it
  // was, and `kode merge` rebuilds it by dropping these two lines.
  if (plan.is_slice())
    out << "slice_index = " << plan.slice_index << "\nslice_count = " << plan.slice_count << "\n";
  out << "\n[output]\nfile = " << plan.output_file << "\nsave = " << plan.output_save << "\n";
  return out.str();
}

}  // namespace

SweepPlan sweep_plan_from_config(const Config& config, const ModelRegistry& models) {
  check_known_sections_and_keys(config);
  SweepPlan plan;
  plan.model = &model_from_config(config, models, plan.trained_model);

  std::vector<std::string> names, texts;
  design_inputs(config, "params", plan.model->param_names, names, texts);
  design_inputs(config, "y0", plan.model->state_names, names, texts);

  std::vector<std::string> unused_keys;
  solve_spec_from_config(config, *plan.model, plan.spec, unused_keys);
  if (plan.spec.save_steps)
    throw ConfigError(config.describe("save.steps") +
                      ": kode sweep stores save times only (save.steps is for kode solve)");
  if (plan.spec.dense)
    throw ConfigError(config.describe("save.dense") +
                      ": kode sweep stores save times only (save.dense is for kode solve)");

  const auto file = config.text("output.file");
  if (!file)
    throw ConfigError(
        "missing required key 'output.file' (kode sweep writes one HDF5 file; give it in "
        "[output] or as --output.file=FILE.h5)");
  if (file->empty()) throw ConfigError(config.describe("output.file") + ": empty file name");
  plan.output_file = *file;
  plan.output_save = output_save_from_config(config);
  plan.observation = observation_noise_from_config(config, *plan.model, unused_keys);
  if (plan.observation.enabled() && !plan.stores_ys())
    throw ConfigError(config.describe("noise.observation_sigma") +
                      ": observations are noisy copies of the stored trajectories, but " +
                      config.describe("output.save") +
                      " stores none; use output.save = trajectories or final");
  validate_solve_spec_from_config(plan.spec, *plan.model, config);
  if (plan.output_save == "final") plan.spec.ts = {plan.spec.t1};
  if (plan.spec.ts.empty())
    throw ConfigError(
        "no save times: save.ts is absent and save.t1 = false; kode sweep needs at least one "
        "(give save.ts, or output.save = final)");
  plan.sensitivity = sensitivity_from_config(config, *plan.model, plan.spec);

  // ---- the design ----
  const auto seed = config.integer("sweep.seed").value_or(0);
  if (seed < 0) throw ConfigError(config.describe("sweep.seed") + ": must be >= 0 (a 64-bit seed)");
  plan.design = make_design(names, texts, config.text("sweep.design").value_or(""),
                            config.integer("sweep.samples"), config.integer("sweep.paths"),
                            static_cast<std::uint64_t>(seed));
  plan.n_traj = plan.design.size();

  // ---- chunks and schedule ----
  if (const auto chunk = config.integer("sweep.chunk")) {
    if (*chunk < 1) throw ConfigError(config.describe("sweep.chunk") + ": must be >= 1");
    // The chunk is one batch solve: its size is an int.
    if (*chunk > (1LL << 30))
      throw ConfigError(config.describe("sweep.chunk") + ": must be <= 2^30");
    plan.chunk = *chunk;
  }
  // A chunk holds whole statistics blocks, which keeps /ensemble bit-identical
  // whatever the chunk size: any other request is rounded up, and said so.
  if (plan.chunk < plan.n_traj && plan.chunk % plan.block_size != 0) {
    const long long rounded = (plan.chunk / plan.block_size + 1) * plan.block_size;
    plan.chunk_note = "sweep.chunk = " + std::to_string(plan.chunk) + " rounded up to " +
                      std::to_string(rounded) + ", a multiple of the statistics block of " +
                      std::to_string(plan.block_size) +
                      " trajectories (which keeps /ensemble bit-identical whatever the chunk)";
    plan.chunk = rounded;
  }
  if (plan.chunk >= plan.n_traj) plan.chunk = plan.n_traj;  // one chunk
  plan.n_chunks = (plan.n_traj + plan.chunk - 1) / plan.chunk;
  plan.n_blocks = (plan.n_traj + plan.block_size - 1) / plan.block_size;
  plan.schedule = config.text("sweep.schedule").value_or("static");
  if (plan.schedule != "static" && plan.schedule != "dynamic")
    throw ConfigError(config.describe("sweep.schedule") + ": expected static or dynamic");

  // ---- the slice (job arrays) ----
  if (const auto count = config.integer("sweep.slice_count")) {
    if (*count < 1) throw ConfigError(config.describe("sweep.slice_count") + ": must be >= 1");
    if (*count > plan.n_chunks)
      throw ConfigError(config.describe("sweep.slice_count") +
                        ": must be <= the number of chunks " + std::to_string(plan.n_chunks) +
                        " (" + std::to_string(plan.n_traj) + " trajectories in chunks of " +
                        std::to_string(plan.chunk) +
                        "; a slice holds whole chunks: use a smaller sweep.chunk or fewer slices)");
    plan.slice_count = *count;
  }
  if (const auto index = config.integer("sweep.slice_index")) {
    if (*index < 0 || *index >= plan.slice_count)
      throw ConfigError(
          config.describe("sweep.slice_index") +
          ": must be >= 0 and < sweep.slice_count = " + std::to_string(plan.slice_count));
    plan.slice_index = *index;
  } else if (plan.slice_count > 1) {
    throw ConfigError(
        "missing key 'sweep.slice_index': sweep.slice_count = " + std::to_string(plan.slice_count) +
        " needs the slice to compute (0 to " + std::to_string(plan.slice_count - 1) + ")");
  }
  plan.chunk_begin = plan.slice_index * plan.n_chunks / plan.slice_count;
  plan.chunk_end = (plan.slice_index + 1) * plan.n_chunks / plan.slice_count;

  plan.config_text = resolved_sweep_text(plan, config);
  return plan;
}

void check_sweep_loss_data(const SweepPlan& plan, const std::string& what) {
  const SensitivitySetup& s = plan.sensitivity;
  if (s.has_loss() && s.loss.kind == LossKind::mse)
    read_loss_data(s.loss_data_file, s.loss_dataset, plan.n_traj - 1, 1, plan.spec.ts,
                   plan.model->state_names, what);
}

}  // namespace kode
