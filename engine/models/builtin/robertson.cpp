#include "kode/kernels/models/robertson.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::robertson() {
  return make_model_info<models::Robertson>();
}
