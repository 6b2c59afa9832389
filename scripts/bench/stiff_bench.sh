#!/usr/bin/env bash
# The stiff-solver benchmark of issue 13: kode's stiff methods
# (drivers/stiff_bench.cpp: rodas5p, kvaerno5 and rosenbrock23, a plain
# one-core loop)
# against SUNDIALS CVODE (scripts/bench/cvode_peer.c: BDF, dense direct
# solver, analytic Jacobian, one trajectory at a time) and Diffrax Kvaerno5
# (scripts/bench/diffrax_stiff_peer.py: jit + vmap, float64), on
#   robertson  (k1, k3) grid, k1 in [0.02, 0.08], k3 in [5e3, 2e4] (100 x 100
#              for N = 10^4), k2 = 3e7, y0 = (1, 0, 0), t in [0, 1e5],
#              rtol 1e-6, atol 1e-10;
#   vdp        van der Pol, mu = linspace(500, 1500, N), y0 = (2, 0),
#              t in [0, 3000], rtol = atol = 1e-6;
# final states only, the same scalar rtol/atol on every side. Targets
# (issue 13): CVODE time / kode time >= 1 per core, Diffrax time / kode
# time >= 20 per core.
#
#   scripts/bench/stiff_bench.sh [--n 10000] [--repeats 1] [--core 0]
#       [--build DIR] [--venv DIR] [--no-build] [--no-diffrax]
#       [--check-n 100] [--agree 0.05] [--force] [--full-ref]
#       [--problems "robertson vdp"] [--timeout 3600] [--diffrax-warmup 1]
#       [--pcoeff P --icoeff I] [--rob-rtol R] [--rob-atol A]
#       [--vdp-rtol R] [--vdp-atol A]
#
#   --build DIR   kode's CMake build directory (default $KODE_BUILD or build;
#                 configured as Release if it has no CMakeCache.txt); only the
#                 stiff_bench target is built (--no-build: use
#                 DIR/drivers/stiff_bench as it is)
#   --venv DIR    Python venv with jax and diffrax (default $KODE_VENV or
#                 build/bench/venv, made by scripts/bench/setup_peers.sh)
#   --repeats R   timed runs of every side, interleaved (rep 1: kode rodas5p,
#                 cvode, kode kvaerno5, kode rosenbrock23, diffrax on each
#                 problem; then rep 2)
#   --pcoeff/--icoeff
#                 PID coefficients for kode and Diffrax (default 0 and 1: the
#                 I controller, both sides' default; CVODE has its own rule)
#
# 1. Correctness first: every side solves the grids built for N = --check-n
#    (same grid formulas; --out writes the final states), and so does a tight
#    reference (kode rodas5p and CVODE at rtol 1e-11, atol 1e-16 / 1e-11,
#    which must agree with each other). Printed: each side's max relative
#    difference of the final states from the reference and from kode
#    rodas5p, per component, and in units of the tolerance
#    |a - b| / (atol + rtol max(|a|, |b|)). The script stops (unless --force)
#    when a side has failed trajectories or differs from the reference by
#    more than --agree (relative, default 0.05: a gross-error gate -- a
#    low-order method at rtol 1e-6 is legitimately ~1e-2 off on van der Pol,
#    whose final state follows a fast jump; the numbers are printed).
# 2. Timing: every side on the full N, pinned with taskset -c CORE, each
#    process timing only its solve (kode, CVODE: the loop over trajectories;
#    Diffrax: the compiled call + block_until_ready() after one warm-up call,
#    compile time reported apart). The first repetition also writes the
#    final states (outside the timers), compared afterwards with kode
#    rodas5p (and, with --full-ref, with a tight reference on the full grid).
# 3. The table: seconds (min and max over repetitions), us per trajectory,
#    attempted steps (kode: accepted + rejected; CVODE: CVodeGetNumSteps +
#    error test failures + convergence failures; Diffrax: num_steps),
#    accepted steps, failed trajectories, and the ratios peer time / kode time
#    (paired within each repetition; min-max over repetitions).
#
# Compiler flags: the CVODE peer is compiled with the build's own
# CMAKE_C_FLAGS + CMAKE_C_FLAGS_<BUILD_TYPE> (Release: -O3 -DNDEBUG, the
# same optimisation flags as stiff_bench's CMAKE_CXX_FLAGS_RELEASE; with
# KODE_NATIVE=ON also -march=native -ffp-contract=off, as kode's kernels);
# CFLAGS in the environment overrides. SUNDIALS itself is Debian's library
# as packaged. Both are printed in the results header.
#
# Needs: libsundials-dev (apt-get install libsundials-dev; SUNDIALS >= 6),
# the venv of setup_peers.sh for Diffrax. Results: DIR/bench/stiff_results.txt
# (table), DIR/bench/stiff/ (per-run lines, final states, log).
# Time: at N = 10^4 one repetition takes about 15-20 min on one core, nearly
# all of it Diffrax's van der Pol (two calls of several minutes each).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

n=10000 check_n=100 repeats=1 core=0 limit=3600 agree=0.05
build="${KODE_BUILD:-build}" venv="${KODE_VENV:-build/bench/venv}"
do_build=1 diffrax=1 force=0 full_ref=0 dwarm=1
problems="robertson vdp"
pcoeff=0 icoeff=1
rob_rtol=1e-6 rob_atol=1e-10 vdp_rtol=1e-6 vdp_atol=1e-6
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift ;;
    --repeats) repeats="$2"; shift ;;
    --core) core="$2"; shift ;;
    --build) build="$2"; shift ;;
    --venv) venv="$2"; shift ;;
    --no-build) do_build=0 ;;
    --no-diffrax) diffrax=0 ;;
    --check-n) check_n="$2"; shift ;;
    --agree) agree="$2"; shift ;;
    --force) force=1 ;;
    --full-ref) full_ref=1 ;;
    --problems) problems="$2"; shift ;;
    --timeout) limit="$2"; shift ;;
    --diffrax-warmup) dwarm="$2"; shift ;;
    --pcoeff) pcoeff="$2"; shift ;;
    --icoeff) icoeff="$2"; shift ;;
    --rob-rtol) rob_rtol="$2"; shift ;;
    --rob-atol) rob_atol="$2"; shift ;;
    --vdp-rtol) vdp_rtol="$2"; shift ;;
    --vdp-atol) vdp_atol="$2"; shift ;;
    -h|--help) sed -n '2,69p' "$0"; exit 0 ;;
    *) echo "stiff_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for p in $problems; do
  case "$p" in robertson|vdp) ;; *) echo "stiff_bench: unknown problem $p" >&2; exit 2 ;; esac
done

# ---- kode's driver --------------------------------------------------------
if [ "$do_build" = 1 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" --target stiff_bench >/dev/null
fi
kode_bin="$build/drivers/stiff_bench"
[ -x "$kode_bin" ] || { echo "stiff_bench: $kode_bin missing (cmake --build $build --target stiff_bench)" >&2; exit 1; }

# ---- the CVODE peer, with the build's flags ---------------------------------
if [ ! -f /usr/include/cvode/cvode.h ] || [ ! -f /usr/include/sunlinsol/sunlinsol_dense.h ]; then
  echo "stiff_bench: SUNDIALS headers missing (apt-get install libsundials-dev)" >&2
  exit 1
fi
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null | head -1; }
btype=$(cache_get CMAKE_BUILD_TYPE)
btype_uc=$(echo "${btype:-Release}" | tr '[:lower:]' '[:upper:]')
[ "$btype_uc" = RELEASE ] || echo "stiff_bench: warning: $build is a ${btype:-?} build, not Release" >&2
cxx_flags=$(echo "$(cache_get CMAKE_CXX_FLAGS) $(cache_get "CMAKE_CXX_FLAGS_$btype_uc")" | xargs)
c_flags=$(echo "$(cache_get CMAKE_C_FLAGS) $(cache_get "CMAKE_C_FLAGS_$btype_uc")" | xargs)
[ -n "$c_flags" ] || c_flags="-O3 -DNDEBUG"
[ -n "$cxx_flags" ] || cxx_flags="?"
if [ "$(cache_get KODE_NATIVE)" = ON ]; then
  c_flags="$c_flags -march=native -ffp-contract=off"
  cxx_flags="$cxx_flags -march=native -ffp-contract=off"
fi
c_flags="${CFLAGS:-$c_flags}"
cc=$(cache_get CMAKE_C_COMPILER)
cc="${CC:-${cc:-cc}}"
cxx=$(cache_get CMAKE_CXX_COMPILER)
mkdir -p "$build/bench"
cvode_bin="$build/bench/cvode_peer"
# shellcheck disable=SC2086  # the flags are words
"$cc" $c_flags scripts/bench/cvode_peer.c -o "$cvode_bin" -lsundials_cvode \
  -lsundials_sunlinsoldense -lsundials_sunmatrixdense -lsundials_nvecserial -lm

# ---- Diffrax --------------------------------------------------------------
py="$venv/bin/python"
if [ "$diffrax" = 1 ] && ! "$py" -c 'import jax, diffrax' 2>/dev/null; then
  if [ "$venv" = build/bench/venv ]; then
    scripts/bench/setup_peers.sh >/dev/null
  else
    echo "stiff_bench: $venv has no jax/diffrax (scripts/bench/setup_peers.sh)" >&2
    exit 1
  fi
fi
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# Host python for the tables (any python3; the venv's if there is no other).
host_py=$(command -v python3 || echo "$py")

work="$build/bench/stiff"
mkdir -p "$work"
out="$build/bench/stiff_results.txt"
lines="$work/lines.txt"
log="$work/log.txt"
: >"$lines"
: >"$log"
pin=(taskset -c "$core")

tols() {  # tols PROBLEM: "--rtol R --atol A"
  if [ "$1" = robertson ]; then echo "--rtol $rob_rtol --atol $rob_atol"; else echo "--rtol $vdp_rtol --atol $vdp_atol"; fi
}
ref_tols() {
  if [ "$1" = robertson ]; then echo "--rtol 1e-11 --atol 1e-16"; else echo "--rtol 1e-11 --atol 1e-11"; fi
}
pid=(--pcoeff "$pcoeff" --icoeff "$icoeff")

# side_cmd SIDE: the command of one side (without n, tolerances, --out).
side_cmd() {
  case "$1" in
    kode_rodas5p) echo "$kode_bin --method rodas5p ${pid[*]}" ;;
    kode_rosenbrock23) echo "$kode_bin --method rosenbrock23 ${pid[*]}" ;;
    kode_kvaerno5) echo "$kode_bin --method kvaerno5 ${pid[*]}" ;;
    cvode) echo "$cvode_bin" ;;
    diffrax) echo "$py scripts/bench/diffrax_stiff_peer.py --warmup $dwarm ${pid[*]}" ;;
  esac
}
sides=(kode_rodas5p cvode kode_kvaerno5 kode_rosenbrock23)
[ "$diffrax" = 1 ] && sides+=(diffrax)

# run TAG CMD...: CMD pinned to the core under the time limit; its result line
# (the last line of stdout) is echoed and appended to $lines prefixed by TAG.
run() {
  local tag="$1"; shift
  local rc=0 line
  echo "== $tag: $*" >>"$log"
  line=$(timeout "$limit" "${pin[@]}" "$@" 2>>"$log" | tail -1) || rc=$?
  if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
    echo "$tag $line" | tee -a "$lines"
  elif [ "$rc" -eq 124 ]; then
    echo "$tag status=timeout limit_s=$limit" | tee -a "$lines"
  else
    echo "$tag status=failed rc=$rc" | tee -a "$lines"
  fi
}

# compare RTOL ATOL REF FILE...: max differences of FILE's final states from REF's.
# Exit status 1 when a file has failed trajectories or differs from REF by
# more than $agree (relative); with AGREE unset, only prints.
compare() {
  "$host_py" - "$@" <<'PY'
import os, sys
rtol, atol, ref_path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
gate = os.environ.get("AGREE")
def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            v = line.split()
            rows[int(v[0])] = (int(v[1]), [float(x) for x in v[2:]])
    return rows
ref = load(ref_path)
bad = False
for path in sys.argv[4:]:
    if not os.path.exists(path):
        print(f"  {os.path.basename(path)}: missing")
        bad = True
        continue
    other = load(path)
    if other.keys() != ref.keys():
        print(f"  {os.path.basename(path)}: different trajectories from {os.path.basename(ref_path)}")
        bad = True
        continue
    worst_rel, worst_tol, at, skipped, comp = 0.0, 0.0, None, 0, None
    for k, (s0, y0) in ref.items():
        s1, y1 = other[k]
        if s0 or s1:
            skipped += 1
            continue
        comp = comp or [0.0] * len(y0)
        for i, (a, b) in enumerate(zip(y0, y1)):
            m = max(abs(a), abs(b))
            rel = abs(a - b) / m if m > 0 else 0.0
            comp[i] = max(comp[i], rel)
            worst_tol = max(worst_tol, abs(a - b) / (atol + rtol * m))
            if rel > worst_rel:
                worst_rel, at = rel, (k, i)
    print(f"  {os.path.basename(path):34s} vs {os.path.basename(ref_path):30s} "
          f"max_rel={worst_rel:.3g} (traj {at[0] if at else '-'}, comp {at[1] if at else '-'}) "
          f"per_comp_rel=[{', '.join(f'{c:.3g}' for c in (comp or []))}] "
          f"max_err/tol={worst_tol:.3g} failed_skipped={skipped}")
    if gate is not None and (skipped or worst_rel > float(gate)):
        bad = True
sys.exit(1 if bad else 0)
PY
}

problem_tol() {  # problem_tol PROBLEM: "RTOL ATOL"
  if [ "$1" = robertson ]; then echo "$rob_rtol $rob_atol"; else echo "$vdp_rtol $vdp_atol"; fi
}

{
  echo "# kode stiff benchmark (issue 13), $(date -u +%Y-%m-%dT%H:%M:%SZ), N=$n, repeats=$repeats, core $core of $(getconf _NPROCESSORS_ONLN)"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# kode: $kode_bin ($(git rev-parse --short=12 HEAD 2>/dev/null || echo ?)$(git diff --quiet HEAD 2>/dev/null || echo ' +local changes')), ${cxx:-c++} $cxx_flags ($($cxx --version 2>/dev/null | head -1))"
  echo "# cvode: $cvode_bin, $cc $c_flags; SUNDIALS $(sed -n 's/^#define SUNDIALS_VERSION "\(.*\)"/\1/p' /usr/include/sundials/sundials_config.h) (Debian libsundials-dev $(dpkg-query -W -f='${Version}' libsundials-dev 2>/dev/null || echo ?))"
  if [ "$diffrax" = 1 ]; then
    echo "# diffrax: $("$py" -c 'import jax, jaxlib, diffrax, equinox, sys; print(f"jax {jax.__version__}, jaxlib {jaxlib.__version__}, diffrax {diffrax.__version__}, equinox {equinox.__version__}, python {sys.version.split()[0]}")' 2>/dev/null), XLA_FLAGS=\"$XLA_FLAGS\""
  fi
  echo "# tolerances: robertson rtol $rob_rtol atol $rob_atol; vdp rtol $vdp_rtol atol $vdp_atol; PID pcoeff $pcoeff icoeff $icoeff (kode, Diffrax)"
} | tee "$out"

# ---- 1. correctness ----------------------------------------------------------
echo "== correctness check: the grids for N=$check_n, final states" | tee -a "$out"
check_ok=1
for p in $problems; do
  # shellcheck disable=SC2046
  run "phase=check" "$kode_bin" --problem "$p" --method rodas5p --n "$check_n" $(ref_tols "$p") \
    --out "$work/check_ref_kode_$p.txt" >>"$log"
  # shellcheck disable=SC2046
  run "phase=check" "$cvode_bin" --problem "$p" --n "$check_n" $(ref_tols "$p") \
    --out "$work/check_ref_cvode_$p.txt" >>"$log"
  files=()
  for s in "${sides[@]}"; do
    # shellcheck disable=SC2046
    run "phase=check" $(side_cmd "$s") --problem "$p" --n "$check_n" $(tols "$p") \
      --out "$work/check_${s}_$p.txt" >>"$log"
    files+=("$work/check_${s}_$p.txt")
  done
  read -r rt at < <(problem_tol "$p")
  echo "$p: reference (rodas5p and CVODE at $(ref_tols "$p")) agreement, then each side against it and against kode rodas5p:" | tee -a "$out"
  AGREE=1e-5 compare "$rt" "$at" "$work/check_ref_kode_$p.txt" "$work/check_ref_cvode_$p.txt" | tee -a "$out" || check_ok=0
  AGREE="$agree" compare "$rt" "$at" "$work/check_ref_kode_$p.txt" "${files[@]}" | tee -a "$out" || check_ok=0
  compare "$rt" "$at" "$work/check_kode_rodas5p_$p.txt" "${files[@]:1}" | tee -a "$out" || true
done
grep "phase=check" "$lines" | grep -E "status=|failed=[1-9]" >>"$log" && check_ok=0
if [ "$check_ok" = 0 ]; then
  echo "stiff_bench: correctness check FAILED (failed trajectories, a run that did not finish, or a difference above --agree $agree; see $log)" | tee -a "$out" >&2
  [ "$force" = 1 ] || exit 1
fi

# ---- 2. timing, interleaved --------------------------------------------------
echo "== timing, N=$n" | tee -a "$out"
for rep in $(seq 1 "$repeats"); do
  for p in $problems; do
    for s in "${sides[@]}"; do
      o=()
      [ "$rep" = 1 ] && o=(--out "$work/final_${s}_$p.txt")
      # shellcheck disable=SC2046
      run "phase=time rep=$rep side=$s" $(side_cmd "$s") --problem "$p" --n "$n" $(tols "$p") "${o[@]}" >>"$log"
    done
  done
done
if [ "$full_ref" = 1 ]; then
  for p in $problems; do
    # shellcheck disable=SC2046
    run "phase=ref" "$kode_bin" --problem "$p" --method rodas5p --n "$n" $(ref_tols "$p") \
      --out "$work/final_ref_$p.txt" >>"$log"
  done
fi

# ---- 3. the table --------------------------------------------------------------
{
  echo "== agreement of the timed runs' final states (N=$n)"
  for p in $problems; do
    read -r rt at < <(problem_tol "$p")
    files=()
    for s in "${sides[@]:1}"; do files+=("$work/final_${s}_$p.txt"); done
    echo "$p:"
    compare "$rt" "$at" "$work/final_kode_rodas5p_$p.txt" "${files[@]}" || true
    if [ "$full_ref" = 1 ]; then
      compare "$rt" "$at" "$work/final_ref_$p.txt" "$work/final_kode_rodas5p_$p.txt" "${files[@]}" || true
    fi
  done
  echo "== results (seconds: the timed solve only; ratios: peer time / kode time, paired per repetition)"
  "$host_py" - "$lines" <<'PY'
import sys, collections
runs = collections.defaultdict(list)  # (problem, side) -> [fields]
fails = []
for line in open(sys.argv[1]):
    w = line.split()
    kv = dict(x.split("=", 1) for x in w if "=" in x)
    if kv.get("phase") != "time":
        continue
    if "status" in kv:
        fails.append(line.strip())
        continue
    runs[(kv["problem"], kv["side"])].append(kv)
problems = sorted({p for p, _ in runs}, key=lambda p: ["robertson", "vdp"].index(p))
order = ["kode_rodas5p", "kode_kvaerno5", "kode_rosenbrock23", "cvode", "diffrax"]
hdr = f"{'problem':10s} {'solver':18s} {'n':>6s} {'reps':>4s} {'s_min':>9s} {'s_max':>9s} {'us/traj':>9s} {'steps':>10s} {'accepted':>10s} {'failed':>6s}"
print(hdr)
for p in problems:
    for s in order:
        r = runs.get((p, s))
        if not r:
            continue
        sec = [float(x["seconds"]) for x in r]
        n = int(r[0]["n"])
        extra = f"  compile_s={r[0]['compile_s']} lockstep_iters={r[0]['lockstep_iters']} cpu_util={r[0]['cpu_util']}" if s == "diffrax" else ""
        print(f"{p:10s} {s:18s} {n:6d} {len(r):4d} {min(sec):9.4g} {max(sec):9.4g} {1e6 * min(sec) / n:9.4g} "
              f"{int(r[0]['steps']):10d} {int(r[0]['accepted']):10d} {int(r[0]['failed']):6d}{extra}")
print()
print(f"{'problem':10s} {'ratio':28s} {'min(peer)/min(kode)':>20s} {'per-rep min':>12s} {'per-rep max':>12s} {'target':>7s}")
for p in problems:
    for peer, target in (("cvode", 1), ("diffrax", 20)):
        for k in ("kode_rodas5p", "kode_kvaerno5", "kode_rosenbrock23"):
            a, b = runs.get((p, peer)), runs.get((p, k))
            if not a or not b:
                continue
            pair = [float(x["seconds"]) / float(y["seconds"]) for x, y in zip(a, b)]
            best = min(float(x["seconds"]) for x in a) / min(float(y["seconds"]) for y in b)
            print(f"{p:10s} {peer + ' / ' + k:28s} {best:20.3g} {min(pair):12.3g} {max(pair):12.3g} {'>= ' + str(target):>7s}")
for f in fails:
    print("FAILED RUN:", f)
PY
} | tee -a "$out"
echo "stiff_bench: results in $out (run lines $lines, log $log)" >&2
