#!/usr/bin/env bash
# A stand-in for `kode sweep`, to test the control flow of
# scripts/slurm/sweep.sbatch without the engine. Called as
#   fake_kode.sh sweep CONFIG --output.file=OUT [--resume] [ARGS...]
# on every rank of an srun step. It appends "rank R restart N: ARGS" to
# $FAKE_KODE_LOG and behaves as FAKE_KODE_MODE says:
#   exit75_once  first run (no --resume): create OUT.partial, exit 75;
#                with --resume: rename OUT.partial to OUT, exit 0
#   signal       first run: create OUT.partial, write $FAKE_KODE_LOG.started,
#                wait (at most 120 s) for SIGUSR1 or SIGTERM, record it in
#                $FAKE_KODE_LOG.signals, exit 75 (the engine's contract);
#                with --resume: as exit75_once
#   always75     create OUT.partial, exit 75 every time
# Only rank 0 touches files other than the logs.
set -u
LOG=${FAKE_KODE_LOG:?}
MODE=${FAKE_KODE_MODE:-exit75_once}
RANK=${SLURM_PROCID:-0}
echo "rank $RANK restart ${SLURM_RESTART_COUNT:-0}: $*" >>"$LOG"

OUT="" RESUME=0
for a in "$@"; do
  case "$a" in
    --output.file=*) OUT=${a#--output.file=} ;;
    --resume) RESUME=1 ;;
  esac
done
[ "${1:-}" = sweep ] && [ -n "$OUT" ] || { echo "fake kode: bad arguments: $*" >&2; exit 2; }

if [ "$RESUME" -eq 1 ] && [ "$MODE" != always75 ]; then
  if [ "$RANK" -eq 0 ]; then
    [ -e "$OUT.partial" ] || { echo "fake kode: --resume without $OUT.partial" >&2; exit 2; }
    mv "$OUT.partial" "$OUT"
  fi
  exit 0
fi
if [ "$RANK" -eq 0 ]; then echo partial >"$OUT.partial"; fi
case "$MODE" in
  exit75_once | always75) exit 75 ;;
  signal)
    GOT=""
    trap 'GOT=USR1' USR1
    trap 'GOT=TERM' TERM
    echo "rank $RANK" >>"$LOG.started"
    for _ in $(seq 1200); do
      [ -n "$GOT" ] && break
      sleep 0.1
    done
    echo "rank $RANK ${GOT:-timeout}" >>"$LOG.signals"
    exit 75
    ;;
esac
echo "fake kode: unknown FAKE_KODE_MODE=$MODE" >&2
exit 2
