#include "kode/kernels/models/langevin_spring_mass_damper.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::langevin_spring_mass_damper() {
  return make_model_info<models::LangevinSpringMassDamper>();
}
