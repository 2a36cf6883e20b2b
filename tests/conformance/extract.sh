#!/bin/sh
# The requirements extractor on a small RFC-like text (page breaks,
# wrapped sentences, quoted keywords), and known sentences of RFC 6940 in
# the committed table.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
PY=${PYTHON:-python3}
if [ "$PY" = ":" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null; then
  echo "SKIP: no Python 3"
  exit 77
fi
"$PY" "$top_srcdir/tests/conformance/extract_test.py" "$top_srcdir/conformance/extract-requirements.py" "$TABLE"
