#!/usr/bin/env bash
# Every man page renders without a warning from either formatter people use: mandoc -Tlint at
# warning level (bad dates, unknown macros, stray characters such as literal form feeds) and
# groff -ww (lines it cannot adjust, undefined escapes). Usage: tests/man/lint.sh MAN_DIR
set -uo pipefail
dir="${1:?usage: lint.sh MAN_DIR}"
for tool in mandoc groff; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup.sh installs it)"; exit 77; }
done
status=0
for page in "$dir"/*.[1-8]; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f]' "$page"; then
    echo "$page: control characters (a \\f written as a form feed?):"
    LC_ALL=C grep -n $'[\x01-\x08\x0b\x0c\x0e-\x1f]' "$page" | cat -A | head -5
    status=1
  fi
  out="$(mandoc -Tlint -W warning "$page" 2>&1; groff -ww -man -Tutf8 -z "$page" 2>&1)"
  if [ -n "$out" ]; then echo "$out"; status=1; fi
  grep -q '^\.SH SEE ALSO' "$page" || { echo "$page: no SEE ALSO section"; status=1; }
done
[ "$status" = 0 ] && echo "$(ls "$dir" | wc -l) man pages lint clean"
exit $status
