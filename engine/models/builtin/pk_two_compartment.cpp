#include "kode/kernels/models/pk_two_compartment.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::pk_two_compartment() {
  return make_model_info<models::PkTwoCompartment>();
}
