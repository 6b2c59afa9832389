// `kode --version`: everything needed to tell two kode builds apart in a bug
// report or a provenance record.
#include <hdf5.h>
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <sstream>

#include "kode/cli/commands.hpp"
#include "kode/config.hpp"

namespace kode::cli {

std::string kode_version_string() {
  return std::string(KODE_VERSION_STRING) + " (git " + KODE_GIT_REVISION + ")";
}

std::string version_text() {
  std::ostringstream out;
  out << "kode " << kode_version_string() << "\n";
  out << "Kokkos " << KOKKOS_VERSION / 10000 << "." << (KOKKOS_VERSION / 100) % 100 << "."
      << KOKKOS_VERSION % 100
      << ", default execution space: " << Kokkos::DefaultExecutionSpace::name() << "\n";
  // Allowed before MPI_Init (MPI-3.0, Sec. 8.1.1).
  char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int length = 0;
  std::string mpi = "unknown";
  if (MPI_Get_library_version(mpi_version, &length) == MPI_SUCCESS) {
    mpi.assign(mpi_version, static_cast<size_t>(length > 0 ? length : 0));
    const auto newline = mpi.find_first_of("\r\n");
    if (newline != std::string::npos) mpi.erase(newline);
    while (!mpi.empty() && (mpi.back() == ' ' || mpi.back() == '\0')) mpi.pop_back();
  }
  out << "MPI: " << mpi << "\n";
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
#ifdef H5_HAVE_PARALLEL
  const char* flavour = " (parallel)";
#else
  const char* flavour = "";
#endif
  out << "HDF5 " << major << "." << minor << "." << release << flavour << "\n";
  return out.str();
}

}  // namespace kode::cli
