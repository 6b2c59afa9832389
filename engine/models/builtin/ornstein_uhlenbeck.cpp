#include "kode/kernels/models/ornstein_uhlenbeck.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::ornstein_uhlenbeck() {
  return make_model_info<models::OrnsteinUhlenbeck>();
}
