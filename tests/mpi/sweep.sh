# `kode sweep` under mpiexec: the file is identical bit for bit (h5diff,
# every dataset) whatever the rank count, chunk size, schedule, and after a
# stop on a signal or a kill -9 followed by --resume; its layout is
# DESIGN.md's; bad input exits 2 and changes nothing.
#   bash sweep.sh /path/to/kode /path/to/mpiexec CASE
KODE_BIN=$1
MPIEXEC=${2:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
CASE=${3:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
# shellcheck source=../cli/lib.sh
source "$(dirname "$0")/../cli/lib.sh" "$KODE_BIN"
need h5diff
need h5ls
need h5dump

# 64 x 128 = 8192 damped oscillators: 8 chunks of 1024.
cat >sweep.ini <<'INI'
[model]
name = damped_oscillator
[params]
zeta = linspace(0.05, 0.95, 64)
omega = logspace(-0.3, 0.7, 128)
[y0]
x = 1
v = uniform(-0.5, 0.5)
[time]
t1 = 10
[solver]
method = tsit5
rtol = 1e-6
atol = 1e-8
[save]
ts = linspace(0, 10, 21)
[sweep]
design = random
samples = 1
seed = 42
chunk = 1024
[output]
file = out.h5
INI

# interrupt SIGNAL SECONDS [N]: the sweep (slowed down to 0.5 s per chunk,
# test-only KODE_TEST_CHUNK_DELAY_MS) on one rank without mpiexec, or on N
# ranks with the signal sent to mpiexec (which forwards SIGUSR1 to every
# rank), SIGNAL SECONDS after out.h5.partial appeared; its exit status in $RC, stderr in err.txt.
interrupt() {
  local signal=$1 seconds=$2 n=${3:-}
  if [ -n "$n" ]; then
    KODE_TEST_CHUNK_DELAY_MS=500 "$MPIEXEC" --allow-run-as-root --oversubscribe -n "$n" \
      "$KODE" sweep sweep.ini >/dev/null 2>err.txt &
  else
    KODE_TEST_CHUNK_DELAY_MS=500 "$KODE" sweep sweep.ini --quiet >/dev/null 2>err.txt &
  fi
  local pid=$! waited=0
  # The signal handlers are in place before the file is created.
  while [ ! -e out.h5.partial ] && [ $waited -lt 300 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  sleep "$seconds"
  kill "-$signal" $pid
  wait $pid 2>/dev/null
  RC=$?
}

# Some chunks marked done and some not, and no complete file.
expect_partial() {
  [ -f out.h5.partial ] && [ ! -e out.h5 ] || fail "expected only out.h5.partial"
  local marks
  marks=$(h5_values out.h5.partial /sweep/chunk_done | tr -d '\n')
  case "$marks" in *1*0* | *0*1*) ;; *) fail "expected some chunks done and some not: $marks" ;; esac
}

reference() {  # out_ref.h5: 1 rank, static, default chunk
  mpi 1 sweep sweep.ini --output.file=ref.h5 --quiet
  expect_rc 0
  [ -f ref.h5 ] && [ ! -e ref.h5.partial ] || fail "reference run left no complete file"
}

# slices K: part_k.h5 = slice k of K, alternately on 1 rank (static) and 2
# ranks (dynamic).
slices() {
  local k
  for ((k = 0; k < $1; k++)); do
    if ((k % 2 == 0)); then
      mpi 1 sweep sweep.ini --output.file=part_$k.h5 --sweep.slice_index=$k --sweep.slice_count=$1 --quiet
    else
      mpi 2 sweep sweep.ini --output.file=part_$k.h5 --sweep.slice_index=$k --sweep.slice_count=$1 \
        --sweep.schedule=dynamic --quiet
    fi
    expect_rc 0
    [ -f part_$k.h5 ] || fail "slice $k wrote no part_$k.h5"
  done
}

case "$CASE" in
  ranks_and_chunks)
    reference
    mpi 2 sweep sweep.ini --output.file=r2.h5 --quiet
    expect_rc 0
    same_data ref.h5 r2.h5
    mpi 2 sweep sweep.ini --output.file=r2c.h5 --sweep.chunk=3072 --quiet
    expect_rc 0
    same_data ref.h5 r2c.h5 /sweep/chunk_done
    mpi 1 sweep sweep.ini --output.file=whole.h5 --sweep.chunk=1000000 --quiet
    expect_rc 0
    same_data ref.h5 whole.h5 /sweep/chunk_done
    [ "$(h5_values r2.h5 /n_ranks -a)" = 2 ] || fail "n_ranks attribute is not 2" ;;
  dynamic_schedule)
    reference
    mpi 2 sweep sweep.ini --output.file=dyn.h5 --sweep.schedule=dynamic --quiet
    expect_rc 0
    same_data ref.h5 dyn.h5 ;;
  layout)
    mpi 2 sweep sweep.ini
    expect_rc 0
    expect_stderr_has "8192 trajectories of damped_oscillator" "out.h5" "8192/8192"
    want="/ensemble/max
/ensemble/mean
/ensemble/min
/ensemble/var
/param
/params
/state
/stats/num_accepted
/stats/num_rejected
/stats/num_steps
/status
/sweep/block_count
/sweep/block_m2
/sweep/block_max
/sweep/block_mean
/sweep/block_min
/sweep/chunk_done
/traj
/ts
/y0
/ys"
    [ "$(datasets out.h5 | sort)" = "$want" ] || fail "datasets: $(datasets out.h5 | sort)"
    h5ls out.h5/ys | grep -q '{8192, 21, 2}' || fail "/ys shape: $(h5ls out.h5/ys)"
    h5ls out.h5/params | grep -q '{8192, 2}' || fail "/params shape"
    h5ls out.h5/ensemble/mean | grep -q '{21, 2}' || fail "/ensemble/mean shape"
    [ "$(h5_values out.h5 /seed -a)" = 42 ] || fail "seed attribute"
    [ "$(h5_values out.h5 /n_ranks -a)" = 2 ] || fail "n_ranks attribute"
    h5_values out.h5 /model -a | grep -q damped_oscillator || fail "model attribute"
    h5_values out.h5 /config -a | grep -q 'chunk = 1024' || fail "config attribute"
    [ "$(h5_values out.h5 /sweep/chunk_done | sort -u)" = 1 ] || fail "chunks not all marked"
    h5dump -A out.h5 | grep -q 'DIMENSION_LIST' || fail "no dimension scales"
    [ "$(h5_values out.h5 /traj | tail -n 1)" = 8191 ] || fail "/traj"
    # The ensemble is over the successful trajectories: all of them here.
    [ "$(h5_values out.h5 /ensemble/count -a)" = 8192 ] || fail "ensemble count"
    # Every trajectory starts at x = 1.
    [ "$(h5_values out.h5 /ensemble/mean | head -n 1)" = 1 ] || fail "ensemble mean of x at t0" ;;
  save_final)
    mpi 2 sweep sweep.ini --output.save=final --quiet
    expect_rc 0
    h5ls out.h5/ys | grep -q '{8192, 1, 2}' || fail "/ys shape: $(h5ls out.h5/ys)"
    [ "$(h5_values out.h5 /ts)" = 10 ] || fail "/ts is not [t1]"
    # The final states equal the last save time of a full run.
    mpi 1 sweep sweep.ini --output.file=full.h5 --quiet
    expect_rc 0
    h5dump -y -w 0 -m '%.17g' -d /ys -s 0,20,0 -c 8192,1,2 -o a.txt full.h5 >/dev/null
    h5dump -y -w 0 -m '%.17g' -d /ys -o b.txt out.h5 >/dev/null
    [ -s a.txt ] && cmp -s <(tr -s ' \n,' '\n' <a.txt) <(tr -s ' \n,' '\n' <b.txt) ||
      fail "final states differ from the last save time" ;;
  save_statistics)
    mpi 2 sweep sweep.ini --output.save=statistics --quiet
    expect_rc 0
    h5ls out.h5 | grep -q '^ys ' && fail "/ys stored with save = statistics"
    mpi 1 sweep sweep.ini --output.file=full.h5 --quiet
    expect_rc 0
    for ds in /ensemble/mean /ensemble/var /ensemble/min /ensemble/max /status /params; do
      h5diff out.h5 full.h5 $ds $ds >/dev/null || fail "$ds differs from a save = trajectories run"
    done ;;
  existing_output)
    echo "precious" >out.h5
    before=$(snapshot)
    mpi 2 sweep sweep.ini
    expect_rc 2
    expect_stderr_has "out.h5" "already exists" "--overwrite"
    [ "$(snapshot)" = "$before" ] || fail "files changed"
    mpi 2 sweep sweep.ini --overwrite --quiet
    expect_rc 0
    h5ls out.h5/ys >/dev/null || fail "--overwrite did not write the file" ;;
  partial_without_resume)
    interrupt TERM 1
    [ $RC -eq 75 ] || fail "SIGTERM did not exit 75: $(cat err.txt)"
    before=$(snapshot)
    mpi 1 sweep sweep.ini
    expect_rc 2
    expect_stderr_has "out.h5.partial" "--resume"
    [ "$(snapshot)" = "$before" ] || fail "files changed" ;;
  check_sweep)
    before=$(snapshot)
    run_kode check sweep.ini
    expect_rc 0
    expect_stdout_has "ok: sweep of model damped_oscillator" "8192 trajectories" "8 chunks of 1024" \
      "8192 grid points x 1 sample x 1 path," "21 save times"
    [ "$(snapshot)" = "$before" ] || fail "kode check wrote something" ;;
  bad_input)
    before=$(snapshot)
    mpi 2 sweep sweep.ini --sweep.chunk=0
    expect_rc 2
    expect_stderr_has "sweep.chunk" ">= 1"
    mpi 2 sweep sweep.ini --sweep.schedule=guided
    expect_rc 2
    expect_stderr_has "sweep.schedule" "guided"
    mpi 1 sweep sweep.ini --save.dense=true
    expect_rc 2
    expect_stderr_has "save.dense"
    mpi 2 sweep sweep.ini --params.omega='linspace(1,2)'
    expect_rc 2
    expect_stderr_has "params.omega"
    mpi 2 sweep sweep.ini --params.omgea=3
    expect_rc 2
    expect_stderr_has "params.omgea" "params.omega"
    mpi 1 sweep sweep.ini --sweep.chunks=3
    expect_rc 2
    expect_stderr_has "sweep.chunks" "sweep.chunk"
    grep -v '^file' sweep.ini >nofile.ini
    before=$(snapshot)
    mpi 1 sweep nofile.ini
    expect_rc 2
    expect_stderr_has "output.file"
    [ "$(snapshot)" = "$before" ] || fail "files changed" ;;
  chunk_rounded)
    # Any positive chunk is accepted: rounded up to whole statistics blocks,
    # said so by kode check and on the run's first line, and the file is the
    # one of the rounded chunk, bit for bit.
    reference
    run_kode check sweep.ini --sweep.chunk=1000
    expect_rc 0
    expect_stdout_has "8 chunks of 1024" "sweep.chunk = 1000 rounded up to 1024"
    mpi 2 sweep sweep.ini --sweep.chunk=1000 --output.file=c1000.h5
    expect_rc 0
    [ "$(printf '%s\n' "$ERR" | head -n 1)" = "kode sweep: note: sweep.chunk = 1000 rounded up to 1024, a multiple of the statistics block of 1024 trajectories (which keeps /ensemble bit-identical whatever the chunk)" ] ||
      fail "first line is not the rounding note: $ERR"
    same_data ref.h5 c1000.h5
    [ "$(h5_values c1000.h5 /sweep/chunk -a)" = 1024 ] || fail "chunk attribute is not 1024"
    # A chunk of 1 is a block of 1024 too; one that covers the sweep stays whole.
    run_kode check sweep.ini --sweep.chunk=1
    expect_stdout_has "8 chunks of 1024" "sweep.chunk = 1 rounded up to 1024"
    run_kode check sweep.ini --sweep.chunk=9000
    expect_stdout_has "1 chunk of 8192"
    case "$OUT" in *"rounded up"*) fail "a whole-sweep chunk was reported as rounded: $OUT" ;; esac ;;
  output_size)
    # kode check prints the planned size; a sweep whose file cannot fit in
    # the free space is refused before anything is created (exit 2, both
    # sizes named), and --no-space-check lets the user override the check.
    run_kode check sweep.ini
    expect_rc 0
    # 8192 x 21 x 2 doubles of /ys alone are 2.75 MB.
    expect_stdout_has "planned output size: 3." "free in that directory"
    before=$(snapshot)
    for n in 1000000000000 100000000; do
      run_kode check sweep.ini --sweep.samples=$n
      expect_rc 2
      expect_stderr_has "out.h5" "would need" "are free in" "--no-space-check"
      mpi 1 sweep sweep.ini --sweep.samples=$n
      expect_rc 2
      expect_stderr_has "would need" "are free in" "--no-space-check"
      [ "$(snapshot)" = "$before" ] || fail "a refused sweep created or changed files"
    done
    run_kode check sweep.ini --sweep.samples=1000000000000 --no-space-check
    expect_rc 0
    expect_stdout_has "8192000000000000 trajectories" "planned output size: 3.2 EB" ;;
  huge_without_space_check)
    # Past the space check, a file the file system cannot hold fails with a
    # message and an exit status, never a crash, and leaves no file behind.
    mpi 1 sweep sweep.ini --sweep.samples=1000000000000 --no-space-check --quiet
    case "$RC" in 2 | 74) ;; *) fail "exit $RC (expected 2 or 74); stderr: $ERR" ;; esac
    expect_stderr_has "kode: "
    [ ! -e out.h5 ] && [ ! -e out.h5.partial ] || fail "a failed creation left a file behind" ;;
  resume_mismatch)
    interrupt USR1 1
    [ $RC -eq 75 ] || fail "SIGUSR1 did not exit 75: $(cat err.txt)"
    before=$(snapshot)
    mpi 2 sweep sweep.ini --solver.rtol=1e-7 --resume
    expect_rc 2
    expect_stderr_has "another configuration" "rtol = 1e-06" "rtol = 1e-07"
    [ "$(snapshot)" = "$before" ] || fail "files changed"
    rm -f out.h5.partial
    mpi 1 sweep sweep.ini --resume
    expect_rc 2
    expect_stderr_has "nothing to resume" ;;
  signal_then_resume)
    reference
    interrupt USR1 1 2
    [ $RC -eq 75 ] || fail "expected exit 75 after SIGUSR1, got $RC: $(cat err.txt)"
    grep -q -- "--resume" err.txt || fail "no --resume hint: $(cat err.txt)"
    expect_partial
    mpi 2 sweep sweep.ini --resume --quiet
    expect_rc 0
    [ -f out.h5 ] && [ ! -e out.h5.partial ] || fail "resume left no complete file"
    same_data ref.h5 out.h5 ;;
  sigterm_single_rank)
    reference
    interrupt TERM 1
    [ $RC -eq 75 ] || fail "SIGTERM did not exit 75: $(cat err.txt)"
    mpi 1 sweep sweep.ini --resume --quiet
    expect_rc 0
    same_data ref.h5 out.h5 ;;
  kill9_then_resume)
    reference
    interrupt KILL 1.5
    expect_partial
    mpi 2 sweep sweep.ini --resume --quiet
    expect_rc 0
    same_data ref.h5 out.h5 ;;
  slices_merge)
    # 8 chunks in 3 slices: chunks 0-1, 2-4, 5-7, on 1 or 2 ranks, either
    # schedule; merged in any order, the file equals one run's.
    reference
    slices 3
    run_kode merge merged.h5 part_2.h5 part_0.h5 part_1.h5
    expect_rc 0
    expect_stderr_has "3 parts" "8192 trajectories" "merged.h5"
    [ -f merged.h5 ] && [ ! -e merged.h5.partial ] || fail "merge left no complete file"
    same_data ref.h5 merged.h5
    # A part holds its slice only, with global indices.
    h5ls part_1.h5/ys | grep -q '{3072, 21, 2}' || fail "part_1 /ys shape: $(h5ls part_1.h5/ys)"
    [ "$(h5_values part_1.h5 /traj | head -n 1)" = 2048 ] || fail "part_1 /traj does not start at 2048"
    [ "$(h5_values part_1.h5 /first_traj -a)" = 2048 ] || fail "part_1 first_traj attribute"
    h5_values merged.h5 /config -a | grep -q 'slice_' && fail "merged config keeps the slice keys"
    h5_values merged.h5 /config -a | grep -q 'file = merged.h5' || fail "merged config file"
    # save = statistics: no /ys in the parts, the same /ensemble.
    mpi 1 sweep sweep.ini --output.file=sref.h5 --output.save=statistics --quiet
    expect_rc 0
    for k in 0 1; do
      mpi 2 sweep sweep.ini --output.file=s_$k.h5 --output.save=statistics \
        --sweep.slice_index=$k --sweep.slice_count=2 --quiet
      expect_rc 0
    done
    run_kode merge smerged.h5 s_0.h5 s_1.h5 --quiet
    expect_rc 0
    same_data sref.h5 smerged.h5 ;;
  merge_errors)
    slices 3
    mpi 1 sweep sweep.ini --output.file=other_1.h5 --solver.rtol=1e-7 --sweep.slice_index=1 \
      --sweep.slice_count=3 --quiet
    expect_rc 0
    before=$(snapshot)
    run_kode merge out.h5 part_0.h5 part_2.h5
    expect_rc 2
    expect_stderr_has "missing slice 1" "slice_count = 3"
    run_kode merge out.h5 part_0.h5 part_1.h5 part_1.h5 part_2.h5
    expect_rc 2
    expect_stderr_has "duplicate slice 1" "part_1.h5"
    run_kode merge out.h5 part_0.h5 other_1.h5 part_2.h5
    expect_rc 2
    expect_stderr_has "other_1.h5" "another sweep" "rtol"
    cp part_1.h5 part_1.h5.partial
    before=$(snapshot)
    run_kode merge out.h5 part_0.h5 part_1.h5.partial part_2.h5
    expect_rc 2
    expect_stderr_has "part_1.h5.partial" "--resume"
    run_kode merge out.h5 part_0.h5 nonexistent.h5 part_2.h5
    expect_rc 2
    expect_stderr_has "nonexistent.h5"
    [ "$(snapshot)" = "$before" ] || fail "files changed"
    echo "precious" >out.h5
    before=$(snapshot)
    run_kode merge out.h5 part_0.h5 part_1.h5 part_2.h5
    expect_rc 2
    expect_stderr_has "out.h5" "already exists" "--overwrite"
    [ "$(snapshot)" = "$before" ] || fail "files changed"
    run_kode merge out.h5 part_0.h5 part_1.h5 part_2.h5 --overwrite --quiet
    expect_rc 0
    h5ls out.h5/ys >/dev/null || fail "--overwrite did not write the file" ;;
  slice_bad_input)
    before=$(snapshot)
    mpi 2 sweep sweep.ini --sweep.slice_index=3 --sweep.slice_count=3
    expect_rc 2
    expect_stderr_has "sweep.slice_index" "3"
    mpi 1 sweep sweep.ini --sweep.slice_index=0 --sweep.slice_count=9
    expect_rc 2
    expect_stderr_has "sweep.slice_count" "8"
    mpi 1 sweep sweep.ini --sweep.slice_index=0 --sweep.slice_count=0
    expect_rc 2
    expect_stderr_has "sweep.slice_count"
    mpi 1 sweep sweep.ini --sweep.slice_count=2
    expect_rc 2
    expect_stderr_has "sweep.slice_index"
    mpi 1 sweep sweep.ini --sweep.slice_index=-1 --sweep.slice_count=2
    expect_rc 2
    expect_stderr_has "sweep.slice_index"
    [ "$(snapshot)" = "$before" ] || fail "files changed"
    run_kode merge --help
    expect_rc 0
    expect_stdout_has "Usage: kode merge" "--overwrite" "slice_count"
    run_kode merge out.h5
    expect_rc 2
    expect_stderr_has "part file" ;;
  sensitivity_sde)
    # Pathwise SDE sensitivities in a sweep (geometric Brownian motion,
    # Milstein, 4 paths per design point): each trajectory's Brownian path
    # is keyed by its global index, so forward and adjoint files are the
    # same bits on 1 and 2 ranks and with another chunk.
    cat >gbm.ini <<'INI'
[model]
name = geometric_brownian_motion
[params]
mu = linspace(0.1, 0.9, 50)
sigma = 0.4
[y0]
x = 1
[time]
t1 = 1
[solver]
method = milstein
dt0 = 0.01
[save]
ts = linspace(0, 1, 5)
[noise]
seed = 9
[sweep]
paths = 4
chunk = 64
INI
    for method in forward adjoint; do
      extra=""
      [ "$method" = adjoint ] && extra="--loss.kind=state --loss.weights=1"
      # shellcheck disable=SC2086
      mpi 1 sweep gbm.ini --sensitivity.method=$method $extra --output.file=s1_$method.h5 --quiet
      expect_rc 0
      # shellcheck disable=SC2086
      mpi 2 sweep gbm.ini --sensitivity.method=$method $extra --output.file=s2_$method.h5 \
        --sweep.chunk=48 --sweep.schedule=dynamic --quiet
      expect_rc 0
      same_data s1_$method.h5 s2_$method.h5 /sweep/chunk_done
    done
    h5ls s1_forward.h5/sensitivity/dys_dparams | grep -q '{200, 5, 1, 2}' ||
      fail "SDE dys_dparams shape: $(h5ls s1_forward.h5/sensitivity/dys_dparams)"
    # dloss/dmu of the adjoint (loss = x(1)) equals forward mode's dx(1)/dmu.
    exact_values s1_adjoint.h5 /sensitivity/dloss_dparams | awk 'NR % 2 == 1' >a.txt
    exact_values s1_forward.h5 /sensitivity/dys_dparams | awk 'NR % 10 == 9' >f.txt
    paste a.txt f.txt | awk '{ d = $1 - $2; if (d < 0) d = -d; a = $2 < 0 ? -$2 : $2;
      if (!(d <= 1e-12 * a)) bad++ } END { exit !(NR == 200 && bad == 0) }' ||
      fail "SDE adjoint vs forward in the sweep" ;;
  sensitivity_forward)
    # Forward sensitivities: the file is the same bit for bit on 1 or 2
    # ranks, with another chunk and either schedule; a trajectory's rows are
    # kode solve's for its parameters; the ensemble mean and mean square are
    # those of the rows; save = statistics keeps the same ensemble only.
    printf '[sensitivity]\nmethod = forward\n' >>sweep.ini
    reference
    mpi 2 sweep sweep.ini --output.file=r2.h5 --quiet
    expect_rc 0
    same_data ref.h5 r2.h5
    mpi 2 sweep sweep.ini --output.file=r2d.h5 --sweep.chunk=3072 --sweep.schedule=dynamic --quiet
    expect_rc 0
    same_data ref.h5 r2d.h5 /sweep/chunk_done
    h5ls ref.h5/sensitivity/dys_dparams | grep -q '{8192, 21, 2, 2}' ||
      fail "dys_dparams shape: $(h5ls ref.h5/sensitivity/dys_dparams)"
    h5ls ref.h5/sensitivity/ensemble/dys_dy0_mean_square | grep -q '{21, 2, 2}' ||
      fail "dys_dy0_mean_square shape"
    [ "$(h5_values ref.h5 /sensitivity/ensemble/count -a)" = 8192 ] || fail "sensitivity count"
    # Trajectory 777 against kode solve with its values (CSV columns: t, x, v,
    # dx_dzeta, dx_domega, dx_dx0, dx_dv0, dv_dzeta, ...).
    zeta=$(exact_values ref.h5 /params -s 777,0 -c 1,1)
    omega=$(exact_values ref.h5 /params -s 777,1 -c 1,1)
    v0=$(exact_values ref.h5 /y0 -s 777,1 -c 1,1)
    grep -v -e '^\[sweep\]' -e '^design' -e '^samples' -e '^seed' -e '^chunk' -e '^file' sweep.ini |
      sed -e "s/^zeta = .*/zeta = $zeta/" -e "s/^omega = .*/omega = $omega/" -e "s/^v = .*/v = $v0/" \
        -e '/^\[output\]/d' >one.ini
    run_kode solve one.ini
    expect_rc 0
    solve_row=$(echo "$OUT" | awk -F, 'NR == 12 { for (k = 4; k <= 11; ++k) printf "%.17g\n", $k }')
    exact_values ref.h5 /sensitivity/dys_dparams -s 777,10,0,0 -c 1,1,2,2 >p.txt
    exact_values ref.h5 /sensitivity/dys_dy0 -s 777,10,0,0 -c 1,1,2,2 >y.txt
    # The file's order: [dx_dzeta dx_domega] [dv_dzeta dv_domega], then dy0.
    file_row=$( (sed -n 1,2p p.txt; sed -n 1,2p y.txt; sed -n 3,4p p.txt; sed -n 3,4p y.txt) |
      awk '{printf "%.17g\n", $1}')
    [ -n "$solve_row" ] && [ "$file_row" = "$solve_row" ] ||
      fail "trajectory 777 at t = 5: file $(echo $file_row) vs solve $(echo $solve_row)"
    # The ensemble mean of dx(t=10)/domega over the rows (awk, 1e-12 relative).
    mean=$(exact_values ref.h5 /sensitivity/dys_dparams | awk 'NR % 84 == 82 { s += $1; n++ } END { printf "%.17g", s / n }')
    stored=$(exact_values ref.h5 /sensitivity/ensemble/dys_dparams_mean -s 20,0,1 -c 1,1,1)
    awk -v m="$mean" -v s="$stored" 'BEGIN { d = m - s; if (d < 0) d = -d; a = s < 0 ? -s : s; exit !(d <= 1e-12 * a + 1e-15) }' ||
      fail "ensemble mean of dx(10)/domega: stored $stored, rows $mean"
    mpi 2 sweep sweep.ini --output.file=stats.h5 --output.save=statistics --quiet
    expect_rc 0
    h5ls -r stats.h5 | grep -q 'dys_dparams ' && fail "save = statistics kept dys_dparams"
    for ds in dys_dparams_mean dys_dparams_mean_square dys_dy0_mean dys_dy0_mean_square; do
      same_dataset ref.h5 stats.h5 /sensitivity/ensemble/$ds
    done ;;
  sensitivity_adjoint)
    # The discrete adjoint of an mse loss against the noisy observations of
    # another sweep: bit-identical after kill -9 and --resume, and when
    # merged from slices; a checkpoint budget too small is said, with NaN.
    mpi 1 sweep sweep.ini --output.file=data.h5 --noise.observation_sigma=0.05 --quiet
    expect_rc 0
    printf '[sensitivity]\nmethod = adjoint\n[loss]\nkind = mse\ndata = data.h5\n' >>sweep.ini
    run_kode check sweep.ini
    expect_rc 0
    expect_stdout_has "sensitivity: adjoint, 256 checkpoints" "data.h5"
    reference
    h5ls ref.h5/sensitivity/dloss_dparams | grep -q '{8192, 2}' || fail "dloss_dparams shape"
    h5ls ref.h5/sensitivity/ensemble/loss_mean | grep -q 'SCALAR' || fail "loss_mean shape"
    [ "$(h5_values ref.h5 /sensitivity/ensemble/count -a)" = 8192 ] || fail "sensitivity count"
    interrupt KILL 1.5
    expect_partial
    mpi 2 sweep sweep.ini --resume --quiet
    expect_rc 0
    same_data ref.h5 out.h5
    slices 3
    run_kode merge merged.h5 part_1.h5 part_0.h5 part_2.h5 --quiet
    expect_rc 0
    same_data ref.h5 merged.h5
    mpi 2 sweep sweep.ini --output.file=few.h5 --sensitivity.checkpoints=8 --quiet
    expect_rc 0
    expect_stderr_has "without a gradient" "sensitivity.checkpoints = 8"
    count=$(h5_values few.h5 /sensitivity/ensemble/count -a)
    [ "$count" -lt 8192 ] || fail "too few checkpoints, yet $count gradients counted"
    h5_values few.h5 /sensitivity/dloss_dparams | grep -qi nan || fail "no NaN gradients"
    # backsolve: the same file on 1 and 2 ranks, the same loss as the adjoint's.
    mpi 1 sweep sweep.ini --output.file=bs1.h5 --sensitivity.method=backsolve --quiet
    expect_rc 0
    mpi 2 sweep sweep.ini --output.file=bs2.h5 --sensitivity.method=backsolve \
      --sweep.schedule=dynamic --quiet
    expect_rc 0
    same_data bs1.h5 bs2.h5
    same_dataset ref.h5 bs1.h5 /sensitivity/loss
    h5diff -q ref.h5 bs1.h5 /sensitivity/dloss_dparams /sensitivity/dloss_dparams >/dev/null &&
      fail "backsolve gave the discrete adjoint's bits"
    h5diff -p 1e-3 ref.h5 bs1.h5 /sensitivity/ensemble/dloss_dparams_mean \
      /sensitivity/ensemble/dloss_dparams_mean >/dev/null ||
      fail "backsolve's mean gradient is not within 1e-3 of the adjoint's" ;;
  sensitivity_bad_input)
    mpi 1 sweep sweep.ini --output.file=data.h5 --sweep.chunk=1024 --params.zeta=0.5 \
      --params.omega=1 --sweep.samples=100 --output.save=trajectories --quiet
    expect_rc 0
    printf '[sensitivity]\nmethod = adjoint\n[loss]\nkind = mse\ndata = data.h5\ndataset = ys\n' >>sweep.ini
    before=$(snapshot)
    mpi 2 sweep sweep.ini
    expect_rc 2
    expect_stderr_has "loss.data" "100 trajectories"
    run_kode check sweep.ini
    expect_rc 2
    expect_stderr_has "loss.data" "100 trajectories"
    mpi 1 sweep sweep.ini --loss.data=missing.h5
    expect_rc 2
    expect_stderr_has "loss.data" "missing.h5"
    mpi 1 sweep sweep.ini --loss.kind=state
    expect_rc 2
    expect_stderr_has "loss.weights"
    mpi 1 sweep sweep.ini --sensitivity.method=backwards
    expect_rc 2
    expect_stderr_has "sensitivity.method" "backwards"
    [ "$(snapshot)" = "$before" ] || fail "files changed" ;;
  *) fail "unknown case '$CASE'" ;;
esac
exit 0
