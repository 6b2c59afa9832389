// The built-in models plus this project's own SIR models (an ODE and an SDE
// with general noise), with kode's full CLI.
#include <kode/cli/cli.hpp>

#include "sir_model.hpp"
#include "stochastic_sir_model.hpp"

int main(int argc, char* argv[]) {
  kode::ModelRegistry models = kode::builtin_models();
  models.add(kode::make_model_info<SirModel>());
  models.add(kode::make_model_info<StochasticSirModel>());
  return kode::cli::run(argc, argv, models);
}
