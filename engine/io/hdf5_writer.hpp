// The HDF5 plumbing shared by kode's file writers and readers (the
// single-run result file of hdf5_file.cpp and the parallel sweep file of
// sweep_file.cpp): ids owned by RAII handles, every call checked and its
// failure reported with the call, the file and HDF5's own reason, and the
// helpers that create datasets, attributes and dimension scales.
#pragma once

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>

#include <Kokkos_Core.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/config/config.hpp"
#include "kode/engine/io/hdf5_file.hpp"
#include "kode/kernels/status.hpp"

namespace kode::hdf5 {

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
inline std::string hdf5_reason() {
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

inline Handle vlen_string_type(const Hdf5Calls& h5) {
  Handle type = h5.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy(string)");
  h5.ok(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size(variable string)");
  h5.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset(UTF-8)");
  return type;
}

inline Handle simple_space(const Hdf5Calls& h5, const std::vector<hsize_t>& dims) {
  if (dims.empty()) return h5.handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate(scalar)");
  return h5.handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                   "H5Screate_simple");
}

// ---- reader ----

// An existing HDF5 file opened read-only, or ConfigError (input files are
// user input) when it is missing or not HDF5; `what` (the config key, or
// "") leads the message.
inline Handle open_for_reading(const Hdf5Calls& h5, const std::string& what) {
  const std::string& path = h5.path();
  const std::string lead = what.empty() ? std::string() : what + ": ";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw ConfigError(lead + "cannot read '" + path + "': " + std::strerror(errno));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ConfigError(lead + "'" + path + "' is not an HDF5 file");
  return h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");
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

  const Hdf5Calls& calls() const { return h5_; }

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

  // A dataset of `dims` whose data are written later, possibly by other
  // processes through MPI-IO: contiguous, its space allocated now (so that
  // no process has to allocate it later, which parallel HDF5 would need to
  // do collectively) and never filled (a 10-million-trajectory /ys is not
  // written twice).
  Handle preallocated_dataset(hid_t parent, const char* name, hid_t type,
                              const std::vector<hsize_t>& dims) {
    Handle dcpl = h5_.handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate(dataset create)");
    h5_.ok(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), "H5Pset_layout(contiguous)");
    h5_.ok(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time(early)");
    h5_.ok(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time(never)");
    Handle space = simple_space(h5_, dims);
    return h5_.handle(
        H5Dcreate2(parent, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
        std::string("H5Dcreate2(") + name + ")");
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

// The root attributes of DESIGN.md ("Output") on the file's root group.
inline void write_root_attributes(ResultWriter& w, const RunAttributes& a) {
  const hid_t root = w.file();
  w.string_attribute(root, "kode_version", a.kode_version);
  w.string_attribute(root, "model", a.model);
  w.string_attribute(root, "solver", a.solver);
  w.scalar_attribute(root, "rtol", H5T_NATIVE_DOUBLE, a.rtol);
  w.scalar_attribute(root, "atol", H5T_NATIVE_DOUBLE, a.atol);
  w.scalar_attribute(root, "seed", H5T_NATIVE_UINT64, a.seed);
  w.scalar_attribute(root, "n_ranks", H5T_NATIVE_INT, a.n_ranks);
  w.string_attribute(root, "kokkos_backend", Kokkos::DefaultExecutionSpace::name());
  w.string_attribute(root, "config", a.config_text);
}

// The meanings of the status codes on a /status dataset, in kode's words and
// as CF flag attributes (so that cf-aware readers decode the codes).
inline void describe_status(ResultWriter& w, hid_t ds) {
  std::string meanings, flag_meanings;
  std::vector<std::int8_t> flag_values;
  for (int s = 0; s < status_count; ++s) {
    const char* name = status_name(static_cast<Status>(s));
    meanings += (s ? ", " : "") + std::to_string(s) + "=" + name;
    flag_meanings += (s ? " " : "") + std::string(name);
    flag_values.push_back(static_cast<std::int8_t>(s));
  }
  w.string_attribute(ds, "meanings", meanings);
  w.attribute(ds, "flag_values", H5T_NATIVE_INT8, flag_values, false);
  w.string_attribute(ds, "flag_meanings", flag_meanings);
}

// The attributes of /ys_observed beyond /ys's: the noise that made it, so
// that the file says how its observations relate to /ys.
inline void describe_observations(ResultWriter& w, hid_t ds, const ObservationNoise& noise) {
  w.attribute(ds, "observation_sigma", H5T_NATIVE_DOUBLE, noise.sigma, false);
  w.scalar_attribute(ds, "observation_seed", H5T_NATIVE_UINT64, noise.seed);
}

// ---- reading ----

inline std::vector<std::string> read_string_array_attribute(const Hdf5Calls& h5, hid_t object,
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

inline std::vector<hsize_t> dataset_dims(const Hdf5Calls& h5, hid_t ds, const char* name) {
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

}  // namespace kode::hdf5
