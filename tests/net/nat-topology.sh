#!/usr/bin/env bash
# nat-topology.sh: the small internet of tests/lib-netns.sh works as meant
# (doc/nat-tests.md): coturn on two public addresses (203.0.113.10, .11),
# home1 behind an endpoint-independent-mapping NAT, home2 behind an
# address-and-port-dependent-mapping NAT, both filtering unsolicited
# inbound. Checked with coturn's own clients:
#   - turnutils_stunclient from each home to both server addresses: the
#     mapped (server reflexive) addresses, printed;
#   - turnutils_natdiscovery -m (RFC 5780 mapping discovery: one local
#     port, Binding requests to 203.0.113.10:3478 then 203.0.113.11:3478
#     and :3479): home1's mapped address is the same to both server
#     addresses, home2's differs; -f: both NATs filter;
#   - a TURN allocation from home2 (turnutils_uclient, long-term
#     credentials test:test) relays to a UDP echo peer on the segment;
#   - no namespace has a route out of the topology.
# Needs root and network namespaces (SKIP otherwise).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib-netns.sh"

for c in nft jq turnserver turnutils_stunclient turnutils_natdiscovery turnutils_uclient turnutils_peer ss; do
  if ! command -v "$c" >/dev/null 2>&1; then
    echo "SKIP: $c is not installed (nftables, jq, coturn, iproute2)"
    exit 77
  fi
done
netns_require

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok: $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $*"; }
expect_eq() { if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi; }
expect_ne() { if [ "$2" != "$3" ]; then pass "$1 ($2 != $3)"; else fail "$1: both '$2'"; fi; }

S1=203.0.113.10
S2=203.0.113.11
ECHO=203.0.113.20

echo "== topology (namespaces ${NETNS_TAG}-*) [${SECONDS}s]"
netns_inet || { echo "FAIL: router namespace"; exit 1; }
netns_public stun 10 11 || { echo "FAIL: public host stun"; exit 1; }
netns_public echo 20 || { echo "FAIL: public host echo"; exit 1; }
netns_home home1 eim || { echo "FAIL: home1 (eim)"; exit 1; }
netns_home home2 apdm || { echo "FAIL: home2 (apdm)"; exit 1; }
echo "home1 192.168.1.2 behind eim NAT $(netns_wan_addr home1); home2 192.168.2.2 behind apdm NAT $(netns_wan_addr home2)"
netns_coturn_start stun "$S1" "$S2" || { echo "FAIL: coturn"; exit 1; }
echo "coturn (pid $COTURN_PID) on $S1 and $S2, ports 3478/3479"

# stun_mapped NS SERVER: the mapped address turnutils_stunclient reports.
# It prints it at the first answer, then waits for the answer to an RFC
# 5780 CHANGE-REQUEST, which the NAT's filtering drops: it is stopped
# after 4 s.
stun_mapped() {
  timeout 4 ip netns exec "$(netns_name "$1")" turnutils_stunclient "$2" 2>&1 |
    sed -n 's/.*UDP reflexive addr: *\([0-9.]*:[0-9]*\).*/\1/p' | head -n 1
}

echo "== turnutils_stunclient (a new local port each run) [${SECONDS}s]"
for h in home1 home2; do
  wan=$(netns_wan_addr "$h")
  for s in "$S1" "$S2"; do
    m=$(stun_mapped "$h" "$s")
    echo "  $h -> $s:3478 mapped $m"
    expect_eq "$h's mapped address to $s is its NAT's" "${m%%:*}" "$wan"
  done
done

# natdiscovery NS: the mapped addresses of the -m run's three responses
# (one local port; to S1:3478, S2:3478, S2:3479), one a line.
echo "== turnutils_natdiscovery -m (RFC 5780: one local port, three destinations) [${SECONDS}s]"
for h in home1 home2; do
  out=$(timeout 20 ip netns exec "$(netns_name "$h")" turnutils_natdiscovery -m "$S1" 2>&1)
  echo "$out" > "$NETNS_TMP/$h-mapping.txt"
  # The responses of the discovery (after its heading), one mapped address each.
  mapped=$(echo "$out" | sed -n '/Mapping Behavior Discovery/,$p' |
    sed -n 's/.*UDP reflexive addr: *\([0-9.]*:[0-9]*\).*/\1/p')
  local_port=$(echo "$out" | sed -n 's/.*Local addr: *: *[0-9.]*:\([0-9]*\).*/\1/p' | head -n 1)
  m1=$(echo "$mapped" | sed -n 1p)
  m2=$(echo "$mapped" | sed -n 2p)
  m3=$(echo "$mapped" | sed -n 3p)
  verdict=$(echo "$out" | grep -o 'NAT with [A-Za-z ]*Mapping' | head -n 1)
  echo "  $h local port $local_port: to $S1:3478 mapped $m1, to $S2:3478 mapped $m2${m3:+, to $S2:3479 mapped $m3}"
  echo "  $h: natdiscovery says: ${verdict:-nothing}"
  case $h in
    home1)
      [ -n "$m1" ] && expect_eq "home1 (eim): the same mapping to both server addresses" "$m2" "$m1" ||
        fail "home1: no mapped address"
      expect_eq "home1: natdiscovery's verdict" "$verdict" "NAT with Endpoint Independent Mapping"
      ;;
    home2)
      if [ -n "$m1" ] && [ -n "$m2" ]; then
        expect_ne "home2 (apdm): a different mapping per server address" "$m2" "$m1"
      else
        fail "home2: mapped addresses missing"
      fi
      expect_eq "home2: natdiscovery's verdict" "$verdict" "NAT with Address and Port Dependent Mapping"
      ;;
  esac
done

echo "== turnutils_natdiscovery -f (filtering: CHANGE-REQUEST answers come from elsewhere) [${SECONDS}s]"
for h in home1 home2; do
  out=$(timeout 30 ip netns exec "$(netns_name "$h")" turnutils_natdiscovery -f "$S1" 2>&1)
  echo "$out" > "$NETNS_TMP/$h-filtering.txt"
  verdict=$(echo "$out" | grep -o 'NAT with [A-Za-z ]*Filtering' | head -n 1)
  echo "  $h: ${verdict:-no verdict}"
  expect_eq "$h drops unsolicited inbound" "$verdict" "NAT with Address and Port Dependent Filtering"
done

echo "== a TURN allocation from home2 (behind the apdm NAT), relaying to $ECHO:3480 [${SECONDS}s]"
ip netns exec "$(netns_name echo)" turnutils_peer -L "$ECHO" > "$NETNS_TMP/peer.out" 2>&1 &
ECHO_PID=$!
for _ in $(seq 50); do
  [ "$(netns_exec echo ss -Hlnu "sport = :3480" | wc -l)" -ge 1 ] && break
  sleep 0.1
done
out=$(timeout 30 ip netns exec "$(netns_name home2)" turnutils_uclient -u test -w test -e "$ECHO" \
  -n 10 -m 1 -l 100 -X "$S1" 2>&1)
rc=$?
echo "$out" > "$NETNS_TMP/uclient.txt"
echo "$out" | grep -E 'Total|relay|lost|send|recv' | grep -viE 'warning' | tail -n 8 | sed 's/^/  /'
expect_eq "turnutils_uclient exits with 0" "$rc" 0
# "Total lost packets 0 (0.000000%), total send dropped 0 (0.000000%)"
lost=$(echo "$out" | sed -n 's/.*Total lost packets \([0-9]*\).*/\1/p' | tail -n 1)
recv=$(echo "$out" | sed -n 's/.*tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' | tail -n 1)
if [ "${recv:-0}" -gt 0 ]; then pass "messages echoed back through the relay ($recv)"; else fail "nothing came back through the relay"; fi
expect_eq "lost packets through the relay" "${lost:-none}" 0
# coturn (verbose) logs each request it served: "ALLOCATE processed, success".
nalloc=$(grep -c "ALLOCATE processed, success" "$NETNS_TMP/coturn/turnserver.log" 2>/dev/null)
grep -h "ALLOCATE processed\|username=<test>" "$NETNS_TMP/coturn/turnserver.log" 2>/dev/null |
  head -n 3 | sed 's/^/  coturn: /'
if [ "${nalloc:-0}" -ge 1 ]; then pass "coturn made $nalloc allocation(s)"; else fail "coturn logged no allocation"; fi
kill "$ECHO_PID" 2>/dev/null
wait "$ECHO_PID" 2>/dev/null

echo "== nothing routes out of the topology [${SECONDS}s]"
for ns in inet stun echo home1-nat home2-nat; do
  if netns_exec "$ns" ip route get 8.8.8.8 >/dev/null 2>&1; then
    fail "$ns has a route to 8.8.8.8: $(netns_exec "$ns" ip route get 8.8.8.8 | head -n 1)"
  else
    pass "$ns: no route to 8.8.8.8"
  fi
  expect_eq "$ns: no default route" "$(netns_exec "$ns" ip route show default | wc -l)" 0
done
for h in home1 home2; do
  # A home's default route goes to its NAT, which has none.
  via=$(netns_exec "$h" ip route get 8.8.8.8 2>/dev/null | sed -n 's/.* via \([0-9.]*\).*/\1/p')
  k=${h#home}
  expect_eq "$h: the way out is its NAT only" "$via" "192.168.$k.1"
done
# Every veth of the topology has its other end in one of our namespaces.
stray=0
for ns in $NETNS_LIST; do
  for nsid in $(ip -n "$ns" -j link show type veth | jq -r '.[].link_netnsid // "none"'); do
    [ "$nsid" = none ] && stray=$((stray + 1)) && continue
    peer=$(ip -n "$ns" netns list-id | sed -n "s/^nsid $nsid (iproute2 netns name: \(.*\))\$/\1/p")
    case " $NETNS_LIST " in *" $peer "*) ;; *) stray=$((stray + 1)) ;; esac
  done
done
expect_eq "veths whose far end is outside the topology's namespaces" "$stray" 0

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
