#include "kernels/models/logistic.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::logistic() {
  return make_model_info<models::Logistic>();
}
