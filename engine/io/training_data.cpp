#include "kode/engine/io/training_data.hpp"

#include <cmath>
#include <optional>

#include "kode/engine/config/config.hpp"
#include "kode/engine/io/fingerprint.hpp"
#include "kode/engine/io/hdf5_writer.hpp"

namespace kode {

using hdf5::dataset_dims;
using hdf5::Handle;
using hdf5::Hdf5Calls;
using hdf5::QuietHdf5Errors;
using hdf5::read_block;
using hdf5::read_string_array_attribute;

TrainingData read_training_data(const std::string& path, const std::string& dataset,
                                const std::string& what) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  Handle file = hdf5::open_for_reading(h5, what);
  const auto exists = [&](const char* name) {
    return H5Lexists(file.get(), name, H5P_DEFAULT) > 0;
  };
  TrainingData d;
  d.path = path;
  d.dataset = !dataset.empty() ? dataset : exists("ys_observed") ? "ys_observed" : "ys";
  for (const std::string& name : {std::string("ts"), std::string("y0"), d.dataset})
    if (!exists(name.c_str()))
      throw ConfigError(what + ": '" + path + "' has no /" + name +
                        (name == "ys_observed"
                             ? " (a kode file written with [noise] observation_sigma has it; "
                               "use train.dataset = ys for the exact states)"
                             : " (not a kode solve/sweep file with trajectories)"));
  if (H5Aexists(file.get(), "model") > 0) {
    const std::vector<std::string> model = read_string_array_attribute(h5, file.get(), "model");
    if (!model.empty()) d.model = model.front();
  }

  Handle ts = h5.handle(H5Dopen2(file.get(), "ts", H5P_DEFAULT), H5Dclose, "H5Dopen2(ts)");
  const std::vector<hsize_t> ts_dims = dataset_dims(h5, ts.get(), "ts");
  Handle ys = h5.handle(H5Dopen2(file.get(), d.dataset.c_str(), H5P_DEFAULT), H5Dclose,
                        "H5Dopen2(" + d.dataset + ")");
  const std::vector<hsize_t> ys_dims = dataset_dims(h5, ys.get(), d.dataset.c_str());
  Handle y0 = h5.handle(H5Dopen2(file.get(), "y0", H5P_DEFAULT), H5Dclose, "H5Dopen2(y0)");
  const std::vector<hsize_t> y0_dims = dataset_dims(h5, y0.get(), "y0");
  if (ts_dims.size() != 1 || ys_dims.size() != 3 || y0_dims.size() != 2 ||
      ys_dims[1] != ts_dims[0] || y0_dims[0] != ys_dims[0] || y0_dims[1] != ys_dims[2])
    throw ConfigError(what + ": '" + path + "' does not hold /ts [n_save], /" + d.dataset +
                      " [n_traj, n_save, n_state] and /y0 [n_traj, n_state] of matching sizes");
  d.n_traj = static_cast<int>(ys_dims[0]);
  d.n_save = static_cast<int>(ys_dims[1]);
  d.n_state = static_cast<int>(ys_dims[2]);
  if (d.n_traj < 1 || d.n_save < 2 || d.n_state < 1)
    throw ConfigError(what + ": '" + path + "' has " + std::to_string(d.n_traj) +
                      " trajectories of " + std::to_string(d.n_save) +
                      " save times; training needs at least 1 trajectory and 2 save times");
  if (H5Aexists(ys.get(), "state_names") > 0)
    d.state_names = read_string_array_attribute(h5, ys.get(), "state_names");
  if (d.state_names.size() != static_cast<size_t>(d.n_state)) {
    d.state_names.clear();
    for (int i = 0; i < d.n_state; ++i) d.state_names.push_back("y" + std::to_string(i));
  }
  d.ts = read_block<double>(h5, ts.get(), "ts", H5T_NATIVE_DOUBLE, {0}, {ts_dims[0]});
  d.y0 =
      read_block<double>(h5, y0.get(), "y0", H5T_NATIVE_DOUBLE, {0, 0}, {y0_dims[0], y0_dims[1]});
  d.ys = read_block<double>(h5, ys.get(), d.dataset.c_str(), H5T_NATIVE_DOUBLE, {0, 0, 0},
                            {ys_dims[0], ys_dims[1], ys_dims[2]});
  for (int j = 0; j < d.n_save; ++j)
    if (!std::isfinite(d.ts[j]) || (j > 0 && !(d.ts[j] > d.ts[j - 1])))
      throw ConfigError(what + ": the save times /ts of '" + path +
                        "' are not finite and strictly increasing (save time " + std::to_string(j) +
                        ")");
  // /y0 is the state at the run's [time] t0, which must be the first save
  // time (kode's resolved config, the root attribute `config`, says t0).
  if (H5Aexists(file.get(), "config") > 0) {
    const std::vector<std::string> text = read_string_array_attribute(h5, file.get(), "config");
    Config stored;
    std::optional<double> t0;
    try {
      stored.read_text(text.empty() ? std::string() : text.front(),
                       "the config stored in '" + path + "'");
      t0 = stored.number("time.t0");
    } catch (const ConfigError& e) {
      throw ConfigError(what + ": '" + path + "' holds a config attribute kode cannot read (" +
                        e.what() + ")");
    }
    if (t0 && *t0 != d.ts.front())
      throw ConfigError(what + ": the save times of '" + path + "' start at " +
                        std::to_string(d.ts.front()) + ", after the t0 = " + std::to_string(*t0) +
                        " its /y0 belongs to; regenerate it with " +
                        "save.t0 = true (or time.t0 at the first save time)");
  }
  for (size_t k = 0; k < d.y0.size(); ++k)
    if (!std::isfinite(d.y0[k]))
      throw ConfigError(what + ": /y0 of '" + path + "' holds a non-finite value (trajectory " +
                        std::to_string(k / static_cast<size_t>(d.n_state)) + ")");
  d.fingerprint = fingerprint_basis;
  for (const std::vector<double>* v : {&d.ts, &d.y0, &d.ys}) add_to_fingerprint(d.fingerprint, *v);
  return d;
}

}  // namespace kode
