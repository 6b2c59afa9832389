/* kode peer benchmark for the stiff problems of issue 13: SUNDIALS CVODE
 * (Debian 12's libsundials-dev, SUNDIALS 6.x: every object takes a
 * SUNContext), one trajectory at a time on one core.
 *
 *   cvode_peer --problem robertson|vdp [--n 10000] [--rtol R] [--atol A]
 *              [--max-steps M] [--out FILE]
 *
 * Problems and grids exactly as drivers/stiff_bench.cpp:
 *   robertson: k2 = 3e7; nk1 = ceil(sqrt N) k1 values linspace(0.02, 0.08),
 *              nk3 = ceil(N / nk1) k3 values linspace(5e3, 2e4), first N points
 *              row-major (k1 slow); y0 = (1, 0, 0), t in [0, 1e5];
 *              default rtol 1e-6, atol 1e-10.
 *   vdp:       mu = linspace(500, 1500, N), y0 = (2, 0), t in [0, 3000];
 *              default rtol = atol = 1e-6.
 * Solver: CVodeCreate(CV_BDF) (variable order 1..5, Newton iteration),
 * SUNDenseMatrix + SUNLinSol_Dense, the analytic Jacobian (CVodeSetJacFn),
 * scalar tolerances (CVodeSStolerances, the same rtol/atol as kode), CVODE's
 * own initial step and Jacobian/LU reuse heuristics (defaults), at most
 * --max-steps internal steps per trajectory (default 10^6). The stop time is
 * t1 (CVodeSetStopTime, so the last step lands on t1 as kode's and Diffrax's
 * do rather than stepping past it and interpolating); the answer is y(t1).
 * One CVODE memory, vector, matrix and linear solver are created once;
 * every trajectory is CVodeReInit(t0, y0) + CVodeSetStopTime + one
 * CVode(t1, CV_NORMAL) call, its parameters handed over as user data.
 *
 * Timed (clock_gettime(CLOCK_MONOTONIC), i.e. std::chrono::steady_clock):
 * the loop over trajectories alone (ReInit, the solve, the copies of y0 in and
 * of y(t1) and the counters out); the creation of CVODE's objects, the grid,
 * the sums and --out are outside.
 *
 * Output, one line:
 *   cvode method=bdf problem=... n=... seconds=... steps=... failed=...
 *   checksum=... accepted=... err_test_fails=... conv_fails=... rhs=...
 *   jac=... lu=... us_per_traj=... rtol=... atol=... sundials=...
 * steps: attempted steps = accepted (CVodeGetNumSteps) + error test failures
 * (CVodeGetNumErrTestFails) + nonlinear convergence failures
 * (CVodeGetNumNonlinSolvConvFails), summed over trajectories -- each failure
 * is a step attempt that CVODE retried with a smaller step, as a rejected
 * step of kode; accepted is CVodeGetNumSteps alone. rhs: right-hand side
 * calls (CVodeGetNumRhsEvals), jac: Jacobian evaluations, lu: linear solver
 * setups (matrix formations + LU factorisations). failed: trajectories where
 * CVode returned an error flag (< 0). checksum: sum of all components of all
 * final states. --out FILE: one line per trajectory "index status y_1 ... y_N"
 * (status 0 success, else CVODE's negative return flag), %.17g.
 *
 * Build (scripts/bench/stiff_bench.sh does it with the Release build's flags):
 *   cc -O3 -DNDEBUG scripts/bench/cvode_peer.c -o build/bench/cvode_peer \
 *      -lsundials_cvode -lsundials_sunlinsoldense -lsundials_sunmatrixdense \
 *      -lsundials_nvecserial -lm
 */
#define _POSIX_C_SOURCE 199309L
#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_config.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <time.h>

#if SUNDIALS_VERSION_MAJOR < 6
#error "cvode_peer needs SUNDIALS >= 6 (SUNContext)"
#endif

static double linspace_at(double a, double b, long n, long i) {
  return n <= 1 ? a : a + (b - a) * (double)i / (double)(n - 1);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- Robertson: p = (k1, k2, k3) ---------------------------------------- */
static int robertson_rhs(realtype t, N_Vector yv, N_Vector fv, void* data) {
  const double* p = (const double*)data;
  const double* y = NV_DATA_S(yv);
  double* f = NV_DATA_S(fv);
  (void)t;
  const double slow = p[0] * y[0], fast = p[2] * y[1] * y[2], square = p[1] * y[1] * y[1];
  f[0] = -slow + fast;
  f[1] = slow - square - fast;
  f[2] = square;
  return 0;
}

static int robertson_jac(realtype t, N_Vector yv, N_Vector fv, SUNMatrix J, void* data, N_Vector t1,
                         N_Vector t2, N_Vector t3) {
  const double* p = (const double*)data;
  const double* y = NV_DATA_S(yv);
  (void)t, (void)fv, (void)t1, (void)t2, (void)t3;
  SM_ELEMENT_D(J, 0, 0) = -p[0];
  SM_ELEMENT_D(J, 0, 1) = p[2] * y[2];
  SM_ELEMENT_D(J, 0, 2) = p[2] * y[1];
  SM_ELEMENT_D(J, 1, 0) = p[0];
  SM_ELEMENT_D(J, 1, 1) = -2.0 * p[1] * y[1] - p[2] * y[2];
  SM_ELEMENT_D(J, 1, 2) = -p[2] * y[1];
  SM_ELEMENT_D(J, 2, 0) = 0.0;
  SM_ELEMENT_D(J, 2, 1) = 2.0 * p[1] * y[1];
  SM_ELEMENT_D(J, 2, 2) = 0.0;
  return 0;
}

/* ---- van der Pol: p = (mu) ---------------------------------------------- */
static int vdp_rhs(realtype t, N_Vector yv, N_Vector fv, void* data) {
  const double mu = *(const double*)data;
  const double* y = NV_DATA_S(yv);
  double* f = NV_DATA_S(fv);
  (void)t;
  f[0] = y[1];
  f[1] = mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
  return 0;
}

static int vdp_jac(realtype t, N_Vector yv, N_Vector fv, SUNMatrix J, void* data, N_Vector t1,
                   N_Vector t2, N_Vector t3) {
  const double mu = *(const double*)data;
  const double* y = NV_DATA_S(yv);
  (void)t, (void)fv, (void)t1, (void)t2, (void)t3;
  SM_ELEMENT_D(J, 0, 0) = 0.0;
  SM_ELEMENT_D(J, 0, 1) = 1.0;
  SM_ELEMENT_D(J, 1, 0) = -2.0 * mu * y[0] * y[1] - 1.0;
  SM_ELEMENT_D(J, 1, 1) = mu * (1.0 - y[0] * y[0]);
  return 0;
}

/* CVODE's messages on a failed trajectory: counted, not printed per call. */
static void quiet_errors(int code, const char* module, const char* function, char* msg,
                         void* data) {
  (void)code, (void)module, (void)function, (void)msg, (void)data;
}

static void usage(const char* why) {
  fprintf(stderr,
          "cvode_peer: %s\nusage: cvode_peer --problem robertson|vdp [--n N] [--rtol R] "
          "[--atol A] [--max-steps M] [--out FILE]\n",
          why);
  exit(2);
}

#define CHECK(call)                                      \
  do {                                                   \
    if ((call) < 0) {                                    \
      fprintf(stderr, "cvode_peer: %s failed\n", #call); \
      exit(1);                                           \
    }                                                    \
  } while (0)
#define CHECK_PTR(ptr)                                         \
  do {                                                         \
    if (!(ptr)) {                                              \
      fprintf(stderr, "cvode_peer: %s returned NULL\n", #ptr); \
      exit(1);                                                 \
    }                                                          \
  } while (0)

int main(int argc, char** argv) {
  const char* problem = NULL;
  const char* out = NULL;
  long n = 10000, max_steps = 1000000;
  double rel_tol = -1.0, abs_tol = -1.0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (!strcmp(a, "--problem"))
      problem = v;
    else if (!strcmp(a, "--n"))
      n = atol(v);
    else if (!strcmp(a, "--rtol"))
      rel_tol = atof(v);
    else if (!strcmp(a, "--atol"))
      abs_tol = atof(v);
    else if (!strcmp(a, "--max-steps"))
      max_steps = atol(v);
    else if (!strcmp(a, "--out"))
      out = v;
    else if (!strcmp(a, "--method")) {
      if (strcmp(v, "bdf")) usage("--method must be bdf");
    } else
      usage("unknown option");
  }
  if (!problem || (strcmp(problem, "robertson") && strcmp(problem, "vdp")))
    usage("--problem must be robertson or vdp");
  if (n < 1) usage("--n must be >= 1");
  const int rob = !strcmp(problem, "robertson");
  if (rel_tol < 0.0) rel_tol = 1e-6;
  if (abs_tol < 0.0) abs_tol = rob ? 1e-10 : 1e-6;
  const int N = rob ? 3 : 2, P = rob ? 3 : 1;
  const double t1 = rob ? 1e5 : 3000.0;

  /* The grid, as drivers/stiff_bench.cpp builds it. */
  double* params = malloc(sizeof(double) * (size_t)n * (size_t)P);
  double* y0 = malloc(sizeof(double) * (size_t)n * (size_t)N);
  double* yf = malloc(sizeof(double) * (size_t)n * (size_t)N);
  int* status = malloc(sizeof(int) * (size_t)n);
  long *nst = malloc(sizeof(long) * (size_t)n), *netf = malloc(sizeof(long) * (size_t)n),
       *ncfn = malloc(sizeof(long) * (size_t)n), *nfe = malloc(sizeof(long) * (size_t)n),
       *nje = malloc(sizeof(long) * (size_t)n), *nsetups = malloc(sizeof(long) * (size_t)n);
  if (!params || !y0 || !yf || !status || !nst || !netf || !ncfn || !nfe || !nje || !nsetups) {
    fprintf(stderr, "cvode_peer: out of memory\n");
    return 1;
  }
  if (rob) {
    const long nk1 = (long)ceil(sqrt((double)n));
    const long nk3 = (n + nk1 - 1) / nk1;
    for (long k = 0; k < n; ++k) {
      params[3 * k + 0] = linspace_at(0.02, 0.08, nk1, k / nk3);
      params[3 * k + 1] = 3e7;
      params[3 * k + 2] = linspace_at(5e3, 2e4, nk3, k % nk3);
      y0[3 * k + 0] = 1.0;
      y0[3 * k + 1] = 0.0;
      y0[3 * k + 2] = 0.0;
    }
  } else {
    for (long k = 0; k < n; ++k) {
      params[k] = linspace_at(500.0, 1500.0, n, k);
      y0[2 * k + 0] = 2.0;
      y0[2 * k + 1] = 0.0;
    }
  }

  /* CVODE's objects, once. */
  SUNContext ctx;
  CHECK(SUNContext_Create(NULL, &ctx));
  N_Vector y = N_VNew_Serial(N, ctx);
  CHECK_PTR(y);
  for (int i = 0; i < N; ++i) NV_Ith_S(y, i) = y0[i];
  void* mem = CVodeCreate(CV_BDF, ctx);
  CHECK_PTR(mem);
  CHECK(CVodeInit(mem, rob ? robertson_rhs : vdp_rhs, 0.0, y));
  CHECK(CVodeSStolerances(mem, rel_tol, abs_tol));
  SUNMatrix A = SUNDenseMatrix(N, N, ctx);
  CHECK_PTR(A);
  SUNLinearSolver LS = SUNLinSol_Dense(y, A, ctx);
  CHECK_PTR(LS);
  CHECK(CVodeSetLinearSolver(mem, LS, A));
  CHECK(CVodeSetJacFn(mem, rob ? robertson_jac : vdp_jac));
  CHECK(CVodeSetMaxNumSteps(mem, max_steps));
  CHECK(CVodeSetErrHandlerFn(mem, quiet_errors, NULL));

  const double start = now_seconds();
  for (long k = 0; k < n; ++k) {
    double* yd = NV_DATA_S(y);
    for (int i = 0; i < N; ++i) yd[i] = y0[(size_t)k * N + i];
    CVodeReInit(mem, 0.0, y);
    CVodeSetUserData(mem, params + (size_t)k * P);
    CVodeSetStopTime(mem, t1);
    realtype t = 0.0;
    const int flag = CVode(mem, t1, y, &t, CV_NORMAL);
    status[k] = flag < 0 ? flag : 0;
    yd = NV_DATA_S(y);
    for (int i = 0; i < N; ++i) yf[(size_t)k * N + i] = yd[i];
    CVodeGetNumSteps(mem, &nst[k]);
    CVodeGetNumErrTestFails(mem, &netf[k]);
    CVodeGetNumNonlinSolvConvFails(mem, &ncfn[k]);
    CVodeGetNumRhsEvals(mem, &nfe[k]);
    CVodeGetNumJacEvals(mem, &nje[k]);
    CVodeGetNumLinSolvSetups(mem, &nsetups[k]);
  }
  const double seconds = now_seconds() - start;

  double checksum = 0.0;
  long long steps = 0, accepted = 0, etf = 0, cfn = 0, rhs = 0, jac = 0, lu = 0;
  long failed = 0;
  for (long k = 0; k < n; ++k) {
    accepted += nst[k];
    etf += netf[k];
    cfn += ncfn[k];
    rhs += nfe[k];
    jac += nje[k];
    lu += nsetups[k];
    failed += status[k] != 0;
    for (int i = 0; i < N; ++i) checksum += yf[(size_t)k * N + i];
  }
  steps = accepted + etf + cfn;
  if (out) {
    FILE* f = fopen(out, "w");
    if (!f) {
      perror(out);
      return 1;
    }
    for (long k = 0; k < n; ++k) {
      fprintf(f, "%ld %d", k, status[k]);
      for (int i = 0; i < N; ++i) fprintf(f, " %.17g", yf[(size_t)k * N + i]);
      fprintf(f, "\n");
    }
    fclose(f);
  }
  printf(
      "cvode method=bdf problem=%s n=%ld seconds=%.6g steps=%lld failed=%ld checksum=%.17g "
      "accepted=%lld err_test_fails=%lld conv_fails=%lld rhs=%lld jac=%lld lu=%lld "
      "us_per_traj=%.6g rtol=%g atol=%g sundials=%s\n",
      problem, n, seconds, steps, failed, checksum, accepted, etf, cfn, rhs, jac, lu,
      1e6 * seconds / (double)n, rel_tol, abs_tol, SUNDIALS_VERSION);

  SUNLinSolFree(LS);
  SUNMatDestroy(A);
  N_VDestroy(y);
  CVodeFree(&mem);
  SUNContext_Free(&ctx);
  free(params), free(y0), free(yf), free(status);
  free(nst), free(netf), free(ncfn), free(nfe), free(nje), free(nsetups);
  return 0;
}
