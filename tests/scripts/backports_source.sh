#!/usr/bin/env bash
# scripts/debian-backports-source.sh derives the bookworm-backports entry from
# the machine's own Debian apt source (any mirror, its keyring), in both apt
# formats, and fails cleanly when there is none. Fake apt directories only:
# nothing on the machine is read or changed.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/scripts/debian-backports-source.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# deb822, a disabled entry and the security suite first, then the real one.
mkdir -p "$work/a/sources.list.d"
cat >"$work/a/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://disabled.example.invalid/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://security.example.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example.invalid/debian http://mirror2.example.invalid/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/site-keyring.gpg
SRC
out=$("$script" bookworm "$work/a")
expected="Types: deb
URIs: http://mirror.example.invalid/debian http://mirror2.example.invalid/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/site-keyring.gpg"
[ "$out" = "$expected" ] || fail "deb822 source: got"$'\n'"$out"

# One-line format with options.
mkdir -p "$work/b/sources.list.d"
cat >"$work/b/sources.list" <<'SRC'
# a comment
deb http://security.example.invalid/debian-security bookworm-security main
deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] http://local.example.invalid/debian bookworm main
SRC
out=$("$script" bookworm "$work/b")
expected="Types: deb
URIs: http://local.example.invalid/debian
Suites: bookworm-backports
Components: main
Signed-By: /etc/apt/keyrings/local.gpg"
[ "$out" = "$expected" ] || fail "one-line source: got"$'\n'"$out"

# No Debian source for the suite: exit 1, nothing printed.
mkdir -p "$work/c/sources.list.d"
set +e
out=$("$script" bookworm "$work/c")
rc=$?
set -e
[ "$rc" = 1 ] && [ -z "$out" ] || fail "no source: exit $rc, output '$out'"
echo "backports source: 3 cases passed"
