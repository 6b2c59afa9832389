# `kode solve` with a linearly implicit (stiff) solver: Robertson's kinetics
# with rosenbrock23 (the deck) and rodas5p (--solver.method) reaches the
# reference values at t = 40, the CSV has one row per save time, and a
# sensitivity request with a stiff solver exits 2 naming the key, creating
# no file.
#   bash stiff_solve.sh /path/to/kode CASE
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/ directory" >&2; exit 1; }
source "$(dirname "$0")/lib.sh" "$1"
CASE=${2:?usage: $0 /path/to/kode CASE}

case "$CASE" in
  robertson | robertson_rodas5p | robertson_kvaerno5)
    if [ "$CASE" = robertson ]; then
      run_kode solve "$INPUTS/robertson.ini"
    else
      run_kode solve "$INPUTS/robertson.ini" --solver.method="${CASE#robertson_}"
    fi
    expect_rc 0
    rows=$(printf '%s\n' "$OUT" | wc -l)
    [ "$rows" -eq 8 ] || fail "expected a header and 7 rows, got $rows: $OUT"
    # The reference at t = 40 (SciPy Radau, rtol 1e-13; see
    # tests/unit/test_rosenbrock.cpp), within 1e-6 relative per component.
    printf '%s\n' "$OUT" | tail -n 1 | awk -F, '
      function off(x, r) { d = (x - r) / r; return d < 0 ? -d : d }
      { if ($1 != 40 || off($2, 0.7158270687194046) > 1e-6 ||
            off($3, 9.185534764557796e-06) > 1e-6 || off($4, 0.2841637457458288) > 1e-6) {
          print "FAIL: Robertson at t = 40: " $0 > "/dev/stderr"; exit 1 } }' ||
      fail "Robertson values" ;;
  van_der_pol)
    # inputs/van_der_pol_stiff.ini: mu = 1000 to t = 3000 with rodas5p at
    # rtol 1e-8; the last row against SciPy 1.x Radau at rtol 1e-13 (see
    # tests/unit/test_rosenbrock.cpp), within 1e-6 relative.
    run_kode solve "$INPUTS/van_der_pol_stiff.ini"
    expect_rc 0
    rows=$(printf '%s\n' "$OUT" | wc -l)
    [ "$rows" -eq 32 ] || fail "expected a header and 31 rows, got $rows"
    printf '%s\n' "$OUT" | tail -n 1 | awk -F, '
      function off(x, r) { d = (x - r) / r; return d < 0 ? -d : d }
      { if ($1 != 3000 || off($2, -1.5106069367458292) > 1e-6 || off($3, 1.1783800007274820e-03) > 1e-6) {
          print "FAIL: van der Pol at t = 3000: " $0 > "/dev/stderr"; exit 1 } }' ||
      fail "van der Pol values" ;;
  sensitivity_refused)
    before=$(snapshot)
    run_kode solve "$INPUTS/robertson.ini" --sensitivity.method=forward --output.file=x.h5
    expect_rc 2
    expect_stderr_has "sensitivity.method" "rosenbrock23" "explicit method"
    [ "$(snapshot)" = "$before" ] || fail "a refused run created files" ;;
  *) fail "unknown case $CASE" ;;
esac
