#include "kernels/models/lorenz.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::lorenz() {
  return make_model_info<models::Lorenz>();
}
