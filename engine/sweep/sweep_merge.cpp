#include "kode/engine/sweep/sweep_merge.hpp"

#include <mpi.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "kode/engine/config/config.hpp"
#include "kode/engine/io/event_layout.hpp"
#include "kode/engine/io/hdf5_writer.hpp"
#include "kode/engine/io/sensitivity_layout.hpp"

namespace kode {

using namespace hdf5;

namespace {

const auto& counter_names = sweep_counter_names;
const auto& block_names = sweep_block_names;
const auto& sensitivity_block_names = sweep_sensitivity_block_names;
const auto& event_block_names = sweep_event_block_names;

// The resolved config without what may differ between the parts of one
// sweep: [output] file, [sweep] slice_index/slice_count, and [sweep]
// schedule, which changes who computes a chunk but never its values (the
// file is bit-identical with either schedule). sweep_plan.cpp writes each
// on a line of its own.
std::string whole_sweep_text(const std::string& text) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') section = line;
    if (section == "[output]" && line.rfind("file = ", 0) == 0) continue;
    if (section == "[sweep]" &&
        (line.rfind("slice_index = ", 0) == 0 || line.rfind("slice_count = ", 0) == 0 ||
         line.rfind("schedule = ", 0) == 0))
      continue;
    out << line << "\n";
  }
  return out.str();
}

std::string first_difference(const std::string& a_text, const std::string& b_text) {
  const auto d = first_line_difference(a_text, b_text);
  return d ? "'" + d->first + "' vs '" + d->second + "'" : "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

struct PartHeader {
  SweepPart part;
  long long slice_count = 1;
  std::string config;  // as stored
  std::vector<hsize_t> traj_dims;
  std::vector<std::int8_t> chunk_done;
  long long first_index = -1;  // /traj[0]
};

Handle open_dataset(const Hdf5Calls& h5, hid_t file, const std::string& name) {
  return h5.handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2(" + name + ")");
}

PartHeader read_header(const std::string& path) {
  PartHeader p;
  p.part.path = path;
  const std::string suffix = ".partial";
  if (path.size() >= suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
    throw ConfigError("kode merge: '" + path +
                      "' is an unfinished part (.partial): finish its slice with kode sweep "
                      "--resume first");
  const Hdf5Calls h5(path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw ConfigError("kode merge: part '" + path + "' does not exist or is not an HDF5 file");
  Handle file = h5.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");
  if (H5Aexists(file.get(), "config") <= 0 || H5Lexists(file.get(), "sweep", H5P_DEFAULT) <= 0 ||
      H5Lexists(file.get(), "sweep/chunk_done", H5P_DEFAULT) <= 0)
    throw ConfigError("kode merge: '" + path + "' is not a kode sweep file");
  const auto config = read_string_array_attribute(h5, file.get(), "config");
  if (config.size() != 1)
    throw ConfigError("kode merge: '" + path + "': attribute config is not one string");
  p.config = config[0];
  // A file without slice attributes is a whole sweep: slice 0 of 1.
  if (H5Aexists(file.get(), "slice_index") > 0) {
    p.part.slice_index =
        read_scalar_attribute<long long>(h5, file.get(), "slice_index", H5T_NATIVE_LLONG);
    p.slice_count =
        read_scalar_attribute<long long>(h5, file.get(), "slice_count", H5T_NATIVE_LLONG);
    p.part.first_traj =
        read_scalar_attribute<long long>(h5, file.get(), "first_traj", H5T_NATIVE_LLONG);
  }
  p.part.n_ranks = read_scalar_attribute<int>(h5, file.get(), "n_ranks", H5T_NATIVE_INT);
  Handle traj = open_dataset(h5, file.get(), "traj");
  p.traj_dims = dataset_dims(h5, traj.get(), "traj");
  if (p.traj_dims.size() == 1 && p.traj_dims[0] > 0)
    p.first_index =
        read_block<long long>(h5, traj.get(), "traj", H5T_NATIVE_LLONG, {0}, {1}).front();
  Handle done = open_dataset(h5, file.get(), "sweep/chunk_done");
  const auto dims = dataset_dims(h5, done.get(), "sweep/chunk_done");
  if (dims.size() != 1)
    throw ConfigError("kode merge: '" + path + "': /sweep/chunk_done is not one-dimensional");
  p.chunk_done =
      read_block<std::int8_t>(h5, done.get(), "sweep/chunk_done", H5T_NATIVE_INT8, {0}, dims);
  traj = Handle();
  done = Handle();
  h5.ok(file.close(), "H5Fclose");
  return p;
}

// Statistics blocks from their stored counts, the first `n_parts` of
// mean, m2, min, max ([n_blocks][width] each) and the per-element counts
// ([n_blocks][width]; empty: each element has its block's count).
std::vector<EnsembleStatistics> blocks_from(const std::vector<std::int64_t>& counts,
                                            const std::vector<double> (&values)[4], int n_parts,
                                            size_t width,
                                            const std::vector<std::int64_t>& per_element = {}) {
  std::vector<EnsembleStatistics> blocks;
  for (size_t b = 0; b < counts.size(); ++b) {
    EnsembleStatistics s(width);
    s.set_count(counts[b]);
    if (!per_element.empty())
      s.n.assign(per_element.begin() + static_cast<std::ptrdiff_t>(b * width),
                 per_element.begin() + static_cast<std::ptrdiff_t>((b + 1) * width));
    std::vector<double>* parts[4] = {&s.mean, &s.m2, &s.min, &s.max};
    for (int k = 0; k < n_parts; ++k)
      parts[k]->assign(values[k].begin() + static_cast<std::ptrdiff_t>(b * width),
                       values[k].begin() + static_cast<std::ptrdiff_t>((b + 1) * width));
    blocks.push_back(std::move(s));
  }
  return blocks;
}

// Copies the chunks of one part into the merged file, one chunk at a time.
void copy_part(const SweepPlan& plan, const SweepPart& part, long long chunk_begin,
               long long chunk_end, SweepFile& out) {
  const Hdf5Calls h5(part.path);
  Handle file =
      h5.handle(H5Fopen(part.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen");
  const hsize_t n_save = static_cast<hsize_t>(plan.n_save());
  const hsize_t n_state = static_cast<hsize_t>(plan.model->n_state);
  const hsize_t n_param = static_cast<hsize_t>(plan.model->n_param);
  const size_t width = static_cast<size_t>(n_save * n_state);
  Handle params = open_dataset(h5, file.get(), "params");
  Handle y0 = open_dataset(h5, file.get(), "y0");
  Handle status = open_dataset(h5, file.get(), "status");
  Handle ys, ys_observed;
  if (plan.stores_ys()) ys = open_dataset(h5, file.get(), "ys");
  if (plan.observation.enabled()) ys_observed = open_dataset(h5, file.get(), "ys_observed");
  Handle counters[3], blocks[4];
  for (int k = 0; k < 3; ++k)
    counters[k] = open_dataset(h5, file.get(), std::string("stats/") + counter_names[k]);
  Handle block_count = open_dataset(h5, file.get(), "sweep/block_count");
  for (int k = 0; k < 4; ++k)
    blocks[k] = open_dataset(h5, file.get(), std::string("sweep/") + block_names[k]);
  const std::vector<SensitivityDataset> sensitivity_rows = sensitivity_row_datasets(plan);
  std::vector<Handle> sensitivity;
  for (const SensitivityDataset& d : sensitivity_rows)
    sensitivity.push_back(open_dataset(h5, file.get(), std::string("sensitivity/") + d.name));
  Handle sensitivity_block_count, sensitivity_blocks[2];
  const hsize_t n_row = sensitivity_row_size(all_sensitivity_datasets(plan));
  if (!plan.sensitivity.empty()) {
    sensitivity_block_count = open_dataset(h5, file.get(), "sweep/sensitivity_block_count");
    for (int k = 0; k < 2; ++k)
      sensitivity_blocks[k] =
          open_dataset(h5, file.get(), std::string("sweep/") + sensitivity_block_names[k]);
  }

  Handle block_n, event_block_count, event_blocks[4];
  std::vector<Handle> event_rows;
  const std::vector<EventDataset> events =
      plan.spec.event.enabled ? event_datasets(plan.spec.event.max_records, n_state)
                              : std::vector<EventDataset>{};
  if (rows_end_at_events(plan)) block_n = open_dataset(h5, file.get(), "sweep/block_n");
  if (plan.spec.event.enabled) {
    for (const EventDataset& d : events)
      event_rows.push_back(open_dataset(h5, file.get(), std::string("events/") + d.name));
    event_block_count = open_dataset(h5, file.get(), "sweep/event_block_count");
    for (int k = 0; k < 4; ++k)
      event_blocks[k] = open_dataset(h5, file.get(), std::string("sweep/") + event_block_names[k]);
  }

  const hsize_t B = static_cast<hsize_t>(plan.block_size);
  for (long long c = chunk_begin; c < chunk_end; ++c) {
    const hsize_t row = static_cast<hsize_t>(plan.chunk_first(c) - part.first_traj);
    const hsize_t n = static_cast<hsize_t>(plan.chunk_count(c));
    SweepChunk chunk;
    BatchResult& r = chunk.result;
    r.n_traj = static_cast<int>(n);
    r.n_state = static_cast<int>(n_state);
    r.ts = plan.spec.ts;
    // With save = statistics the parts hold no /ys; write_chunk then ignores
    // the values but checks their count.
    r.ys = plan.stores_ys() ? read_block<double>(h5, ys.get(), "ys", H5T_NATIVE_DOUBLE, {row, 0, 0},
                                                 {n, n_save, n_state})
                            : std::vector<double>(n * width, 0.0);
    // Copied as stored: the parts' observations are those of one run.
    chunk.ys_observed =
        plan.observation.enabled()
            ? read_block<double>(h5, ys_observed.get(), "ys_observed", H5T_NATIVE_DOUBLE,
                                 {row, 0, 0}, {n, n_save, n_state})
            : std::vector<double>{};
    r.status = read_block<std::int8_t>(h5, status.get(), "status", H5T_NATIVE_INT8, {row}, {n});
    std::vector<int>* targets[3] = {&r.num_steps, &r.num_accepted, &r.num_rejected};
    for (int k = 0; k < 3; ++k)
      *targets[k] =
          read_block<int>(h5, counters[k].get(), counter_names[k], H5T_NATIVE_INT, {row}, {n});
    chunk.params =
        read_block<double>(h5, params.get(), "params", H5T_NATIVE_DOUBLE, {row, 0}, {n, n_param});
    chunk.y0 = read_block<double>(h5, y0.get(), "y0", H5T_NATIVE_DOUBLE, {row, 0}, {n, n_state});
    chunk.sensitivity.method = plan.sensitivity.method;
    for (size_t k = 0; k < sensitivity_rows.size(); ++k) {
      const SensitivityDataset& d = sensitivity_rows[k];
      std::vector<hsize_t> start(d.row_dims.size() + 1, 0), count{n};
      start[0] = row;
      count.insert(count.end(), d.row_dims.begin(), d.row_dims.end());
      chunk.sensitivity.array(d.name) =
          read_block<double>(h5, sensitivity[k].get(), d.name, H5T_NATIVE_DOUBLE, start, count);
    }

    // The chunk's statistics blocks, as stored (chunks hold whole blocks).
    const hsize_t first_block = row / B, nb = (n + B - 1) / B;
    const auto counts = read_block<std::int64_t>(h5, block_count.get(), "sweep/block_count",
                                                 H5T_NATIVE_INT64, {first_block}, {nb});
    std::vector<double> values[4];
    for (int k = 0; k < 4; ++k)
      values[k] = read_block<double>(h5, blocks[k].get(), block_names[k], H5T_NATIVE_DOUBLE,
                                     {first_block, 0, 0}, {nb, n_save, n_state});
    const std::vector<std::int64_t> per_element =
        rows_end_at_events(plan)
            ? read_block<std::int64_t>(h5, block_n.get(), "sweep/block_n", H5T_NATIVE_INT64,
                                       {first_block, 0, 0}, {nb, n_save, n_state})
            : std::vector<std::int64_t>{};
    chunk.blocks = blocks_from(counts, values, 4, width, per_element);
    if (plan.spec.event.enabled) {
      r.event_records = plan.spec.event.max_records;
      for (size_t k = 0; k < events.size(); ++k) {
        const EventDataset& d = events[k];
        std::vector<hsize_t> start(d.row_dims.size() + 1, 0), count{n};
        start[0] = row;
        count.insert(count.end(), d.row_dims.begin(), d.row_dims.end());
        const std::string name = std::string("events/") + d.name;
        if (d.field == EventField::count)
          r.event_count =
              read_block<int>(h5, event_rows[k].get(), name.c_str(), H5T_NATIVE_INT, start, count);
        else
          event_values(r, d) = read_block<double>(h5, event_rows[k].get(), name.c_str(),
                                                  H5T_NATIVE_DOUBLE, start, count);
      }
      const auto e_counts =
          read_block<std::int64_t>(h5, event_block_count.get(), "sweep/event_block_count",
                                   H5T_NATIVE_INT64, {first_block}, {nb});
      std::vector<double> e_values[4];
      for (int k = 0; k < 4; ++k)
        e_values[k] = read_block<double>(h5, event_blocks[k].get(), event_block_names[k],
                                         H5T_NATIVE_DOUBLE, {first_block}, {nb});
      chunk.event_blocks = blocks_from(e_counts, e_values, 4, 1);
    }
    if (!plan.sensitivity.empty()) {
      const auto s_counts = read_block<std::int64_t>(h5, sensitivity_block_count.get(),
                                                     "sweep/sensitivity_block_count",
                                                     H5T_NATIVE_INT64, {first_block}, {nb});
      std::vector<double> s_values[4];
      for (int k = 0; k < 2; ++k)
        s_values[k] =
            read_block<double>(h5, sensitivity_blocks[k].get(), sensitivity_block_names[k],
                               H5T_NATIVE_DOUBLE, {first_block, 0}, {nb, n_row});
      chunk.sensitivity_blocks = blocks_from(s_counts, s_values, 2, static_cast<size_t>(n_row));
    }
    out.write_chunk(c, chunk);
  }
  for (Handle* h : {&params, &y0, &status, &ys, &ys_observed, &block_count,
                    &sensitivity_block_count, &sensitivity_blocks[0], &sensitivity_blocks[1]})
    *h = Handle();
  sensitivity.clear();
  event_rows.clear();
  for (Handle* h : {&block_n, &event_block_count}) *h = Handle();
  for (Handle& h : event_blocks) h = Handle();
  for (Handle& h : counters) h = Handle();
  for (Handle& h : blocks) h = Handle();
  h5.ok(file.close(), "H5Fclose");
}

}  // namespace

SweepMergePlan plan_sweep_merge(const std::string& out, const std::vector<std::string>& paths,
                                const ModelRegistry& models) {
  QuietHdf5Errors quiet;
  if (paths.empty())
    throw ConfigError("kode merge: no part files given (usage: kode merge OUT.h5 PART.h5 ...)");
  for (const std::string& path : paths)
    if (path == out || same_file(path, out))
      throw ConfigError("kode merge: the output '" + out + "' is also given as a part");
  std::vector<PartHeader> headers;
  for (const std::string& path : paths) headers.push_back(read_header(path));

  // One sweep: the same resolved config apart from the file and the slice.
  const PartHeader& first = headers.front();
  const std::string sweep_text = whole_sweep_text(first.config);
  for (const PartHeader& h : headers) {
    if (whole_sweep_text(h.config) != sweep_text)
      throw ConfigError("kode merge: '" + h.part.path + "' is a part of another sweep than '" +
                        first.part.path + "': their resolved configs differ (" +
                        first_difference(sweep_text, whole_sweep_text(h.config)) + ")");
    if (h.slice_count != first.slice_count)
      throw ConfigError("kode merge: '" + h.part.path +
                        "' has sweep.slice_count = " + std::to_string(h.slice_count) + " but '" +
                        first.part.path + "' has " + std::to_string(first.slice_count) +
                        " (the parts of one merge come from one slicing)");
  }

  // Every slice exactly once.
  const long long K = first.slice_count;
  if (K < 1) throw ConfigError("kode merge: '" + first.part.path + "' has slice_count < 1");
  std::vector<const PartHeader*> by_slice(static_cast<size_t>(K), nullptr);
  for (const PartHeader& h : headers) {
    const long long k = h.part.slice_index;
    if (k < 0 || k >= K)
      throw ConfigError("kode merge: '" + h.part.path + "' has slice_index = " + std::to_string(k) +
                        ", outside 0.." + std::to_string(K - 1));
    if (by_slice[static_cast<size_t>(k)])
      throw ConfigError("kode merge: duplicate slice " + std::to_string(k) + ": '" +
                        by_slice[static_cast<size_t>(k)]->part.path + "' and '" + h.part.path +
                        "'");
    by_slice[static_cast<size_t>(k)] = &h;
  }
  std::string missing;
  for (long long k = 0; k < K; ++k)
    if (!by_slice[static_cast<size_t>(k)])
      missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  if (!missing.empty())
    throw ConfigError("kode merge: missing slice" +
                      std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing +
                      " of sweep.slice_count = " + std::to_string(K) +
                      " (give one part file per slice)");

  // The whole sweep's plan, exactly as `kode sweep --output.file=OUT` makes it.
  Config config;
  config.read_text(by_slice[0]->config, "'" + by_slice[0]->part.path + "' (attribute config)");
  config.set("output.file", out, "kode merge OUT");
  config.set("sweep.slice_count", "1", "kode merge");
  config.set("sweep.slice_index", "0", "kode merge");
  SweepMergePlan merge;
  merge.plan = sweep_plan_from_config(config, models);
  const SweepPlan& plan = merge.plan;
  if (whole_sweep_text(plan.config_text) != sweep_text)
    throw ConfigError("kode merge: the config stored in '" + first.part.path +
                      "' does not resolve to itself (" +
                      first_difference(sweep_text, whole_sweep_text(plan.config_text)) +
                      "); was it written by another kode version?");
  if (K > plan.n_chunks)
    throw ConfigError("kode merge: '" + first.part.path +
                      "' has sweep.slice_count = " + std::to_string(K) +
                      ", more than the sweep's " + std::to_string(plan.n_chunks) + " chunks");

  // Each part complete and shaped as its slice must be.
  for (long long k = 0; k < K; ++k) {
    const PartHeader& h = *by_slice[static_cast<size_t>(k)];
    const long long begin = k * plan.n_chunks / K, end = (k + 1) * plan.n_chunks / K;
    const long long first_traj = plan.chunk_first(begin);
    const long long n = plan.chunk_first(end - 1) + plan.chunk_count(end - 1) - first_traj;
    if (h.part.first_traj != first_traj || h.traj_dims.size() != 1 ||
        h.traj_dims[0] != static_cast<hsize_t>(n) || h.first_index != first_traj ||
        h.chunk_done.size() != static_cast<size_t>(end - begin))
      throw ConfigError("kode merge: '" + h.part.path + "' does not hold slice " +
                        std::to_string(k) + " as expected (trajectories " +
                        std::to_string(first_traj) + ".." + std::to_string(first_traj + n - 1) +
                        " in " + std::to_string(end - begin) + " chunks)");
    for (size_t c = 0; c < h.chunk_done.size(); ++c)
      if (h.chunk_done[c] != 1)
        throw ConfigError("kode merge: '" + h.part.path + "' is incomplete: chunk " +
                          std::to_string(begin + static_cast<long long>(c)) +
                          " is not done (finish its slice with kode sweep --resume)");
    merge.parts.push_back(h.part);
    merge.n_ranks = std::max(merge.n_ranks, h.part.n_ranks);
  }
  return merge;
}

SweepTotals merge_sweep_parts(const SweepMergePlan& merge, const RunAttributes& attributes,
                              bool overwrite) {
  const SweepPlan& plan = merge.plan;
  const std::string partial = plan.output_file + ".partial";
  const long long K = static_cast<long long>(merge.parts.size());
  try {
    SweepFile out = SweepFile::create(plan, attributes, MPI_COMM_SELF);
    {
      QuietHdf5Errors quiet;
      for (long long k = 0; k < K; ++k)
        copy_part(plan, merge.parts[static_cast<size_t>(k)], k * plan.n_chunks / K,
                  (k + 1) * plan.n_chunks / K, out);
    }
    out.close();
    const SweepTotals totals = SweepFile::finalize(plan);
    publish_partial_file(partial, plan.output_file, overwrite);
    return totals;
  } catch (...) {
    std::remove(partial.c_str());  // never leave a half-merged file behind
    throw;
  }
}

}  // namespace kode
