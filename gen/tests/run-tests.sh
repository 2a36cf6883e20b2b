#!/bin/sh
# Tests of the generator itself (gen/relgen.py):
#  1. golden: each test of gen/tests/golden/TESTS is generated again and
#     must equal expected/NAME.{h,c}.golden byte for byte (the diff is shown;
#     the .golden suffix marks them as test data, not sources);
#  2. every golden .c compiles warning-free (-Wall -Wextra -Werror) with
#     $CC and, when present, clang;
#  3. the error table and the other unit tests (gen/tests/test_relgen.py,
#     gen/tests/test_rfcdiff.py).
#
#   gen/tests/run-tests.sh            run the tests
#   gen/tests/run-tests.sh --update   rewrite expected/ from the generator
#
# A change to the generator comes with its golden diff: run --update,
# read `git diff gen/tests/golden/expected`, commit both together.
set -u

srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || exit 99
PYTHON=${PYTHON:-python3}
CC=${CC:-cc}
golden=$srcdir/gen/tests/golden
update=no
[ "${1:-}" = "--update" ] && update=yes

out=$(mktemp -d "${TMPDIR:-/tmp}/relgen-golden.XXXXXX") || exit 99
trap 'rm -rf "$out"' EXIT INT TERM
fail=0

note() { printf '%s\n' "$*"; }

# -- 1. golden output ----------------------------------------------------------
# TESTS lines: NAME [relgen options] SPEC...  (# comments, blank lines)
while read -r name rest; do
  case $name in ''|'#'*) continue ;; esac
  args=
  for a in $rest; do
    case $a in
      *.spec) args="$args $golden/$a" ;;
      *) args="$args $a" ;;
    esac
  done
  # shellcheck disable=SC2086 # args is a word list on purpose
  if ! "$PYTHON" "$srcdir/gen/relgen.py" --werror \
         --header "$out/$name.h" --source "$out/$name.c" $args \
       >"$out/$name.log" 2>&1; then
    note "FAIL golden $name: relgen failed:"
    cat "$out/$name.log"
    fail=1
    continue
  fi
  for ext in h c; do
    want=$golden/expected/$name.$ext.golden
    if [ $update = yes ]; then
      if ! cmp -s "$out/$name.$ext" "$want"; then
        cp "$out/$name.$ext" "$want" && note "updated $want"
      fi
    elif ! diff -u "$want" "$out/$name.$ext" >"$out/$name.$ext.diff" 2>&1; then
      note "FAIL golden $name.$ext differs from $want:"
      cat "$out/$name.$ext.diff"
      note "(if the change is intended: gen/tests/run-tests.sh --update, and review the diff)"
      fail=1
    else
      note "ok   golden $name.$ext"
    fi
  done
done <"$golden/TESTS"

# -- 2. the generated C compiles without warnings ---------------------------------
# $1: a compiler command (CC may carry options, so it is split on spaces).
compile_all() {
  for c in "$out"/*.c; do
    [ -f "$c" ] || continue
    # shellcheck disable=SC2086 # $1 and JANSSON_CFLAGS are word lists
    if $1 -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
         -Wmissing-prototypes ${JANSSON_CFLAGS:-} -I"$srcdir/src" -I"$out" \
         -c "$c" -o "$out/cc.o" >"$out/cc.log" 2>&1; then
      note "ok   $1 $(basename "$c")"
    else
      note "FAIL $1 $(basename "$c"): warnings or errors:"
      cat "$out/cc.log"
      fail=1
    fi
  done
}
compile_all "$CC"
# shellcheck disable=SC2086
if command -v clang >/dev/null 2>&1 && ! $CC --version 2>/dev/null | grep -q clang; then
  compile_all clang
fi

# -- 3. unit tests -----------------------------------------------------------------
for t in test_relgen.py test_rfcdiff.py; do
  [ -f "$srcdir/gen/tests/$t" ] || continue
  if "$PYTHON" "$srcdir/gen/tests/$t" >"$out/$t.log" 2>&1; then
    note "ok   $t ($(tail -n 3 "$out/$t.log" | grep '^Ran' || true))"
  else
    note "FAIL $t:"
    cat "$out/$t.log"
    fail=1
  fi
done

[ $update = yes ] && note "expected output rewritten: review it with git diff gen/tests/golden"
exit $fail
