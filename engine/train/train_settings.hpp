// engine/train/ (library kode::engine): `kode train` -- fitting a neural ODE
// (or a model's parameters) to observed trajectories with the discrete
// adjoint, data-parallel over MPI ranks. May include kernels/, engine/batch/,
// engine/models/, engine/sensitivity/, engine/config/, engine/io/ and
// engine/mpi/.
//
// The validated run description of `kode train` from its config: [train],
// [solver] and, when learning a model's parameters, [params] (their initial
// values). Everything is checked here, before any compute, and every error
// names the key (ConfigError, exit 2, nothing written).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kode/engine/batch/solve_spec.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/io/training_data.hpp"
#include "kode/engine/models/model_registry.hpp"
#include "kode/engine/train/optimizer.hpp"
#include "kode/kernels/neural/mlp.hpp"

namespace kode {

// What is learnt: the weights of a neural ODE y' = MLP_theta(t, y)
// (`network`, model neural_ode) or the named parameters of a registered
// model, shared by every trajectory (`params`: parameter estimation).
// `both`: a registered model plus a network correction (a hybrid model,
// kernels/models/hybrid.hpp), its weights and its parameters learnt
// together; `network` with a registered model learns only the correction.
enum class LearnKind { network, params, both };

struct TrainSettings {
  // [train] data / dataset: the observations (the whole file is read here).
  TrainingData data;
  std::string model = "neural_ode";
  LearnKind learn = LearnKind::network;
  Mlp network;             // learn = network: the architecture (weights pointer unset)
  std::uint64_t seed = 0;  // network initialisation, data split, minibatches
  const ModelInfo* model_info = nullptr;  // a registered model (owned by the registry)
  std::vector<double> initial_params;     // its [params], the model's order
  std::vector<int> learnt_params;         // has_params(): indices fitted (others fixed)
  bool log_params = false;                // has_params(): optimise log p (p > 0)

  long long steps = 200;
  int batch = 32;  // trajectories per step (all training ones when larger)
  OptimizerSettings optimizer;
  double validation_fraction = 0.2;
  long long validate_every = 10;  // steps between validation losses (and the last step)
  // Length curriculum: the first `curriculum_steps` steps fit the save times
  // in the first `curriculum` fraction of the time series.
  double curriculum = 1.0;
  long long curriculum_steps = 0;
  long long checkpoint_every = 0;  // 0: checkpoint only on a signal
  int adjoint_checkpoints = 256;   // [train] checkpoints: adjoint slots per trajectory
  std::string output;              // [train] output: the result file
  SolveSpec spec;                  // [solver] with the data's save times

  int n_state() const { return data.n_state; }
  bool has_network() const { return learn != LearnKind::params; }
  bool has_params() const { return learn != LearnKind::network; }
  bool hybrid() const { return model != "neural_ode" && has_network(); }
  // Learnable values: network weights, then the learnt model parameters.
  int n_learnable() const;
  // The checkpoint file next to the output.
  std::string checkpoint_file() const { return output + ".checkpoint"; }
};

// Reads and validates the config (and the data file it names). ConfigError
// naming the key otherwise.
TrainSettings train_settings_from_config(const Config& config, const ModelRegistry& models);

// What is learnt, in words: "354 weights (width 16, depth 2, softplus)",
// "3 parameters (log scale)", or both joined by " + " for a hybrid model.
std::string learnt_summary(const TrainSettings& settings);

// The resolved configuration (every key with its effective value) stored in
// the output and checkpoint files; a resume requires the same text.
std::string resolved_train_text(const TrainSettings& settings);

const char* activation_name(MlpActivation a);
const char* final_activation_name(MlpFinalActivation a);

}  // namespace kode
