// The outcome of a step's implicit solve (kernels/stiff/): the linear system
// of a Rosenbrock method or the Newton iterations of an ESDIRK method. A
// failed solve is a rejected attempt, retried with a quarter of the step
// (RosenbrockStepper); a trajectory whose solves keep failing stops with
// status implicit_solve_failed.
#pragma once

namespace kode {

enum class ImplicitSolve {
  converged,      // the step's values are valid
  singular,       // W = I - h gamma J is singular to working precision
  not_converged,  // Newton diverged, met NaN/Inf, or ran out of iterations
};

}  // namespace kode
