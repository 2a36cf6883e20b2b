#!/bin/sh
# tools/migrate-vectors.py (make vectors) on copies of vectors, with the
# codec as built: unchanged vectors are left alone; a JSON member the
# codec does not know is dropped and the vector listed; changed bytes keep
# their line's comment and are marked; a malformed vector that no longer
# fails where it says is listed, not rewritten; --check changes nothing
# and exits 1; a vector the codec cannot encode is an error naming it.
# (New members and embedded messages: tests/tools/draft-change.sh.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"
PYTHON=${PYTHON:-python3}
MIGRATE="$PYTHON $top_srcdir/tools/migrate-vectors.py --build $top_builddir"

cp "$VECTORS/ping_ans.vec" "$VECTORS/ping_req.vec" "$MALFORMED/trailing_bytes.vec" "$TMP/"

# --- nothing to do
$MIGRATE "$TMP/ping_ans.vec" "$TMP/ping_req.vec" "$TMP/trailing_bytes.vec" >"$TMP/none.out" 2>&1
check "unchanged vectors: exit 0" test $? -eq 0
expect_eq "unchanged vectors: nothing to look at" "$(cat "$TMP/none.out")" \
  "migrate-vectors: 3 vectors, 0 to look at"
check "unchanged vectors: files untouched" cmp -s "$TMP/ping_ans.vec" "$VECTORS/ping_ans.vec"

# --- a member the codec does not know (as after a spec removed it), and a
# time that changed: dropped, re-encoded, listed.
sed -e 's/"time": "1725011576021"/"time": "1725011576022", "gone": 7/' \
  "$VECTORS/ping_ans.vec" >"$TMP/ping_ans.vec"
$MIGRATE --check "$TMP/ping_ans.vec" >"$TMP/check.out" 2>&1
check "--check with a change: exit 1" test $? -eq 1
check "--check: file untouched" grep -q '"gone": 7' "$TMP/ping_ans.vec"
$MIGRATE "$TMP/ping_ans.vec" >"$TMP/drop.out" 2>&1
check "a dropped member: exit 0" test $? -eq 0
check "a dropped member: listed with its path" grep -q \
  "^LOOK  .*ping_ans.vec: dropped Message.message_contents.message_body.ping_ans.gone (no longer in the spec)" \
  "$TMP/drop.out"
check "a dropped member: gone from the JSON" sh -c '! grep -q "\"gone\"" "$1"' sh "$TMP/ping_ans.vec"
check "changed bytes keep their comment and are marked" grep -q \
  '^00 00 01 91 a2 b3 c4 d6  # PingAns.time (ms since 1970)  # CHECK(make vectors): was 00 00 01 91 a2 b3 c4 d5$' \
  "$TMP/ping_ans.vec"
check "unchanged bytes keep their comment" grep -q \
  '^13 f2 a9 e0 7c 6d 5b 84  # PingAns.response_id$' "$TMP/ping_ans.vec"
got=$(vec_hex "$TMP/ping_ans.vec" | "$DUMP" -i hex --json - | grep -c '"time": "1725011576022"')
expect_eq "the migrated vector decodes to its new JSON" "$got" 1
$MIGRATE --check "$TMP/ping_ans.vec" >/dev/null 2>&1
check "a migrated vector needs no second migration" test $? -eq 0

# --- a malformed vector whose error moved: listed, not rewritten
sed 's/^error: .*/error: RL_ERR_TRAILING at Message.security_block/' \
  "$MALFORMED/trailing_bytes.vec" >"$TMP/trailing_bytes.vec"
$MIGRATE "$TMP/trailing_bytes.vec" >"$TMP/bad.out" 2>&1
check "a malformed vector that fails elsewhere: listed" grep -q \
  "^LOOK  .*trailing_bytes.vec: expects RL_ERR_TRAILING at Message.security_block; the decoder now says: error at offset 403 in Message: " \
  "$TMP/bad.out"
check "a malformed vector is never rewritten" grep -q "^error: RL_ERR_TRAILING at Message.security_block$" \
  "$TMP/trailing_bytes.vec"

# --- a JSON value the codec refuses: an error naming the vector
sed 's/"ttl": 100/"ttl": 1000/' "$VECTORS/ping_req.vec" >"$TMP/ping_req.vec"
$MIGRATE "$TMP/ping_req.vec" >/dev/null 2>"$TMP/err.out"
check "an unencodable vector: exit 2" test $? -eq 2
check "an unencodable vector: named, with the codec's reason" grep -q \
  "^migrate-vectors: $TMP/ping_req.vec: reload-encode: .*Message.forwarding_header.ttl" "$TMP/err.out"

finish
