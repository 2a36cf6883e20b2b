#!/usr/bin/env bash
# overlay-fdlimit.sh: a peer out of file descriptors keeps serving the links
# it has and does not spin (src/peer/node_accept.c: accept(2) failing with
# EMFILE pauses the listening socket, 100 ms doubling to 2 s). Three peers
# on loopback, then a fourth joins with `ulimit -n 40` and a pending budget
# larger than that, so a flood of 300 connections runs it out of
# descriptors. While the flood is on: the peer's CPU time stays well under
# one core (a spin on the readable listening socket took 100%), a ping
# routed to it over the overlay's links is answered, its log says once per
# episode that accept(2) fails; afterwards it accepts again, the ring is
# right and its status file is still being written.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
. "$top_srcdir/tests/peer/lib-flood.sh"
HOLD=12
TICK=$(getconf CLK_TCK)
# CPU time of a process so far, in clock ticks (utime + stime).
cpu_ticks() {
  local st
  read -r st < "/proc/$1/stat" || return 1
  st=${st##*) }
  # shellcheck disable=SC2086
  set -- $st
  echo $((${12} + ${13}))
}

section "3 peers, and a fourth with 40 file descriptors"
overlay_start 3
if ! wait_ring 60; then
  fail "ring of 3 peers"
  finish
  exit 1
fi
# The pending links keep their descriptors for the whole flood (30 s
# handshake timeout): without the pause, the listening socket would stay
# readable and accept(2) fail at once, turn after turn (85% of a core
# measured with the pause taken out).
PEER3_ARGS="--max-pending 200 --max-pending-per-addr 200 --pending-timeout 30000"
if ! (ulimit -n 40 && ov add -n 1 --peer-args "$PEER3_ARGS" >/dev/null); then
  fail "start peer 3 with ulimit -n 40"
  exit 1
fi
if ! wait_ring 30; then
  fail "ring of 4 peers"
  finish
  exit 1
fi
echo "ok: ring of 4 peers (${RING_SECS}s)"
P3=$(peer_pid 3)
ID3=$(node_id 3)
expect_eq "peer 3's descriptor limit" "$(awk '$1 == "Max" && $2 == "open" { print $4 }' \
  "/proc/$P3/limits")" 40

section "flood peer 3: 300 connections held ${HOLD}s"
flood_start 3 $HOLD --count 300 --partial 20 --reopen 50
sleep 1
c0=$(cpu_ticks "$P3")
t0=$(now)
CLIENT_TIMEOUT=8000
got=$(client 1 alice ping "node:$ID3" | jq -r '"\(.ok) \(.responder)"')
expect_eq "peer 3 answers a ping over its links during the flood" "$got" "true $ID3"
sleep 4
c1=$(cpu_ticks "$P3")
# Percent of one core over the interval.
pct=$(awk -v c=$((c1 - c0)) -v hz="$TICK" -v a="$t0" -v b="$(now)" \
  'BEGIN { printf "%d", 100 * c / hz / (b - a) }')
echo "peer 3 CPU during the flood: ${pct}% of one core"
expect_le "peer 3 does not spin (% of one core)" "$pct" 50
n=$(grep -c "accept: Too many open files" "$DIR/peer3.log")
expect_ge "peer 3 logged that accept(2) ran out of descriptors" "$n" 1
# Pending handshakes time out in 3 s, so an episode lasts about that long.
expect_le "... once per episode, not once per attempt" "$n" $((HOLD / 2 + 2))

flood_end

section "after the flood"
FLOOD_END=$(date +%s)
sleep 4
got=$(client 3 alice ping | jq -r '"\(.ok) \(.responder)"')
expect_eq "a client connects to peer 3 and pings it" "$got" "true $ID3"
if wait_ring 20; then pass; echo "ok: the ring of 4 is right after the flood"; else fail "ring after the flood"; fi
expect_ge "peer 3's status file was written after the flood" \
  "$(stat -c %Y "$DIR/peer3.json")" "$FLOOD_END"
grep -E "accept:|status file|admission:" "$DIR/peer3.log" | sed 's/^/  /' | head -n 12
finish
