// The files of `kode train`, written by rank 0 with the default (sec2) HDF5
// driver, each as PATH.partial renamed to PATH when complete:
//
// Result file ([train] output):
//   /train/loss, /train/validation_loss (NaN: not evaluated that step),
//   /train/learning_rate, /train/gradient_norm, /train/failed  [steps]
//      (attributes final_validation_loss, steps)
//   with a network: /network/weights [n_weights] (the flat layout of
//      kernels/neural/mlp.hpp), and per Linear layer l /network/layer_<l>/weight
//      [out, in] and /network/layer_<l>/bias [out], /network/scale [out] with a
//      learnt scale; attributes in_size, out_size, width, depth, activation,
//      final_activation, time_input, learnt_scale, seed
//   learn = params: /params [n_param] (attribute names), /initial_params
//   /validation/traj [n_val] (indices into the data), /validation/ts,
//   /validation/ys_observed and /validation/ys_predicted [n_val, n_save,
//      n_state] (attribute state_names)
//   root attributes as every kode file (model, solver, rtol, atol, seed,
//      n_ranks, config = the resolved config, ...) plus data.
//
// Checkpoint (PATH = output + ".checkpoint"): the TrainState and the resolved
// config it belongs to.
#pragma once

#include <string>
#include <vector>

#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/train/train_settings.hpp"
#include "kode/engine/train/trainer.hpp"

namespace kode {

void write_train_result(const std::string& path, bool overwrite, const TrainSettings& settings,
                        const TrainOutcome& outcome, const RunAttributes& attributes);

void write_train_checkpoint(const std::string& path, const std::string& config_text,
                            const TrainState& state);

// Reads a checkpoint; ConfigError when it is not one or when it belongs to a
// different config (the first differing line is named).
TrainState read_train_checkpoint(const std::string& path, const std::string& config_text);

}  // namespace kode
