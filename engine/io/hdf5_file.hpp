// engine/io/ (library kode::engine): kode's files. The single-run result
// file (this header), the parallel sweep file (sweep_file) and the checked
// HDF5 plumbing both share (hdf5_writer). May include kernels/,
// engine/batch/, engine/config/ (for the error types and the resolved config
// text), engine/mpi/ and, for the sweep file's layout, engine/sweep/'s plan.
//
// kode's HDF5 result file (DESIGN.md, "Output"), written by one process with
// the default (sec2) file driver, and the reader of its dense output for
// `kode interpolate`.
//
// Layout (n_traj trajectories, n_save save times):
//   /ts [n_save]  /ys [n_traj, n_save, n_state]  /params [n_traj, n_param]
//   /y0 [n_traj, n_state]  /status int8 [n_traj]
//   /stats/num_steps, /stats/num_accepted, /stats/num_rejected  int32 [n_traj]
//   with [noise] observation_sigma: /ys_observed [n_traj, n_save, n_state] as
//                    /ys (attrs state_names, observation_sigma, observation_seed)
//   with save.steps: /steps/ts [n_traj, n_max], /steps/ys [n_traj, n_max, n_state],
//                    /steps/count [n_traj]   (n_max = largest count, NaN-padded)
//   with save.dense: /dense/ts [n_traj, m+1], /dense/ys [n_traj, m, degree+1, n_state],
//                    /dense/count [n_traj]   (m = largest count; attrs degree, t0, t1)
//   with [event]:    /events/t, /events/y, /events/count (event_layout.hpp)
// Dimension scales make the dimensions visible to h5py/xarray: /ts (time),
// and the coordinate datasets /traj (0..n_traj-1), /state and /param (the
// names); the extra dimensions of /steps and /dense are netCDF-style
// dimensions without data (/steps/step, /dense/step, /dense/boundary,
// /dense/node).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/batch/observation_noise.hpp"
#include "kode/kernels/events/event_spec.hpp"

namespace kode {

// An HDF5 call failed while writing or reading a file (not an input
// problem): the message says which call, on which file, and HDF5's reason.
class Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The root attributes of a result file.
struct RunAttributes {
  std::string kode_version;
  std::string model;
  std::string solver;
  double rtol = 0.0;
  double atol = 0.0;
  std::uint64_t seed = 0;  // 0 for `kode solve`
  int n_ranks = 1;
  std::string config_text;    // the full resolved config (INI)
  double t0 = 0.0, t1 = 0.0;  // the time span (attributes of /dense)
  EventSpec event;            // [event] (attributes of /events)
};

struct ResultLabels {
  std::vector<std::string> state_names;
  std::vector<std::string> param_names;
  std::vector<std::string> event_names;  // the model's own event functions
};

// Throws ConfigError (bad input, nothing written) when `path` cannot become
// kode's output: it exists and `overwrite` is false, it is a directory, or
// its directory does not exist or is not writable. Called before any
// compute so that a run is not wasted on an output it cannot write.
// With `allow_existing` (`kode check`, which writes nothing) an existing file
// is no error; the return value says whether the file exists.
bool check_output_path(const std::string& path, bool overwrite, bool allow_existing = false);

// Bytes free for an unprivileged writer in the file system that would hold
// `path` (statvfs of its directory); a negative value when unknown.
double free_bytes_for(const std::string& path);

// Throws ConfigError, naming both sizes, when `needed_bytes` exceed the free
// space free_bytes_for(path) reports (unknown free space passes). Some
// parallel file systems report free space wrongly: callers offer a way to
// skip this check (`kode sweep --no-space-check`).
void check_free_space(const std::string& path, double needed_bytes);

// Throws ConfigError when the file system at `path` cannot hold one file of
// `bytes` (beyond the largest file offset or its maximum file size: EFBIG).
// Probes by sizing `path` itself as a sparse file, which uses no space, then
// removes it: call it before creating `path`.
void require_file_size_supported(const std::string& path, double bytes);

// "1.5 GB", "812 kB": decimal units, three significant digits.
std::string byte_size_text(double bytes);

// Writes the file as PATH.partial, closes it, then renames it to PATH, so a
// file named PATH is always complete. On failure the partial file is
// removed and Hdf5Error (or ConfigError for the checks above) is thrown.
// params [n_traj][n_param], y0 [n_traj][n_state], row-major. With
// `observation` enabled, ys_observed (observe_states of `result`) becomes
// /ys_observed.
// Sensitivities of the stored trajectories, row-major with the trajectory
// slowest, written under /sensitivity (attribute method):
//  forward: dys_dparams [n_traj, n_save, n_state, n_param],
//           dys_dy0     [n_traj, n_save, n_state, n_state]
//  adjoint: loss [n_traj], dloss_dparams [n_traj, n_param],
//           dloss_dy0 [n_traj, n_state]
// with dimension scales traj, time, state, param and /sensitivity/wrt_state
// (the initial state a derivative is taken with respect to)
// (sensitivity_layout.hpp lists them).
struct SensitivityArrays {
  std::string method;                                  // "" (none), "forward" or "adjoint"
  std::vector<double> dys_dparams, dys_dy0;            // forward
  std::vector<double> loss, dloss_dparams, dloss_dy0;  // adjoint
  bool empty() const { return method.empty(); }
  // The array of a dataset of sensitivity_datasets() by its name.
  std::vector<double>& array(const std::string& name);
  const std::vector<double>& array(const std::string& name) const {
    return const_cast<SensitivityArrays*>(this)->array(name);
  }
};

void write_result_file(const std::string& path, bool overwrite, const BatchResult& result,
                       const ResultLabels& labels, const std::vector<double>& params,
                       const std::vector<double>& y0, const RunAttributes& attributes,
                       const ObservationNoise& observation = {},
                       const std::vector<double>& ys_observed = {},
                       const SensitivityArrays& sensitivity = {});

// Makes a complete PATH.partial visible as PATH: renamed over PATH when
// `overwrite`, else hard-linked so that a PATH that appeared meanwhile is
// never replaced (ConfigError). Throws Hdf5Error when the rename fails.
void publish_partial_file(const std::string& partial, const std::string& path, bool overwrite);

// Observations for a loss ([loss] kind = mse, data = FILE.h5): rows
// [first, first + count) of /<dataset> ([n_traj, n_save, n_state], dataset
// ys_observed or ys) of a kode solve/sweep file, whose /ts must equal `ts`
// exactly and whose /ys state_names must equal `state_names`. Row-major
// [count][n_save][n_state]. ConfigError naming `what` (the config key) and
// the mismatch otherwise.
std::vector<double> read_loss_data(const std::string& path, const std::string& dataset,
                                   long long first, long long count, const std::vector<double>& ts,
                                   const std::vector<std::string>& state_names,
                                   const std::string& what);

// One trajectory's dense output read back from a result file.
struct StoredDenseOutput {
  std::string model;
  std::vector<std::string> state_names;
  int n_traj = 0;
  int degree = 0;
  int n_steps = 0;         // accepted steps of this trajectory
  double t0 = 0, t1 = 0;   // the requested time span
  std::vector<double> ts;  // [n_steps + 1] step boundaries
  std::vector<double> ys;  // [n_steps][degree + 1][n_state]
  int n_state() const { return static_cast<int>(state_names.size()); }
};

// Reads /dense of trajectory `traj`. Throws ConfigError when the file is not
// a kode result file, has no dense output, or `traj` is out of range.
StoredDenseOutput read_dense_output(const std::string& path, int traj);

}  // namespace kode
