#include "engine/builtin_models.hpp"
#include "kernels/models/lorenz.hpp"

kode::ModelInfo kode::builtin::lorenz() { return make_model_info<models::Lorenz>(); }
