#!/bin/sh
# Malformed input: the exact "error at offset N in PATH: REASON" line, exit
# status 1, and the other messages of a file still decoded; usage errors
# exit 2; reload-encode names the JSON path of what is wrong.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

vec_split "$TMP" "$VECTORS"/ping_req.vec "$VECTORS"/ping_ans.vec "$MALFORMED"/*.vec
read -r ping_req <"$TMP/ping_req.hex"
read -r ping_ans <"$TMP/ping_ans.hex"
read -r bad_cand <"$TMP/bad_candtype.hex"

# --- every malformed vector: its error path, in one run over all files
"$DUMP" "$MALFORMED"/*.vec >/dev/null 2>"$TMP/malformed.err"
check "malformed vectors: exit status 1" test $? -eq 1
for vec in "$MALFORMED"/*.vec; do
  name=${vec##*/}
  name=${name%.vec}
  read -r want <"$TMP/$name.want"
  want_path=${want#* at }
  got=$(awk -v f="$vec" '
    index($0, "reload-dump: " f ": ") == 1 { take = 1; next }
    take { print; exit }' "$TMP/malformed.err")
  case $got in
    "error at offset "[0-9]*" in $want_path: "*) pass ;;
    *) fail "$name: want an error in $want_path, got '$got'" ;;
  esac
done

# --- one exact line, checked by hand: the body length (bytes 58..61) says
# 6, the body starts at 62, and the input ends at 64.
"$DUMP" "$MALFORMED/truncated_message_body.vec" >/dev/null 2>"$TMP/tmb.err"
check "truncated message: exit status 1" test $? -eq 1
expect_eq "truncated message: the error line" "$(tail -n 1 "$TMP/tmb.err")" \
  "error at offset 62 in Message.message_contents.message_body: input ends inside this field"

# --- every proper prefix of a ping_req, one file each, in one run
len=$((${#ping_req} / 2))
k=1
files=
rest=$ping_req
prefix=
while [ "$k" -lt "$len" ]; do
  byte=${rest%"${rest#??}"}
  rest=${rest#??}
  prefix=$prefix$byte
  printf '%s\n' "$prefix" >"$TMP/trunc.$k.hex"
  files="$files $TMP/trunc.$k.hex"
  k=$((k + 1))
done
# shellcheck disable=SC2086
"$DUMP" $files >"$TMP/trunc.out" 2>"$TMP/trunc.err"
check "truncated prefixes: exit status 1" test $? -eq 1
bad=$(awk '
  /^reload-dump: .*trunc\.[0-9]+\.hex: message 1 at offset 0 did not decode:$/ {
    f = $2; sub(/.*trunc\./, "", f); sub(/\.hex:$/, "", f); k = f + 0; next }
  /^error at offset [0-9]+ in Message[.a-z_]*: / {
    if (k == 0 || $4 + 0 > k) { print "offset " $4 " past the end of prefix " k }
    n++; k = 0; next }
  { print "unexpected line: " $0 }
  END { print n " errors" }' "$TMP/trunc.err")
expect_eq "truncated prefixes: one error within the input for each" "$bad" "$((len - 1)) errors"
check "truncated prefixes: each reported as not decoded on stdout" \
  test "$(grep -c ': not decoded$' "$TMP/trunc.out")" -eq $((len - 1))

# --- a bad message between two good ones: the others still come out
"$DUMP" "$TMP/bad_candtype.hex" >/dev/null 2>"$TMP/bad_alone.err"
alone=$(sed -n 's/^error at offset \([0-9]*\) in .*/\1/p' "$TMP/bad_alone.err")
req_len=$((${#ping_req} / 2))
printf '%s\n%s\n%s\n' "$ping_req" "$bad_cand" "$ping_ans" >"$TMP/mixed.hex"
"$DUMP" "$TMP/mixed.hex" >"$TMP/mixed.out" 2>"$TMP/mixed.err"
check "mixed file: exit status 1" test $? -eq 1
expect_eq "mixed file: messages 1 and 3 decoded, 2 not" \
  "$(grep '^message' "$TMP/mixed.out" | sed 's/ at offset.*: / /')" \
  "message 1 ping_req
message 2 not decoded
message 3 ping_ans"
# Offsets count from the start of the file: the fault is where it is when
# the message is alone, moved by the message before it.
expect_eq "mixed file: stderr names message 2 and its error" "$(cat "$TMP/mixed.err")" \
  "reload-dump: $TMP/mixed.hex: message 2 at offset $req_len did not decode:
error at offset $((req_len + ${alone:-0})) in Message.message_contents.message_body.attach_ans.candidates[0].type: value not defined for CandType"
got=$("$DUMP" --json "$TMP/mixed.hex" 2>/dev/null | "$ENCODE" --hex | tr -d '\n')
expect_eq "mixed file: JSON holds the two good messages" "$got" "$ping_req$ping_ans"

# --- junk after a message: reported, and nothing after it is guessed at
printf '%s\n00112233445566778899\n' "$ping_req" >"$TMP/junk.hex"
"$DUMP" "$TMP/junk.hex" >"$TMP/junk.out" 2>"$TMP/junk.err"
check "junk after a message: exit status 1" test $? -eq 1
expect_eq "junk after a message: the error" "$(tail -n 1 "$TMP/junk.err")" \
  "error at offset $req_len in Message.forwarding_header.relo_token: relo_token must be 0xd2454c4f"

# --- a fragment is not an error: its header is shown
frag=$(printf '%s' "$ping_req" | sed 's/^\(.\{24\}\)c0000000/\180000000/')
printf '%s\n' "$frag" >"$TMP/frag.hex"
"$DUMP" "$TMP/frag.hex" >"$TMP/frag.out" 2>"$TMP/frag.err"
check "fragment: exit status 0" test $? -eq 0
check "fragment: said so" grep -q "^message 1 at offset 0 ($req_len bytes): a fragment (fragment offset 0, more fragments follow)\$" "$TMP/frag.out"
check "fragment: forwarding header shown" grep -q '^    fragment: 2147483648 (0x80000000)$' "$TMP/frag.out"
# The forwarding header of these vectors: 38 fixed bytes and one 18-byte
# node Destination.
check "fragment: payload not decoded" grep -q "($((req_len - 56)) bytes of fragment payload not decoded" "$TMP/frag.out"
"$DUMP" --json "$TMP/frag.hex" >"$TMP/frag.json" 2>"$TMP/frag.err"
check "fragment in JSON mode: exit 0, nothing printed" test $? -eq 0 -a ! -s "$TMP/frag.json"
check "fragment in JSON mode: a note on stderr" grep -q 'is a fragment' "$TMP/frag.err"

# --- hex text that is not hex
printf 'd2 45 # comment is fine\nzz\n' >"$TMP/nothex.hex"
"$DUMP" --input hex "$TMP/nothex.hex" >/dev/null 2>"$TMP/nothex.err"
check "bad hex: exit status 1" test $? -eq 1
expect_eq "bad hex: line and column" "$(cat "$TMP/nothex.err")" \
  "reload-dump: $TMP/nothex.hex:2:1: 'z' is not a hex digit"
printf 'd2 45 4\n' >"$TMP/odd.hex"
"$DUMP" "$TMP/odd.hex" >/dev/null 2>"$TMP/odd.err"
check "odd hex digits: exit status 1" test $? -eq 1
check "odd hex digits: said so" grep -q ':1:7: odd number of hex digits' "$TMP/odd.err"

# --- usage and I/O errors: exit status 2
usage_case() {
  "$@" >/dev/null 2>&1 </dev/null
  _st=$?
  if [ "$_st" -eq 2 ]; then pass; else fail "exit $_st, not 2: $*"; fi
}
usage_case "$DUMP" --no-such-option
usage_case "$DUMP" "$TMP/no-such-file"
usage_case "$DUMP" --param NodeIdLength
usage_case "$DUMP" --param bogus=1 "$TMP/mixed.hex"
usage_case "$DUMP" --param kind.1=tree "$TMP/mixed.hex"
usage_case "$DUMP" --type NoSuchType "$TMP/mixed.hex"
usage_case "$DUMP" --input tiff "$TMP/mixed.hex"
usage_case "$DUMP" --port 70000 "$TMP/mixed.hex"
usage_case "$ENCODE" --hex --type NoSuchType
usage_case "$ENCODE" --hex --framed -1
usage_case "$ENCODE" --hex "$TMP/a.json" "$TMP/b.json"
usage_case "$ENCODE" --hex "$TMP/no-such-file"
"$DUMP" "$TMP/no-such-file" 2>"$TMP/nofile.err"
expect_eq "missing file: the message" "$(cat "$TMP/nofile.err")" \
  "reload-dump: cannot open $TMP/no-such-file: No such file or directory"

# --- reload-encode: errors name the JSON path
"$DUMP" --json --compact "$VECTORS/ping_req.vec" >"$TMP/ping.json"
encode_error() { # NAME SED-EXPRESSION EXPECTED-LAST-LINE
  sed "$2" "$TMP/ping.json" >"$TMP/e.json"
  "$ENCODE" --hex "$TMP/e.json" >"$TMP/e.out" 2>"$TMP/e.err"
  _st=$?
  check "$1: exit status 1 (was $_st)" test "$_st" -eq 1
  check "$1: no output" test ! -s "$TMP/e.out"
  expect_eq "$1: the error" "$(tail -n 1 "$TMP/e.err")" "$3"
  expect_eq "$1: which document" "$(head -n 1 "$TMP/e.err")" \
    "reload-encode: $TMP/e.json: document 1:"
}
encode_error "number too large" 's/"ttl":[0-9]*/"ttl":300/' \
  "error in Message.forwarding_header.ttl: number too large for the field"
encode_error "member not in the spec" 's/"ttl":[0-9]*/&,"hops":1/' \
  "error in Message.forwarding_header.hops: unexpected member (not in the spec)"
encode_error "member missing" 's/"ttl":[0-9]*,//' \
  "error in Message.forwarding_header.ttl: member missing"
encode_error "enum name" 's/"type":"node"/"type":"nod"/' \
  "error in Message.forwarding_header.destination_list[0].type: not a value name of DestinationType"
encode_error "odd hex" 's/"signature_value":"/&0/g' \
  "error in Message.security_block.signature.signature_value: hex string of odd length"
encode_error "Node-ID size" 's/"node_id":"[0-9a-f]*"/"node_id":"c107"/' \
  "error in Message.forwarding_header.destination_list[0].destination_data.node_id: length differs from NodeIdLength"

# A bad document among good ones: the good ones are still written.
{ sed 's/"ttl":[0-9]*/"ttl":-1/' "$TMP/ping.json"; cat "$TMP/ping.json"; } >"$TMP/two.json"
got=$("$ENCODE" --hex "$TMP/two.json" 2>"$TMP/two.err")
check "bad then good document: exit status 1" test $? -eq 1
expect_eq "bad then good document: the good one written" "$got" "$ping_req"
expect_eq "bad then good document: the error" "$(cat "$TMP/two.err")" \
  "reload-encode: $TMP/two.json: document 1:
error in Message.forwarding_header.ttl: negative number"

printf '[{"forwarding_header": 1},\n  {"a": }]\n' >"$TMP/syntax.json"
"$ENCODE" --hex "$TMP/syntax.json" >/dev/null 2>"$TMP/syntax.err"
check "JSON syntax error: exit status 1" test $? -eq 1
check "JSON syntax error: file, line and column" \
  grep -q "^reload-encode: $TMP/syntax.json:2:.*JSON syntax error" "$TMP/syntax.err"

finish
