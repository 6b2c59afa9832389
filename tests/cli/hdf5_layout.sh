# `kode solve` with [output] file: the exact dataset list of DESIGN.md's
# "Output" (plus the dimension-scale coordinates traj, state, param), the
# root attributes and their values, dimension scales, and the /steps and
# /dense groups with their shapes.
. "$(dirname "$0")/lib.sh"
need h5ls
need h5dump

write_lotka_volterra_ini lv.ini
run_kode solve lv.ini --output.file=out.h5
expect_rc 0
[ -f out.h5 ] || fail "out.h5 was not written"
[ ! -e out.h5.partial ] || fail "out.h5.partial was left behind"
[ -z "$OUT" ] || fail "solve with [output] file printed to stdout: $OUT"

expected='/ Group
/param Dataset {4}
/params Dataset {1, 4}
/state Dataset {2}
/stats Group
/stats/num_accepted Dataset {1}
/stats/num_rejected Dataset {1}
/stats/num_steps Dataset {1}
/status Dataset {1}
/traj Dataset {1}
/ts Dataset {11}
/y0 Dataset {1, 2}
/ys Dataset {1, 11, 2}'
got=$(h5ls -r out.h5 | tr -s ' ')
[ "$got" = "$expected" ] || fail "dataset list differs:
expected:
$expected
got:
$got"

# Root attributes: exactly these.
got=$(h5dump -A out.h5 | sed -n 's/^   ATTRIBUTE "\(.*\)" {/\1/p' | tr '\n' ' ')
[ "$got" = "atol config kode_version kokkos_backend model n_ranks rtol seed solver " ] ||
  fail "root attributes are '$got'"
[ "$(h5_values out.h5 /model -a)" = '"lotka_volterra"' ] || fail "model attribute"
[ "$(h5_values out.h5 /solver -a)" = '"tsit5"' ] || fail "solver attribute"
[ "$(h5_values out.h5 /rtol -a)" = "1e-08" ] || fail "rtol attribute: $(h5_values out.h5 /rtol -a)"
[ "$(h5_values out.h5 /atol -a)" = "1e-08" ] || fail "atol attribute"
[ "$(h5_values out.h5 /seed -a)" = "0" ] || fail "seed attribute"
[ "$(h5_values out.h5 /n_ranks -a)" = "1" ] || fail "n_ranks attribute"
h5_values out.h5 /kode_version -a | grep -q '^"[0-9]' || fail "kode_version attribute"
[ -n "$(h5_values out.h5 /kokkos_backend -a)" ] || fail "kokkos_backend attribute"
config=$(h5dump -a /config out.h5)
for needle in '[model]' 'name = lotka_volterra' 'ts = linspace(0,10,11)' 'rtol = 1e-08' \
  'method = tsit5' 'alpha = 1.5' 'x = 1'; do
  case "$config" in *"$needle"*) ;; *) fail "config attribute lacks '$needle'" ;; esac
done

# Names, status meanings and values.
[ "$(h5_values out.h5 /ys/state_names -a | tr '\n' ' ')" = '"x" "y" ' ] || fail "ys state_names"
[ "$(h5_values out.h5 /params/param_names -a | tr '\n' ' ')" = '"alpha" "beta" "gamma" "delta" ' ] ||
  fail "params param_names"
h5dump -a /status/meanings out.h5 | grep -q '0=success, 1=max_steps_reached, 2=dt_min_reached, 3=nonfinite' ||
  fail "status meanings"
h5dump -d /status out.h5 | grep -q 'H5T_STD_I8LE' || fail "/status is not int8"
[ "$(h5_values out.h5 /status)" = "0" ] || fail "status is not success"
[ "$(h5_values out.h5 /params | tr '\n' ' ')" = "1.5 1 3 1 " ] || fail "/params values"
[ "$(h5_values out.h5 /y0 | tr '\n' ' ')" = "1 1 " ] || fail "/y0 values"
[ "$(h5_values out.h5 /ts | wc -l)" -eq 11 ] || fail "/ts has not 11 values"

# The HDF5 file and the CSV of the same solve agree exactly.
run_kode solve lv.ini
expect_rc 0
csv_values=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f2- | tr ',' '\n' |
  awk '{ printf "%.17g\n", $1 }')
h5_ys=$(h5dump -y -w 0 -m %.17g -d /ys out.h5 |
  awk '/^ *DATA \{/ { on = 1; next } on && /^ *\}/ { exit } on { print }' |
  tr ',' '\n' | sed -e 's/^ *//' -e '/^$/d' | awk '{ printf "%.17g\n", $1 }')
[ "$csv_values" = "$h5_ys" ] || fail "/ys differs from the CSV of the same solve"

# Dimension scales, so h5py/xarray see the dimensions.
[ "$(h5_values out.h5 /ts/CLASS -a)" = '"DIMENSION_SCALE"' ] || fail "/ts is not a dimension scale"
[ "$(h5_values out.h5 /ts/NAME -a)" = '"time"' ] || fail "/ts scale name"
[ "$(h5_values out.h5 /ys/DIMENSION_LABELS -a | tr '\n' ' ')" = '"traj" "time" "state" ' ] ||
  fail "/ys dimension labels"
[ "$(h5_values out.h5 /params/DIMENSION_LABELS -a | tr '\n' ' ')" = '"traj" "param" ' ] ||
  fail "/params dimension labels"
h5dump -a /ys/DIMENSION_LIST out.h5 | grep -q '"/traj"' || fail "/ys traj scale not attached"
h5dump -a /ys/DIMENSION_LIST out.h5 | grep -q '"/ts"' || fail "/ys time scale not attached"
[ "$(h5_values out.h5 /state | tr '\n' ' ')" = '"x" "y" ' ] || fail "/state coordinate"

# save.steps and save.dense: /steps and /dense trimmed to the largest count.
run_kode solve lv.ini --save.steps=true --save.dense=true --output.file=full.h5
expect_rc 0
accepted=$(h5_values full.h5 /stats/num_accepted)
[ "$accepted" -gt 5 ] || fail "implausible number of accepted steps: $accepted"
listing=$(h5ls -r full.h5 | tr -s ' ')
for line in "/dense Group" "/dense/count Dataset {1}" "/dense/ts Dataset {1, $((accepted + 1))}" \
  "/dense/ys Dataset {1, $accepted, 5, 2}" "/steps Group" "/steps/count Dataset {1}" \
  "/steps/ts Dataset {1, $((accepted + 1))}" "/steps/ys Dataset {1, $((accepted + 1)), 2}"; do
  printf '%s\n' "$listing" | grep -qxF "$line" || fail "full.h5 lacks '$line'; listing:
$listing"
done
[ "$(h5_values full.h5 /dense/count)" = "$accepted" ] || fail "/dense/count"
[ "$(h5_values full.h5 /steps/count)" = "$((accepted + 1))" ] || fail "/steps/count"
[ "$(h5_values full.h5 /dense/degree -a)" = "4" ] || fail "/dense degree (tsit5: 4)"
[ "$(h5_values full.h5 /dense/t0 -a)" = "0" ] || fail "/dense t0"
[ "$(h5_values full.h5 /dense/t1 -a)" = "10" ] || fail "/dense t1"
[ "$(h5_values full.h5 /steps/ts | head -n 1)" = "0" ] || fail "/steps/ts starts at t0"
[ "$(h5_values full.h5 /steps/ts | tail -n 1)" = "10" ] || fail "/steps/ts ends at t1"
[ "$(h5_values full.h5 /dense/ts | tail -n 1)" = "10" ] || fail "/dense/ts ends at t1"
exit 0
