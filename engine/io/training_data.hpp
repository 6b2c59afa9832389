// The observations `kode train` fits: a kode solve/sweep result file
// (hdf5_file.hpp's layout) read whole -- its save times /ts, initial states
// /y0 and observed states /ys_observed (or the exact /ys).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kode {

struct TrainingData {
  std::string path;
  std::string dataset;  // "ys_observed" or "ys"
  std::string model;    // the root attribute `model` of the file ("" if absent)
  std::vector<std::string> state_names;
  std::vector<double> ts;  // [n_save]
  std::vector<double> y0;  // [n_traj][n_state]
  std::vector<double> ys;  // [n_traj][n_save][n_state] (NaN: missing observation)
  int n_traj = 0, n_save = 0, n_state = 0;
  // fingerprint.hpp's hash of ts, y0 and ys: a resume refuses other data
  // behind the same file name.
  std::uint64_t fingerprint = 0;
};

// Reads `path`. `dataset` "" picks ys_observed when the file has it, else ys.
// ConfigError naming `what` (the config key) when the file is missing, is
// not HDF5, lacks a dataset or has inconsistent shapes, non-increasing save
// times or non-finite initial states, or when its first save time is not the
// t0 its /y0 belongs to (the [time] t0 of the config stored in the file:
// training starts from /y0 at /ts[0]).
TrainingData read_training_data(const std::string& path, const std::string& dataset,
                                const std::string& what);

}  // namespace kode
