#include "kode/engine/batch/dense_solution.hpp"

#include <cstddef>

#include "kode/kernels/dense_output.hpp"

namespace kode {

namespace {
// Node values of one component within one step; a functor (not a lambda) so
// that it is callable from interpolate_equispaced on every backend.
struct NodeValue {
  const double* step;
  int n_state, component;
  KOKKOS_INLINE_FUNCTION double operator()(int m) const { return step[m * n_state + component]; }
};
}  // namespace

bool evaluate_dense(const double* ts, const double* ys, int n_steps, int degree, int n_state,
                    double t, double* out) {
  if (n_steps < 1) return false;
  const double a = ts[0], b = ts[n_steps];
  const double dir = b >= a ? 1.0 : -1.0;
  if (dir * (t - a) < 0 || dir * (t - b) > 0) return false;
  // Last boundary index lo with dir*(ts[lo] - t) <= 0, clamped to a real step.
  int lo = 0, hi = n_steps;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (dir * (ts[mid] - t) <= 0)
      lo = mid;
    else
      hi = mid;
  }
  const double t0 = ts[lo], dt = ts[lo + 1] - t0;
  const double theta = (t - t0) / dt;
  const double* step = ys + static_cast<std::size_t>(lo) * (degree + 1) * n_state;
  for (int i = 0; i < n_state; ++i)
    out[i] = interpolate_equispaced(degree, theta, NodeValue{step, n_state, i});
  return true;
}

bool evaluate_dense(const BatchResult& r, int traj, double t, double* out) {
  if (r.dense_degree == 0 || traj < 0 || traj >= r.n_traj) return false;
  const std::size_t cap = static_cast<std::size_t>(r.dense_capacity);
  const double* ts = r.dense_ts.data() + traj * (cap + 1);
  const double* ys =
      r.dense_ys.data() + traj * cap * static_cast<std::size_t>(r.dense_degree + 1) * r.n_state;
  return evaluate_dense(ts, ys, r.n_dense_steps[traj], r.dense_degree, r.n_state, t, out);
}

}  // namespace kode
