// From a Config and the registered models, everything `kode solve` needs for
// one trajectory: the model, the SolveSpec, the fixed parameters and initial
// state, and where the result goes. All input validation of a single solve
// happens here, before any compute, so that bad input never costs a run and
// never leaves a file behind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/sensitivity/adjoint_sensitivity.hpp"

namespace kode {

// [sensitivity] and [loss] as validated, for `kode solve` and `kode sweep`.
struct SensitivitySetup {
  // "" (none), "forward" (dy/dp, dy/dy0 at the save times,
  // engine/sensitivity/forward_sensitivity.hpp), "adjoint" (the loss below
  // and its gradient by the discrete adjoint,
  // engine/sensitivity/adjoint_sensitivity.hpp, with `checkpoints` slots per
  // trajectory) or "backsolve" (the same by the continuous adjoint solved
  // backwards).
  std::string method;
  int checkpoints = 0;
  LossSpec loss;               // without data: that is read from loss_data_file
  std::string loss_data_file;  // [loss] data (kind mse)
  std::string loss_dataset;    // [loss] dataset: ys_observed or ys
  bool empty() const { return method.empty(); }
  // adjoint or backsolve: a loss and its gradient.
  bool has_loss() const { return method == "adjoint" || method == "backsolve"; }
};

struct SingleProblem {
  const ModelInfo* model = nullptr;                // owned by the registry, or by trained_model
  std::shared_ptr<const ModelInfo> trained_model;  // model neural_ode: its network's
  SolveSpec spec;
  std::vector<double> params;  // [n_param], in the model's order
  std::vector<double> y0;      // [n_state], in the model's order
  std::string output_file;     // [output] file; empty: CSV on stdout
  std::string output_save = "trajectories";
  ObservationNoise observation;  // [noise] observation_sigma/_seed; disabled when absent
  SensitivitySetup sensitivity;  // [sensitivity] and [loss]
  // Keys present in the config that `solve` does not use ([sweep] ...), so
  // the caller can say so instead of ignoring them silently.
  std::vector<std::string> unused_keys;
};

// Rules (DESIGN.md "User-facing contract"):
//  - model.name is required; every parameter and initial state of the model
//    must be a fixed number (designs belong to `kode sweep`).
//  - time.t0 defaults to 0; time.t1 is required.
//  - solver.method defaults to tsit5 (euler for SDE models, which is
//    Euler-Maruyama); solver.controller = pid (default) or
//    constant; constant steps (also implied by a method without an error
//    estimate, e.g. euler) need solver.dt0.
//  - save.ts is optional; save.t0/save.t1 add t0/t1 to it (merged in order,
//    without duplicates); save.t1 defaults to true only when save.ts is
//    absent, as Diffrax's default SaveAt(t1=True).
// Throws ConfigError naming the key and the bad value.
SingleProblem problem_from_config(const Config& config, const ModelRegistry& models);

// The parts shared by `kode solve` and `kode sweep` (sweep_plan.cpp), in
// the order problem_from_config applies them:
//  - the model named by model.name, with every [params]/[y0] key checked
//    against the model's names;
//  - [time], [solver], [save] and, for SDE models, [noise] into `spec` (keys that the chosen
//  step-size
//    control ignores are appended to `unused_keys`);
//  - [noise] observation_sigma and observation_seed (ODE and SDE models);
//  - output.save (trajectories, final or statistics);
//  - validate_solve_spec with the origin of the offending key added.
// Each throws ConfigError naming the key and the bad value.
// Model neural_ode is a network trained by `kode train`, read from [model]
// weights = TRAIN.h5: its ModelInfo is made here and owned by `trained`.
const ModelInfo& model_from_config(const Config& config, const ModelRegistry& models,
                                   std::shared_ptr<const ModelInfo>& trained);
void solve_spec_from_config(const Config& config, const ModelInfo& model, SolveSpec& spec,
                            std::vector<std::string>& unused_keys);
// observation_sigma: one number for every state or list(s1, s2, ...), one per
// state in the model's order, each >= 0; absent: no observations (and
// observation_seed, if given, is appended to `unused_keys`).
// observation_seed: an integer >= 0; default noise.seed, else sweep.seed,
// else 0.
ObservationNoise observation_noise_from_config(const Config& config, const ModelInfo& model,
                                               std::vector<std::string>& unused_keys);
std::string output_save_from_config(const Config& config);
// [sensitivity] and [loss] for `model` and `spec`; ConfigError naming the
// key otherwise. The loss data file is not opened here (check_loss_data).
SensitivitySetup sensitivity_from_config(const Config& config, const ModelInfo& model,
                                         const SolveSpec& spec);
// The [sensitivity] and [loss] sections of the resolved config ("" without
// sensitivities).
std::string resolved_sensitivity_text(const SensitivitySetup& sensitivity);
void validate_solve_spec_from_config(const SolveSpec& spec, const ModelInfo& model,
                                     const Config& config);

// The [solver] section of the resolved config (method, step-size control),
// shared by kode solve/sweep and kode train.
std::string resolved_solver_text(const SolveSpec& spec);

// The [model], [time], [save], [solver] and [noise] sections of the resolved
// config (every key with its effective value).
std::string resolved_solve_text(const ModelInfo& model, const SolveSpec& spec,
                                const ObservationNoise& observation, const Config& config);

// The resolved configuration as INI text: every key with its effective value,
// defaults included, so that the text alone reproduces the run (stored in
// the output file's `config` attribute).
std::string resolved_config_text(const SingleProblem& problem, const Config& config);

}  // namespace kode
