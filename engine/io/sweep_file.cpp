#include "kode/engine/io/sweep_file.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "kode/engine/config/config.hpp"
#include "kode/engine/io/event_layout.hpp"
#include "kode/engine/io/hdf5_writer.hpp"
#include "kode/engine/io/sensitivity_layout.hpp"
#include "kode/engine/mpi/mpi_check.hpp"
#include "kode/kernels/status.hpp"

namespace kode {

using namespace hdf5;

namespace {

std::string partial_path(const SweepPlan& plan) {
  return plan.output_file + ".partial";
}

const auto& block_names = sweep_block_names;
const char* const ensemble_names[] = {"mean", "var", "min", "max"};
const auto& counter_names = sweep_counter_names;
const auto& sensitivity_block_names = sweep_sensitivity_block_names;
const auto& event_block_names = sweep_event_block_names;

std::vector<EventDataset> plan_event_datasets(const SweepPlan& plan) {
  return event_datasets(plan.spec.event.max_records, static_cast<hsize_t>(plan.model->n_state));
}

// /events: the per-trajectory datasets and /events/ensemble (scalars).
void write_event_skeleton(ResultWriter& w, const SweepPlan& plan, hsize_t n_traj,
                          DimensionScale d_traj, DimensionScale d_state) {
  auto [group, occurrence] = create_event_group(w, w.file(), plan.spec.event,
                                                plan.model->state_names, plan.model->event_names);
  for (const EventDataset& d : plan_event_datasets(plan)) {
    std::vector<hsize_t> dims{n_traj};
    std::vector<DimensionScale> scales{d_traj};
    for (size_t k = 0; k < d.row_dims.size(); ++k) {
      dims.push_back(d.row_dims[k]);
      scales.push_back(std::string(d.dim_names[k]) == "state"
                           ? d_state
                           : DimensionScale{occurrence.get(), "occurrence"});
    }
    Handle ds = w.preallocated_dataset(group.get(), d.name, d.type, dims);
    if (d.field == EventField::state)
      w.string_array_attribute(ds.get(), "state_names", plan.model->state_names);
    w.dims(ds.get(), scales);
  }
  Handle ensemble = w.group(group.get(), "ensemble");
  for (const char* name : ensemble_names)
    w.preallocated_dataset(ensemble.get(), name, H5T_NATIVE_DOUBLE, {});
}

// /sensitivity with its per-trajectory datasets and /sensitivity/ensemble;
// /sweep/sensitivity_block_* are made with the rest of /sweep.
void write_sensitivity_skeleton(ResultWriter& w, const SweepPlan& plan, hsize_t n_traj,
                                DimensionScale d_traj, const std::vector<DimensionScale>& scales) {
  Handle group =
      create_sensitivity_group(w, w.file(), plan.sensitivity.method, plan.model->state_names,
                               sensitivity_row_datasets(plan), n_traj, d_traj, scales, nullptr);
  Handle wrt = w.calls().handle(H5Dopen2(group.get(), "wrt_state", H5P_DEFAULT), H5Dclose,
                                "H5Dopen2(sensitivity/wrt_state)");
  std::vector<DimensionScale> row_scales = scales;
  row_scales.push_back({wrt.get(), "wrt_state"});
  Handle ensemble = w.group(group.get(), "ensemble");
  for (const SensitivityDataset& d : all_sensitivity_datasets(plan))
    for (const char* suffix : {"_mean", "_mean_square"}) {
      Handle ds = w.preallocated_dataset(ensemble.get(), (std::string(d.name) + suffix).c_str(),
                                         H5T_NATIVE_DOUBLE, d.row_dims);
      if (!d.row_dims.empty()) w.dims(ds.get(), scales_of(d, row_scales));
    }
}

// The objects of the file; every handle is closed on return.
void write_skeleton(ResultWriter& w, const SweepPlan& plan, const RunAttributes& attributes) {
  const hid_t root = w.file();
  const ModelInfo& model = *plan.model;
  // The slice's rows, blocks and chunks (the whole sweep's without slicing).
  const hsize_t n_traj = static_cast<hsize_t>(plan.slice_n_traj());
  const hsize_t n_save = static_cast<hsize_t>(plan.n_save());
  const hsize_t n_state = static_cast<hsize_t>(model.n_state);
  const hsize_t n_param = static_cast<hsize_t>(model.n_param);
  const hsize_t n_blocks = static_cast<hsize_t>(plan.slice_n_blocks());
  const hsize_t n_chunks = static_cast<hsize_t>(plan.slice_n_chunks());

  write_root_attributes(w, attributes);
  if (plan.is_slice()) {
    // What `kode merge` needs to place the part's rows in the whole sweep.
    w.scalar_attribute(root, "slice_index", H5T_NATIVE_LLONG, plan.slice_index);
    w.scalar_attribute(root, "slice_count", H5T_NATIVE_LLONG, plan.slice_count);
    w.scalar_attribute(root, "first_traj", H5T_NATIVE_LLONG, plan.slice_first());
    w.scalar_attribute(root, "first_chunk", H5T_NATIVE_LLONG, plan.chunk_begin);
    w.scalar_attribute(root, "n_traj_total", H5T_NATIVE_LLONG, plan.n_traj);
  }
  Handle ts = w.dataset(root, "ts", H5T_NATIVE_DOUBLE, {n_save}, plan.spec.ts);
  w.make_scale(ts.get(), "time");
  Handle traj = w.preallocated_dataset(root, "traj", H5T_NATIVE_LLONG, {n_traj});
  w.make_scale(traj.get(), "traj");
  Handle state = w.string_dataset(root, "state", model.state_names);
  w.make_scale(state.get(), "state");
  Handle param = w.string_dataset(root, "param", model.param_names);
  w.make_scale(param.get(), "param");
  const std::pair<hid_t, const char*> d_traj{traj.get(), "traj"}, d_time{ts.get(), "time"},
      d_state{state.get(), "state"}, d_param{param.get(), "param"};

  if (plan.stores_ys()) {
    Handle ds = w.preallocated_dataset(root, "ys", H5T_NATIVE_DOUBLE, {n_traj, n_save, n_state});
    w.string_array_attribute(ds.get(), "state_names", model.state_names);
    w.dims(ds.get(), {d_traj, d_time, d_state});
  }
  if (plan.observation.enabled()) {
    Handle ds =
        w.preallocated_dataset(root, "ys_observed", H5T_NATIVE_DOUBLE, {n_traj, n_save, n_state});
    w.string_array_attribute(ds.get(), "state_names", model.state_names);
    describe_observations(w, ds.get(), plan.observation);
    w.dims(ds.get(), {d_traj, d_time, d_state});
  }
  {
    Handle ds = w.preallocated_dataset(root, "params", H5T_NATIVE_DOUBLE, {n_traj, n_param});
    w.string_array_attribute(ds.get(), "param_names", model.param_names);
    w.dims(ds.get(), {d_traj, d_param});
  }
  {
    Handle ds = w.preallocated_dataset(root, "y0", H5T_NATIVE_DOUBLE, {n_traj, n_state});
    w.string_array_attribute(ds.get(), "state_names", model.state_names);
    w.dims(ds.get(), {d_traj, d_state});
  }
  {
    Handle ds = w.preallocated_dataset(root, "status", H5T_NATIVE_INT8, {n_traj});
    describe_status(w, ds.get());
    w.dims(ds.get(), {d_traj});
  }
  {
    Handle stats = w.group(root, "stats");
    for (const char* name : counter_names) {
      Handle ds = w.preallocated_dataset(stats.get(), name, H5T_NATIVE_INT, {n_traj});
      w.dims(ds.get(), {d_traj});
    }
  }
  {
    Handle ensemble = w.group(root, "ensemble");
    for (const char* name : ensemble_names) {
      Handle ds =
          w.preallocated_dataset(ensemble.get(), name, H5T_NATIVE_DOUBLE, {n_save, n_state});
      w.string_array_attribute(ds.get(), "state_names", model.state_names);
      w.dims(ds.get(), {d_time, d_state});
    }
    if (rows_end_at_events(plan)) {
      Handle ds =
          w.preallocated_dataset(ensemble.get(), "count", H5T_NATIVE_INT64, {n_save, n_state});
      w.dims(ds.get(), {d_time, d_state});
    }
  }
  if (!plan.sensitivity.empty())
    write_sensitivity_skeleton(w, plan, n_traj, d_traj, {d_time, d_state, d_param});
  if (plan.spec.event.enabled) write_event_skeleton(w, plan, n_traj, d_traj, d_state);
  {
    Handle sweep = w.group(root, "sweep");
    w.scalar_attribute(sweep.get(), "block_size", H5T_NATIVE_LLONG, plan.block_size);
    w.scalar_attribute(sweep.get(), "chunk", H5T_NATIVE_LLONG, plan.chunk);
    w.scalar_attribute(sweep.get(), "n_chunks", H5T_NATIVE_LLONG, plan.slice_n_chunks());
    Handle chunk = w.netcdf_dimension(sweep.get(), "chunk_index", n_chunks);
    Handle block = w.netcdf_dimension(sweep.get(), "block", n_blocks);
    const std::pair<hid_t, const char*> d_block{block.get(), "block"};
    {
      Handle ds = w.dataset(sweep.get(), "chunk_done", H5T_NATIVE_INT8, {n_chunks},
                            std::vector<std::int8_t>(n_chunks, 0));
      w.dims(ds.get(), {{chunk.get(), "chunk_index"}});
    }
    {
      Handle ds = w.preallocated_dataset(sweep.get(), "block_count", H5T_NATIVE_INT64, {n_blocks});
      w.dims(ds.get(), {d_block});
    }
    for (const char* name : block_names) {
      Handle ds =
          w.preallocated_dataset(sweep.get(), name, H5T_NATIVE_DOUBLE, {n_blocks, n_save, n_state});
      w.dims(ds.get(), {d_block, d_time, d_state});
    }
    if (rows_end_at_events(plan)) {
      Handle ds = w.preallocated_dataset(sweep.get(), "block_n", H5T_NATIVE_INT64,
                                         {n_blocks, n_save, n_state});
      w.dims(ds.get(), {d_block, d_time, d_state});
    }
    if (plan.spec.event.enabled) {
      {
        Handle ds =
            w.preallocated_dataset(sweep.get(), "event_block_count", H5T_NATIVE_INT64, {n_blocks});
        w.dims(ds.get(), {d_block});
      }
      for (const char* name : event_block_names) {
        Handle ds = w.preallocated_dataset(sweep.get(), name, H5T_NATIVE_DOUBLE, {n_blocks});
        w.dims(ds.get(), {d_block});
      }
    }
    if (!plan.sensitivity.empty()) {
      const hsize_t n_row = sensitivity_row_size(all_sensitivity_datasets(plan));
      Handle row = w.netcdf_dimension(sweep.get(), "sensitivity_row", n_row);
      {
        Handle ds = w.preallocated_dataset(sweep.get(), "sensitivity_block_count", H5T_NATIVE_INT64,
                                           {n_blocks});
        w.dims(ds.get(), {d_block});
      }
      for (const char* path : sensitivity_block_names) {
        Handle ds = w.preallocated_dataset(sweep.get(), path, H5T_NATIVE_DOUBLE, {n_blocks, n_row});
        w.dims(ds.get(), {d_block, {row.get(), "sensitivity_row"}});
      }
    }
  }
}

}  // namespace

std::vector<SensitivityDataset> all_sensitivity_datasets(const SweepPlan& plan) {
  return sensitivity_datasets(plan.sensitivity.method, static_cast<hsize_t>(plan.n_save()),
                              static_cast<hsize_t>(plan.model->n_state),
                              static_cast<hsize_t>(plan.model->n_param));
}

std::vector<SensitivityDataset> sensitivity_row_datasets(const SweepPlan& plan) {
  std::vector<SensitivityDataset> kept;
  for (const SensitivityDataset& d : all_sensitivity_datasets(plan))
    if (!d.per_save_time || plan.stores_ys()) kept.push_back(d);
  return kept;
}

double planned_data_bytes(const SweepPlan& plan) {
  // The same dimensions as write_skeleton.
  const double n_traj = static_cast<double>(plan.slice_n_traj());
  const double n_save = plan.n_save();
  const double n_state = plan.model->n_state;
  const double n_param = plan.model->n_param;
  const double n_blocks = static_cast<double>(plan.slice_n_blocks());
  const double n_chunks = static_cast<double>(plan.slice_n_chunks());
  const double ys = n_traj * n_save * n_state * sizeof(double);
  double bytes = n_save * sizeof(double) + n_traj * sizeof(long long);  // /ts, /traj
  if (plan.stores_ys()) bytes += ys;
  if (plan.observation.enabled()) bytes += ys;
  bytes += n_traj * (n_param + n_state) * sizeof(double);     // /params, /y0
  bytes += n_traj * (sizeof(std::int8_t) + 3 * sizeof(int));  // /status, /stats
  bytes += 4 * n_save * n_state * sizeof(double);             // /ensemble
  bytes += n_chunks * sizeof(std::int8_t) + n_blocks * sizeof(std::int64_t);
  bytes += 4 * n_blocks * n_save * n_state * sizeof(double);  // /sweep/block_*
  if (!plan.sensitivity.empty()) {
    for (const SensitivityDataset& d : sensitivity_row_datasets(plan))
      bytes += n_traj * static_cast<double>(d.row_size()) * sizeof(double);
    const double n_row = static_cast<double>(sensitivity_row_size(all_sensitivity_datasets(plan)));
    bytes += 2 * n_row * sizeof(double);                                      // ensemble
    bytes += n_blocks * (sizeof(std::int64_t) + 2 * n_row * sizeof(double));  // blocks
  }
  if (rows_end_at_events(plan))  // /ensemble/count, /sweep/block_n
    bytes += (1 + n_blocks) * n_save * n_state * sizeof(std::int64_t);
  if (plan.spec.event.enabled) {
    for (const EventDataset& d : plan_event_datasets(plan))
      bytes += n_traj * static_cast<double>(d.row_size()) * sizeof(double);
    bytes += 4 * sizeof(double) + n_blocks * (sizeof(std::int64_t) + 4 * sizeof(double));
  }
  return bytes;
}

namespace {

// Rank 0, serial driver: the whole skeleton of the file.
void create_skeleton(const SweepPlan& plan, const RunAttributes& attributes) {
  const std::string path = partial_path(plan);
  std::remove(path.c_str());  // a stale partial of a run the user chose not to resume
  // HDF5 allocates the contiguous datasets by moving the end of the file, and
  // when the file system cannot hold that size the close fails in a way that
  // HDF5 1.10 later crashes on: find out first, with the file still empty.
  require_file_size_supported(path, planned_data_bytes(plan) + 1e6);
  try {
    ResultWriter w(path);
    w.create();
    write_skeleton(w, plan, attributes);
    w.close();  // SEMI close degree: fails if anything was left open
  } catch (...) {
    std::remove(path.c_str());  // never leave a half-made file behind
    throw;
  }
}

// The first line where two config texts differ, for the resume message.
std::string first_difference(const std::string& stored, const std::string& now) {
  const auto d = first_line_difference(stored, now);
  if (!d) return "";
  return "line " + std::to_string(d->line) + ": stored '" + d->first + "', now '" + d->second + "'";
}

// Rank 0, serial driver: checks that PATH.partial belongs to this run and
// reads its completion marks.
std::vector<std::int8_t> read_resume_state(const SweepPlan& plan) {
  const std::string path = partial_path(plan);
  const Hdf5Calls h5(path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw ConfigError("--resume: '" + path +
                      "' does not exist or is not an HDF5 file; nothing to resume (run without "
                      "--resume to start the sweep)");
  Handle file = h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");
  if (H5Aexists(file.get(), "config") <= 0 || H5Lexists(file.get(), "sweep", H5P_DEFAULT) <= 0 ||
      H5Lexists(file.get(), "sweep/chunk_done", H5P_DEFAULT) <= 0)
    throw ConfigError("--resume: '" + path + "' is not a partial kode sweep file");
  const std::vector<std::string> stored = read_string_array_attribute(h5, file.get(), "config");
  if (stored.size() != 1 || stored[0] != plan.config_text)
    throw ConfigError("--resume: '" + path +
                      "' was written with another configuration; the resolved configs differ at " +
                      first_difference(stored.empty() ? "" : stored[0], plan.config_text) +
                      " (resume with the same config, or start again with --overwrite)");
  Handle ds = h5.handle(H5Dopen2(file.get(), "sweep/chunk_done", H5P_DEFAULT), H5Dclose,
                        "H5Dopen2(sweep/chunk_done)");
  const std::vector<hsize_t> dims = dataset_dims(h5, ds.get(), "sweep/chunk_done");
  if (dims.size() != 1 || dims[0] != static_cast<hsize_t>(plan.slice_n_chunks()))
    throw ConfigError("--resume: '" + path + "': /sweep/chunk_done does not have " +
                      std::to_string(plan.slice_n_chunks()) + " chunks");
  return read_block<std::int8_t>(h5, ds.get(), "sweep/chunk_done", H5T_NATIVE_INT8, {0}, {dims[0]});
}

}  // namespace

struct SweepFile::Impl {
  const SweepPlan& plan;
  Hdf5Calls h5;
  Handle file;
  Handle traj, ys, ys_observed, params, y0, status, chunk_done, block_count;
  Handle counters[3];
  Handle blocks[4];
  std::vector<Handle> sensitivity_rows;  // as sensitivity_row_datasets(plan)
  Handle sensitivity_block_count, sensitivity_blocks[2];
  Handle block_n;                  // with rows_end_at_events(plan)
  std::vector<Handle> event_rows;  // as plan_event_datasets(plan)
  Handle event_block_count, event_blocks[4];
  std::vector<std::int8_t> done_at_open;

  Impl(const SweepPlan& p) : plan(p), h5(partial_path(p)) {}

  void open_parallel(MPI_Comm comm) {
    Handle fapl = h5.handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
    h5.ok(H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
    file = h5.handle(H5Fopen(h5.path().c_str(), H5F_ACC_RDWR, fapl.get()), H5Fclose,
                     "H5Fopen(MPI-IO)");
    const auto open = [&](const char* name) {
      return h5.handle(H5Dopen2(file.get(), name, H5P_DEFAULT), H5Dclose,
                       std::string("H5Dopen2(") + name + ")");
    };
    traj = open("traj");
    if (plan.stores_ys()) ys = open("ys");
    if (plan.observation.enabled()) ys_observed = open("ys_observed");
    params = open("params");
    y0 = open("y0");
    status = open("status");
    chunk_done = open("sweep/chunk_done");
    block_count = open("sweep/block_count");
    for (int k = 0; k < 3; ++k)
      counters[k] = open((std::string("stats/") + counter_names[k]).c_str());
    for (int k = 0; k < 4; ++k) blocks[k] = open((std::string("sweep/") + block_names[k]).c_str());
    if (!plan.sensitivity.empty()) {
      for (const SensitivityDataset& d : sensitivity_row_datasets(plan))
        sensitivity_rows.push_back(open((std::string("sensitivity/") + d.name).c_str()));
      sensitivity_block_count = open("sweep/sensitivity_block_count");
      for (int k = 0; k < 2; ++k)
        sensitivity_blocks[k] = open((std::string("sweep/") + sensitivity_block_names[k]).c_str());
    }
    if (rows_end_at_events(plan)) block_n = open("sweep/block_n");
    if (plan.spec.event.enabled) {
      for (const EventDataset& d : plan_event_datasets(plan))
        event_rows.push_back(open((std::string("events/") + d.name).c_str()));
      event_block_count = open("sweep/event_block_count");
      for (int k = 0; k < 4; ++k)
        event_blocks[k] = open((std::string("sweep/") + event_block_names[k]).c_str());
    }
  }

  // Independent write of rows [first, first + rows) of a dataset whose rows
  // have `row_dims` (row-major data).
  template <class T>
  void write_rows(const Handle& ds, const char* name, hid_t type, hsize_t first, hsize_t rows,
                  std::vector<hsize_t> row_dims, const T* data) {
    if (rows == 0) return;
    std::vector<hsize_t> start(row_dims.size() + 1, 0), count;
    start[0] = first;
    count.push_back(rows);
    count.insert(count.end(), row_dims.begin(), row_dims.end());
    Handle file_space =
        h5.handle(H5Dget_space(ds.get()), H5Sclose, std::string("H5Dget_space(") + name + ")");
    h5.ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          std::string("H5Sselect_hyperslab(") + name + ")");
    Handle mem_space = simple_space(h5, count);
    h5.ok(H5Dwrite(ds.get(), type, mem_space.get(), file_space.get(), H5P_DEFAULT, data),
          std::string("H5Dwrite(") + name + ")");
  }
};

SweepFile::SweepFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SweepFile::~SweepFile() = default;
SweepFile::SweepFile(SweepFile&&) noexcept = default;
SweepFile& SweepFile::operator=(SweepFile&&) noexcept = default;

SweepFile SweepFile::create(const SweepPlan& plan, const RunAttributes& attributes, MPI_Comm comm) {
  QuietHdf5Errors quiet;
  on_rank0_for_all(comm, [&] { create_skeleton(plan, attributes); });
  auto impl = std::make_unique<Impl>(plan);
  impl->done_at_open.assign(static_cast<size_t>(plan.slice_n_chunks()), 0);
  impl->open_parallel(comm);
  return SweepFile(std::move(impl));
}

SweepFile SweepFile::reopen(const SweepPlan& plan, MPI_Comm comm) {
  QuietHdf5Errors quiet;
  auto impl = std::make_unique<Impl>(plan);
  std::vector<std::int8_t>& done = impl->done_at_open;
  done.assign(static_cast<size_t>(plan.slice_n_chunks()), 0);
  on_rank0_for_all(comm, [&] { done = read_resume_state(plan); });
  check_mpi(MPI_Bcast(done.data(), static_cast<int>(done.size()), MPI_INT8_T, 0, comm),
            "MPI_Bcast(chunk_done)");
  impl->open_parallel(comm);
  return SweepFile(std::move(impl));
}

const std::vector<std::int8_t>& SweepFile::chunks_done_at_open() const {
  return impl_->done_at_open;
}

void SweepFile::write_chunk(long long c, const SweepChunk& chunk) {
  QuietHdf5Errors quiet;
  Impl& f = *impl_;
  const SweepPlan& plan = f.plan;
  const BatchResult& result = chunk.result;
  const hsize_t first = static_cast<hsize_t>(plan.chunk_first(c));
  // The file holds the slice's rows only: row = global index - slice_first.
  const hsize_t row = first - static_cast<hsize_t>(plan.slice_first());
  const hsize_t n = static_cast<hsize_t>(plan.chunk_count(c));
  const hsize_t n_save = static_cast<hsize_t>(plan.n_save());
  const hsize_t n_state = static_cast<hsize_t>(plan.model->n_state);
  const hsize_t n_param = static_cast<hsize_t>(plan.model->n_param);
  if (result.n_traj != static_cast<int>(n) || result.ys.size() != n * n_save * n_state)
    throw Hdf5Error("internal error: chunk " + std::to_string(c) + " has " +
                    std::to_string(result.n_traj) + " trajectories, expected " + std::to_string(n));
  if (plan.observation.enabled() && chunk.ys_observed.size() != result.ys.size())
    throw Hdf5Error("internal error: chunk " + std::to_string(c) + " has " +
                    std::to_string(chunk.ys_observed.size()) + " observations for " +
                    std::to_string(result.ys.size()) + " states");

  std::vector<long long> index(n);
  for (hsize_t i = 0; i < n; ++i) index[i] = static_cast<long long>(first + i);
  f.write_rows(f.traj, "traj", H5T_NATIVE_LLONG, row, n, {}, index.data());
  if (plan.stores_ys())
    f.write_rows(f.ys, "ys", H5T_NATIVE_DOUBLE, row, n, {n_save, n_state}, result.ys.data());
  if (plan.observation.enabled())
    f.write_rows(f.ys_observed, "ys_observed", H5T_NATIVE_DOUBLE, row, n, {n_save, n_state},
                 chunk.ys_observed.data());
  if (n_param > 0)
    f.write_rows(f.params, "params", H5T_NATIVE_DOUBLE, row, n, {n_param}, chunk.params.data());
  f.write_rows(f.y0, "y0", H5T_NATIVE_DOUBLE, row, n, {n_state}, chunk.y0.data());
  f.write_rows(f.status, "status", H5T_NATIVE_INT8, row, n, {}, result.status.data());
  const std::vector<int>* counters[3] = {&result.num_steps, &result.num_accepted,
                                         &result.num_rejected};
  for (int k = 0; k < 3; ++k)
    f.write_rows(f.counters[k], counter_names[k], H5T_NATIVE_INT, row, n, {}, counters[k]->data());
  const std::vector<SensitivityDataset> rows =
      plan.sensitivity.empty() ? std::vector<SensitivityDataset>{} : sensitivity_row_datasets(plan);
  for (size_t k = 0; k < rows.size(); ++k) {
    const std::vector<double>& values = chunk.sensitivity.array(rows[k].name);
    if (values.size() != n * rows[k].row_size())
      throw Hdf5Error("internal error: chunk " + std::to_string(c) + " has " +
                      std::to_string(values.size()) + " values of sensitivity/" + rows[k].name);
    f.write_rows(f.sensitivity_rows[k], rows[k].name, H5T_NATIVE_DOUBLE, row, n, rows[k].row_dims,
                 values.data());
  }

  // Statistics blocks: a chunk holds whole blocks (sweep_plan), so its first
  // block is first / B.
  const hsize_t first_block = first / static_cast<hsize_t>(plan.block_size) -
                              static_cast<hsize_t>(plan.slice_first_block());
  const auto write_blocks = [&](const std::vector<EnsembleStatistics>& blocks, const Handle& count,
                                const char* count_name, const Handle* parts,
                                const char* const* part_names, int n_parts,
                                std::vector<hsize_t> width_dims) {
    const hsize_t nb = blocks.size();
    std::vector<std::int64_t> counts(nb);
    std::vector<double> values[4];
    for (hsize_t b = 0; b < nb; ++b) {
      counts[b] = blocks[b].count;
      const std::vector<double>* from[4] = {&blocks[b].mean, &blocks[b].m2, &blocks[b].min,
                                            &blocks[b].max};
      for (int k = 0; k < n_parts; ++k)
        values[k].insert(values[k].end(), from[k]->begin(), from[k]->end());
    }
    f.write_rows(count, count_name, H5T_NATIVE_INT64, first_block, nb, {}, counts.data());
    for (int k = 0; k < n_parts; ++k)
      f.write_rows(parts[k], part_names[k], H5T_NATIVE_DOUBLE, first_block, nb, width_dims,
                   values[k].data());
  };
  write_blocks(chunk.blocks, f.block_count, "sweep/block_count", f.blocks, block_names, 4,
               {n_save, n_state});
  if (rows_end_at_events(plan)) {
    std::vector<std::int64_t> per_element;
    for (const EnsembleStatistics& b : chunk.blocks)
      per_element.insert(per_element.end(), b.n.begin(), b.n.end());
    f.write_rows(f.block_n, "sweep/block_n", H5T_NATIVE_INT64, first_block, chunk.blocks.size(),
                 {n_save, n_state}, per_element.data());
  }
  if (plan.spec.event.enabled) {
    const std::vector<EventDataset> events = plan_event_datasets(plan);
    for (size_t k = 0; k < events.size(); ++k) {
      const EventDataset& d = events[k];
      const size_t want = n * static_cast<size_t>(d.row_size());
      const std::string name = std::string("events/") + d.name;
      if (d.field == EventField::count) {
        if (result.event_count.size() != want)
          throw Hdf5Error("internal error: chunk " + std::to_string(c) + " has no " + name);
        f.write_rows(f.event_rows[k], name.c_str(), d.type, row, n, d.row_dims,
                     result.event_count.data());
      } else {
        const std::vector<double>& values = event_values(result, d);
        if (values.size() != want)
          throw Hdf5Error("internal error: chunk " + std::to_string(c) + " has no " + name);
        f.write_rows(f.event_rows[k], name.c_str(), d.type, row, n, d.row_dims, values.data());
      }
    }
    write_blocks(chunk.event_blocks, f.event_block_count, "sweep/event_block_count", f.event_blocks,
                 event_block_names, 4, {});
  }
  if (!plan.sensitivity.empty())
    write_blocks(chunk.sensitivity_blocks, f.sensitivity_block_count,
                 "sweep/sensitivity_block_count", f.sensitivity_blocks, sensitivity_block_names, 2,
                 {sensitivity_row_size(all_sensitivity_datasets(plan))});

  // The mark last: a chunk marked done has all its data written before it.
  const std::int8_t one = 1;
  f.write_rows(f.chunk_done, "sweep/chunk_done", H5T_NATIVE_INT8,
               static_cast<hsize_t>(c - plan.chunk_begin), 1, {}, &one);
}

void SweepFile::close() {
  QuietHdf5Errors quiet;
  Impl& f = *impl_;
  for (Handle* h :
       {&f.traj, &f.ys, &f.ys_observed, &f.params, &f.y0, &f.status, &f.chunk_done, &f.block_count})
    f.h5.ok(h->close(), "H5Dclose");
  for (Handle& h : f.counters) f.h5.ok(h.close(), "H5Dclose");
  for (Handle& h : f.blocks) f.h5.ok(h.close(), "H5Dclose");
  for (Handle& h : f.sensitivity_rows) f.h5.ok(h.close(), "H5Dclose");
  f.h5.ok(f.sensitivity_block_count.close(), "H5Dclose");
  for (Handle& h : f.sensitivity_blocks) f.h5.ok(h.close(), "H5Dclose");
  f.h5.ok(f.block_n.close(), "H5Dclose");
  for (Handle& h : f.event_rows) f.h5.ok(h.close(), "H5Dclose");
  f.h5.ok(f.event_block_count.close(), "H5Dclose");
  for (Handle& h : f.event_blocks) f.h5.ok(h.close(), "H5Dclose");
  f.h5.ok(f.file.close(), "H5Fclose(MPI-IO)");
}

namespace {

// Chan et al.'s merge of the slice's statistics blocks, in block order, one
// block at a time: /sweep/<count_name> and the first n_parts of mean, m2,
// min, max (/sweep/<names[k]>, [n_blocks, row_dims...]); per-element counts
// from /sweep/<n_name> when given, else every element has the block's count.
EnsembleStatistics merge_blocks(const SweepPlan& plan, const Hdf5Calls& h5, hid_t file,
                                const char* count_name, const char* const* names, int n_parts,
                                const std::vector<hsize_t>& row_dims,
                                const char* n_name = nullptr) {
  const auto open = [&](const std::string& name) {
    return h5.handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2(" + name + ")");
  };
  size_t width = 1;
  for (hsize_t d : row_dims) width *= static_cast<size_t>(d);
  std::vector<hsize_t> start(row_dims.size() + 1, 0), count{1};
  count.insert(count.end(), row_dims.begin(), row_dims.end());
  Handle counts = open(std::string("sweep/") + count_name);
  Handle per_element;
  if (n_name) per_element = open(std::string("sweep/") + n_name);
  std::vector<Handle> parts;
  for (int k = 0; k < n_parts; ++k) parts.push_back(open(std::string("sweep/") + names[k]));
  EnsembleStatistics total(width);
  for (hsize_t b = 0; b < static_cast<hsize_t>(plan.slice_n_blocks()); ++b) {
    EnsembleStatistics block(width);
    block.set_count(
        read_block<std::int64_t>(h5, counts.get(), count_name, H5T_NATIVE_INT64, {b}, {1})[0]);
    std::vector<double>* targets[4] = {&block.mean, &block.m2, &block.min, &block.max};
    start[0] = b;
    if (n_name)
      block.n =
          read_block<std::int64_t>(h5, per_element.get(), n_name, H5T_NATIVE_INT64, start, count);
    for (int k = 0; k < n_parts; ++k)
      *targets[k] = read_block<double>(h5, parts[static_cast<size_t>(k)].get(), names[k],
                                       H5T_NATIVE_DOUBLE, start, count);
    total.merge(block);
  }
  return total;
}

// /sensitivity/ensemble from /sweep/sensitivity_block_*, merged as /ensemble.
// Returns the count.
long long finalize_sensitivity_statistics(const SweepPlan& plan, const Hdf5Calls& h5, hid_t file) {
  const auto open = [&](const std::string& name) {
    return h5.handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2(" + name + ")");
  };
  const std::vector<SensitivityDataset> datasets = all_sensitivity_datasets(plan);
  const hsize_t n_row = sensitivity_row_size(datasets);
  const EnsembleStatistics total =
      merge_blocks(plan, h5, file, "sensitivity_block_count", sensitivity_block_names, 2, {n_row});
  // mean square = M2 / n + mean^2 (NaN without samples).
  const std::vector<double> mean = total.or_nan(total.mean);
  std::vector<double> mean_square(mean.size());
  for (size_t k = 0; k < mean.size(); ++k)
    mean_square[k] = total.m2[k] / static_cast<double>(total.count) + mean[k] * mean[k];
  size_t offset = 0;
  for (const SensitivityDataset& d : datasets) {
    const auto width = static_cast<std::ptrdiff_t>(d.row_size());
    const auto begin = static_cast<std::ptrdiff_t>(offset);
    const std::vector<double>* sources[2] = {&mean, &mean_square};
    const char* suffixes[2] = {"_mean", "_mean_square"};
    for (int k = 0; k < 2; ++k) {
      const std::vector<double> part(sources[k]->begin() + begin,
                                     sources[k]->begin() + begin + width);
      const std::string name = std::string("sensitivity/ensemble/") + d.name + suffixes[k];
      Handle ds = open(name);
      h5.ok(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, part.data()),
            "H5Dwrite(" + name + ")");
    }
    offset += d.row_size();
  }
  Handle group = h5.handle(H5Gopen2(file, "sensitivity/ensemble", H5P_DEFAULT), H5Gclose,
                           "H5Gopen2(sensitivity/ensemble)");
  ResultWriter w(h5.path());  // attribute helpers only
  w.scalar_attribute(group.get(), "count", H5T_NATIVE_INT64, total.count);
  return total.count;
}

// /events/ensemble from /sweep/event_block_*. Returns the count.
long long finalize_event_statistics(const SweepPlan& plan, const Hdf5Calls& h5, hid_t file) {
  const EnsembleStatistics total =
      merge_blocks(plan, h5, file, "event_block_count", event_block_names, 4, {});
  const std::vector<double> results[4] = {total.or_nan(total.mean), total.variance(),
                                          total.or_nan(total.min), total.or_nan(total.max)};
  for (int k = 0; k < 4; ++k) {
    const std::string name = std::string("events/ensemble/") + ensemble_names[k];
    Handle ds =
        h5.handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2(" + name + ")");
    h5.ok(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, results[k].data()),
          "H5Dwrite(" + name + ")");
  }
  Handle group = h5.handle(H5Gopen2(file, "events/ensemble", H5P_DEFAULT), H5Gclose,
                           "H5Gopen2(events/ensemble)");
  ResultWriter w(h5.path());  // attribute helpers only
  w.scalar_attribute(group.get(), "count", H5T_NATIVE_INT64, total.count);
  Handle var = h5.handle(H5Dopen2(file, "events/ensemble/var", H5P_DEFAULT), H5Dclose,
                         "H5Dopen2(events/ensemble/var)");
  w.scalar_attribute(var.get(), "ddof", H5T_NATIVE_INT, 1);
  return total.count;
}

}  // namespace

SweepTotals SweepFile::finalize(const SweepPlan& plan) {
  QuietHdf5Errors quiet;
  const std::string path = partial_path(plan);
  const Hdf5Calls h5(path);
  Handle file = h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose, "H5Fopen");
  const auto open = [&](const std::string& name) {
    return h5.handle(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose,
                     "H5Dopen2(" + name + ")");
  };
  const hsize_t n_save = static_cast<hsize_t>(plan.n_save());
  const hsize_t n_state = static_cast<hsize_t>(plan.model->n_state);

  // Every chunk must be marked: finalize never publishes a hole.
  {
    Handle done = open("sweep/chunk_done");
    const auto marks = read_block<std::int8_t>(h5, done.get(), "sweep/chunk_done", H5T_NATIVE_INT8,
                                               {0}, {static_cast<hsize_t>(plan.slice_n_chunks())});
    for (size_t c = 0; c < marks.size(); ++c)
      if (marks[c] != 1)
        throw Hdf5Error("internal error: chunk " + std::to_string(c) + " of '" + path +
                        "' is not marked done at the end of the sweep");
  }

  const EnsembleStatistics total =
      merge_blocks(plan, h5, file.get(), "block_count", block_names, 4, {n_save, n_state},
                   rows_end_at_events(plan) ? "block_n" : nullptr);
  const std::vector<double> results[4] = {total.or_nan(total.mean), total.variance(),
                                          total.or_nan(total.min), total.or_nan(total.max)};
  for (int k = 0; k < 4; ++k) {
    Handle ds = open(std::string("ensemble/") + ensemble_names[k]);
    h5.ok(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, results[k].data()),
          std::string("H5Dwrite(ensemble/") + ensemble_names[k] + ")");
  }
  {
    Handle group =
        h5.handle(H5Gopen2(file.get(), "ensemble", H5P_DEFAULT), H5Gclose, "H5Gopen2(ensemble)");
    ResultWriter w(path);  // attribute helpers only; the file is `file`
    Handle var = open("ensemble/var");
    w.scalar_attribute(var.get(), "ddof", H5T_NATIVE_INT, 1);
    w.scalar_attribute(group.get(), "count", H5T_NATIVE_INT64, total.count);
    if (rows_end_at_events(plan)) {
      Handle ds = open("ensemble/count");
      h5.ok(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, total.n.data()),
            "H5Dwrite(ensemble/count)");
    }
  }

  // Status counts, a chunk at a time (bounded memory).
  SweepTotals totals;
  totals.n_traj = plan.slice_n_traj();
  totals.successful = total.count;
  if (!plan.sensitivity.empty())
    totals.with_sensitivity = finalize_sensitivity_statistics(plan, h5, file.get());
  if (plan.spec.event.enabled) totals.with_event = finalize_event_statistics(plan, h5, file.get());
  Handle status = open("status");
  for (long long c = plan.chunk_begin; c < plan.chunk_end; ++c) {
    const auto codes =
        read_block<std::int8_t>(h5, status.get(), "status", H5T_NATIVE_INT8,
                                {static_cast<hsize_t>(plan.chunk_first(c) - plan.slice_first())},
                                {static_cast<hsize_t>(plan.chunk_count(c))});
    for (std::int8_t s : codes)
      ++totals.by_status[static_cast<size_t>(s) < totals.by_status.size() ? s : 7];
  }
  status = Handle();
  h5.ok(file.close(), "H5Fclose");
  return totals;
}

namespace {

// The statistics blocks of one chunk: `sample(i)` gives trajectory i's
// `width` values, or null to leave it out; failed trajectories are left out
// before it is asked.
template <class Sample>
std::vector<EnsembleStatistics> chunk_blocks(const SweepPlan& plan, const BatchResult& r,
                                             size_t width, Sample&& sample) {
  std::vector<EnsembleStatistics> blocks;
  for (long long first = 0; first < r.n_traj; first += plan.block_size) {
    EnsembleStatistics block(width);
    const long long end = std::min<long long>(first + plan.block_size, r.n_traj);
    for (long long i = first; i < end; ++i) {
      const auto s = static_cast<Status>(r.status[static_cast<size_t>(i)]);
      if (s != Status::success && s != Status::event_occurred) continue;
      if (const double* x = sample(static_cast<size_t>(i))) block.add(x);
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace

std::vector<EnsembleStatistics> chunk_block_statistics(const SweepPlan& plan,
                                                       const BatchResult& r) {
  const size_t width = static_cast<size_t>(plan.n_save()) * plan.model->n_state;
  return chunk_blocks(plan, r, width, [&](size_t i) { return r.ys.data() + i * width; });
}

std::vector<EnsembleStatistics> chunk_sensitivity_statistics(const SweepPlan& plan,
                                                             const BatchResult& r,
                                                             const SensitivityArrays& sensitivity) {
  const std::vector<SensitivityDataset> datasets = all_sensitivity_datasets(plan);
  std::vector<double> row(static_cast<size_t>(sensitivity_row_size(datasets)));
  // The trajectory's sensitivity row, when every value of it is finite.
  return chunk_blocks(plan, r, row.size(), [&](size_t i) -> const double* {
    size_t k = 0;
    for (const SensitivityDataset& d : datasets) {
      const size_t width = static_cast<size_t>(d.row_size());
      const double* values = sensitivity.array(d.name).data() + i * width;
      for (size_t j = 0; j < width; ++j, ++k) {
        if (!std::isfinite(values[j])) return nullptr;
        row[k] = values[j];
      }
    }
    return row.data();
  });
}

std::vector<EnsembleStatistics> chunk_event_statistics(const SweepPlan& plan,
                                                       const BatchResult& r) {
  const size_t records = static_cast<size_t>(r.event_records);
  return chunk_blocks(plan, r, 1, [&](size_t i) -> const double* {
    return r.event_count[i] > 0 ? r.event_t.data() + i * records : nullptr;
  });
}

}  // namespace kode
