#include "kode/kernels/models/logistic.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::logistic() {
  return make_model_info<models::Logistic>();
}
