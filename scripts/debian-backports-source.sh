#!/usr/bin/env bash
# Prints a deb822 apt source for SUITE-backports derived from the machine's
# existing Debian source for SUITE: the same URIs and Signed-By keyring, the
# suite SUITE-backports, component main. Reads the deb822 files
# (/etc/apt/sources.list.d/*.sources) and the one-line lists
# (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list); never names a
# mirror itself. Exit 1 when no enabled `deb` entry for SUITE exists.
# Usage: debian-backports-source.sh SUITE [APT_DIR]   (APT_DIR: /etc/apt, for tests)
set -euo pipefail
suite=$1
apt_dir=${2:-/etc/apt}

uris="" signed_by=""
# deb822 paragraphs: the first enabled `deb` paragraph whose Suites has SUITE.
for f in "$apt_dir"/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  found=$(awk -v suite="$suite" '
    function flush() {
      if (done) return
      if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ") && uris != "")
        { print uris "\t" signed; done = 1; exit }
      types = ""; suites = ""; uris = ""; signed = ""; enabled = ""
    }
    /^[ \t]*$/ { flush(); next }
    /^#/ { next }
    {
      key = $1; sub(/:$/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
      k = tolower(key)
      if (k == "types") types = val
      else if (k == "suites") suites = val
      else if (k == "uris") uris = val
      else if (k == "signed-by") signed = val
      else if (k == "enabled") enabled = tolower(val)
    }
    END { flush() }' "$f")
  if [ -n "$found" ]; then
    uris=${found%%$'\t'*}
    signed_by=${found#*$'\t'}
    break
  fi
done

# One-line format: deb [options] URI SUITE components...
if [ -z "$uris" ]; then
  for f in "$apt_dir"/sources.list "$apt_dir"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    line=$(awk -v suite="$suite" '
      $1 == "deb" {
        i = 2; opts = ""
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
        if ($(i + 1) == suite) { print $i "\t" opts; exit }
      }' "$f")
    if [ -n "$line" ]; then
      uris=${line%%$'\t'*}
      opts=${line#*$'\t'}
      if [[ "$opts" =~ signed-by=([^] ]+) ]]; then signed_by=${BASH_REMATCH[1]}; fi
      break
    fi
  done
fi

[ -n "$uris" ] || exit 1
echo "Types: deb"
echo "URIs: $uris"
echo "Suites: $suite-backports"
echo "Components: main"
if [ -n "$signed_by" ]; then echo "Signed-By: $signed_by"; fi
