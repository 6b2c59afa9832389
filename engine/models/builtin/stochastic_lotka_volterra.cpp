#include "kode/kernels/models/stochastic_lotka_volterra.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::stochastic_lotka_volterra() {
  return make_model_info<models::StochasticLotkaVolterra>();
}
