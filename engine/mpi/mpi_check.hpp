// engine/mpi/ (library kode::engine): MPI calls checked, and errors agreed on
// by all ranks (the MPI layer sweeps and data-parallel training share). May
// include engine/config/ and engine/io/ for the error types only.
//
// MPI calls checked and errors agreed on by all ranks.
//
// Every MPI call's return is checked (DESIGN.md, "Reliability rules"):
// check_mpi turns a failure into an MpiError naming the call and MPI's own
// reason. (MPI's default error handler aborts instead of returning; kode's
// callers rely on the returned code only where MPI_ERRORS_RETURN is set, and
// check it everywhere so that it stays correct when it is.)
#pragma once

#include <mpi.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "kode/engine/config/config.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode {

class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check_mpi(int rc, const std::string& what) {
  if (rc == MPI_SUCCESS) return;
  char reason[MPI_MAX_ERROR_STRING] = {0};
  int length = 0;
  if (MPI_Error_string(rc, reason, &length) != MPI_SUCCESS) length = 0;
  throw MpiError("MPI: " + what + " failed: " + std::string(reason, static_cast<size_t>(length)));
}

// Runs `work` on rank 0 only and makes its outcome everyone's: if it throws,
// every rank throws the same kind of error with the same message, so that no
// rank waits forever in a collective call that rank 0 will never reach.
inline void on_rank0_for_all(MPI_Comm comm, const std::function<void()>& work) {
  int rank = 0;
  check_mpi(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  int kind = 0;  // 0 ok, 1 ConfigError, 2 Hdf5Error, 3 other
  std::string message;
  if (rank == 0) {
    try {
      work();
    } catch (const ConfigError& e) {
      kind = 1;
      message = e.what();
    } catch (const Hdf5Error& e) {
      kind = 2;
      message = e.what();
    } catch (const std::exception& e) {
      kind = 3;
      message = e.what();
    }
  }
  int header[2] = {kind, static_cast<int>(message.size())};
  check_mpi(MPI_Bcast(header, 2, MPI_INT, 0, comm), "MPI_Bcast(rank 0 outcome)");
  if (header[0] == 0) return;
  message.resize(static_cast<size_t>(header[1]));
  check_mpi(MPI_Bcast(&message[0], header[1], MPI_CHAR, 0, comm), "MPI_Bcast(rank 0 message)");
  if (header[0] == 1) throw ConfigError(message);
  if (header[0] == 2) throw Hdf5Error(message);
  throw std::runtime_error(message);
}

}  // namespace kode
