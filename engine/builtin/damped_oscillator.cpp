#include "kernels/models/damped_oscillator.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::damped_oscillator() {
  return make_model_info<models::DampedOscillator>();
}
