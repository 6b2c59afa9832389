#include "kode/kernels/models/geometric_brownian_motion.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::geometric_brownian_motion() {
  return make_model_info<models::GeometricBrownianMotion>();
}
