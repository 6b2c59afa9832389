# The decks of inputs/ that train, end to end as the README runs them:
#   neural_ode: kode sweep inputs/neural_ode_data.ini, then kode train
#     inputs/neural_ode_train.ini; the training loss falls at least 10x
#     (first step against the mean of the last 10) and the validation loss
#     of the learnt model is reported.
#   pk_estimation: the PK parameters recovered within 3 standard errors.
#   bash seed_scenario.sh KODE CASE
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}
need h5dump

run_kode sweep "$INPUTS/${CASE}_data.ini" --quiet
expect_rc 0
run_kode train "$INPUTS/${CASE}_train.ini"
expect_rc 0
out=${CASE}_train.h5
case "$CASE" in
  neural_ode)
    expect_stderr_has "validation loss of the learnt model"
    exact_values "$out" /train/loss | awk '{ v[NR] = $1 } END {
      m = 0; for (i = NR - 9; i <= NR; i++) m += v[i]; m /= 10;
      print "loss " v[1] " -> " m " (mean of the last 10 of " NR " steps)";
      exit !(NR == 200 && v[1] > 10 * m) }' || fail "the loss did not fall 10x" ;;
  pk_estimation)
    # Truth: ka 1, cl 5, q 2 (the learnt ones, in /params' order ka cl v1 q v2).
    paste <(exact_values "$out" /params | sed -n '1p;2p;4p') \
      <(exact_values "$out" /params_standard_error) | awk '
      BEGIN { truth[1] = 1; truth[2] = 5; truth[3] = 2 }
      { d = $1 - truth[NR]; if (d < 0) d = -d; print "param " NR ": " $1 " +- " $2;
        if (!($2 > 0 && d < 3 * $2)) bad = 1 }
      END { exit bad }' || fail "a parameter is not within 3 standard errors" ;;
  *) fail "unknown case '$CASE'" ;;
esac
