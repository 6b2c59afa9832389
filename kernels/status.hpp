// Per-trajectory outcome codes (int8). The meanings are part of kode's
// contract (DESIGN.md) and are written into every output file.
#pragma once

#include <cstdint>

namespace kode {

enum class Status : std::int8_t {
  success = 0,
  max_steps_reached = 1,
  dt_min_reached = 2,
  nonfinite = 3,       // NaN/Inf in the state or the error estimate
  event_occurred = 4,  // terminating event; counts as success
  implicit_solve_failed = 5,
};

inline constexpr const char* status_name(Status s) {
  switch (s) {
    case Status::success: return "success";
    case Status::max_steps_reached: return "max_steps_reached";
    case Status::dt_min_reached: return "dt_min_reached";
    case Status::nonfinite: return "nonfinite";
    case Status::event_occurred: return "event_occurred";
    case Status::implicit_solve_failed: return "implicit_solve_failed";
  }
  return "unknown";
}

inline constexpr int status_count = 6;

}  // namespace kode
