#include "kode/engine/train/train_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "kode/engine/io/hdf5_writer.hpp"

namespace kode {

using hdf5::dataset_dims;
using hdf5::Handle;
using hdf5::Hdf5Calls;
using hdf5::QuietHdf5Errors;
using hdf5::read_block;
using hdf5::read_string_array_attribute;
using hdf5::ResultWriter;

namespace {

using Dims = std::vector<hsize_t>;

hsize_t size_of(const std::vector<double>& v) {
  return static_cast<hsize_t>(v.size());
}

void write_history(ResultWriter& w, hid_t group, const TrainHistory& h) {
  w.dataset(group, "loss", H5T_NATIVE_DOUBLE, {size_of(h.loss)}, h.loss);
  w.dataset(group, "validation_loss", H5T_NATIVE_DOUBLE, {size_of(h.validation_loss)},
            h.validation_loss);
  w.dataset(group, "learning_rate", H5T_NATIVE_DOUBLE, {size_of(h.learning_rate)}, h.learning_rate);
  w.dataset(group, "gradient_norm", H5T_NATIVE_DOUBLE, {size_of(h.gradient_norm)}, h.gradient_norm);
  w.dataset(group, "failed", H5T_NATIVE_DOUBLE, {size_of(h.failed)}, h.failed);
}

// `learnt`: the network's weights first (a hybrid model's parameters follow).
void write_network(ResultWriter& w, const Mlp& m, std::uint64_t seed,
                   const std::vector<double>& learnt) {
  const std::vector<double> theta(learnt.begin(), learnt.begin() + m.n_weights());
  Handle net = w.group(w.file(), "network");
  w.dataset(net.get(), "weights", H5T_NATIVE_DOUBLE, {size_of(theta)}, theta);
  for (int l = 0; l <= m.depth; ++l) {
    const std::string name = "layer_" + std::to_string(l);
    Handle layer = w.group(net.get(), name.c_str());
    const int n_in = m.layer_in(l), n_out = m.layer_out(l), at = m.layer_offset(l);
    const auto W = theta.begin() + at;
    w.dataset(layer.get(), "weight", H5T_NATIVE_DOUBLE,
              {static_cast<hsize_t>(n_out), static_cast<hsize_t>(n_in)},
              std::vector<double>(W, W + n_out * n_in));
    w.dataset(layer.get(), "bias", H5T_NATIVE_DOUBLE, {static_cast<hsize_t>(n_out)},
              std::vector<double>(W + n_out * n_in, W + n_out * (n_in + 1)));
  }
  if (m.learnt_scale) {
    const auto S = theta.begin() + m.scale_offset();
    w.dataset(net.get(), "scale", H5T_NATIVE_DOUBLE, {static_cast<hsize_t>(m.out_size)},
              std::vector<double>(S, S + m.out_size));
  }
  for (const auto& [name, value] : {std::pair<const char*, int>{"in_size", m.in_size},
                                    {"out_size", m.out_size},
                                    {"width", m.width},
                                    {"depth", m.depth},
                                    {"time_input", m.time_input ? 1 : 0},
                                    {"learnt_scale", m.learnt_scale ? 1 : 0}})
    w.scalar_attribute(net.get(), name, H5T_NATIVE_INT, value);
  w.string_attribute(net.get(), "activation", activation_name(m.activation));
  w.string_attribute(net.get(), "final_activation", final_activation_name(m.final_activation));
  w.scalar_attribute(net.get(), "seed", H5T_NATIVE_UINT64, seed);
  w.string_attribute(net.get(), "layout",
                     "per Linear layer l = 0..depth: weight [out, in] row-major, then bias "
                     "[out]; then scale [out_size] with a learnt scale (kernels/neural/mlp.hpp)");
}

// Writes PATH.partial with `contents`, then renames it over PATH.
template <class F>
void write_atomically(const std::string& path, bool overwrite, F&& contents) {
  const std::string partial = path + ".partial";
  QuietHdf5Errors quiet;
  bool created = false;
  try {
    {
      ResultWriter writer(partial);
      writer.create();
      created = true;
      contents(writer);
      writer.close();
    }
    publish_partial_file(partial, path, overwrite);
  } catch (...) {
    if (created) std::remove(partial.c_str());
    throw;
  }
}

}  // namespace

void write_train_result(const std::string& path, bool overwrite, const TrainSettings& s,
                        const TrainOutcome& outcome, const RunAttributes& attributes) {
  write_atomically(path, overwrite, [&](ResultWriter& w) {
    hdf5::write_root_attributes(w, attributes);
    w.string_attribute(w.file(), "data", s.data.path);
    w.string_attribute(w.file(), "dataset", s.data.dataset);
    {
      Handle train = w.group(w.file(), "train");
      write_history(w, train.get(), outcome.state.history);
      w.scalar_attribute(train.get(), "final_validation_loss", H5T_NATIVE_DOUBLE,
                         outcome.final_validation_loss);
      w.scalar_attribute(train.get(), "steps", H5T_NATIVE_INT64,
                         static_cast<std::int64_t>(outcome.state.step));
    }
    if (s.has_network()) write_network(w, s.network, s.seed, outcome.state.theta);
    if (s.model_info) {
      Handle p = w.dataset(w.file(), "params", H5T_NATIVE_DOUBLE, {size_of(outcome.model_params)},
                           outcome.model_params);
      w.string_array_attribute(p.get(), "names", s.model_info->param_names);
      std::vector<std::string> learnt;
      for (int j : s.learnt_params) learnt.push_back(s.model_info->param_names[j]);
      w.string_array_attribute(p.get(), "learnt", learnt);
      if (!outcome.standard_errors.empty()) {
        Handle se = w.dataset(w.file(), "params_standard_error", H5T_NATIVE_DOUBLE,
                              {size_of(outcome.standard_errors)}, outcome.standard_errors);
        w.string_array_attribute(se.get(), "names", learnt);
        w.string_attribute(se.get(), "method",
                           "Gauss-Newton: s^2 (J^T J)^-1 over the training trajectories, J from "
                           "forward sensitivities, s^2 = SSE / (observations - parameters)");
      }
      Handle p0 = w.dataset(w.file(), "initial_params", H5T_NATIVE_DOUBLE,
                            {size_of(s.initial_params)}, s.initial_params);
      w.string_array_attribute(p0.get(), "names", s.model_info->param_names);
    }
    Handle val = w.group(w.file(), "validation");
    const std::vector<int>& traj = outcome.split.validation;
    const hsize_t n_val = traj.size(), S = static_cast<hsize_t>(s.data.n_save),
                  N = static_cast<hsize_t>(s.data.n_state);
    w.dataset(val.get(), "traj", H5T_NATIVE_INT, {n_val}, traj);
    w.dataset(val.get(), "ts", H5T_NATIVE_DOUBLE, {S}, s.data.ts);
    Handle obs = w.dataset(val.get(), "ys_observed", H5T_NATIVE_DOUBLE, {n_val, S, N},
                           outcome.validation_observed);
    w.string_array_attribute(obs.get(), "state_names", s.data.state_names);
    Handle pred = w.dataset(val.get(), "ys_predicted", H5T_NATIVE_DOUBLE, {n_val, S, N},
                            outcome.validation_predicted);
    w.string_array_attribute(pred.get(), "state_names", s.data.state_names);
  });
}

void write_train_checkpoint(const std::string& path, const std::string& config_text,
                            const TrainState& state) {
  write_atomically(path, true, [&](ResultWriter& w) {
    w.string_attribute(w.file(), "kind", "kode train checkpoint");
    w.string_attribute(w.file(), "config", config_text);
    w.scalar_attribute(w.file(), "step", H5T_NATIVE_INT64, static_cast<std::int64_t>(state.step));
    w.scalar_attribute(w.file(), "optimizer_step", H5T_NATIVE_INT64,
                       static_cast<std::int64_t>(state.optimizer.step));
    w.dataset(w.file(), "theta", H5T_NATIVE_DOUBLE, {size_of(state.theta)}, state.theta);
    w.dataset(w.file(), "m", H5T_NATIVE_DOUBLE, {size_of(state.optimizer.m)}, state.optimizer.m);
    w.dataset(w.file(), "v", H5T_NATIVE_DOUBLE, {size_of(state.optimizer.v)}, state.optimizer.v);
    Handle h = w.group(w.file(), "history");
    write_history(w, h.get(), state.history);
  });
}

TrainState read_train_checkpoint(const std::string& path, const std::string& config_text) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw ConfigError("'" + path + "' is not a kode train checkpoint (not an HDF5 file)");
  Handle file = h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");
  if (H5Aexists(file.get(), "kind") <= 0 || read_string_array_attribute(h5, file.get(), "kind") !=
                                                std::vector<std::string>{"kode train checkpoint"})
    throw ConfigError("'" + path + "' is not a kode train checkpoint");
  const std::vector<std::string> config = read_string_array_attribute(h5, file.get(), "config");
  if (config.empty() || config.front() != config_text) {
    std::string where;
    if (!config.empty())
      if (const auto d = first_line_difference(config.front(), config_text))
        where = " (line " + std::to_string(d->line) + ": '" + d->first + "' there, '" + d->second +
                "' now)";
    throw ConfigError("the checkpoint '" + path + "' belongs to a different config" + where +
                      "; resume with the config it was written with, or start again with "
                      "--overwrite");
  }
  const auto read = [&](hid_t parent, const char* name) {
    Handle ds = h5.handle(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose,
                          std::string("H5Dopen2(") + name + ")");
    const std::vector<hsize_t> dims = dataset_dims(h5, ds.get(), name);
    if (dims.size() != 1) throw ConfigError("'" + path + "': /" + name + " is not 1-D");
    return read_block<double>(h5, ds.get(), name, H5T_NATIVE_DOUBLE, {0}, {dims[0]});
  };
  TrainState s;
  s.step = hdf5::read_scalar_attribute<std::int64_t>(h5, file.get(), "step", H5T_NATIVE_INT64);
  s.optimizer.step =
      hdf5::read_scalar_attribute<std::int64_t>(h5, file.get(), "optimizer_step", H5T_NATIVE_INT64);
  s.theta = read(file.get(), "theta");
  s.optimizer.m = read(file.get(), "m");
  s.optimizer.v = read(file.get(), "v");
  Handle h = h5.handle(H5Gopen2(file.get(), "history", H5P_DEFAULT), H5Gclose, "H5Gopen2(history)");
  s.history.loss = read(h.get(), "loss");
  s.history.validation_loss = read(h.get(), "validation_loss");
  s.history.learning_rate = read(h.get(), "learning_rate");
  s.history.gradient_norm = read(h.get(), "gradient_norm");
  s.history.failed = read(h.get(), "failed");
  const size_t n = static_cast<size_t>(s.step);
  if (s.step < 0 || s.history.loss.size() != n || s.history.validation_loss.size() != n ||
      s.history.learning_rate.size() != n || s.history.gradient_norm.size() != n ||
      s.history.failed.size() != n)
    throw ConfigError("'" + path + "': the checkpoint's history does not match its step");
  return s;
}

}  // namespace kode
