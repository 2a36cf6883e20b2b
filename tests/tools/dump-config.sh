#!/bin/sh
# reload-dump --config (Kinds, data models and NodeIdLength from an overlay
# configuration, RFC 6940 11.1), empty data frames, and TLS/DTLS streams
# recognised and named instead of reported as malformed messages.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

vec_split "$TMP" "$VECTORS"/store_req_array.vec "$VECTORS"/ping_req_nodeid20.vec
read -r store <"$TMP/store_req_array.hex"
read -r ping20 <"$TMP/ping_req_nodeid20.hex"

config() { # config FILE NODE-ID-LENGTH: Kinds 0xf0000001 (single) and 0xf0000002 (array)
  cat >"$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<overlay xmlns="urn:ietf:params:xml:ns:p2p:config-base">
  <configuration instance-name="overlay.example.org" sequence="1">
    <node-id-length>$2</node-id-length>
    <required-kinds>
      <kind-block><kind id="4026531841"><data-model>SINGLE</data-model>
        <access-control>USER-MATCH</access-control><max-count>1</max-count>
        <max-size>100</max-size></kind></kind-block>
      <kind-block><kind id="4026531842"><data-model>ARRAY</data-model>
        <access-control>USER-MATCH</access-control><max-count>10</max-count>
        <max-size>100</max-size></kind></kind-block>
    </required-kinds>
  </configuration>
</overlay>
XML
}
config "$TMP/overlay.xml" 16
config "$TMP/overlay20.xml" 20

# --- without the Kinds, the Store does not decode; with --config it does,
# as with the --param words of the vector.
echo "$store" >"$TMP/store.hex"
"$DUMP" "$TMP/store.hex" >/dev/null 2>"$TMP/nokinds.err"
check "a Store of unknown Kinds without --config: exit 1" test $? -eq 1
"$DUMP" --config "$TMP/overlay.xml" --json "$TMP/store.hex" >"$TMP/config.json" 2>"$TMP/config.err"
check "--config: the Store decodes (exit 0)" test $? -eq 0
"$DUMP" -p kind.4026531841=single_value -p kind.4026531842=array --json "$TMP/store.hex" \
  >"$TMP/param.json"
check "--config: the same JSON as --param kind.N=MODEL" cmp -s "$TMP/config.json" "$TMP/param.json"

# --- NodeIdLength from the configuration
echo "$ping20" >"$TMP/ping20.hex"
"$DUMP" "$TMP/ping20.hex" >/dev/null 2>&1
check "a 20-byte Node-ID message without --config: exit 1" test $? -eq 1
"$DUMP" --config "$TMP/overlay20.xml" "$TMP/ping20.hex" >/dev/null 2>&1
check "--config with node-id-length 20: exit 0" test $? -eq 0
"$DUMP" --config "$TMP/overlay20.xml" -p NodeIdLength=16 "$TMP/ping20.hex" >/dev/null 2>&1
check "--param overrides --config" test $? -eq 1

# --- a bad configuration: a usage error naming the file
echo "<overlay" >"$TMP/bad.xml"
"$DUMP" --config "$TMP/bad.xml" "$TMP/store.hex" >/dev/null 2>"$TMP/bad.err"
check "--config with a broken file: exit 2" test $? -eq 2
check "--config with a broken file: names it" grep -q "^reload-dump: --config $TMP/bad.xml: " "$TMP/bad.err"
"$DUMP" --config "$TMP/none.xml" "$TMP/store.hex" >/dev/null 2>&1
check "--config with a missing file: exit 2" test $? -eq 2

# --- an empty data frame (message<0..2^24-1> of length 0) is legal
printf '80 00 00 00 09 00 00 00\n' >"$TMP/empty.hex"
out=$("$DUMP" "$TMP/empty.hex" 2>&1)
check "an empty data frame: exit 0" test $? -eq 0
expect_eq "an empty data frame: shown as such" "$out" \
  "data frame at offset 0: sequence 9, empty (no message)"

# --- TLS and DTLS record streams: named, not malformed
# A handshake record (22) of 5 bytes, then application data (23) of 2.
printf '16 03 03 00 05 01 00 00 01 00 17 03 03 00 02 ab cd\n' >"$TMP/tls.hex"
out=$("$DUMP" "$TMP/tls.hex" 2>&1)
check "a TLS stream: exit 0" test $? -eq 0
expect_eq "a TLS stream: named" "$out" "TLS stream, no keys: 17 bytes not decoded"
printf '16 fe fd 00 00 00 00 00 00 00 00 00 03 01 02 03\n' >"$TMP/dtls.hex"
out=$("$DUMP" "$TMP/dtls.hex" 2>&1)
expect_eq "a DTLS record: named" "$out" "DTLS stream, no keys: 16 bytes not decoded"
out=$("$DUMP" --json "$TMP/tls.hex" 2>&1 >/dev/null)
expect_eq "a TLS stream with --json: said on stderr" "$out" \
  "reload-dump: $TMP/tls.hex: TLS stream, no keys: 17 bytes not decoded"
# Not TLS: a record length beyond the limit is still a bad RELOAD token.
printf '16 03 03 ff ff 00\n' >"$TMP/nottls.hex"
"$DUMP" "$TMP/nottls.hex" >/dev/null 2>"$TMP/nottls.err"
check "not a TLS record: exit 1" test $? -eq 1
check "not a TLS record: the token is wrong" grep -q "relo_token" "$TMP/nottls.err"

finish
