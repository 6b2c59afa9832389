#include "engine/builtin_models.hpp"
#include "kernels/models/logistic.hpp"

kode::ModelInfo kode::builtin::logistic() { return make_model_info<models::Logistic>(); }
