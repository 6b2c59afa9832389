// Every kernel kode launches and every View it allocates carries a label that
// starts with "kode::" (DESIGN.md, "Style"), so Kokkos Tools (kernel timers,
// memory trackers) attribute them to kode. The labels are caught with the
// Kokkos Tools callbacks while batch solves of every save mode (save times,
// steps, dense output), an SDE run, forward sensitivities, an adjoint and a backsolve; ArborX tests
// its own "ArborX::" prefix the same way (test/tstKokkosToolsAnnotations.cpp).
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kode/engine/models/model_registry.hpp"

namespace {

std::set<std::string>& kernel_labels() {
  static std::set<std::string> labels;
  return labels;
}
std::set<std::string>& allocation_labels() {
  static std::set<std::string> labels;
  return labels;
}

void on_kernel(const char* name, const std::uint32_t, std::uint64_t* id) {
  kernel_labels().insert(name);
  *id = 0;
}
void on_allocation(const Kokkos_Profiling_SpaceHandle, const char* name, const void*,
                   const std::uint64_t) {
  allocation_labels().insert(name);
}

// Kokkos' own kernels (View initialisation, fills and copies inside
// deep_copy) are named "Kokkos::..."; every other label must be kode's. An
// unlabelled kode kernel would show up under its functor's type name.
bool is_kodes_or_kokkos_internal(const std::string& label) {
  return label.rfind("kode::", 0) == 0 || label.rfind("Kokkos::", 0) == 0;
}

}  // namespace

TEST_CASE("every kernel and View label starts with kode::", "[labels]") {
  namespace tools = Kokkos::Tools::Experimental;
  tools::set_begin_parallel_for_callback(on_kernel);
  tools::set_begin_parallel_reduce_callback(on_kernel);
  tools::set_begin_parallel_scan_callback(on_kernel);
  tools::set_allocate_data_callback(on_allocation);

  const kode::ModelRegistry models = kode::builtin_models();
  {
    kode::SolveSpec spec;
    spec.method = "tsit5";
    spec.t0 = 0.0;
    spec.t1 = 2.0;
    spec.ts = {0.0, 1.0, 2.0};
    spec.save_steps = true;
    spec.dense = true;
    const auto r = models.find("lotka_volterra")
                       ->solve(spec, {1.5, 1.0, 3.0, 1.0, 1.5, 1.0, 3.0, 1.0}, {1, 1, 2, 1}, 2);
    REQUIRE(r.status.size() == 2);
  }
  {
    kode::SolveSpec spec;
    spec.method = "shark";
    spec.t0 = 0.0;
    spec.t1 = 1.0;
    spec.ts = {0.5, 1.0};
    spec.control.dt0 = 0.01;
    const auto r = models.find("ornstein_uhlenbeck")->solve(spec, {1.0, 0.0, 0.3}, {1.0}, 1);
    REQUIRE(r.status.size() == 1);
  }

  {
    // Forward sensitivities and the adjoint allocate and launch their own.
    kode::SolveSpec spec;
    spec.t1 = 1.0;
    spec.ts = {0.5, 1.0};
    const kode::ModelInfo& lv = *models.find("lotka_volterra");
    kode::ForwardSensitivityResult f;
    lv.make_forward_solver("dopri5")->solve(spec, {1.5, 1.0, 3.0, 1.0}, {1, 1}, 1, f);
    kode::LossSpec loss;
    loss.weights = {1.0, 0.0};
    kode::AdjointResult a;
    const auto adjoint = lv.make_adjoint_solver("dopri5");
    adjoint->solve(spec, loss, {1.5, 1.0, 3.0, 1.0}, {1, 1}, 1, a, 8);
    adjoint->backsolve(spec, loss, {1.5, 1.0, 3.0, 1.0}, {1, 1}, 1, a);
    REQUIRE(a.gradient_ok[0] == 1);
  }

  tools::set_begin_parallel_for_callback(nullptr);
  tools::set_begin_parallel_reduce_callback(nullptr);
  tools::set_begin_parallel_scan_callback(nullptr);
  tools::set_allocate_data_callback(nullptr);

  // The solves above launched kode's kernels and allocated its Views.
  int kode_kernels = 0;
  for (const std::string& label : kernel_labels()) {
    INFO("kernel label: " << label);
    CHECK(is_kodes_or_kokkos_internal(label));
    kode_kernels += label.rfind("kode::", 0) == 0;
  }
  CHECK(kode_kernels >= 4);
  REQUIRE(!allocation_labels().empty());
  for (const std::string& label : allocation_labels()) {
    INFO("View label: " << label);
    CHECK(label.rfind("kode::", 0) == 0);
  }
}
