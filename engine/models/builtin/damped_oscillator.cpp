#include "kode/kernels/models/damped_oscillator.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::damped_oscillator() {
  return make_model_info<models::DampedOscillator>();
}
