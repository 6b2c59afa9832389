#include "engine/hdf5_file.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "engine/config.hpp"
#include "kernels/status.hpp"

namespace kode {

namespace {

// ---- HDF5 plumbing: owned ids and checked calls ----

// Owns an HDF5 id and closes it with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    reset();
    id_ = std::exchange(other.id_, -1);
    close_ = other.close_;
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  // Closes now and reports whether the close succeeded (used for the file).
  herr_t close() {
    const herr_t rc = id_ >= 0 ? close_(id_) : 0;
    id_ = -1;
    return rc;
  }

 private:
  void reset() {
    if (id_ >= 0) close_(id_);
    id_ = -1;
  }
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// HDF5 prints its error stack to stderr by default; kode reports the reason
// in its own message instead (see hdf5_reason), so printing is off while
// kode talks to HDF5.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
};

// The most specific entry of HDF5's current error stack (where the error
// was detected: it carries the OS reason, e.g. "Permission denied").
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  return reason;
}

// All HDF5 calls on one file go through here so that every failure names
// the call and the file.
class Hdf5Calls {
 public:
  explicit Hdf5Calls(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& what) const {
    const std::string reason = hdf5_reason();
    throw Hdf5Error("HDF5: " + what + " failed for '" + path_ + "'" +
                    (reason.empty() ? std::string() : ": " + reason));
  }
  hid_t id(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void ok(herr_t rc, const std::string& what) const {
    if (rc < 0) fail(what);
  }
  Handle handle(hid_t id_value, herr_t (*close)(hid_t), const std::string& what) const {
    return Handle(id(id_value, what), close);
  }

 private:
  std::string path_;
};

Handle vlen_string_type(const Hdf5Calls& h5) {
  Handle type = h5.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy(string)");
  h5.ok(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size(variable string)");
  h5.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset(UTF-8)");
  return type;
}

Handle simple_space(const Hdf5Calls& h5, const std::vector<hsize_t>& dims) {
  if (dims.empty()) return h5.handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate(scalar)");
  return h5.handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                   "H5Screate_simple");
}

// ---- writer ----

class ResultWriter {
 public:
  explicit ResultWriter(const std::string& path) : h5_(path) {}

  void create() {
    Handle fcpl = h5_.handle(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "H5Pcreate(file create)");
    // Creation order lets netCDF-based readers (xarray) list objects as written.
    h5_.ok(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "H5Pset_link_creation_order");
    Handle fapl = h5_.handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
    // One process writes: the default POSIX driver, never MPI-IO. SEMI close
    // makes H5Fclose fail (instead of silently deferring) if anything is
    // still open, so a successful close means the file is complete.
    h5_.ok(H5Pset_fapl_sec2(fapl.get()), "H5Pset_fapl_sec2");
    h5_.ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "H5Pset_fclose_degree");
    const hid_t file = H5Fcreate(h5_.path().c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
    if (file < 0) {
      const std::string reason = hdf5_reason();
      throw ConfigError("cannot create output file '" + h5_.path() + "'" +
                        (reason.empty() ? std::string() : ": " + reason));
    }
    file_ = Handle(file, H5Fclose);
  }

  void close() { h5_.ok(file_.close(), "H5Fclose"); }

  hid_t file() const { return file_.get(); }

  Handle group(hid_t parent, const char* name) {
    Handle gcpl = h5_.handle(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "H5Pcreate(group create)");
    h5_.ok(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "H5Pset_link_creation_order");
    return h5_.handle(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                      std::string("H5Gcreate2(") + name + ")");
  }

  // A dataset of `dims` holding `data` (row-major, file type = memory type).
  template <class T>
  Handle dataset(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                 const std::vector<T>& data) {
    size_t count = 1;
    for (hsize_t d : dims) count *= static_cast<size_t>(d);
    if (data.size() != count)
      throw Hdf5Error(std::string("internal error: ") + name + " has " +
                      std::to_string(data.size()) + " values for " + std::to_string(count) +
                      " elements, writing '" + h5_.path() + "'");
    Handle space = simple_space(h5_, dims);
    Handle ds = h5_.handle(
        H5Dcreate2(parent, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, std::string("H5Dcreate2(") + name + ")");
    if (count > 0)
      h5_.ok(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
             std::string("H5Dwrite(") + name + ")");
    return ds;
  }

  Handle string_dataset(hid_t parent, const char* name, const std::vector<std::string>& values) {
    Handle type = vlen_string_type(h5_);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    return dataset(parent, name, type.get(), {static_cast<hsize_t>(values.size())}, ptrs);
  }

  void string_attribute(hid_t object, const char* name, const std::string& value) {
    Handle type = vlen_string_type(h5_);
    Handle space = simple_space(h5_, {});
    Handle attr =
        h5_.handle(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, std::string("H5Acreate2(") + name + ")");
    const char* ptr = value.c_str();
    h5_.ok(H5Awrite(attr.get(), type.get(), &ptr), std::string("H5Awrite(") + name + ")");
  }

  void string_array_attribute(hid_t object, const char* name,
                              const std::vector<std::string>& values) {
    Handle type = vlen_string_type(h5_);
    Handle space = simple_space(h5_, {static_cast<hsize_t>(values.size())});
    Handle attr =
        h5_.handle(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, std::string("H5Acreate2(") + name + ")");
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (!ptrs.empty())
      h5_.ok(H5Awrite(attr.get(), type.get(), ptrs.data()), std::string("H5Awrite(") + name + ")");
  }

  template <class T>
  void attribute(hid_t object, const char* name, hid_t type, const std::vector<T>& values,
                 bool scalar) {
    Handle space =
        simple_space(h5_, scalar ? std::vector<hsize_t>{} : std::vector<hsize_t>{values.size()});
    Handle attr = h5_.handle(H5Acreate2(object, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                             H5Aclose, std::string("H5Acreate2(") + name + ")");
    if (!values.empty())
      h5_.ok(H5Awrite(attr.get(), type, values.data()), std::string("H5Awrite(") + name + ")");
  }
  template <class T>
  void scalar_attribute(hid_t object, const char* name, hid_t type, T value) {
    attribute(object, name, type, std::vector<T>{value}, true);
  }

  void make_scale(hid_t dataset, const char* dim_name) {
    h5_.ok(H5DSset_scale(dataset, dim_name), std::string("H5DSset_scale(") + dim_name + ")");
  }

  // A netCDF "dimension without a variable": a data-less scale that names a
  // dimension for xarray without adding a variable.
  Handle netcdf_dimension(hid_t parent, const char* name, hsize_t size) {
    Handle space = simple_space(h5_, {size});
    Handle ds = h5_.handle(H5Dcreate2(parent, name, H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT),
                           H5Dclose, std::string("H5Dcreate2(") + name + ")");
    char marker[96];
    std::snprintf(marker, sizeof(marker),
                  "This is a netCDF dimension but not a netCDF variable.%10llu",
                  static_cast<unsigned long long>(size));
    make_scale(ds.get(), marker);
    return ds;
  }

  // Attaches scales[i] to dimension i of `dataset` and labels it.
  void dims(hid_t dataset, const std::vector<std::pair<hid_t, const char*>>& scales) {
    for (unsigned i = 0; i < scales.size(); ++i) {
      h5_.ok(H5DSattach_scale(dataset, scales[i].first, i),
             std::string("H5DSattach_scale(") + scales[i].second + ")");
      h5_.ok(H5DSset_label(dataset, i, scales[i].second),
             std::string("H5DSset_label(") + scales[i].second + ")");
    }
  }

 private:
  Hdf5Calls h5_;
  Handle file_;
};

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
                    const RunAttributes& a) {
  const hid_t root = w.file();
  const hsize_t n_traj = static_cast<hsize_t>(r.n_traj);
  const hsize_t n_save = static_cast<hsize_t>(r.ts.size());
  const hsize_t n_state = static_cast<hsize_t>(labels.state_names.size());
  const hsize_t n_param = static_cast<hsize_t>(labels.param_names.size());

  // Root attributes.
  w.string_attribute(root, "kode_version", a.kode_version);
  w.string_attribute(root, "model", a.model);
  w.string_attribute(root, "solver", a.solver);
  w.scalar_attribute(root, "rtol", H5T_NATIVE_DOUBLE, a.rtol);
  w.scalar_attribute(root, "atol", H5T_NATIVE_DOUBLE, a.atol);
  w.scalar_attribute(root, "seed", H5T_NATIVE_UINT64, a.seed);
  w.scalar_attribute(root, "n_ranks", H5T_NATIVE_INT, a.n_ranks);
  w.string_attribute(root, "kokkos_backend", Kokkos::DefaultExecutionSpace::name());
  w.string_attribute(root, "config", a.config_text);

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
    std::string meanings, flag_meanings;
    std::vector<std::int8_t> flag_values;
    for (int s = 0; s < status_count; ++s) {
      const char* name = status_name(static_cast<Status>(s));
      meanings += (s ? ", " : "") + std::to_string(s) + "=" + name;
      flag_meanings += (s ? " " : "") + std::string(name);
      flag_values.push_back(static_cast<std::int8_t>(s));
    }
    w.string_attribute(ds.get(), "meanings", meanings);
    // CF conventions, so that cf-aware readers decode the codes.
    w.attribute(ds.get(), "flag_values", H5T_NATIVE_INT8, flag_values, false);
    w.string_attribute(ds.get(), "flag_meanings", flag_meanings);
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

void check_output_path(const std::string& path, bool overwrite) {
  struct stat st {};
  if (path.empty()) throw ConfigError("output file name is empty");
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      throw ConfigError("output file '" + path + "' is a directory; name a file");
    if (!overwrite)
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
}

void write_result_file(const std::string& path, bool overwrite, const BatchResult& result,
                       const ResultLabels& labels, const std::vector<double>& params,
                       const std::vector<double>& y0, const RunAttributes& attributes) {
  check_output_path(path, overwrite);
  const std::string partial = path + ".partial";
  QuietHdf5Errors quiet;
  bool created = false;
  try {
    {
      ResultWriter writer(partial);
      writer.create();
      created = true;
      write_contents(writer, result, labels, params, y0, attributes);
      writer.close();
    }
    if (overwrite) {
      if (std::rename(partial.c_str(), path.c_str()) != 0)
        throw Hdf5Error("cannot rename '" + partial + "' to '" + path +
                        "': " + std::strerror(errno));
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
  } catch (...) {
    if (created) std::remove(partial.c_str());
    throw;
  }
}

// ---- reader ----

namespace {

std::vector<std::string> read_string_array_attribute(const Hdf5Calls& h5, hid_t object,
                                                     const char* name) {
  Handle attr =
      h5.handle(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, std::string("H5Aopen(") + name + ")");
  Handle space = h5.handle(H5Aget_space(attr.get()), H5Sclose, "H5Aget_space");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) h5.fail("H5Sget_simple_extent_npoints");
  Handle file_type = h5.handle(H5Aget_type(attr.get()), H5Tclose, "H5Aget_type");
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw ConfigError("'" + h5.path() + "': attribute " + name + " is not a string attribute");
  std::vector<std::string> out;
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle type = vlen_string_type(h5);
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    if (n > 0) h5.ok(H5Aread(attr.get(), type.get(), ptrs.data()), "H5Aread(strings)");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n > 0)
#if H5_VERSION_GE(1, 12, 0)
      H5Treclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
#else
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
#endif
  } else {
    const size_t size = H5Tget_size(file_type.get());
    std::vector<char> buffer(static_cast<size_t>(n) * size + 1, '\0');
    if (n > 0) h5.ok(H5Aread(attr.get(), file_type.get(), buffer.data()), "H5Aread(strings)");
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buffer.data() + static_cast<size_t>(i) * size;
      out.emplace_back(p, strnlen(p, size));
    }
  }
  return out;
}

template <class T>
T read_scalar_attribute(const Hdf5Calls& h5, hid_t object, const char* name, hid_t type) {
  Handle attr =
      h5.handle(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, std::string("H5Aopen(") + name + ")");
  T value{};
  h5.ok(H5Aread(attr.get(), type, &value), std::string("H5Aread(") + name + ")");
  return value;
}

std::vector<hsize_t> dataset_dims(const Hdf5Calls& h5, hid_t ds, const char* name) {
  Handle space = h5.handle(H5Dget_space(ds), H5Sclose, std::string("H5Dget_space(") + name + ")");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) h5.fail(std::string("H5Sget_simple_extent_ndims(") + name + ")");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    h5.fail(std::string("H5Sget_simple_extent_dims(") + name + ")");
  return dims;
}

// Reads the block [start, start+count) of a dataset.
template <class T>
std::vector<T> read_block(const Hdf5Calls& h5, hid_t ds, const char* name, hid_t type,
                          const std::vector<hsize_t>& start, const std::vector<hsize_t>& count) {
  size_t total = 1;
  for (hsize_t c : count) total *= static_cast<size_t>(c);
  std::vector<T> out(total);
  if (total == 0) return out;
  Handle file_space =
      h5.handle(H5Dget_space(ds), H5Sclose, std::string("H5Dget_space(") + name + ")");
  h5.ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        std::string("H5Sselect_hyperslab(") + name + ")");
  Handle mem_space = simple_space(h5, count);
  h5.ok(H5Dread(ds, type, mem_space.get(), file_space.get(), H5P_DEFAULT, out.data()),
        std::string("H5Dread(") + name + ")");
  return out;
}

}  // namespace

StoredDenseOutput read_dense_output(const std::string& path, int traj) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw ConfigError("cannot read '" + path + "': " + std::strerror(errno));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ConfigError("'" + path + "' is not an HDF5 file");
  Handle file = h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");

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
