// What an event is: a state crossing a level, g(t, y) = y[state] - value, or
// one of the model's own event functions g(t, y) = model.event(k, t, y, p)
// (model_concept.hpp); an event occurs where g changes sign in the
// chosen direction (rising: from below the value to at or above it;
// falling: from above to at or below; either). A terminal event ends the
// trajectory there (status event_occurred, which counts as success); a
// non-terminal one is recorded and the solve goes on.
//
// The config's [event] section fills it (engine/config/); the kernels read
// it by value.
#pragma once

#include <cstdint>

namespace kode {

enum class EventDirection : std::int8_t { either = 0, rising = 1, falling = -1 };

// The config's word for a direction.
inline constexpr const char* event_direction_name(EventDirection d) {
  return d == EventDirection::rising    ? "rising"
         : d == EventDirection::falling ? "falling"
                                        : "either";
}

struct EventSpec {
  bool enabled = false;
  int state = 0;         // index of the state whose level is watched
  double value = 0.0;    // the level
  int model_event = -1;  // >= 0: the model's event function k instead of the level
  EventDirection direction = EventDirection::either;
  bool terminal = true;
  int max_records = 1;  // occurrences recorded per trajectory (the first ones)
  // Absolute tolerance on the event time; 0 locates it to rounding on the
  // step's interpolant.
  double time_tol = 0.0;
};

}  // namespace kode
