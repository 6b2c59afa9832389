#include "kernels/models/van_der_pol.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::van_der_pol() {
  return make_model_info<models::VanDerPol>();
}
