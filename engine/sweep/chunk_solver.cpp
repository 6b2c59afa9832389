#include "kode/engine/sweep/chunk_solver.hpp"

#include <limits>
#include <utility>

#include "kode/engine/batch/observation_noise.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode {

ChunkSolver::ChunkSolver(const SweepPlan& plan) : plan_(plan) {
  const std::string& method = plan.sensitivity.method;
  const std::string& solver = plan.spec.method;
  if (method != "forward") plain_ = plan.model->make_solver(solver);
  if (method == "forward") forward_ = plan.model->make_forward_solver(solver);
  if (plan.sensitivity.has_loss()) adjoint_ = plan.model->make_adjoint_solver(solver);
}

void ChunkSolver::solve(long long c, SweepChunk& out) {
  const SweepPlan& plan = plan_;
  const long long first = plan.chunk_first(c);
  const int count = plan.chunk_count(c);
  const int n_param = plan.model->n_param, n_state = plan.model->n_state;
  const int n_names = plan.design.n_names();
  std::vector<double> values(static_cast<size_t>(count) * n_names);
  plan.design.fill(first, count, values.data());
  // Design names are params.<p> (model order) then y0.<s> (sweep_plan).
  out.params.resize(static_cast<size_t>(count) * n_param);
  out.y0.resize(static_cast<size_t>(count) * n_state);
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    const double* row = values.data() + i * n_names;
    for (int j = 0; j < n_param; ++j) out.params[i * n_param + j] = row[j];
    for (int s = 0; s < n_state; ++s) out.y0[i * n_state + s] = row[n_param + s];
  }
  // SDE paths (and observation noise) are keyed by the global trajectory index.
  SolveSpec spec = plan.spec;
  spec.first_trajectory = static_cast<std::uint64_t>(first);

  const SensitivitySetup& sens = plan.sensitivity;
  out.sensitivity = SensitivityArrays{};
  out.sensitivity.method = sens.method;
  if (sens.method == "forward") {
    // The values and step counts are the plain solve's, bit for bit.
    forward_->solve(spec, out.params, out.y0, count, forward_result_);
    std::swap(out.result, forward_result_.solution);
    std::swap(out.sensitivity.dys_dparams, forward_result_.dys_dparams);
    std::swap(out.sensitivity.dys_dy0, forward_result_.dys_dy0);
  } else {
    plain_->solve(spec, out.params, out.y0, count, out.result);
  }
  if (sens.has_loss()) {
    LossSpec loss = sens.loss;
    if (loss.kind == LossKind::mse)
      loss.data = read_loss_data(sens.loss_data_file, sens.loss_dataset, first, count, spec.ts,
                                 plan.model->state_names, "loss.data");
    AdjointResult& a = adjoint_result_;
    if (sens.method == "backsolve")
      adjoint_->backsolve(spec, loss, out.params, out.y0, count, a);
    else
      adjoint_->solve(spec, loss, out.params, out.y0, count, a, sens.checkpoints);
    // A trajectory whose steps outgrew the checkpoints (or whose backward
    // solve failed) has no gradient: NaN, which keeps it out of the
    // sensitivity statistics.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int t = 0; t < count; ++t)
      if (!a.gradient_ok[static_cast<size_t>(t)]) {
        for (int q = 0; q < n_param; ++q)
          a.dloss_dparams[static_cast<size_t>(t) * n_param + q] = nan;
        for (int i = 0; i < n_state; ++i) a.dloss_dy0[static_cast<size_t>(t) * n_state + i] = nan;
      }
    std::swap(out.sensitivity.loss, a.loss);
    std::swap(out.sensitivity.dloss_dparams, a.dloss_dparams);
    std::swap(out.sensitivity.dloss_dy0, a.dloss_dy0);
  }
  out.ys_observed = plan.observation.enabled()
                        ? observe_states(plan.observation, out.result, spec.first_trajectory)
                        : std::vector<double>{};
  out.blocks = chunk_block_statistics(plan, out.result);
  out.event_blocks = plan.spec.event.enabled ? chunk_event_statistics(plan, out.result)
                                             : std::vector<EnsembleStatistics>{};
  out.sensitivity_blocks = sens.empty()
                               ? std::vector<EnsembleStatistics>{}
                               : chunk_sensitivity_statistics(plan, out.result, out.sensitivity);
}

}  // namespace kode
