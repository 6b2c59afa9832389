#include "kode/kernels/models/spring_mass_damper.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::spring_mass_damper() {
  return make_model_info<models::SpringMassDamper>();
}
