#!/bin/sh
# Compare every spec file with the document it follows (spec/FOLLOWS: an
# RFC, or a draft and its revision) using gen/rfcdiff.py: each definition
# must MATCH or be a KNOWN difference (spec/known-differences.txt). The
# texts are not in the repository (licensing): they are looked for as
# DOCUMENT.txt in $RFC_DIR, then in ../shared/rfc next to the source tree
# (where CI keeps them). Without any of them the test is skipped (exit 77);
# a draft whose text is absent is skipped (said on a SKIP line), an absent
# RFC text fails.
#
#   FOLLOWS=FILE overrides spec/FOLLOWS (the draft-change test uses it).
set -u

srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || exit 99
PYTHON=${PYTHON:-python3}
follows=${FOLLOWS:-$srcdir/spec/FOLLOWS}
specdir=$(dirname "$follows")
dir=${RFC_DIR:-}
if [ ! -f "$follows" ]; then
  echo "ERROR: no $follows (which document each spec file follows)"
  exit 99
fi
if [ -n "$dir" ] && [ ! -d "$dir" ]; then
  echo "ERROR: RFC_DIR=$dir is not a directory"
  exit 99
fi
if [ -z "$dir" ] && [ -f "$srcdir/../shared/rfc/rfc6940.txt" ]; then
  dir=$srcdir/../shared/rfc
fi
if [ -z "$dir" ]; then
  echo "SKIP: no RFC texts (set RFC_DIR, or put them in ../shared/rfc)"
  exit 77
fi

fail=0
compared=0
n=0
while read -r spec doc cites opts; do
  n=$((n + 1))
  case "$spec" in ''|'#'*) continue ;; esac
  if [ -z "$cites" ]; then
    echo "FAIL: $follows:$n: expected SPEC-FILE DOCUMENT CITES [OPTIONS]"
    fail=1
    continue
  fi
  if [ ! -f "$specdir/$spec" ]; then
    echo "FAIL: $follows:$n: no spec file $specdir/$spec"
    fail=1
    continue
  fi
  if [ ! -f "$dir/$doc.txt" ]; then
    case "$doc" in
      rfc*) echo "FAIL: $dir/$doc.txt is missing ($follows:$n)"; fail=1 ;;
      *) echo "SKIP: $spec follows $doc, whose text $dir/$doc.txt is absent" ;;
    esac
    continue
  fi
  echo "$spec follows $doc"
  # shellcheck disable=SC2086  # OPTIONS are words
  if ! "$PYTHON" "$srcdir/gen/rfcdiff.py" -q --rfc "$cites" $opts "$dir/$doc.txt" \
      "$specdir/$spec"; then
    fail=1
  fi
  compared=$((compared + 1))
done < "$follows"
if [ "$fail" = 0 ] && [ "$compared" = 0 ]; then
  echo "SKIP: no document text present"
  exit 77
fi
exit $fail
