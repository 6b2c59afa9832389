// Process-wide runtimes the CLI owns: MPI (initialised for every command, so
// `kode` runs the same with or without mpiexec) and Kokkos (initialised only
// by the commands that compute, with the --kokkos-* arguments of the command
// line). Destruction finalises them in the right order.
#pragma once

#include <string>
#include <vector>

namespace kode::cli {

class MpiRuntime {
 public:
  MpiRuntime();
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  bool owns_ = false;
  int rank_ = 0;
  int size_ = 1;
};

class KokkosRuntime {
 public:
  // `kokkos_args`: the --kokkos-* arguments, passed to Kokkos::initialize.
  explicit KokkosRuntime(std::vector<std::string> kokkos_args);
  ~KokkosRuntime();
  KokkosRuntime(const KokkosRuntime&) = delete;
  KokkosRuntime& operator=(const KokkosRuntime&) = delete;
  void ensure_initialized();

 private:
  std::vector<std::string> args_;
  bool owns_ = false;
};

}  // namespace kode::cli
