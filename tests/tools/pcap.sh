#!/bin/sh
# Captures: pcap(ng) files made from the vectors with text2pcap, RELOAD over
# TCP (messages spanning segments, several per segment, both directions,
# framed or bare, segments out of order, retransmitted, lost) and over
# UDP; every message must come out, in order, byte for byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

text2pcap=${TEXT2PCAP:-}
[ -n "$text2pcap" ] || text2pcap=$(command -v text2pcap 2>/dev/null) || :
if [ -z "$text2pcap" ] || [ ! -x "$text2pcap" ]; then
  echo "text2pcap not found (Debian: wireshark-common): skipped"
  exit 77
fi
tooldir=$(dirname "$text2pcap")

vec_split "$TMP" "$VECTORS"/ping_req.vec "$VECTORS"/ping_ans.vec \
  "$VECTORS"/attach_req.vec "$VECTORS"/store_ans.vec
read -r ping_req <"$TMP/ping_req.hex"
read -r ping_ans <"$TMP/ping_ans.hex"
read -r attach_req <"$TMP/attach_req.hex"
read -r store_ans <"$TMP/store_ans.hex"

# cut HEX FROM TO: the bytes FROM..TO-1 of HEX (TO empty: to the end).
cut_hex() {
  if [ -n "$3" ]; then
    printf '%s\n' "$1" | cut -c$(($2 * 2 + 1))-$(($3 * 2))
  else
    printf '%s\n' "$1" | cut -c$(($2 * 2 + 1))-
  fi
}

# pcap OUT TEXT2PCAP-OPTIONS...: packets from stdin (one hex line each,
# optionally prefixed "I " or "O " for the direction, with -D).
pcap() {
  _out=$1
  shift
  awk '{ d = ""; if ($1 == "I" || $1 == "O") { d = $1 " "; $0 = $2 }
         n = length($0) / 2
         for (i = 0; i < n; i++) {
           if (i % 16 == 0) printf "%s%s%06x", (i ? "\n" : ""), (i ? "" : d), i
           printf " %s", substr($0, 2 * i + 1, 2)
         }
         printf "\n" }' >"$_out.txt"
  "$text2pcap" -q "$@" "$_out.txt" "$_out" >/dev/null 2>"$_out.log" ||
    { cat "$_out.log"; return 1; }
}

# --- TCP, both directions: ping_req in two segments, the second also
# carrying the start of attach_req; the answers in the other direction.
{
  echo "I $(cut_hex "$ping_req" 0 30)"
  echo "O $ping_ans"
  echo "I $(cut_hex "$ping_req" 30 "")$(cut_hex "$attach_req" 0 50)"
  echo "I $(cut_hex "$attach_req" 50 "")"
  echo "O $store_ans"
} | pcap "$TMP/tcp.pcapng" -D -T 40000,6084
"$DUMP" "$TMP/tcp.pcapng" >"$TMP/tcp.txt"
check "TCP: exit status 0" test $? -eq 0
n1=$((${#ping_req} / 2))
n2=$((${#attach_req} / 2))
n3=$((${#ping_ans} / 2))
n4=$((${#store_ans} / 2))
expect_eq "TCP: two directions, messages in stream order" \
  "$(grep -E '^(message|.*: TCP)' "$TMP/tcp.txt" | sed "s|^$TMP/||")" \
  "tcp.pcapng: TCP 10.1.1.1:40000 -> 10.2.2.2:6084
message 1 at offset 0 ($n1 bytes): ping_req
message 2 at offset $n1 ($n2 bytes): attach_req
tcp.pcapng: TCP 10.2.2.2:6084 -> 10.1.1.1:40000
message 3 at offset 0 ($n3 bytes): ping_ans
message 4 at offset $n3 ($n4 bytes): store_ans"
got=$("$DUMP" --json "$TMP/tcp.pcapng" | "$ENCODE" --hex | tr -d '\n')
expect_eq "TCP: JSON of every message, byte for byte" "$got" \
  "$ping_req$attach_req$ping_ans$store_ans"

# --- TCP carrying FramedMessage frames, cut every 100 bytes.
frames=$("$DUMP" --json "$TMP/tcp.pcapng" | "$ENCODE" --hex --framed 1 | tr -d '\n')
printf '%s\n' "$frames" | fold -w 200 | pcap "$TMP/framed.pcapng" -T 6084,6084
"$DUMP" "$TMP/framed.pcapng" >"$TMP/framed.txt"
check "framed TCP: exit status 0" test $? -eq 0
expect_eq "framed TCP: every frame's message" \
  "$(grep -c '^message [0-9]* at offset [0-9]* ([0-9]* bytes, frame sequence [1-4]):' "$TMP/framed.txt")" 4
got=$("$DUMP" --json "$TMP/framed.pcapng" | "$ENCODE" --hex | tr -d '\n')
expect_eq "framed TCP: JSON of every message" "$got" \
  "$ping_req$attach_req$ping_ans$store_ans"

# --- segments out of order, one sent twice, one lost (mergecap/editcap).
mergecap=$tooldir/mergecap
editcap=$tooldir/editcap
if [ -x "$mergecap" ] && [ -x "$editcap" ]; then
  n=$(printf '%s\n' "$frames" | fold -w 200 | wc -l)
  i=1
  while [ "$i" -le "$n" ]; do
    "$editcap" -r "$TMP/framed.pcapng" "$TMP/seg$i.pcapng" "$i" >/dev/null 2>&1
    i=$((i + 1))
  done
  # 1, 3, 2, 2 (again), 4, 5, ...: the stream is whole.
  set -- "$TMP/seg1.pcapng" "$TMP/seg3.pcapng" "$TMP/seg2.pcapng" "$TMP/seg2.pcapng"
  i=4
  while [ "$i" -le "$n" ]; do set -- "$@" "$TMP/seg$i.pcapng"; i=$((i + 1)); done
  "$mergecap" -a -w "$TMP/reordered.pcapng" "$@" 2>/dev/null
  got=$("$DUMP" --json "$TMP/reordered.pcapng" | "$ENCODE" --hex | tr -d '\n')
  expect_eq "reordered and retransmitted segments" "$got" \
    "$ping_req$attach_req$ping_ans$store_ans"
  # Without segment 2: the stream has a gap; what follows it is reported.
  shift 4
  "$mergecap" -a -w "$TMP/lost.pcapng" "$TMP/seg1.pcapng" "$TMP/seg3.pcapng" "$@" 2>/dev/null
  "$DUMP" "$TMP/lost.pcapng" >"$TMP/lost.txt" 2>"$TMP/lost.err"
  check "lost segment: exit status 1" test $? -eq 1
  check "lost segment: the gap is named" grep -q ', after 100 missing bytes$' "$TMP/lost.txt"
  check "lost segment: an error for the cut frame" grep -q '^error at offset ' "$TMP/lost.err"
else
  echo "note: no mergecap/editcap next to $text2pcap: reordering not tested"
fi

# --- UDP: one message per datagram, on another port with --port.
printf '%s\n%s\n%s\n' "$ping_req" "$ping_ans" "$store_ans" | pcap "$TMP/udp.pcapng" -u 6084,6084
got=$("$DUMP" --json "$TMP/udp.pcapng" | "$ENCODE" --hex | tr -d '\n')
expect_eq "UDP: every datagram's message" "$got" "$ping_req$ping_ans$store_ans"
check "UDP: one unit per datagram" \
  test "$("$DUMP" "$TMP/udp.pcapng" | grep -c ': UDP 10.1.1.1:6084 -> 10.2.2.2:6084, packet [1-3]$')" -eq 3
printf '%s\n' "$ping_req" | pcap "$TMP/port.pcapng" -u 5000,7000
"$DUMP" --json "$TMP/port.pcapng" >"$TMP/port.json" 2>"$TMP/port.err"
check "another port: nothing on 6084" test ! -s "$TMP/port.json"
check "another port: said so" grep -q 'no TCP or UDP payload on port 6084 in 1 packets' "$TMP/port.err"
got=$("$DUMP" --json --port 7000 "$TMP/port.pcapng" | "$ENCODE" --hex)
expect_eq "--port 7000" "$got" "$ping_req"

# --- classic pcap (not pcapng), over IPv6.
printf '%s\n' "$ping_ans" | pcap "$TMP/v6.pcap" -F pcap -6 2001:db8::1,2001:db8::2 -u 6084,6084
check "pcap over IPv6" sh -c '"$1" "$2" | grep -q "UDP \[2001:db8::1\]:6084 -> \[2001:db8::2\]:6084"' \
  sh "$DUMP" "$TMP/v6.pcap"
got=$("$DUMP" --json "$TMP/v6.pcap" | "$ENCODE" --hex)
expect_eq "pcap over IPv6: the message" "$got" "$ping_ans"

# --- a damaged capture
head -c 100 "$TMP/tcp.pcapng" >"$TMP/cut.pcapng"
"$DUMP" "$TMP/cut.pcapng" >/dev/null 2>"$TMP/cut.err"
st=$?
check "damaged capture: exit status 1 (was $st)" test "$st" -eq 1

finish
