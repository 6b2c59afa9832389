// The `kode` command: the built-in models with the full CLI.
#include "kode/cli/cli.hpp"

int main(int argc, char* argv[]) {
  return kode::cli::run(argc, argv, kode::builtin_models());
}
