#include "kernels/models/ornstein_uhlenbeck.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::ornstein_uhlenbeck() {
  return make_model_info<models::OrnsteinUhlenbeck>();
}
