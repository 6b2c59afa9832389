# Shared helpers of the `kode` CLI tests. Each test script is called as
#   bash SCRIPT.sh /path/to/kode [ARGS...]
# and runs in a fresh temporary directory that is removed afterwards.
set -u

KODE=${1:?usage: $0 /path/to/kode}
shift
KODE=$(cd "$(dirname "$KODE")" && pwd)/$(basename "$KODE")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kode-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# ctest counts exit 77 as skipped (SKIP_RETURN_CODE).
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not found" >&2; exit 77; }
}

# run_kode ARGS...: runs kode, keeping stdout in $OUT, stderr in $ERR, exit
# status in $RC.
run_kode() {
  "$KODE" "$@" >"$WORK/.stdout" 2>"$WORK/.stderr"
  RC=$?
  OUT=$(cat "$WORK/.stdout")
  ERR=$(cat "$WORK/.stderr")
}

expect_rc() {
  [ "$RC" -eq "$1" ] || fail "expected exit status $1, got $RC; stderr: $ERR"
}

expect_stderr_has() {
  for needle in "$@"; do
    case "$ERR" in
      *"$needle"*) ;;
      *) fail "stderr lacks '$needle'; stderr: $ERR" ;;
    esac
  done
}

expect_stdout_has() {
  for needle in "$@"; do
    case "$OUT" in
      *"$needle"*) ;;
      *) fail "stdout lacks '$needle'; stdout: $OUT" ;;
    esac
  done
}

# A listing of every file below the work directory with its checksum, to
# show that a failing command created or changed nothing.
snapshot() {
  find . -path ./.stdout -prune -o -path ./.stderr -prune -o -type f -print0 |
    sort -z | xargs -0 -r md5sum
}

# Column-wise comparison of two CSV files with the same header and times:
# |a - b| <= tol * max(1, |b|) for every value.
compare_csv() {
  local a=$1 b=$2 tol=$3
  [ "$(head -n 1 "$a")" = "$(head -n 1 "$b")" ] || fail "CSV headers differ: $(head -n 1 "$a") vs $(head -n 1 "$b")"
  [ "$(wc -l <"$a")" -eq "$(wc -l <"$b")" ] || fail "CSV row counts differ"
  paste -d '|' "$a" "$b" | awk -F'|' -v tol="$tol" '
    NR == 1 { next }
    {
      n = split($1, x, ","); m = split($2, y, ",");
      if (n != m) { print "row " NR ": column counts differ"; bad = 1; next }
      for (i = 1; i <= n; i++) {
        d = x[i] - y[i]; if (d < 0) d = -d;
        s = y[i] < 0 ? -y[i] : y[i]; if (s < 1) s = 1;
        if (d > tol * s) { printf "row %d col %d: %s vs %s\n", NR, i, x[i], y[i]; bad = 1 }
      }
    }
    END { exit bad }' || fail "CSV files $a and $b differ by more than $tol"
}

# The Lotka-Volterra problem of DESIGN.md as a config file.
write_lotka_volterra_ini() {
  cat >"${1:-lv.ini}" <<'INI'
[model]
name = lotka_volterra

[time]
t0 = 0
t1 = 10

[params]
alpha = 1.5
beta = 1
gamma = 3
delta = 1

[y0]
x = 1
y = 1

[solver]
method = tsit5
rtol = 1e-8
atol = 1e-8

[save]
ts = linspace(0,10,11)
INI
}

# The values of h5dump's (first) DATA block on stdin, one per line.
dumped_values() {
  awk '/^ *DATA \{/ { on = 1; next } on && /^ *\}/ { exit } on { print }' |
    tr ',' '\n' | sed -e 's/^ *//' -e 's/ *$//' -e '/^$/d'
}

# h5_values FILE OBJECT [-a]: the values of a dataset (or, with -a, an
# attribute "/path/attr"), one per line, as h5dump prints them.
h5_values() {
  local flag=-d
  [ "${3:-}" = "-a" ] && flag=-a
  h5dump -y -w 0 "$flag" "$2" "$1" | dumped_values
}

# exact_values FILE DATASET [h5dump -s/-c options]: the values at full
# precision, one per line.
exact_values() {
  local file=$1 ds=$2
  shift 2
  h5dump -m %.17g -y -w 0 -d "$ds" "$@" "$file" | dumped_values
}

# mpi N ARGS...: kode on N ranks under $MPIEXEC (set by the calling script),
# output and status as run_kode's.
mpi() {
  local n=$1 kode=$KODE
  shift
  [ -n "${MPIEXEC:-}" ] || fail "this case needs mpiexec"
  KODE=$MPIEXEC run_kode --allow-run-as-root --oversubscribe -n "$n" "$kode" "$@"
}

# same_dataset A B DS: DS is identical in A and B.
same_dataset() {
  h5diff "$1" "$2" "$3" "$3" >/dev/null 2>&1 ||
    fail "$3 differs between $1 and $2: $(h5diff "$1" "$2" "$3" "$3" 2>&1 | head -5)"
}

# The datasets of a file (netCDF dimensions without data excluded).
datasets() {
  h5ls -r "$1" | awk '$2 == "Dataset" { print $1 }' |
    grep -v -e '^/sweep/block$' -e '^/sweep/chunk_index$' -e '^/sweep/sensitivity_row$'
}

# same_data A B [EXCLUDED...]: every dataset of A equals B's exactly.
same_data() {
  local a=$1 b=$2
  shift 2
  [ "$(datasets "$a")" = "$(datasets "$b")" ] || fail "$a and $b hold different datasets"
  local ds
  for ds in $(datasets "$a"); do
    case " $* " in *" $ds "*) continue ;; esac
    same_dataset "$a" "$b" "$ds"
  done
}
