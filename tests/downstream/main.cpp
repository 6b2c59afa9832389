// The built-in models plus this project's own SIR model, with kode's full CLI.
#include "drivers/cli/cli.hpp"
#include "sir_model.hpp"

int main(int argc, char* argv[]) {
  kode::ModelRegistry models = kode::builtin_models();
  models.add(kode::make_model_info<SirModel>());
  return kode::cli::run(argc, argv, models);
}
