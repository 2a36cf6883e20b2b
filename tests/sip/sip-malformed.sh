#!/usr/bin/env bash
# sip-malformed.sh: malformed SIP at a reload-peer's phone-facing SIP port
# (issue 6): bad start lines, broken headers, wrong Content-Length, huge
# headers, bytes that are not SIP, over UDP and TCP (tests/sip/
# sip-malformed.py: each case and the answers it may get: 400, or dropped
# where RFC 3261 says so). Meanwhile a call set up through that peer before
# stays up and hangs up normally, and new calls through it keep working one
# after the other; afterwards the peer is alive and a new registration and
# call work. Skipped without sipp or jq.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
. "$top_srcdir/tests/sip/lib-sip.sh"

watchdog 115
N=4
PA=1 PB=2
D=$SIP_DOMAIN
# The first call lasts this long (ms) while the malformed messages go in.
HOLD_MS=${HOLD_MS:-20000}
mapfile -t PORTS < <(free_ports 4)
ALICE_PORT=${PORTS[0]} BOB_PORT=${PORTS[1]} ALICE2_PORT=${PORTS[2]} CAROL_PORT=${PORTS[3]}

section "$N peers with --sip"
if ! ov start -n "$N" --sip --sip-base 0; then
  echo "FAIL: reload-overlay start -n $N --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 40
SIP_A=$(ov sip-port "$PA") || { fail "peer $PA reports its SIP port"; finish; exit 1; }
SIP_B=$(ov sip-port "$PB") || { fail "peer $PB reports its SIP port"; finish; exit 1; }
echo "   alice at peer $PA (SIP 127.0.0.1:$SIP_A), bob at peer $PB ($SIP_B)"

register() {
  run_phone "$1" register.xml "$3" -key user "$2" -key domain "$D" -set expires 300 \
    "127.0.0.1:$4"
}
register alice-reg alice "$ALICE_PORT" "$SIP_A"
phone_ok "alice registers at peer $PA" "$PA" alice-reg
register bob-reg bob "$BOB_PORT" "$SIP_B"
phone_ok "bob registers at peer $PB" "$PB" bob-reg
register carol-reg carol "$CAROL_PORT" "$SIP_B"
phone_ok "carol registers at peer $PB" "$PB" carol-reg

section "a call through peer $PA that lasts $((HOLD_MS / 1000)) s"
# Bob waits for the BYE all that time.
PHONE_TIMEOUT=$((HOLD_MS / 1000 + 20))
PHONE_RECV_MS=$((HOLD_MS + 10000))
phone_bg bob-uas uas-call.xml "$BOB_PORT" -key user bob
phone_listening "$BOB_PORT"
phone_bg alice-uac uac-call.xml "$ALICE_PORT" -d "$HOLD_MS" -key user alice -key callee bob \
  -key domain "$D" "127.0.0.1:$SIP_A"
# Up when bob has the ACK.
up=0
for _ in $(seq 100); do
  grep -q '^ACK ' "$TMP/sipp/bob-uas.msg" 2>/dev/null && { up=1; break; }
  sleep 0.1
done
expect_eq "the call is up (bob got the ACK)" "$up" 1

# call_loop: alice's second phone calls carol through peer A, one call after
# the other, until $TMP/stop appears; a line per call in $TMP/loop.txt
# (the call's number and both phones' statuses). In a subshell: its phone
# settings are its own.
call_loop() {
  local k=0
  PHONE_TIMEOUT=20
  PHONE_RECV_MS=10000
  while [ ! -e "$TMP/stop" ]; do
    k=$((k + 1))
    phone_bg "carol-uas$k" uas-call.xml "$CAROL_PORT" -key user carol
    phone_listening "$CAROL_PORT"
    run_phone "alice2-uac$k" uac-call.xml "$ALICE2_PORT" -key user alice -key callee carol \
      -key domain "$D" "127.0.0.1:$SIP_A"
    [ "$(phone_rc "alice2-uac$k")" != 0 ] && kill "$(cat "$TMP/sipp/carol-uas$k.pid")" 2>/dev/null
    wait_phone "carol-uas$k"
    echo "$k $(phone_rc "alice2-uac$k") $(phone_rc "carol-uas$k")" >> "$TMP/loop.txt"
  done
}

section "malformed SIP to peer $PA's SIP port, UDP and TCP, while alice calls carol again and again"
: > "$TMP/loop.txt"
call_loop &
LOOP_PID=$!
BG_PIDS="$BG_PIDS $LOOP_PID"
t0=$(now)
"$PYTHON" "$top_srcdir/tests/sip/sip-malformed.py" 127.0.0.1 "$SIP_A" > "$TMP/malformed.out" 2>&1
rc=$?
sed 's/^/   /' "$TMP/malformed.out"
took=$(since "$t0")
if [ "$rc" = 0 ]; then
  pass
  echo "ok: every malformed message got an answer it may get (${took}s)"
else
  fail "malformed messages: $(grep -c '^FAIL' "$TMP/malformed.out") case(s) got a wrong answer"
  show_peers "$PA"
fi
check "peer $PA is alive after the malformed messages" peer_alive "$PA"
awk -v t="$took" -v h="$HOLD_MS" 'BEGIN { exit !(t * 1000 < h) }' ||
  echo "   (note: the malformed messages took ${took}s, longer than the first call's hold)"
touch "$TMP/stop"
wait "$LOOP_PID"
expect_ge "calls alice placed to carol meanwhile" "$(wc -l < "$TMP/loop.txt")" 2
bad=$(awk '$2 != 0 || $3 != 0 { printf "%s%s", (n++ ? " " : ""), $1 }' "$TMP/loop.txt")
expect_eq "those of them that failed" "$bad" ""
for k in $bad; do show_phone "alice2-uac$k"; show_phone "carol-uas$k"; done

section "the call hangs up normally"
wait_phone alice-uac
wait_phone bob-uas
phone_ok "BYE 200 at the end of the call" "$PA $PB" alice-uac bob-uas

section "a registration and a call afterwards"
PHONE_TIMEOUT=20
PHONE_RECV_MS=10000
register bob-reg2 bob "$BOB_PORT" "$SIP_B"
phone_ok "bob registers again at peer $PB" "$PB" bob-reg2
phone_bg bob-uas2 uas-call.xml "$BOB_PORT" -key user bob
phone_listening "$BOB_PORT"
run_phone alice-uac2 uac-call.xml "$ALICE_PORT" -key user alice -key callee bob -key domain "$D" \
  "127.0.0.1:$SIP_A"
[ "$(phone_rc alice-uac2)" != 0 ] && kill "$(cat "$TMP/sipp/bob-uas2.pid")" 2>/dev/null
wait_phone bob-uas2
phone_ok "alice calls bob through peer $PA" "$PA $PB" alice-uac2 bob-uas2

dead=""
for i in $(all_peers); do peer_alive "$i" || dead="$dead $i"; done
expect_eq "dead peers" "${dead# }" ""

finish
