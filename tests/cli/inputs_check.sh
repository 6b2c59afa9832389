# `kode check` on every example deck in inputs/*.ini, so that the decks keep
# up with the config format: each must validate (exit 0, an "ok:" summary)
# and must create no file. Runs in a fresh directory, so the decks' [output]
# files never exist yet. A training deck (NAME_train.ini) reads the file its
# data deck (NAME_data.ini) writes: that sweep runs first, and its file is
# the only one allowed to exist afterwards.
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/ directory" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

decks=("$INPUTS"/*.ini)
[ -e "${decks[0]}" ] || fail "no decks in $INPUTS"
for deck in "$INPUTS"/*_train.ini; do
  [ -e "$deck" ] || continue
  run_kode sweep "${deck%_train.ini}_data.ini" --quiet
  [ "$RC" -eq 0 ] || fail "the data deck of $(basename "$deck") failed: $ERR"
done
data_files=$(snapshot)
bad=0
for deck in "${decks[@]}"; do
  run_kode check "$deck"
  if [ "$RC" -ne 0 ]; then
    echo "FAIL: kode check $(basename "$deck") exited $RC: $ERR" >&2
    bad=1
    continue
  fi
  case "$OUT" in
    ok:*) echo "ok   $(basename "$deck"): $(printf '%s\n' "$OUT" | head -n 1)" ;;
    *) echo "FAIL: kode check $(basename "$deck") printed no 'ok:' summary: $OUT" >&2; bad=1 ;;
  esac
done
[ "$(snapshot)" = "$data_files" ] || fail "kode check created files: $(snapshot)"
[ "$bad" -eq 0 ] || fail "some decks in inputs/ do not validate"
echo "${#decks[@]} decks validated"
