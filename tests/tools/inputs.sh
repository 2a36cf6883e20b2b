#!/bin/sh
# Input kinds and framing: hex text with comments, binary, standard input,
# FramedMessage data and ack frames (RFC 6940 6.6.2), forced kinds, other
# types; the text-mode annotations; --kinds and --types.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

vec_split "$TMP" "$VECTORS"/ping_req.vec "$VECTORS"/ping_ans.vec \
  "$VECTORS"/framed_message_ack.vec "$VECTORS"/framed_message_data.vec \
  "$VECTORS"/ip_address_port_v4.vec "$VECTORS"/ip_address_port_v6.vec
read -r ping_req <"$TMP/ping_req.hex"
read -r ping_ans <"$TMP/ping_ans.hex"
read -r ack <"$TMP/framed_message_ack.hex"
read -r data <"$TMP/framed_message_data.hex"

# --- hex text: comments, spaces, upper case, ':' separators, one line or many
{
  echo "# a ping request, written by hand"
  printf '%s\n' "$ping_req" | sed 's/\(..\)/\1 /g' | tr 'a-f' 'A-F'
  echo "# and its answer, colon-separated"
  printf '%s\n' "$ping_ans" | sed 's/\(..\)/\1:/g; s/:$//'
} >"$TMP/commented.hex"
got=$("$DUMP" --json "$TMP/commented.hex" | "$ENCODE" --hex | tr -d '\n')
expect_eq "hex with comments, spaces and colons" "$got" "$ping_req$ping_ans"

# --- binary, read from a file and from standard input
"$DUMP" --json "$TMP/commented.hex" | "$ENCODE" >"$TMP/two.bin"
got=$("$DUMP" --json "$TMP/two.bin" | "$ENCODE" --hex | tr -d '\n')
expect_eq "binary file" "$got" "$ping_req$ping_ans"
got=$("$DUMP" --json <"$TMP/two.bin" | "$ENCODE" --hex | tr -d '\n')
expect_eq "binary on standard input" "$got" "$ping_req$ping_ans"
got=$("$DUMP" --json - <"$TMP/commented.hex" | "$ENCODE" --hex | tr -d '\n')
expect_eq "hex on standard input (-)" "$got" "$ping_req$ping_ans"
check "text mode names standard input for two files" \
  sh -c '"$1" - "$2" <"$2" | grep -qx "(stdin):"' sh "$DUMP" "$TMP/two.bin"

# --- forcing the kind: hex text read as binary is not RELOAD
"$DUMP" --input bin "$TMP/commented.hex" >/dev/null 2>"$TMP/forced.err"
check "--input bin on hex text: exit status 1" test $? -eq 1
check "--input bin on hex text: the token is wrong" \
  grep -q '^error at offset 0 in Message.forwarding_header.relo_token: ' "$TMP/forced.err"
got=$("$DUMP" --input hex --json "$TMP/commented.hex" | "$ENCODE" --hex | tr -d '\n')
expect_eq "--input hex" "$got" "$ping_req$ping_ans"

# --- framing: reload-encode --framed writes data frames, reload-dump finds them
"$DUMP" --json "$TMP/two.bin" | "$ENCODE" --framed 7 >"$TMP/framed.bin"
got=$("$DUMP" --json "$TMP/two.bin" | "$ENCODE" --hex --framed 7 | tr -d '\n')
len_req=$(printf '%06x' $((${#ping_req} / 2)))
len_ans=$(printf '%06x' $((${#ping_ans} / 2)))
expect_eq "--framed: type 128, sequence, 3-byte length, message" "$got" \
  "8000000007$len_req${ping_req}8000000008$len_ans$ping_ans"
"$DUMP" "$TMP/framed.bin" >"$TMP/framed.txt"
check "framed input: exit status 0" test $? -eq 0
n_req=$((${#ping_req} / 2))
n_ans=$((${#ping_ans} / 2))
expect_eq "framed input: each message at its offset with its sequence" \
  "$(grep '^message' "$TMP/framed.txt")" \
  "message 1 at offset 8 ($n_req bytes, frame sequence 7): ping_req
message 2 at offset $((8 + n_req + 8)) ($n_ans bytes, frame sequence 8): ping_ans"
got=$("$DUMP" --json "$TMP/framed.bin" | "$ENCODE" --hex | tr -d '\n')
expect_eq "framed input: JSON of the messages inside" "$got" "$ping_req$ping_ans"
got=$("$DUMP" --json --framed "$TMP/framed.bin" | "$ENCODE" --hex | tr -d '\n')
expect_eq "--framed forced" "$got" "$ping_req$ping_ans"
"$DUMP" --bare "$TMP/framed.bin" >/dev/null 2>&1
check "--bare on framed input: exit status 1" test $? -eq 1

# An ack frame, then a data frame (the vectors' own bytes).
printf '%s%s\n' "$ack" "$data" >"$TMP/ackdata.hex"
"$DUMP" "$TMP/ackdata.hex" >"$TMP/ackdata.txt"
check "ack + data: exit status 0" test $? -eq 0
# The ack frame is 9 bytes, the data frame's header 8.
expect_eq "ack + data: the ack, then the message" \
  "$(grep -E '^(message|ack)' "$TMP/ackdata.txt")" \
  "ack frame at offset 0: ack_sequence 7, received 0x0000007f
message 1 at offset 17 ($((${#data} / 2 - 8)) bytes, frame sequence 7): ping_ans"
check "ack + data: JSON has the message only" \
  test "$("$DUMP" --json --compact "$TMP/ackdata.hex" | wc -l)" -eq 1
# As FramedMessage values, frames round-trip whole, acks included.
got=$("$DUMP" --json --type FramedMessage "$TMP/ackdata.hex" |
  "$ENCODE" --hex --type FramedMessage | tr -d '\n')
expect_eq "--type FramedMessage round trip" "$got" "$ack$data"

# A frame cut short.
printf '%s\n' "$data" | cut -c1-100 >"$TMP/shortframe.hex"
"$DUMP" "$TMP/shortframe.hex" >/dev/null 2>"$TMP/shortframe.err"
check "short frame: exit status 1" test $? -eq 1
check "short frame: error in the frame" \
  grep -q '^error at offset [0-9]* in FramedMessage' "$TMP/shortframe.err"

# --- other types, several values back to back
read -r v4 <"$TMP/ip_address_port_v4.hex"
read -r v6 <"$TMP/ip_address_port_v6.hex"
printf '%s\n%s\n' "$v4" "$v6" >"$TMP/addrs.hex"
got=$("$DUMP" --json --type IpAddressPort "$TMP/addrs.hex" |
  "$ENCODE" --hex --type IpAddressPort | tr -d '\n')
expect_eq "two IpAddressPort values" "$got" "$v4$v6"
check "type names match without case" \
  sh -c '"$1" --type ipaddressport "$2" | grep -q "^IpAddressPort 2 at offset"' sh "$DUMP" "$TMP/addrs.hex"

# --- text mode annotations
"$DUMP" "$VECTORS/store_req_sip_registration.vec" >"$TMP/sip.txt"
check "Kind names after Kind-IDs" grep -q '^          kind: 1 (SIP-REGISTRATION)$' "$TMP/sip.txt"
check "DataValue.value decoded as SipRegistration" \
  test "$(grep -c '= value as SipRegistration (Kind SIP-REGISTRATION):' "$TMP/sip.txt")" -eq 2
check "the decoded value's members" grep -q '^                      type: sip_registration_uri$' "$TMP/sip.txt"
check "printable opaque shown as text" grep -q '"sip:sam@dht.example.org"$' "$TMP/sip.txt"
check "large numbers also in hex" grep -q '^    relo_token: 3527756879 (0xd2454c4f)$' "$TMP/sip.txt"
"$DUMP" --json "$VECTORS/store_req_sip_registration.vec" >"$TMP/sip.json"
check "JSON has no annotations" sh -c '! grep -q "SIP-REGISTRATION\|value as\|sip:sam" "$1"' sh "$TMP/sip.json"

# --- parameters change the decoding
"$DUMP" --json "$VECTORS/ping_req_nodeid20.vec" --param NodeIdLength=16 >/dev/null 2>&1
check "a .vec's NodeIdLength=20 overridden by --param: does not decode" test $? -eq 1

# --- listings
"$DUMP" --kinds >"$TMP/kinds.txt"
check "--kinds lists SIP-REGISTRATION" grep -q '^0x1 .*SIP-REGISTRATION *dictionary *SipRegistration' "$TMP/kinds.txt"
check "--types lists Message and FramedMessage" \
  sh -c '"$1" --types | grep -q "^Message " && "$1" --types | grep -q "^FramedMessage "' sh "$DUMP"
check "--help of both tools" sh -c '"$1" --help | grep -q "^Usage: reload-dump" && "$2" --help | grep -q "^Usage: reload-encode"' sh "$DUMP" "$ENCODE"

finish
