#!/bin/sh
# limits.sh: the size and layering limits of issue 16 (tools/check-limits.py)
# hold: no file over 1,000 lines, no function over 100, no include or call
# circle, beyond what tools/limits-allowed.txt lists. And the check can
# fail: with an empty allowance it reports the listed items as new.
RL_SERIAL_LOCKED=none
set -u
top=${top_srcdir:-.}
build=${top_builddir:-.}
PY=${PYTHON:-python3}
command -v ctags >/dev/null 2>&1 || { echo "SKIP: universal-ctags is needed"; exit 77; }
ctags --version 2>/dev/null | grep -q Universal || { echo "SKIP: ctags is not universal-ctags"; exit 77; }
fails=0
out=$("$PY" "$top/tools/check-limits.py" --build "$build" 2>&1); rc=$?
echo "$out"
[ "$rc" = 0 ] || { echo "FAIL: the limits are broken (exit $rc)"; fails=$((fails + 1)); }
empty=$(mktemp /tmp/rllimits.XXXXXX) || exit 99
trap 'rm -f "$empty"' EXIT
out=$("$PY" "$top/tools/check-limits.py" --build "$build" --allowed "$empty" 2>&1); rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -q "^NEW .*file .*src/net/link.c" &&
   echo "$out" | grep -q "^NEW .*call-circle .*src/storage/query.c src/storage/store.c"; then
  echo "ok: with nothing allowed, the known violations are reported (exit 1)"
else
  echo "FAIL: an empty allowance did not fail as it must (exit $rc)"; echo "$out"
  fails=$((fails + 1))
fi
# No call circle among the node's files: the layering of issue 16.
if "$PY" "$top/tools/check-limits.py" --build "$build" --list src/peer | grep -q "call-circle"; then
  echo "FAIL: a call circle among src/peer's files"; fails=$((fails + 1))
else
  echo "ok: no call circle among src/peer's files"
fi
[ "$fails" = 0 ]
