#!/bin/sh
# Every scenario of conformance/tests parses, names requirements that are
# in the table, has an ID of its own, and builds every message it would
# send (the codec accepts each template, with dummy values for what it
# captures), for both ends of NodeIdLength.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform

"$CONFORM" --requirements "$TABLE" --list "$SCEN" >"$TMP/list" 2>"$TMP/list.err"
check "--list exits 0" test $? -eq 0
n=$(ls "$SCEN"/*.scen | wc -l)
listed=$(grep -c '^[a-z]' "$TMP/list")
check "--list shows all $n scenarios (got $listed)" test "$listed" -eq "$n"
# Each file's name is its ID.
for f in "$SCEN"/*.scen; do
  id=$(sed -n 's/^id  *\([^ ]*\).*/\1/p' "$f")
  name=${f##*/}
  check "$name: id $id matches the file name" test "$id.scen" = "$name"
done
for len in 16 20; do
  "$CONFORM" --requirements "$TABLE" --node-id-length $len --check-templates "$SCEN" \
    >"$TMP/check" 2>&1
  check "--check-templates, NodeIdLength $len" test $? -eq 0
  contains "--check-templates counts" "$TMP/check" "$n scenarios checked, 0 with errors"
done
finish
