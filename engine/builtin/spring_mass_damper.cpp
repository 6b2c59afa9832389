#include "engine/builtin_models.hpp"
#include "kernels/models/spring_mass_damper.hpp"

kode::ModelInfo kode::builtin::spring_mass_damper() { return make_model_info<models::SpringMassDamper>(); }
