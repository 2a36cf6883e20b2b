#!/bin/sh
# Compare every RFC that spec/ describes with its spec file (gen/rfcdiff.py):
# each definition must MATCH or be a KNOWN difference
# (spec/known-differences.txt). The RFC texts are not in the repository
# (RFC text licensing): they are looked for in $RFC_DIR, then in
# ../shared/rfc next to the source tree (where CI keeps them). Without
# them the test is skipped (exit 77).
set -u

srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || exit 99
PYTHON=${PYTHON:-python3}
dir=${RFC_DIR:-}
if [ -n "$dir" ] && [ ! -f "$dir/rfc6940.txt" ]; then
  echo "ERROR: RFC_DIR=$dir has no rfc6940.txt"
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
# RFC number, then the spec file of that RFC.
while read -r rfc spec; do
  if [ ! -f "$dir/rfc$rfc.txt" ]; then
    echo "FAIL: $dir/rfc$rfc.txt is missing"
    fail=1
    continue
  fi
  if ! "$PYTHON" "$srcdir/gen/rfcdiff.py" -q "$dir/rfc$rfc.txt" "$srcdir/spec/$spec"; then
    fail=1
  fi
done <<'LIST'
6940 rfc6940.spec
7263 rfc7263-direct-response.spec
7264 rfc7264-relay-peer.spec
7363 rfc7363-self-tuning.spec
7374 rfc7374-redir.spec
7851 rfc7851-diagnostics.spec
7904 rfc7904-sip-usage.spec
8076 rfc8076-shared-resources.spec
LIST
# spec/rfc6940.spec copies three TLS definitions from RFC 5246.
if [ -f "$dir/rfc5246.txt" ]; then
  "$PYTHON" "$srcdir/gen/rfcdiff.py" -q --defined-only "$dir/rfc5246.txt" \
    "$srcdir/spec/rfc6940.spec" || fail=1
fi
exit $fail
