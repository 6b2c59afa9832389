// The datasets under /sensitivity, one list for every writer and reader of
// them (the single-run file, the sweep file, `kode merge`), so that their
// names, shapes and dimension scales are defined once.
//
// Per trajectory (row-major, the trajectory slowest):
//  forward: dys_dparams [n_traj, n_save, n_state, n_param]   time state param
//           dys_dy0     [n_traj, n_save, n_state, n_state]   time state wrt_state
//  adjoint, backsolve: loss [n_traj], dloss_dparams [n_traj, n_param]   param
//           dloss_dy0 [n_traj, n_state]                      wrt_state
// A trajectory's "sensitivity row" is its rows of these datasets one after
// the other, in this order: the sample of the sweep's sensitivity
// statistics (sweep_file.hpp).
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

#include "kode/engine/io/hdf5_file.hpp"
#include "kode/engine/io/hdf5_writer.hpp"

namespace kode {

struct SensitivityDataset {
  const char* name;
  std::vector<hsize_t> row_dims;       // the dimensions after the trajectory's
  std::vector<const char*> dim_names;  // their dimension scales: time, state, param, wrt_state
  bool per_save_time;                  // grows with n_save (not kept with output.save = statistics)

  hsize_t row_size() const {
    hsize_t n = 1;
    for (hsize_t d : row_dims) n *= d;
    return n;
  }
};

inline std::vector<SensitivityDataset> sensitivity_datasets(const std::string& method,
                                                            hsize_t n_save, hsize_t n_state,
                                                            hsize_t n_param) {
  if (method == "forward")
    return {{"dys_dparams", {n_save, n_state, n_param}, {"time", "state", "param"}, true},
            {"dys_dy0", {n_save, n_state, n_state}, {"time", "state", "wrt_state"}, true}};
  if (method == "adjoint" || method == "backsolve")
    return {{"loss", {}, {}, false},
            {"dloss_dparams", {n_param}, {"param"}, false},
            {"dloss_dy0", {n_state}, {"wrt_state"}, false}};
  return {};
}

// The width of a sensitivity row.
inline hsize_t sensitivity_row_size(const std::vector<SensitivityDataset>& datasets) {
  hsize_t n = 0;
  for (const SensitivityDataset& d : datasets) n += d.row_size();
  return n;
}

// A dimension scale: the scale dataset and its name.
using DimensionScale = std::pair<hid_t, const char*>;

// The scales of a dataset's row dimensions, picked by name from `available`.
inline std::vector<DimensionScale> scales_of(const SensitivityDataset& d,
                                             const std::vector<DimensionScale>& available) {
  std::vector<DimensionScale> out;
  for (const char* name : d.dim_names)
    for (const DimensionScale& scale : available)
      if (std::string(scale.second) == name) out.push_back(scale);
  return out;
}

// Creates the group /sensitivity under `root`: attributes method and mesh,
// the wrt_state scale, and one [n_traj, row dims] dataset per entry of
// `datasets` with the scales `traj` and `scales` (time, state, param: those
// a dataset names). With `data` the values are written; without, the
// datasets are preallocated (the sweep file fills them chunk by chunk).
// Returns the group.
inline hdf5::Handle create_sensitivity_group(hdf5::ResultWriter& w, hid_t root,
                                             const std::string& method,
                                             const std::vector<std::string>& state_names,
                                             const std::vector<SensitivityDataset>& datasets,
                                             hsize_t n_traj, DimensionScale traj,
                                             std::vector<DimensionScale> scales,
                                             const SensitivityArrays* data) {
  hdf5::Handle group = w.group(root, "sensitivity");
  w.string_attribute(group.get(), "method", method);
  w.string_attribute(group.get(), "mesh",
                     "derivatives of the computed solution on its frozen accepted-step mesh");
  hdf5::Handle wrt = w.string_dataset(group.get(), "wrt_state", state_names);
  w.make_scale(wrt.get(), "wrt_state");
  scales.push_back({wrt.get(), "wrt_state"});
  for (const SensitivityDataset& d : datasets) {
    std::vector<hsize_t> dims{n_traj};
    dims.insert(dims.end(), d.row_dims.begin(), d.row_dims.end());
    std::vector<DimensionScale> dim_scales{traj};
    for (const DimensionScale& scale : scales_of(d, scales)) dim_scales.push_back(scale);
    hdf5::Handle ds =
        data ? w.dataset(group.get(), d.name, H5T_NATIVE_DOUBLE, dims, data->array(d.name))
             : w.preallocated_dataset(group.get(), d.name, H5T_NATIVE_DOUBLE, dims);
    w.dims(ds.get(), dim_scales);
  }
  return group;
}

}  // namespace kode
