#!/bin/sh
# The committed requirements table is what extract-requirements.py makes
# of the RFC text today. Skipped (77) when the RFC text or Python is not
# there: the table is committed so that builds do not need them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
RFC="${RFC_DIR:-$top_srcdir/../shared/rfc}/rfc6940.txt"
PY=${PYTHON:-python3}
if [ ! -f "$RFC" ]; then
  echo "SKIP: no $RFC"
  exit 77
fi
if [ "$PY" = ":" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null; then
  echo "SKIP: no Python 3"
  exit 77
fi
"$PY" "$top_srcdir/conformance/extract-requirements.py" --summary "$RFC" "$TMP/req.tsv" 2>"$TMP/summary"
check "extract-requirements.py runs" test $? -eq 0
cat "$TMP/summary"
if diff -u "$TABLE" "$TMP/req.tsv" >"$TMP/diff"; then
  pass
else
  fail "conformance/requirements-rfc6940.tsv is stale: run make conformance-requirements"
  head -40 "$TMP/diff"
fi
finish
