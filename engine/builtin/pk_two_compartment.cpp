#include "kernels/models/pk_two_compartment.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::pk_two_compartment() {
  return make_model_info<models::PkTwoCompartment>();
}
