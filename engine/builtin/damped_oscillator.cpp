#include "engine/builtin_models.hpp"
#include "kernels/models/damped_oscillator.hpp"

kode::ModelInfo kode::builtin::damped_oscillator() { return make_model_info<models::DampedOscillator>(); }
