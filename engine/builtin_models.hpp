// One function per built-in model, each defined in its own translation unit
// under engine/builtin/ so that the 7 models x 8 methods of kernels compile
// in parallel.
#pragma once

#include "engine/model_registry.hpp"

namespace kode {
namespace builtin {
ModelInfo logistic();
ModelInfo lotka_volterra();
ModelInfo spring_mass_damper();
ModelInfo damped_oscillator();
ModelInfo lorenz();
ModelInfo van_der_pol();
ModelInfo pk_two_compartment();
}  // namespace builtin
}  // namespace kode
