#include "engine/builtin_models.hpp"
#include "kernels/models/lotka_volterra.hpp"

kode::ModelInfo kode::builtin::lotka_volterra() { return make_model_info<models::LotkaVolterra>(); }
