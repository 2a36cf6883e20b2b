#!/usr/bin/env bash
# sipp-scenarios.sh: the phones of the SIP tests (tests/sip/sipp/*.xml)
# checked against each other, without the overlay, on loopback over UDP (and
# TCP for calls, messages and registrations): every caller/callee pair
# completes, and each scenario's checks catch a wrong answer (a registrar
# granting more than asked, a 480 where a 404 was due, a request for
# someone else). Stand-ins play the proxy: registrar.xml, uas-reject.xml.
# Skipped without sipp.
# sipp against sipp, no peers: not serialized with the overlay tests.
RL_SERIAL_LOCKED=none
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
. "$top_srcdir/tests/sip/lib-sip.sh"

PHONE_TIMEOUT=10
PHONE_RECV_MS=4000
watchdog 100
D=$SIP_DOMAIN
mapfile -t P < <(free_ports 2)
A=${P[0]} B=${P[1]}

# want WANT STATUS: does a phone's STATUS match WANT (pass: 0, fails: not
# 0, any)? Over TCP a callee counts its call failed when the caller, done,
# closes the connection before the callee's scenario has ended (sipp aborts
# the calls of a closed socket): there "pass" is status 0, or 1 with
# nothing in the callee's error log (any check that failed is there).
want() {
  case $1 in
    pass) [ "$2" = 0 ] || { [ "$T" = t1 ] && [ "$2" = 1 ] && [ ! -s "$TMP/sipp/callee.err" ]; } ;;
    fails) [ "$2" != 0 ] ;;
    *) true ;;
  esac
}

# pair WANT_CALLER WANT_CALLEE TRANSPORT "CALLEE ARGS" "CALLER ARGS" TEXT:
# the callee (SCENARIO PORT SIPP-ARGS..., shell words) listens, the caller
# sends to it; their statuses must be as WANT says.
pair() {
  local want_a=$1 want_b=$2 text=$6 got_a got_b ce cr
  T=$3
  eval "ce=($4)"
  eval "cr=($5)"
  phone_bg callee "${ce[@]}" -t "$T"
  phone_listening "$B" "$([ "$T" = t1 ] && echo tcp || echo udp)"
  phone caller "${cr[@]}" -t "$T" "127.0.0.1:$B"
  got_a=$?
  phone_wait callee
  got_b=$?
  if want "$want_a" "$got_a" && want "$want_b" "$got_b"; then
    pass
    echo "ok: $text (caller $got_a, callee $got_b)"
  else
    fail "$text: caller status $got_a (want: $want_a), callee $got_b (want: $want_b)"
    show_phone caller
    show_phone callee
  fi
}

for t in u1 t1; do
  tn=$([ "$t" = u1 ] && echo UDP || echo TCP)
  section "$tn: the pairs complete"
  pair pass pass $t "registrar.xml $B -key grant_suffix '' -set refuse 0" \
    "register.xml $A -key user alice -key domain $D -set expires 300" \
    "$tn register: 200 names the binding, expires 300"
  pair pass pass $t "registrar.xml $B -key grant_suffix '' -set refuse 0" \
    "register.xml $A -key user alice -key domain $D -set expires 0" \
    "$tn register with Expires 0: 200 without the binding"
  pair pass pass $t "uas-call.xml $B -key user bob" \
    "uac-call.xml $A -key user alice -key callee bob -key domain $D" \
    "$tn call: INVITE 180 200 ACK BYE 200"
  pair pass pass $t "uas-message.xml $B -key user bob" \
    "uac-message.xml $A -key user alice -key callee bob -key domain $D" \
    "$tn MESSAGE 200"
done

section "UDP: the rejections"
pair pass pass u1 "registrar.xml $B -key grant_suffix '' -set refuse 1" \
  "register-expect-403.xml $A -key user dave -key domain $D" "REGISTER refused: 403"
for c in 404 480; do
  pair pass pass u1 "uas-reject.xml $B -set code $c" \
    "uac-expect-$c.xml $A -key user alice -key callee carol -key domain $D" "INVITE $c, ACK"
  pair pass pass u1 "uas-reject.xml $B -set code $c" \
    "uac-expect-gone.xml $A -key user alice -key callee bob -key domain $D" \
    "INVITE $c, ACK (uac-expect-gone takes 404 or 480)"
done

section "UDP: the checks catch wrong answers"
pair fails any u1 "registrar.xml $B -key grant_suffix 0 -set refuse 0" \
  "register.xml $A -key user alice -key domain $D -set expires 300" \
  "register.xml refuses a 200 that grants 3000 s for 300 asked"
pair fails any u1 "registrar.xml $B -key grant_suffix '' -set refuse 0" \
  "register-expect-403.xml $A -key user dave -key domain $D" \
  "register-expect-403.xml refuses a 200"
pair fails any u1 "registrar.xml $B -key grant_suffix '' -set refuse 1" \
  "register.xml $A -key user alice -key domain $D -set expires 300" \
  "register.xml refuses a 403"
pair fails any u1 "uas-reject.xml $B -set code 480" \
  "uac-expect-404.xml $A -key user alice -key callee carol -key domain $D" \
  "uac-expect-404.xml refuses a 480"
pair fails any u1 "uas-reject.xml $B -set code 404" \
  "uac-expect-480.xml $A -key user alice -key callee carol -key domain $D" \
  "uac-expect-480.xml refuses a 404"
pair any fails u1 "uas-call.xml $B -key user carol" \
  "uac-call.xml $A -key user alice -key callee bob -key domain $D" \
  "uas-call.xml refuses an INVITE for someone else"
pair any fails u1 "uas-message.xml $B -key user carol" \
  "uac-message.xml $A -key user alice -key callee bob -key domain $D" \
  "uas-message.xml refuses a MESSAGE for someone else"
pair fails any u1 "uas-reject.xml $B -set code 404" \
  "uac-call.xml $A -key user alice -key callee bob -key domain $D" \
  "uac-call.xml refuses a 404"

finish
