// The network of a `kode train` result file (engine/train/train_file.hpp's
// /network group), read back so that `kode solve` and `kode sweep` can run a
// learnt neural ODE: [model] name = neural_ode, weights = TRAIN.h5.
#pragma once

#include <string>
#include <vector>

#include "kode/kernels/neural/mlp.hpp"

namespace kode {

struct TrainedNetwork {
  Mlp network;                           // architecture (weights pointer unset)
  std::vector<double> weights;           // [network.n_weights()], mlp.hpp's layout
  std::vector<std::string> state_names;  // of the data it was trained on
  std::string model;                     // the file's `model`: neural_ode or a hybrid's base
};

// ConfigError naming `what` when the file is missing, not a kode train
// result with a network, or inconsistent.
TrainedNetwork read_trained_network(const std::string& path, const std::string& what);

}  // namespace kode
