#!/usr/bin/env bash
# Installs the kode build into a scratch prefix, builds tests/downstream
# against that installed package (find_package(kode)), and checks that the
# downstream model gets the full CLI.
# Usage: run_downstream_test.sh KODE_BUILD_DIR DOWNSTREAM_SRC WORK_DIR CXX_COMPILER [Kokkos_ROOT]
set -euo pipefail
build=$1 src=$2 work=$3 cxx=$4 kokkos_root=${5:-}

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"

extra=()
if [ -n "$kokkos_root" ]; then extra+=("-DKokkos_ROOT=$kokkos_root"); fi
# A Release configure as a user's, at -O1: the test is about the package and
# the CLI's behaviour, and -O1 compiles the full CLI for two models in less
# than half the time of -O3.
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  "${extra[@]}" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
# A user's configure is clean: no CMake warning from kode's package or from
# the Kokkos it finds (Debian's warns about CXX extensions unless told).
if grep -q "CMake Warning" "$work/configure.log"; then
  cat "$work/configure.log"
  echo "FAIL: find_package(kode) configure printed a CMake warning" >&2
  exit 1
fi
# The installed headers are namespaced and the batch layer needs only Kokkos.
[ -f "$work/prefix/include/kode/cli/cli.hpp" ] && [ -f "$work/prefix/include/kode/config.hpp" ] &&
  [ -f "$work/prefix/include/kode/engine/batch/solve_batch.hpp" ] ||
  { echo "FAIL: installed headers are not under include/kode/" >&2; exit 1; }
grep -q "kode::kode_build_options" "$work/prefix"/lib*/cmake/kode/kodeTargets.cmake &&
  { echo "FAIL: the internal kode_build_options target is exported" >&2; exit 1; }
grep -q "INTERFACE_COMPILE_FEATURES \"cxx_std_17\"" "$work/prefix"/lib*/cmake/kode/kodeTargets.cmake ||
  { echo "FAIL: exported targets lack the cxx_std_17 compile feature" >&2; exit 1; }
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }

exe="$work/build/epidemic_kode"

# kode::batch alone: nothing of MPI, HDF5 or Boost on the link line.
"$work/build/sir_batch_only" || { echo "FAIL: sir_batch_only" >&2; exit 1; }
if grep -Eq "mpi|hdf5|boost" "$work/build/CMakeFiles/sir_batch_only.dir/link.txt"; then
  echo "FAIL: a kode::batch executable links MPI, HDF5 or Boost:" >&2
  cat "$work/build/CMakeFiles/sir_batch_only.dir/link.txt" >&2
  exit 1
fi
fail() { echo "FAIL: $*" >&2; exit 1; }

"$exe" models >"$work/models.txt"
grep -q "^sir" "$work/models.txt" || fail "'sir' missing from 'models':"$'\n'"$(cat "$work/models.txt")"
grep -q "lotka_volterra" "$work/models.txt" || fail "built-in models missing from 'models'"
grep -q "^sir .*events: peak" "$work/models.txt" || fail "'models' does not list sir's event 'peak'"

# A solve of the downstream model through the CLI, by name: s + i + r must
# stay 1 (conservation) and i must first grow (R0 = beta/gamma = 3).
"$exe" solve --model.name=sir --params.beta=0.3 --params.gamma=0.1 \
  --y0.s=0.99 --y0.i=0.01 --y0.r=0 --time.t1=100 --solver.rtol=1e-10 --solver.atol=1e-12 \
  --save.ts='linspace(0,100,11)' >"$work/sir.csv"
head -1 "$work/sir.csv" | grep -qx "t,s,i,r" || fail "bad CSV header: $(head -1 "$work/sir.csv")"
python3 - "$work/sir.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 11, f"expected 11 rows, got {len(rows)}"
for r in rows:
    total = float(r["s"]) + float(r["i"]) + float(r["r"])
    assert abs(total - 1.0) < 1e-9, f"s+i+r = {total!r} at t={r['t']}"
assert float(rows[2]["i"]) > 0.01, "epidemic did not grow"
print("downstream sir: conservation ok over", len(rows), "rows")
PY

# The model's own event function: the epidemic peaks (i' = 0, terminal)
# where s = gamma / beta = 1/3; the CSV stops there.
"$exe" solve --model.name=sir --params.beta=0.3 --params.gamma=0.1 \
  --y0.s=0.99 --y0.i=0.01 --y0.r=0 --time.t1=100 --solver.rtol=1e-10 --solver.atol=1e-12 \
  --save.ts='linspace(0,100,11)' --event.name=peak --event.direction=falling \
  >"$work/peak.csv" 2>"$work/peak.txt"
grep -q "model event 'peak' (falling) at t = " "$work/peak.txt" ||
  fail "no peak reported: $(cat "$work/peak.txt")"
s_peak=$(sed -n 's/.*, s = \([^,]*\),.*/\1/p' "$work/peak.txt")
awk -v s="$s_peak" 'BEGIN { d = s - 1 / 3; exit !(d < 1e-9 && d > -1e-9) }' ||
  fail "s at the peak is $s_peak, expected 1/3"
[ "$(wc -l <"$work/peak.csv")" -lt 12 ] || fail "the CSV did not stop at the terminal event"
# The file names the event function instead of a state and a level.
"$exe" solve --model.name=sir --params.beta=0.3 --params.gamma=0.1 \
  --y0.s=0.99 --y0.i=0.01 --y0.r=0 --time.t1=100 --save.ts='linspace(0,100,11)' \
  --event.name=peak --output.file="$work/peak.h5" 2>/dev/null
h5dump -a /events/name "$work/peak.h5" | grep -q '"peak"' || fail "/events lacks name = peak"
if h5dump -a /events/state "$work/peak.h5" >/dev/null 2>&1; then
  fail "/events has a state attribute for a model event"
fi
h5dump -a /config "$work/peak.h5" | grep -q 'name = peak' || fail "/config lacks event.name"
set +e
"$exe" solve --model.name=sir --params.beta=0.3 --params.gamma=0.1 --y0.s=0.99 --y0.i=0.01 \
  --y0.r=0 --time.t1=1 --event.name=peek 2>"$work/err.txt" >/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown event name: exit $rc, expected 2"
grep -q "event.name.*did you mean 'peak'" "$work/err.txt" ||
  fail "no suggestion of 'peak' in: $(cat "$work/err.txt")"

# Bad input about the downstream model is reported like any other.
# The SDE model (general noise): s + i + r stays 1 on every path, for an Ito
# solver and for Euler-Heun (Stratonovich, through the drift conversion,
# whose derivatives of G come from dual numbers in this project's model).
for method in euler euler_heun; do
  "$exe" solve --model.name=stochastic_sir --params.beta=0.3 --params.gamma=0.1 \
    --params.sigma=0.02 --y0.s=0.99 --y0.i=0.01 --y0.r=0 --time.t1=50 --solver.method=$method \
    --solver.dt0=0.0625 --noise.seed=4 --save.ts='linspace(0,50,11)' >"$work/ssir_$method.csv"
done
python3 - "$work/ssir_euler.csv" "$work/ssir_euler_heun.csv" "$work/sir.csv" <<'PY'
import csv, sys
ito, strat, ode = ([list(map(float, r.values())) for r in csv.DictReader(open(f))] for f in sys.argv[1:])
for rows in (ito, strat):
    assert len(rows) == 11, f"expected 11 rows, got {len(rows)}"
    for t, s, i, r in rows:
        assert abs(s + i + r - 1.0) < 1e-12, f"s+i+r = {s + i + r!r} at t={t}"
# Noise matters (not the ODE path); both solvers approximate the same Ito SDE
# on the same Brownian path, so they stay close.
assert any(abs(a[2] - b[2]) > 1e-6 for a, b in zip(ito[1:6], ode[1:6])), "no noise in the SDE path"
gap = max(abs(a[k] - b[k]) for a, b in zip(ito, strat) for k in (1, 2, 3))
assert 0 < gap < 0.05, f"euler and euler_heun paths differ by {gap}"
print("downstream stochastic_sir: conservation ok on", len(ito) + len(strat), "rows")
PY

set +e
"$exe" solve --model.name=sir --params.betta=0.3 --params.gamma=0.1 --y0.s=1 --y0.i=0 --y0.r=0 \
  --time.t1=1 2>"$work/err.txt" >/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "misspelt parameter: exit $rc, expected 2"
grep -q "params.beta" "$work/err.txt" || fail "no suggestion of params.beta in: $(cat "$work/err.txt")"

# sir's rhs takes `double t`, so a stiff method cannot form df/dt by dual
# numbers: refused, naming the key and why, not a compile error.
set +e
"$exe" solve --model.name=sir --params.beta=0.3 --params.gamma=0.1 --y0.s=0.99 --y0.i=0.01 \
  --y0.r=0 --time.t1=1 --solver.method=rodas5p 2>"$work/err.txt" >/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "stiff method for a double-time rhs: exit $rc, expected 2"
grep -q "solver.method.*rodas5p.*template parameter" "$work/err.txt" ||
  fail "no reason given for refusing rodas5p: $(cat "$work/err.txt")"
echo "downstream test passed"
