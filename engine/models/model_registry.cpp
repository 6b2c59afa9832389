#include "kode/engine/models/model_registry.hpp"

#include "kode/engine/models/builtin_models.hpp"

namespace kode {

void ModelRegistry::add(ModelInfo info) {
  if (find(info.name)) throw std::invalid_argument("model '" + info.name + "' is registered twice");
  models_.push_back(std::move(info));
}

const ModelInfo* ModelRegistry::find(const std::string& name) const {
  for (const auto& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

ModelRegistry builtin_models() {
  ModelRegistry r;
  r.add(builtin::logistic());
  r.add(builtin::lotka_volterra());
  r.add(builtin::spring_mass_damper());
  r.add(builtin::damped_oscillator());
  r.add(builtin::lorenz());
  r.add(builtin::van_der_pol());
  r.add(builtin::pk_two_compartment());
  r.add(builtin::robertson());
  r.add(builtin::ornstein_uhlenbeck());
  r.add(builtin::geometric_brownian_motion());
  r.add(builtin::langevin_spring_mass_damper());
  r.add(builtin::stochastic_lotka_volterra());
  return r;
}

}  // namespace kode
