#!/usr/bin/env bash
# overlay-sip.sh: the SIP usage of RELOAD (RFC 7904) with real phones (sipp)
# on 10 reference peers on loopback, started with reload-overlay --sip:
#   - alice registers at peer A and bob at peer B (REGISTER: the peer Stores
#     a SIP-REGISTRATION, 7904 3); dave, for whom no peer holds a
#     credential, gets 403;
#   - alice calls bob: INVITE (Fetch of bob's AOR, AppAttach to B, SIP over
#     that connection, 7904 4), 180, 200, ACK, BYE, 200 all pass through
#     both peers, which Record-Route;
#   - alice sends bob a MESSAGE, over TCP to her peer;
#   - a call to carol, who never registered, gets 404;
#   - bob registers again with Expires 5: after 5 s the call no longer
#     finds him (404 or 480);
#   - bob's phone moves to peer C (a new port): the call reaches him there;
#     he removes the binding (Expires 0) and the call gets 404 or 480;
#   - bob registers at C again and C dies: the call gets 480 (registered,
#     cannot be reached);
#   - every other peer is still running.
# Each step prints the phones' logs and the peers' log tails when it fails.
# Skipped without sipp or jq. Bounded to 120 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
. "$top_srcdir/tests/sip/lib-sip.sh"

watchdog 115
N=10
PA=2 PB=7 PC=4
D=$SIP_DOMAIN
mapfile -t PORTS < <(free_ports 3)
ALICE_PORT=${PORTS[0]} BOB_PORT=${PORTS[1]} BOB2_PORT=${PORTS[2]}

section "$N peers with --sip"
# RL_TEST_LINK=dtls runs it over DTLS-UDP-SR-NO-ICE links (doc/peer.md).
if ! ov start -n "$N" --sip --sip-base 0 --link "${RL_TEST_LINK:-tls}"; then
  echo "FAIL: reload-overlay start -n $N --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 40
SIP_A=$(ov sip-port "$PA") && SIP_B=$(ov sip-port "$PB") && SIP_C=$(ov sip-port "$PC") || {
  fail "the peers report their SIP ports (sip_port in the status file)"
  finish
  exit 1
}
echo "   alice at peer $PA (SIP 127.0.0.1:$SIP_A), bob at peer $PB ($SIP_B), later at peer $PC ($SIP_C)"
echo "   phones: alice 127.0.0.1:$ALICE_PORT, bob $BOB_PORT, bob moved $BOB2_PORT"

# register NAME USER PHONE_PORT PEER_SIP_PORT EXPIRES [SIPP ARGS]
register() {
  local name=$1 user=$2 port=$3 sip=$4 expires=$5
  shift 5
  run_phone "$name" register.xml "$port" -key user "$user" -key domain "$D" \
    -set expires "$expires" "$@" "127.0.0.1:$sip"
}
# call_ok TEXT CALLEE_PORT PEERS: alice (via A) calls bob, who answers on
# CALLEE_PORT.
call_ok() {
  phone_bg bob-uas uas-call.xml "$2" -key user bob
  phone_listening "$2"
  run_phone alice-uac uac-call.xml "$ALICE_PORT" -key user alice -key callee bob -key domain "$D" \
    "127.0.0.1:$SIP_A"
  # The callee has no call when the caller failed early: do not wait for
  # its timeout then.
  [ "$(phone_rc alice-uac)" != 0 ] && kill "$(cat "$TMP/sipp/bob-uas.pid")" 2>/dev/null
  wait_phone bob-uas
  phone_ok "$1" "$3" alice-uac bob-uas
}
# call_fails TEXT SCENARIO CALLEE PEERS: alice's call to CALLEE gets what
# SCENARIO expects.
call_fails() {
  run_phone alice-uac "$2" "$ALICE_PORT" -key user alice -key callee "$3" -key domain "$D" \
    "127.0.0.1:$SIP_A"
  phone_ok "$1" "$4" alice-uac
}
# msg_count PHONE REGEXP: lines of PHONE's message log matching REGEXP.
msg_count() { grep -c -E "$2" "$TMP/sipp/$1.msg" 2>/dev/null || true; }

section "registrations"
register alice-reg alice "$ALICE_PORT" "$SIP_A" 300
phone_ok "alice registers at peer $PA: 200 with her binding" "$PA" alice-reg
register bob-reg bob "$BOB_PORT" "$SIP_B" 300
phone_ok "bob registers at peer $PB: 200 with his binding" "$PB" bob-reg
run_phone dave-reg register-expect-403.xml "$BOB2_PORT" -key user dave -key domain "$D" \
  "127.0.0.1:$SIP_B"
phone_ok "dave, for whom peer $PB holds no credential (RFC 7904 3.3), gets 403" "$PB" dave-reg

section "alice calls bob through the overlay"
t0=$(now)
call_ok "INVITE 180 200 ACK BYE 200 between peers $PA and $PB" "$BOB_PORT" "$PA $PB"
echo "   (the call took $(since "$t0")s)"
# What bob's phone got went through the proxies: the INVITE carries their
# Via and Record-Route headers (RFC 3261 16.6), the ACK and the BYE came by
# the route set.
expect_ge "Via headers in the INVITE bob got (alice + 2 proxies)" \
  "$(awk '/^INVITE /{f=1} f && /^Via:/{n++} f && /^$/{exit} END{print n+0}' "$TMP/sipp/bob-uas.msg")" 3
expect_ge "Record-Route headers in the INVITE bob got" \
  "$(awk '/^INVITE /{f=1} f && /^Record-Route:/{n++} f && /^$/{exit} END{print n+0}' "$TMP/sipp/bob-uas.msg")" 1
expect_ge "Route headers in alice's BYE (the route set of the 200)" \
  "$(awk '/^BYE /{f=1} f && /^Route:/{n++} f && /^$/{exit} END{print n+0}' "$TMP/sipp/alice-uac.msg")" 1
expect_eq "ACK and BYE reached bob" "$(msg_count bob-uas '^(ACK|BYE) sip:')" 2
expect_ge "100 Trying from alice's proxy" "$(msg_count alice-uac '^SIP/2.0 100 ')" 1

section "alice sends bob a MESSAGE (alice over TCP)"
phone_bg bob-msg uas-message.xml "$BOB_PORT" -key user bob
phone_listening "$BOB_PORT"
run_phone alice-msg uac-message.xml "$ALICE_PORT" -t t1 -key user alice -key callee bob \
  -key domain "$D" "127.0.0.1:$SIP_A"
[ "$(phone_rc alice-msg)" != 0 ] && kill "$(cat "$TMP/sipp/bob-msg.pid")" 2>/dev/null
wait_phone bob-msg
phone_ok "MESSAGE 200, the text intact" "$PA $PB" alice-msg bob-msg

section "a call to carol, who has no registration"
call_fails "404 Not Found, ACK" uac-expect-404.xml carol "$PA"

section "bob's registration expires"
register bob-short bob "$BOB_PORT" "$SIP_B" 5
phone_ok "bob registers at peer $PB for 5 s" "$PB" bob-short
t_reg=$(now)
call_ok "the call reaches bob while the registration lasts" "$BOB_PORT" "$PA $PB"
# The Store's lifetime (RFC 6940 7: lifetime in seconds) ends 5 s after the
# REGISTER; a second more for the storing peers' clocks.
sleep "$(awk -v a="$t_reg" -v b="$(now)" 'BEGIN { d = 6.2 - (b - a); print (d > 0 ? d : 0) }')"
call_fails "after 6 s the call no longer finds bob (404 or 480)" uac-expect-gone.xml bob "$PA $PB"
echo "   ($(grep -o -m1 -E '^SIP/2.0 (404|480)[^\r]*' "$TMP/sipp/alice-uac.msg"))"

section "bob's phone moves to peer $PC"
register bob-moved bob "$BOB2_PORT" "$SIP_C" 300
phone_ok "bob registers at peer $PC from a new port" "$PC" bob-moved
call_ok "the call reaches bob at peer $PC" "$BOB2_PORT" "$PA $PC"
expect_eq "the INVITE came from peer $PC's SIP port (Via)" \
  "$(awk '/^INVITE /{f=1} f && /^Via:/{print; exit}' "$TMP/sipp/bob-uas.msg" | grep -c -- ":$SIP_C")" 1
register bob-remove bob "$BOB2_PORT" "$SIP_C" 0
phone_ok "bob removes his binding (Expires 0): 200 without it" "$PC" bob-remove
call_fails "the call no longer finds bob (404 or 480)" uac-expect-gone.xml bob "$PA $PC"
echo "   ($(grep -o -m1 -E '^SIP/2.0 (404|480)[^\r]*' "$TMP/sipp/alice-uac.msg"))"

section "bob registers at peer $PC again, and peer $PC dies"
register bob-again bob "$BOB2_PORT" "$SIP_C" 300
phone_ok "bob registers at peer $PC" "$PC" bob-again
ov kill "$PC"
wait_exit 5 "$PC" || fail "peer $PC did not die"
t0=$(now)
call_fails "bob is registered but cannot be reached: 480" uac-expect-480.xml bob "$PA"
echo "   (480 after $(since "$t0")s)"

section "the other peers are all alive"
dead=""
for i in $(all_peers); do
  [ "$i" = "$PC" ] && continue
  peer_alive "$i" || dead="$dead $i"
done
expect_eq "dead peers (other than $PC)" "${dead# }" ""

finish
