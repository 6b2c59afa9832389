// One step of a device function, checked stage by stage. explicit_rk_step
// runs in a one-thread parallel_for on the default execution space (the
// harness KokkosODE's Test_ODE_RK.hpp uses), its stages, new state and error
// estimate are copied back and compared with the exact values of
// tests/unit/reference/rk_stage_reference.py (rational arithmetic, rounded
// once). The same harness is where per-step adjoint VJPs get checked.
#include <Kokkos_Core.hpp>
#include <array>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <vector>

#include "kode/kernels/explicit_rk_step.hpp"
#include "kode/kernels/models/lotka_volterra.hpp"
#include "kode/kernels/tableaus/bosh3.hpp"
#include "kode/kernels/tableaus/dopri5.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr int N = 2;

// Runs one step on the device; out holds k[0..S-1][0..N-1], y1, err.
template <class Tableau>
struct OneStepKernel {
  Kokkos::View<double*> out;
  KOKKOS_INLINE_FUNCTION void operator()(int) const {
    constexpr int S = Tableau::stages;
    const kode::models::LotkaVolterra model;
    const double p[4] = {1.5, 1.0, 3.0, 1.0};  // alpha, beta, gamma, delta
    const double y[N] = {1.0, 1.0};
    double k[S][N], y1[N], err[N];
    model.rhs(0.0, y, p, k[0]);
    kode::explicit_rk_step<Tableau>(model, p, 0.0, 0.1, y, k, y1, err);
    int n = 0;
    for (int s = 0; s < S; ++s)
      for (int i = 0; i < N; ++i) out(n++) = k[s][i];
    for (int i = 0; i < N; ++i) out(n++) = y1[i];
    for (int i = 0; i < N; ++i) out(n++) = err[i];
  }
};

template <class Tableau>
std::vector<double> one_step_on_device() {
  Kokkos::View<double*> out("kode::test::one_step", (Tableau::stages + 2) * N);
  Kokkos::parallel_for("kode::test::one_step",
                       Kokkos::RangePolicy<Kokkos::DefaultExecutionSpace>(0, 1),
                       OneStepKernel<Tableau>{out});
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
  return std::vector<double>(host.data(), host.data() + host.extent(0));
}

template <class Tableau, std::size_t S>
void check_step(const std::array<std::array<double, N>, S>& k, const std::array<double, N>& y1,
                const std::array<double, N>& err) {
  static_assert(S == Tableau::stages);
  const std::vector<double> got = one_step_on_device<Tableau>();
  int n = 0;
  for (std::size_t s = 0; s < S; ++s)
    for (int i = 0; i < N; ++i) {
      INFO(Tableau::name << " stage " << s << " component " << i);
      CHECK_THAT(got[n++], WithinRel(k[s][i], 4e-15));
    }
  for (int i = 0; i < N; ++i) {
    INFO(Tableau::name << " y1 component " << i);
    CHECK_THAT(got[n++], WithinRel(y1[i], 4e-15));
  }
  // err = h sum (b - b_embedded) k cancels to ~1e-8 of the stages: its
  // round-off is absolute, a few ulps of h |k|.
  for (int i = 0; i < N; ++i) {
    INFO(Tableau::name << " error estimate component " << i);
    CHECK_THAT(got[n++], WithinAbs(err[i], 1e-16));
  }
}

}  // namespace

TEST_CASE("one Dopri5 step on the device matches exact stage values", "[step][device]") {
  check_step<kode::Dopri5, 7>({{{0.5, -2},
                                {0.5454, -1.9104000000000001},
                                {0.56692374065600004, -1.868939490656},
                                {0.67715362804941603, -1.666330842999816},
                                {0.69735337780743101, -1.6308535559924315},
                                {0.72149942826303992, -1.5896475010438069},
                                {0.7203827808668275, -1.5920180420255072}}},
                              {1.061078281639348, 0.8210842278725673},
                              {3.6756227415482516e-08, 9.4806020142189954e-08});
}

TEST_CASE("one Bosh3 step on the device matches exact stage values", "[step][device]") {
  check_step<kode::Bosh3, 4>({{{0.5, -2},
                               {0.61499999999999999, -1.7775000000000001},
                               {0.66252403906250001, -1.6933990390625},
                               {0.72041142323137686, -1.5919566154188769}}},
                             {1.0610566239583332, 0.82104337604166666},
                             {9.0131991911230329e-06, 0.00016030170315262695});
}
