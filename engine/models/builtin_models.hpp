// One function per built-in model, each defined in its own translation unit
// under engine/models/builtin/ so that the kernels of every model x method compile
// in parallel.
#pragma once

#include "kode/engine/models/model_registry.hpp"

namespace kode {
namespace builtin {
ModelInfo logistic();
ModelInfo lotka_volterra();
ModelInfo spring_mass_damper();
ModelInfo damped_oscillator();
ModelInfo lorenz();
ModelInfo van_der_pol();
ModelInfo pk_two_compartment();
ModelInfo robertson();
// SDE models
ModelInfo ornstein_uhlenbeck();
ModelInfo geometric_brownian_motion();
ModelInfo langevin_spring_mass_damper();
ModelInfo stochastic_lotka_volterra();
}  // namespace builtin
}  // namespace kode
