#include "kode/kernels/models/lotka_volterra.hpp"

#include "kode/engine/models/builtin_models.hpp"

kode::ModelInfo kode::builtin::lotka_volterra() {
  return make_model_info<models::LotkaVolterra>();
}
