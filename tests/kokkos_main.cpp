// Catch2 main for kode's tests: Kokkos is initialised once for the process
// (it cannot be re-initialised after finalize).
#include <Kokkos_Core.hpp>
#include <catch2/catch_session.hpp>

int main(int argc, char* argv[]) {
  Kokkos::initialize(argc, argv);
  int result = Catch::Session().run(argc, argv);
  Kokkos::finalize();
  return result;
}
