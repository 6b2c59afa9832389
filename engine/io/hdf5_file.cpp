#include "kode/engine/io/hdf5_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "kode/engine/config/config.hpp"
#include "kode/engine/io/event_layout.hpp"
#include "kode/engine/io/hdf5_writer.hpp"
#include "kode/engine/io/sensitivity_layout.hpp"
#include "kode/kernels/status.hpp"

namespace kode {

namespace {

using namespace hdf5;

template <class T>
int max_count(const std::vector<T>& counts) {
  int m = 0;
  for (auto c : counts) m = std::max(m, static_cast<int>(c));
  return m;
}

// Copies rows of `row` elements out of rows of `stride` elements.
std::vector<double> trim_rows(const std::vector<double>& src, size_t rows, size_t stride,
                              size_t row) {
  std::vector<double> out(rows * row, std::numeric_limits<double>::quiet_NaN());
  for (size_t r = 0; r < rows; ++r)
    for (size_t k = 0; k < row && r * stride + k < src.size(); ++k)
      out[r * row + k] = src[r * stride + k];
  return out;
}

void write_contents(ResultWriter& w, const BatchResult& r, const ResultLabels& labels,
                    const std::vector<double>& params, const std::vector<double>& y0,
                    const RunAttributes& a, const ObservationNoise& observation,
                    const std::vector<double>& ys_observed, const SensitivityArrays& sensitivity) {
  const hid_t root = w.file();
  const hsize_t n_traj = static_cast<hsize_t>(r.n_traj);
  const hsize_t n_save = static_cast<hsize_t>(r.ts.size());
  const hsize_t n_state = static_cast<hsize_t>(labels.state_names.size());
  const hsize_t n_param = static_cast<hsize_t>(labels.param_names.size());

  write_root_attributes(w, a);

  // Coordinates: the dimension scales traj, time, state, param.
  Handle ts = w.dataset(root, "ts", H5T_NATIVE_DOUBLE, {n_save}, r.ts);
  w.make_scale(ts.get(), "time");
  std::vector<long long> traj_index(n_traj);
  for (hsize_t t = 0; t < n_traj; ++t) traj_index[t] = static_cast<long long>(t);
  Handle traj = w.dataset(root, "traj", H5T_NATIVE_LLONG, {n_traj}, traj_index);
  w.make_scale(traj.get(), "traj");
  Handle state = w.string_dataset(root, "state", labels.state_names);
  w.make_scale(state.get(), "state");
  Handle param = w.string_dataset(root, "param", labels.param_names);
  w.make_scale(param.get(), "param");
  const std::pair<hid_t, const char*> d_traj{traj.get(), "traj"}, d_time{ts.get(), "time"},
      d_state{state.get(), "state"}, d_param{param.get(), "param"};

  {
    std::vector<double> ys = r.ys;
    ys.resize(n_traj * n_save * n_state, std::numeric_limits<double>::quiet_NaN());
    Handle ds = w.dataset(root, "ys", H5T_NATIVE_DOUBLE, {n_traj, n_save, n_state}, ys);
    w.string_array_attribute(ds.get(), "state_names", labels.state_names);
    w.dims(ds.get(), {d_traj, d_time, d_state});
  }
  if (observation.enabled()) {
    std::vector<double> ys = ys_observed;
    ys.resize(n_traj * n_save * n_state, std::numeric_limits<double>::quiet_NaN());
    Handle ds = w.dataset(root, "ys_observed", H5T_NATIVE_DOUBLE, {n_traj, n_save, n_state}, ys);
    w.string_array_attribute(ds.get(), "state_names", labels.state_names);
    describe_observations(w, ds.get(), observation);
    w.dims(ds.get(), {d_traj, d_time, d_state});
  }
  {
    Handle ds = w.dataset(root, "params", H5T_NATIVE_DOUBLE, {n_traj, n_param}, params);
    w.string_array_attribute(ds.get(), "param_names", labels.param_names);
    w.dims(ds.get(), {d_traj, d_param});
  }
  {
    Handle ds = w.dataset(root, "y0", H5T_NATIVE_DOUBLE, {n_traj, n_state}, y0);
    w.string_array_attribute(ds.get(), "state_names", labels.state_names);
    w.dims(ds.get(), {d_traj, d_state});
  }
  {
    std::vector<std::int8_t> status = r.status;
    status.resize(n_traj, 0);
    Handle ds = w.dataset(root, "status", H5T_NATIVE_INT8, {n_traj}, status);
    describe_status(w, ds.get());
    w.dims(ds.get(), {d_traj});
  }
  {
    Handle stats = w.group(root, "stats");
    const std::pair<const char*, const std::vector<int>*> counters[] = {
        {"num_steps", &r.num_steps},
        {"num_accepted", &r.num_accepted},
        {"num_rejected", &r.num_rejected}};
    for (const auto& [name, values] : counters) {
      std::vector<int> v = *values;
      v.resize(n_traj, 0);
      Handle ds = w.dataset(stats.get(), name, H5T_NATIVE_INT, {n_traj}, v);
      w.dims(ds.get(), {d_traj});
    }
  }

  if (r.event_records > 0) {
    auto [events, occurrence] =
        create_event_group(w, root, a.event, labels.state_names, labels.event_names);
    const std::pair<hid_t, const char*> d_occurrence{occurrence.get(), "occurrence"};
    for (const EventDataset& d : event_datasets(r.event_records, n_state)) {
      std::vector<hsize_t> dims{n_traj};
      std::vector<std::pair<hid_t, const char*>> scales{d_traj};
      for (size_t k = 0; k < d.row_dims.size(); ++k) {
        dims.push_back(d.row_dims[k]);
        scales.push_back(std::string(d.dim_names[k]) == "state" ? d_state : d_occurrence);
      }
      Handle ds = d.field == EventField::count
                      ? w.dataset(events.get(), d.name, d.type, dims, r.event_count)
                      : w.dataset(events.get(), d.name, d.type, dims, event_values(r, d));
      if (d.field == EventField::state)
        w.string_array_attribute(ds.get(), "state_names", labels.state_names);
      w.dims(ds.get(), scales);
    }
  }

  if (!sensitivity.empty())
    create_sensitivity_group(w, root, sensitivity.method, labels.state_names,
                             sensitivity_datasets(sensitivity.method, n_save, n_state, n_param),
                             n_traj, d_traj, {d_time, d_state, d_param}, &sensitivity);

  if (!r.n_steps_saved.empty() || r.step_capacity > 0) {
    Handle steps = w.group(root, "steps");
    const hsize_t n_max = static_cast<hsize_t>(max_count(r.n_steps_saved));
    const size_t cap = static_cast<size_t>(r.step_capacity);
    Handle step = w.netcdf_dimension(steps.get(), "step", n_max);
    const std::pair<hid_t, const char*> d_step{step.get(), "step"};
    {
      Handle ds = w.dataset(steps.get(), "ts", H5T_NATIVE_DOUBLE, {n_traj, n_max},
                            trim_rows(r.step_ts, n_traj, cap, n_max));
      w.dims(ds.get(), {d_traj, d_step});
    }
    {
      Handle ds = w.dataset(steps.get(), "ys", H5T_NATIVE_DOUBLE, {n_traj, n_max, n_state},
                            trim_rows(r.step_ys, n_traj, cap * n_state, n_max * n_state));
      w.string_array_attribute(ds.get(), "state_names", labels.state_names);
      w.dims(ds.get(), {d_traj, d_step, d_state});
    }
    {
      std::vector<int> count = r.n_steps_saved;
      count.resize(n_traj, 0);
      Handle ds = w.dataset(steps.get(), "count", H5T_NATIVE_INT, {n_traj}, count);
      w.dims(ds.get(), {d_traj});
    }
  }

  if (r.dense_degree > 0) {
    Handle dense = w.group(root, "dense");
    const hsize_t m = static_cast<hsize_t>(max_count(r.n_dense_steps));
    const hsize_t nodes = static_cast<hsize_t>(r.dense_degree + 1);
    const size_t cap = static_cast<size_t>(r.dense_capacity);
    w.scalar_attribute(dense.get(), "degree", H5T_NATIVE_INT, r.dense_degree);
    w.scalar_attribute(dense.get(), "t0", H5T_NATIVE_DOUBLE, a.t0);
    w.scalar_attribute(dense.get(), "t1", H5T_NATIVE_DOUBLE, a.t1);
    Handle step = w.netcdf_dimension(dense.get(), "step", m);
    Handle boundary = w.netcdf_dimension(dense.get(), "boundary", m + 1);
    Handle node = w.netcdf_dimension(dense.get(), "node", nodes);
    {
      Handle ds = w.dataset(dense.get(), "ts", H5T_NATIVE_DOUBLE, {n_traj, m + 1},
                            trim_rows(r.dense_ts, n_traj, cap + 1, m + 1));
      w.dims(ds.get(), {d_traj, {boundary.get(), "boundary"}});
    }
    {
      const size_t per_step = nodes * n_state;
      Handle ds = w.dataset(dense.get(), "ys", H5T_NATIVE_DOUBLE, {n_traj, m, nodes, n_state},
                            trim_rows(r.dense_ys, n_traj, cap * per_step, m * per_step));
      w.string_array_attribute(ds.get(), "state_names", labels.state_names);
      w.dims(ds.get(), {d_traj, {step.get(), "step"}, {node.get(), "node"}, d_state});
    }
    {
      std::vector<int> count = r.n_dense_steps;
      count.resize(n_traj, 0);
      Handle ds = w.dataset(dense.get(), "count", H5T_NATIVE_INT, {n_traj}, count);
      w.dims(ds.get(), {d_traj});
    }
  }
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

bool check_output_path(const std::string& path, bool overwrite, bool allow_existing) {
  struct stat st {};
  if (path.empty()) throw ConfigError("output file name is empty");
  const bool existing = ::stat(path.c_str(), &st) == 0;
  if (existing) {
    if (S_ISDIR(st.st_mode))
      throw ConfigError("output file '" + path + "' is a directory; name a file");
    if (!overwrite && !allow_existing)
      throw ConfigError("output file '" + path +
                        "' already exists; pass --overwrite to replace it, or choose another "
                        "[output] file");
  }
  const std::string dir = directory_of(path);
  if (::stat(dir.c_str(), &st) != 0)
    throw ConfigError("cannot write output file '" + path + "': directory '" + dir +
                      "': " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    throw ConfigError("cannot write output file '" + path + "': '" + dir + "' is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw ConfigError("cannot write output file '" + path + "': directory '" + dir +
                      "' is not writable: " + std::strerror(errno));
  return existing;
}

double free_bytes_for(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(directory_of(path).c_str(), &fs) != 0) return -1.0;
  return static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
}

void require_file_size_supported(const std::string& path, double bytes) {
  const std::string too_large = "output file '" + path + "' would need " + byte_size_text(bytes);
  // off_t is signed 64-bit: 2^63 bytes is beyond any file.
  if (!(bytes < 9.2e18))
    throw ConfigError(too_large + ", more than any file can hold; make the run smaller");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return;  // not ours to probe; creating the file reports the reason
  const int rc = ::ftruncate(fd, static_cast<off_t>(bytes));
  const int error = errno;
  ::close(fd);
  std::remove(path.c_str());
  if (rc != 0 && (error == EFBIG || error == EINVAL))
    throw ConfigError(too_large + ", more than the file system of '" + directory_of(path) +
                      "' can hold in one file (" + std::strerror(error) +
                      "); make the run smaller or choose another [output] file");
}

std::string byte_size_text(double bytes) {
  const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  int u = 0;
  while (bytes >= 999.5 && u < 8) {
    bytes /= 1000.0;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof(buf), "%.0f B", bytes);
  else
    std::snprintf(buf, sizeof(buf), "%.3g %s", bytes, units[u]);
  return buf;
}

void check_free_space(const std::string& path, double needed_bytes) {
  const double free_bytes = free_bytes_for(path);
  if (free_bytes >= 0 && needed_bytes > free_bytes)
    throw ConfigError("output file '" + path + "' would need " + byte_size_text(needed_bytes) +
                      " but only " + byte_size_text(free_bytes) + " are free in '" +
                      directory_of(path) +
                      "'; make the run smaller (sweep.samples, save.ts, output.save = final or "
                      "statistics), choose another [output] file, or pass --no-space-check if "
                      "the file system reports its free space wrongly");
}

void publish_partial_file(const std::string& partial, const std::string& path, bool overwrite) {
  if (overwrite) {
    if (std::rename(partial.c_str(), path.c_str()) != 0)
      throw Hdf5Error("cannot rename '" + partial + "' to '" + path + "': " + std::strerror(errno));
  } else {
    // link() fails if PATH appeared meanwhile: never replace a file that
    // the user did not allow us to replace.
    if (::link(partial.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST)
        throw ConfigError("output file '" + path +
                          "' appeared while kode was running; pass --overwrite to replace it");
      // Filesystems without hard links: check, then rename.
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0)
        throw ConfigError("output file '" + path + "' already exists; pass --overwrite");
      if (std::rename(partial.c_str(), path.c_str()) != 0)
        throw Hdf5Error("cannot rename '" + partial + "' to '" + path +
                        "': " + std::strerror(errno));
    } else {
      ::unlink(partial.c_str());
    }
  }
}

void write_result_file(const std::string& path, bool overwrite, const BatchResult& result,
                       const ResultLabels& labels, const std::vector<double>& params,
                       const std::vector<double>& y0, const RunAttributes& attributes,
                       const ObservationNoise& observation, const std::vector<double>& ys_observed,
                       const SensitivityArrays& sensitivity) {
  check_output_path(path, overwrite);
  const std::string partial = path + ".partial";
  QuietHdf5Errors quiet;
  bool created = false;
  try {
    {
      ResultWriter writer(partial);
      writer.create();
      created = true;
      write_contents(writer, result, labels, params, y0, attributes, observation, ys_observed,
                     sensitivity);
      writer.close();
    }
    publish_partial_file(partial, path, overwrite);
  } catch (...) {
    if (created) std::remove(partial.c_str());
    throw;
  }
}

// ---- reader ----

std::vector<double>& SensitivityArrays::array(const std::string& name) {
  if (name == "dys_dparams") return dys_dparams;
  if (name == "dys_dy0") return dys_dy0;
  if (name == "loss") return loss;
  if (name == "dloss_dparams") return dloss_dparams;
  if (name == "dloss_dy0") return dloss_dy0;
  throw Hdf5Error("internal error: no sensitivity dataset '" + name + "'");
}

std::vector<double> read_loss_data(const std::string& path, const std::string& dataset,
                                   long long first, long long count, const std::vector<double>& ts,
                                   const std::vector<std::string>& state_names,
                                   const std::string& what) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  Handle file = hdf5::open_for_reading(h5, what);
  for (const std::string& name : {std::string("ts"), std::string("ys"), dataset})
    if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0)
      throw ConfigError(what + ": '" + path + "' has no /" + name +
                        (name == "ys_observed"
                             ? " (a kode file written with [noise] observation_sigma has it; "
                               "use loss.dataset = ys for the exact states)"
                             : " (not a kode solve/sweep file with trajectories)"));
  Handle ts_ds = h5.handle(H5Dopen2(file.get(), "ts", H5P_DEFAULT), H5Dclose, "H5Dopen2(ts)");
  const std::vector<hsize_t> ts_dims = dataset_dims(h5, ts_ds.get(), "ts");
  const std::vector<double> file_ts =
      ts_dims.size() == 1
          ? read_block<double>(h5, ts_ds.get(), "ts", H5T_NATIVE_DOUBLE, {0}, {ts_dims[0]})
          : std::vector<double>{};
  if (file_ts != ts) {
    std::string detail = "it has " + std::to_string(file_ts.size()) + " save times, the run " +
                         std::to_string(ts.size());
    for (size_t j = 0; j < std::min(file_ts.size(), ts.size()); ++j)
      if (file_ts[j] != ts[j]) {
        char buf[128];
        std::snprintf(buf, sizeof(buf), "; save time %zu is %.17g there, %.17g here", j, file_ts[j],
                      ts[j]);
        detail += buf;
        break;
      }
    throw ConfigError(what + ": the save times of '" + path + "' differ from this run's save.ts (" +
                      detail + ")");
  }
  {
    Handle ys = h5.handle(H5Dopen2(file.get(), "ys", H5P_DEFAULT), H5Dclose, "H5Dopen2(ys)");
    const std::vector<std::string> names = read_string_array_attribute(h5, ys.get(), "state_names");
    if (names != state_names)
      throw ConfigError(what + ": the states of '" + path + "' are not this model's");
  }
  Handle ds = h5.handle(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose,
                        "H5Dopen2(" + dataset + ")");
  const std::vector<hsize_t> dims = dataset_dims(h5, ds.get(), dataset.c_str());
  if (dims.size() != 3 || dims[1] != ts.size() || dims[2] != state_names.size())
    throw ConfigError(what + ": /" + dataset + " of '" + path +
                      "' is not [n_traj, n_save, n_state] for this run");
  if (first < 0 || first + count > static_cast<long long>(dims[0]))
    throw ConfigError(what + ": '" + path + "' has " + std::to_string(dims[0]) +
                      " trajectories; this run needs trajectories " + std::to_string(first) +
                      " to " + std::to_string(first + count - 1));
  return read_block<double>(h5, ds.get(), dataset.c_str(), H5T_NATIVE_DOUBLE,
                            {static_cast<hsize_t>(first), 0, 0},
                            {static_cast<hsize_t>(count), dims[1], dims[2]});
}

StoredDenseOutput read_dense_output(const std::string& path, int traj) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  Handle file = hdf5::open_for_reading(h5, "");

  if (H5Lexists(file.get(), "dense", H5P_DEFAULT) <= 0)
    throw ConfigError("'" + path +
                      "' has no dense output (/dense); solve with save.dense = true to store it");
  for (const char* name : {"dense/ts", "dense/ys", "dense/count", "ys"})
    if (H5Lexists(file.get(), name, H5P_DEFAULT) <= 0)
      throw ConfigError("'" + path + "' is not a kode result file: /" + name + " is missing");

  StoredDenseOutput out;
  if (H5Aexists(file.get(), "model") > 0) {
    const std::vector<std::string> model = read_string_array_attribute(h5, file.get(), "model");
    if (!model.empty()) out.model = model.front();
  }
  {
    Handle ys = h5.handle(H5Dopen2(file.get(), "ys", H5P_DEFAULT), H5Dclose, "H5Dopen2(ys)");
    out.state_names = read_string_array_attribute(h5, ys.get(), "state_names");
  }
  Handle dense = h5.handle(H5Gopen2(file.get(), "dense", H5P_DEFAULT), H5Gclose, "H5Gopen2(dense)");
  out.degree = read_scalar_attribute<int>(h5, dense.get(), "degree", H5T_NATIVE_INT);
  out.t0 = read_scalar_attribute<double>(h5, dense.get(), "t0", H5T_NATIVE_DOUBLE);
  out.t1 = read_scalar_attribute<double>(h5, dense.get(), "t1", H5T_NATIVE_DOUBLE);

  Handle count =
      h5.handle(H5Dopen2(dense.get(), "count", H5P_DEFAULT), H5Dclose, "H5Dopen2(dense/count)");
  const std::vector<hsize_t> count_dims = dataset_dims(h5, count.get(), "dense/count");
  if (count_dims.size() != 1) throw ConfigError("'" + path + "': /dense/count is not 1-D");
  out.n_traj = static_cast<int>(count_dims[0]);
  if (traj < 0 || traj >= out.n_traj)
    throw ConfigError("--traj=" + std::to_string(traj) + " is out of range: '" + path + "' has " +
                      std::to_string(out.n_traj) + " trajector" +
                      (out.n_traj == 1
                           ? "y (index 0)"
                           : "ies (indices 0.." + std::to_string(out.n_traj - 1) + ")"));
  const hsize_t t = static_cast<hsize_t>(traj);
  out.n_steps = read_block<int>(h5, count.get(), "dense/count", H5T_NATIVE_INT, {t}, {1})[0];

  Handle ts = h5.handle(H5Dopen2(dense.get(), "ts", H5P_DEFAULT), H5Dclose, "H5Dopen2(dense/ts)");
  Handle ys = h5.handle(H5Dopen2(dense.get(), "ys", H5P_DEFAULT), H5Dclose, "H5Dopen2(dense/ys)");
  const std::vector<hsize_t> ts_dims = dataset_dims(h5, ts.get(), "dense/ts");
  const std::vector<hsize_t> ys_dims = dataset_dims(h5, ys.get(), "dense/ys");
  const hsize_t n = static_cast<hsize_t>(out.n_steps);
  const hsize_t nodes = static_cast<hsize_t>(out.degree + 1);
  const hsize_t n_state = static_cast<hsize_t>(out.n_state());
  if (out.n_steps < 0 || out.degree < 1 || ts_dims.size() != 2 || ys_dims.size() != 4 ||
      ts_dims[0] != count_dims[0] || ys_dims[0] != count_dims[0] || ts_dims[1] < n + 1 ||
      ys_dims[1] < n || ys_dims[2] != nodes || ys_dims[3] != n_state)
    throw ConfigError("'" + path + "': /dense datasets have inconsistent shapes");
  out.ts = read_block<double>(h5, ts.get(), "dense/ts", H5T_NATIVE_DOUBLE, {t, 0}, {1, n + 1});
  out.ys = read_block<double>(h5, ys.get(), "dense/ys", H5T_NATIVE_DOUBLE, {t, 0, 0, 0},
                              {1, n, nodes, n_state});
  return out;
}

}  // namespace kode
