#include "kernels/models/spring_mass_damper.hpp"

#include "engine/builtin_models.hpp"

kode::ModelInfo kode::builtin::spring_mass_damper() {
  return make_model_info<models::SpringMassDamper>();
}
