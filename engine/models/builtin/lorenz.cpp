#include "kode/kernels/models/lorenz.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::lorenz() {
  return make_model_info<models::Lorenz>();
}
