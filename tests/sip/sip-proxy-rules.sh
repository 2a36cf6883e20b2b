#!/usr/bin/env bash
# sip-proxy-rules.sh: the RFC 3261 proxy rules of a peer's SIP port that
# issue 17 found broken (self-addressed Request-URI, ;transport=tcp and
# phone connections, Record-Route on TCP legs, a binding's Contact,
# transaction matching and capacity, hop-by-hop ACK of a non-2xx,
# received/rport, Max-Forwards and 416), each checked with raw SIP over
# loopback sockets by sip-proxy-rules.py. A 3-peer overlay with --sip.
# Skipped without sipp, jq or python3. Bounded to 150 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
# lib-sip.sh: PYTHON, free_ports, watchdog.
. "$top_srcdir/tests/sip/lib-sip.sh"
watchdog 150
section "3 peers with --sip"
if ! ov start -n 3 --sip --sip-base 0; then
  echo "FAIL: reload-overlay start -n 3 --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 40
ports=$(free_ports 8 | tr '\n' ' ')
section "raw SIP at peer 1 (alice) and peer 2 (bob, carol)"
# shellcheck disable=SC2086
if "$PYTHON" "$top_srcdir/tests/sip/sip-proxy-rules.py" "$(ov sip-port 1)" "$(ov sip-port 2)" \
    $ports > "$TMP/rules.out" 2>&1; then
  pass
  cat "$TMP/rules.out"
else
  fail "proxy rules (sip-proxy-rules.py)"
  cat "$TMP/rules.out"
  for i in 1 2; do echo "== peer $i"; grep " sip: " "$DIR/peer$i.log" | tail -n 25; done
fi
finish
