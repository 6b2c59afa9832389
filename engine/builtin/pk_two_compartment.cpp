#include "engine/builtin_models.hpp"
#include "kernels/models/pk_two_compartment.hpp"

kode::ModelInfo kode::builtin::pk_two_compartment() { return make_model_info<models::PkTwoCompartment>(); }
