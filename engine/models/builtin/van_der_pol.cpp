#include "kode/kernels/models/van_der_pol.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::van_der_pol() {
  return make_model_info<models::VanDerPol>();
}
