#include "kode/cli/runtime.hpp"

#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <stdexcept>

namespace kode::cli {

MpiRuntime::MpiRuntime() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // FUNNELED: only the main thread calls MPI; Kokkos' host threads never do.
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      throw std::runtime_error("MPI_Init_thread failed");
    owns_ = true;
  }
  // Errors come back as return codes (kode checks every call and says what
  // failed) instead of aborting inside the MPI library.
  if (MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Comm_set_errhandler(MPI_COMM_WORLD) failed");
  if (MPI_Comm_rank(MPI_COMM_WORLD, &rank_) != MPI_SUCCESS ||
      MPI_Comm_size(MPI_COMM_WORLD, &size_) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Comm_rank/MPI_Comm_size failed on MPI_COMM_WORLD");
}

MpiRuntime::~MpiRuntime() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
}

KokkosRuntime::KokkosRuntime(std::vector<std::string> kokkos_args)
    : args_(std::move(kokkos_args)) {}

void KokkosRuntime::ensure_initialized() {
  if (owns_ || Kokkos::is_initialized()) return;
  // Only the --kokkos-* arguments reach Kokkos: some versions act on others
  // (Kokkos 3.x prints its own help for --help).
  std::vector<char*> argv;
  static char program[] = "kode";
  argv.push_back(program);
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(argv.size()) - 1;
  Kokkos::initialize(argc, argv.data());
  owns_ = true;
}

KokkosRuntime::~KokkosRuntime() {
  if (owns_ && Kokkos::is_initialized()) Kokkos::finalize();
}

}  // namespace kode::cli
