#!/usr/bin/env bash
# Fails if any C++ file in the repository differs from what clang-format
# (with the repository's .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=${CLANG_FORMAT:-clang-format}
bad=0
while IFS= read -r f; do
  if ! "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not clang-formatted: $f"
    bad=1
  fi
done < <(git ls-files '*.cpp' '*.hpp')
[ "$bad" = 0 ] && echo "all C++ files follow .clang-format"
exit "$bad"
