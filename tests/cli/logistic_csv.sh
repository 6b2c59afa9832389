# `kode solve` CSV of the logistic model against the analytic solution
# n(t) = k n0 e^{rt} / (k + n0 (e^{rt} - 1)) (Verhulst 1838), to 1e-6 relative
# at rtol = 1e-10.
. "$(dirname "$0")/lib.sh"

run_kode solve --model=logistic --params.r=0.7 --params.k=10 --y0.n=0.5 \
  --time.t0=0 --time.t1=10 --save.ts='linspace(0,10,21)' \
  --solver.rtol=1e-10 --solver.atol=1e-12
expect_rc 0
[ -z "$ERR" ] || fail "unexpected stderr: $ERR"
printf '%s\n' "$OUT" >got.csv
[ "$(head -n 1 got.csv)" = "t,n" ] || fail "header is '$(head -n 1 got.csv)', expected 't,n'"
[ "$(wc -l <got.csv)" -eq 22 ] || fail "expected 21 rows after the header, got $(($(wc -l <got.csv) - 1))"

awk -F, -v r=0.7 -v k=10 -v n0=0.5 '
  NR == 1 { next }
  {
    t = $1; e = exp(r * t); exact = k * n0 * e / (k + n0 * (e - 1));
    rel = ($2 - exact) / exact; if (rel < 0) rel = -rel;
    if (rel > 1e-6) { printf "t=%s: kode %s, exact %.17g, relative error %g\n", t, $2, exact, rel; bad = 1 }
    want_t = (NR - 2) * 0.5; d = t - want_t; if (d < 0) d = -d;
    if (d > 1e-14) { printf "row %d: t=%s, expected %s\n", NR, t, want_t; bad = 1 }
  }
  END { exit bad }' got.csv || fail "CSV does not match the analytic logistic solution"

# Full precision: at least 15 significant digits in every non-trivial value.
awk -F, 'NR > 2 && length($2) < 16 { bad = 1 } END { exit bad }' got.csv ||
  fail "values are not printed at full precision"
