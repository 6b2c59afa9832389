#include "engine/builtin_models.hpp"
#include "kernels/models/van_der_pol.hpp"

kode::ModelInfo kode::builtin::van_der_pol() { return make_model_info<models::VanDerPol>(); }
