# `kode solve` with a linearly implicit (stiff) solver: Robertson's kinetics
# with rosenbrock23 (the deck) and rodas5p (--solver.method) reaches the
# reference values at t = 40, the CSV has one row per save time; forward
# sensitivities through it reach the sensitivity equations' reference, and
# an adjoint request exits 2 naming the key, creating no file.
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
    run_kode solve "$INPUTS/robertson.ini" --sensitivity.method=adjoint --output.file=x.h5
    expect_rc 2
    expect_stderr_has "'sensitivity.method' = 'adjoint'" "rosenbrock23" "forward sensitivities only"
    [ "$(snapshot)" = "$before" ] || fail "a refused run created files" ;;
  forward_sensitivity)
    # dy3(40)/dk1 and dy1(40)/dy0_1 through rodas5p at rtol 1e-10 against the
    # sensitivity equations solved by SciPy Radau at rtol 1e-12
    # (tests/unit/reference/robertson_sensitivity_reference.py), 1e-6 relative.
    run_kode solve "$INPUTS/robertson.ini" --solver.method=rodas5p --solver.rtol=1e-10 \
      --solver.atol=1e-20 --sensitivity.method=forward --output.file=s.h5
    expect_rc 0
    need h5dump
    # [n_traj = 1, n_save = 7, n_state = 3, n_param = 3] and [.., n_state]:
    # the last 9 values are t = 40; dy3/dk1 is the 7th of them, dy1/dy0_1 the 1st.
    dy3_dk1=$(exact_values s.h5 /sensitivity/dys_dparams | tail -n 9 | sed -n 7p)
    dy1_dy01=$(exact_values s.h5 /sensitivity/dys_dy0 | tail -n 9 | sed -n 1p)
    awk -v a="$dy3_dk1" -v b="$dy1_dy01" '
      function off(x, r) { d = (x - r) / r; return d < 0 ? -d : d }
      BEGIN { exit !(off(a, 4.2475128597432503) <= 1e-6 && off(b, 0.78448449578669699) <= 1e-6) }' ||
      fail "sensitivities at t = 40: dy3/dk1 = $dy3_dk1, dy1/dy0_1 = $dy1_dy01"
    ;;
  *) fail "unknown case $CASE" ;;
esac
