# lib.sh: what the conformance suite's shell tests share (sourced).
# make check exports top_srcdir and top_builddir; by hand, run a test from
# the build directory: sh tests/conformance/loopback.sh
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
CONFORM="$top_builddir/conformance/reload-conform"
SCEN="$top_srcdir/conformance/tests"
TABLE="$top_srcdir/conformance/requirements-rfc6940.tsv"
DATA="$top_srcdir/tests/conformance/data"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rlconf.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
npass=0
nfail=0

pass() { npass=$((npass + 1)); }
fail() {
  nfail=$((nfail + 1))
  echo "FAIL: $*"
}
check() {
  _name=$1
  shift
  if "$@"; then pass; else fail "$_name"; fi
}
# contains NAME FILE TEXT: FILE has the line fragment TEXT.
contains() {
  if grep -qF -- "$3" "$2"; then pass; else fail "$1: no '$3' in $2"; sed 's/^/  | /' "$2" | head -40; fi
}
finish() {
  echo "$npass passed, $nfail failed"
  [ "$nfail" -eq 0 ]
  exit $?
}
need_conform() {
  if [ ! -x "$CONFORM" ]; then
    echo "$0: $CONFORM is not built" >&2
    exit 99
  fi
}
