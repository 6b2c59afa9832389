// The datasets under /events ([event]), one definition for every writer and
// reader of them (the single-run file, the sweep file, `kode merge`):
//   /events/t      [n_traj]            the first occurrence's time (NaN: none)
//                  [n_traj, records]   with event.records > 1
//   /events/y      [n_traj, n_state] / [n_traj, records, n_state]  the state there
//   /events/count  int32 [n_traj]      every occurrence, recorded or not
// Attributes of /events: state and value (a level crossing) or name (one of
// the model's own event functions), direction, terminal, records, tol (the
// [event] section as resolved).
#pragma once

#include <hdf5.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kode/engine/batch/batch_result.hpp"
#include "kode/engine/io/hdf5_writer.hpp"
#include "kode/kernels/events/event_spec.hpp"

namespace kode {

// Which BatchResult rows a dataset holds: event_t, event_y or event_count.
enum class EventField { time, state, count };

struct EventDataset {
  const char* name;
  EventField field;
  hid_t type;                     // H5T_NATIVE_DOUBLE for time and state, H5T_NATIVE_INT for count
  std::vector<hsize_t> row_dims;  // the dimensions after the trajectory's
  std::vector<const char*> dim_names;  // their scales: occurrence, state
  hsize_t row_size() const {
    hsize_t n = 1;
    for (hsize_t d : row_dims) n *= d;
    return n;
  }
};

inline std::vector<EventDataset> event_datasets(int records, hsize_t n_state) {
  if (records == 1)
    return {{"t", EventField::time, H5T_NATIVE_DOUBLE, {}, {}},
            {"y", EventField::state, H5T_NATIVE_DOUBLE, {n_state}, {"state"}},
            {"count", EventField::count, H5T_NATIVE_INT, {}, {}}};
  const hsize_t r = static_cast<hsize_t>(records);
  return {{"t", EventField::time, H5T_NATIVE_DOUBLE, {r}, {"occurrence"}},
          {"y", EventField::state, H5T_NATIVE_DOUBLE, {r, n_state}, {"occurrence", "state"}},
          {"count", EventField::count, H5T_NATIVE_INT, {}, {}}};
}

// The rows of a time or state dataset in a result (count: r.event_count).
inline std::vector<double>& event_values(BatchResult& r, const EventDataset& d) {
  return d.field == EventField::time ? r.event_t : r.event_y;
}
inline const std::vector<double>& event_values(const BatchResult& r, const EventDataset& d) {
  return d.field == EventField::time ? r.event_t : r.event_y;
}

// Creates /events under `root` with its attributes and (for records > 1)
// the occurrence dimension; returns the group and that dimension (an
// invalid handle with one record).
inline std::pair<hdf5::Handle, hdf5::Handle> create_event_group(
    hdf5::ResultWriter& w, hid_t root, const EventSpec& e,
    const std::vector<std::string>& state_names, const std::vector<std::string>& event_names) {
  hdf5::Handle group = w.group(root, "events");
  if (e.model_event >= 0) {
    w.string_attribute(group.get(), "name", event_names.at(e.model_event));
  } else {
    w.string_attribute(group.get(), "state", state_names.at(e.state));
    w.scalar_attribute(group.get(), "value", H5T_NATIVE_DOUBLE, e.value);
  }
  w.string_attribute(group.get(), "direction", event_direction_name(e.direction));
  w.scalar_attribute(group.get(), "terminal", H5T_NATIVE_INT8,
                     static_cast<signed char>(e.terminal ? 1 : 0));
  w.scalar_attribute(group.get(), "records", H5T_NATIVE_INT, e.max_records);
  w.scalar_attribute(group.get(), "tol", H5T_NATIVE_DOUBLE, e.time_tol);
  hdf5::Handle occurrence;
  if (e.max_records > 1)
    occurrence = w.netcdf_dimension(group.get(), "occurrence", static_cast<hsize_t>(e.max_records));
  return {std::move(group), std::move(occurrence)};
}

// What the event watches, in words: "x crossing 2 (falling)" or "model event
// 'impact' (falling)".
inline std::string event_description(const EventSpec& e,
                                     const std::vector<std::string>& state_names,
                                     const std::vector<std::string>& event_names) {
  const std::string direction = std::string(" (") + event_direction_name(e.direction) + ")";
  if (e.model_event >= 0) return "model event '" + event_names.at(e.model_event) + "'" + direction;
  std::ostringstream level;
  level.precision(17);
  level << e.value;
  return state_names.at(e.state) + " crossing " + level.str() + direction;
}

}  // namespace kode
