# `kode solve` on SDE models: a path is a pure function of noise.seed (same
# seed, same CSV; another seed, another path), steps end exactly at save
# times, the calculus key changes the problem, and bad SDE input exits 2
# naming the key, creating no file.
#   bash sde_solve.sh /path/to/kode CASE
source "$(dirname "$0")/lib.sh" "$1"
CASE=${2:?usage: $0 /path/to/kode CASE}

gbm=(solve --model=geometric_brownian_motion --params.mu=0.5 --params.sigma=0.8 --y0.x=1
     --time.t1=1 --solver.method=milstein --solver.dt0=0.015625)
ou=(solve --model=ornstein_uhlenbeck --params.theta=1 --params.mu=0.5 --params.sigma=0.3
    --y0.x=1 --time.t1=1)

case "$CASE" in
  reproducible)
    run_kode "${gbm[@]}" --noise.seed=3
    expect_rc 0
    first=$OUT
    run_kode "${gbm[@]}" --noise.seed=3
    [ "$OUT" = "$first" ] || fail "the same seed gave another path"
    run_kode "${gbm[@]}" --noise.seed=4
    [ "$OUT" != "$first" ] || fail "another seed gave the same path"
    # Reading the diffusion as Stratonovich is another SDE (drift + sigma^2/2 x).
    run_kode "${gbm[@]}" --noise.seed=3 --noise.calculus=stratonovich
    expect_rc 0
    [ "$OUT" != "$first" ] || fail "noise.calculus = stratonovich changed nothing" ;;
  save_times)
    # dt0 = 0.1 does not divide 0.05 or 0.37: steps are cut to end there, so
    # the saved rows are the solver's own values at exactly those times.
    run_kode "${ou[@]}" --solver.method=euler --solver.dt0=0.1 --save.ts='list(0.05,0.37,1)' \
      --save.steps=true --output.file=ou.h5
    expect_rc 0
    h5dump -d /steps/ts ou.h5 >steps.txt 2>&1 || fail "no /steps/ts: $(head -5 steps.txt)"
    grep -q "0.05," steps.txt || fail "no step ended at 0.05: $(cat steps.txt)"
    grep -q "0.37," steps.txt || fail "no step ended at 0.37: $(cat steps.txt)"
    run_kode "${ou[@]}" --solver.method=euler --solver.dt0=0.1 --save.ts='list(0.05,0.37,1)'
    expect_rc 0
    [ "$(echo "$OUT" | cut -d, -f1 | tr '\n' ' ')" = "t 0.050000000000000003 0.37 1 " ] ||
      fail "CSV save times: $OUT" ;;
  adaptive)
    run_kode "${ou[@]}" --solver.method=shark --solver.dt0=0.1 --rtol=1e-4 --atol=1e-4 \
      --output.file=a.h5
    expect_rc 0
    steps=$(h5dump -d /stats/num_accepted a.h5 | awk '/\(0\): [0-9]/ { print $2; exit }')
    [ "${steps:-0}" -gt 10 ] || fail "adaptive ShARK took ${steps:-no} steps at rtol 1e-4" ;;
  bad_input)
    before=$(snapshot)
    run_kode "${ou[@]}" --solver.dt0=0.1 --save.dense=true --output.file=x.h5
    expect_rc 2
    expect_stderr_has "save.dense" "SDE"
    run_kode "${ou[@]}" --solver.dt0=0.1 --time.t0=1 --time.t1=0 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "forward in time"
    run_kode "${ou[@]}" --output.file=x.h5
    expect_rc 2
    expect_stderr_has "solver.dt0"
    run_kode "${ou[@]}" --solver.dt0=0.1 --solver.method=dopri5 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "ODE solver" "shark"
    run_kode "${gbm[@]}" --solver.method=sra1 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "needs additive noise" "diagonal noise"
    run_kode "${ou[@]}" --solver.dt0=0.1 --noise.calculus=ito2 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "noise.calculus"
    run_kode "${ou[@]}" --solver.dt0=0.1 --noise.seed=-1 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "noise.seed"
    run_kode solve --model=logistic --params.r=1 --params.k=2 --y0.n=0.5 --time.t1=1 \
      --solver.method=shark --output.file=x.h5
    expect_rc 2
    expect_stderr_has "SDE solver" "ODE model"
    [ "$(snapshot)" = "$before" ] || fail "bad input created or changed a file"
    # [noise] keys an ODE does not use: a warning, not silence.
    run_kode solve --model=logistic --params.r=1 --params.k=2 --y0.n=0.5 --time.t1=1 \
      --noise.seed=3
    expect_rc 0
    expect_stderr_has "noise.seed" ;;
  *) fail "unknown case $CASE" ;;
esac
