# Dense output round trip: `kode interpolate` on a file written with
# save.dense = true agrees with `kode solve` at the same (off-grid) times
# given as save.ts, to 1e-12: both evaluate the same interpolant.
. "$(dirname "$0")/lib.sh"

write_lotka_volterra_ini lv.ini
times='list(0.123,1.7,2.71828,4.5678,6.02,9.99)'
for method in tsit5 dopri5 bosh3 dopri8; do
  run_kode solve lv.ini --solver.method=$method --save.dense=true --output.file=$method.h5
  expect_rc 0
  run_kode interpolate $method.h5 --ts="$times"
  expect_rc 0
  printf '%s\n' "$OUT" >interpolated.csv
  run_kode solve lv.ini --solver.method=$method --save.ts="$times"
  expect_rc 0
  printf '%s\n' "$OUT" >solved.csv
  [ "$(wc -l <solved.csv)" -eq 7 ] || fail "$method: expected 6 rows"
  compare_csv interpolated.csv solved.csv 1e-12
done

# A time outside the solved interval, and a file without dense output.
run_kode interpolate tsit5.h5 --ts='list(5,10.5)'
expect_rc 2
expect_stderr_has "t = 10.5" "outside"
[ -z "$OUT" ] || fail "interpolate printed rows before failing"
run_kode solve lv.ini --output.file=plain.h5
expect_rc 0
run_kode interpolate plain.h5 --ts=1
expect_rc 2
expect_stderr_has "no dense output"
run_kode interpolate tsit5.h5 --ts=1 --traj=3
expect_rc 2
expect_stderr_has "--traj=3"
run_kode interpolate tsit5.h5
expect_rc 2
expect_stderr_has "--ts"
exit 0
