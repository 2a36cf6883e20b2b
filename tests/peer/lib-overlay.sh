# lib-overlay.sh: helpers the multi-peer overlay tests share (sourced, not
# run). The tests start reference peers on loopback with tools/reload-overlay
# (fresh CA, 2048-bit keys) in their own temporary directory and drive them
# with reload-client. make check exports top_srcdir and top_builddir; by
# hand, from the build directory: bash tests/peer/overlay-ring.sh
# Set RL_KEEP=1 to keep the temporary directory (peer logs) afterwards.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# One overlay test at a time per build tree (why: tests/lib-serial.sh).
. "$top_srcdir/tests/lib-serial.sh"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

if ! command -v jq >/dev/null 2>&1; then
  echo "SKIP: jq is not installed (the tests read the peers' JSON status with it)"
  exit 77
fi
for prog in reload-peer reload-client tools/reload-ca; do
  if [ ! -x "$top_builddir/$prog" ]; then
    echo "$0: $top_builddir/$prog is not built" >&2
    exit 99
  fi
done
OVERLAY="$top_srcdir/tools/reload-overlay"
CLIENT="$top_builddir/reload-client"
CA="$top_builddir/tools/reload-ca"
export RELOAD_BINDIR="$top_builddir"
OVERLAY_NAME=overlay.test
# Chord stabilization period for the tests: short, so that the ring settles
# in seconds (the configuration's default is meant for real overlays).
INTERVAL=${RL_TEST_INTERVAL:-500}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rloverlay-test.XXXXXX") || exit 99
DIR="$TMP/overlay"
BG_PIDS=""
npass=0
nfail=0
T_START=$(date +%s.%N)

# Every process a test starts is either a peer (its pid in $DIR/peerI.pid,
# written by reload-overlay) or a background job listed in BG_PIDS; all of
# them are ended by pid on exit, whatever the way out.
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
  # The logs as they were at the failure, before the kills add to them.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -d "$DIR" ]; then
    echo "--- last lines of the peer logs"
    for f in $(ls "$DIR"/peer*.log 2>/dev/null | sort -V); do
      echo "== $f"
      tail -n 6 "$f"
    done
  fi
  for f in "$DIR"/peer*.pid; do
    [ -e "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null
  done
  for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
  if [ -n "${RL_KEEP:-}" ]; then
    echo "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { npass=$((npass + 1)); }
fail() {
  nfail=$((nfail + 1))
  echo "FAIL: $*"
}
# check NAME COMMAND...: pass when COMMAND succeeds.
check() {
  _n=$1
  shift
  if "$@"; then pass; echo "ok: $_n"; else fail "$_n"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then
    pass
    echo "ok: $1 ($2)"
  else
    fail "$1"
    echo "  got:  $2"
    echo "  want: $3"
  fi
}
# expect_le NAME GOT MAX / expect_ge NAME GOT MIN (integers)
expect_le() {
  if [ "$2" -le "$3" ]; then pass; echo "ok: $1 ($2 <= $3)"; else fail "$1: $2 > $3"; fi
}
expect_ge() {
  if [ "$2" -ge "$3" ]; then pass; echo "ok: $1 ($2 >= $3)"; else fail "$1: $2 < $3"; fi
}
finish() {
  echo "$npass passed, $nfail failed ($(elapsed)s)"
  [ "$nfail" -eq 0 ]
}
# Seconds since the test started, one decimal.
elapsed() { awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
now() { date +%s.%N; }
# section TEXT: a heading with the time since the start.
section() { echo "== $* [$(elapsed)s]"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

ov() {
  _c=$1
  shift
  "$OVERLAY" "$_c" --dir "$DIR" --update-interval "$INTERVAL" "$@"
}
# overlay_start N: a fresh CA and N peers; exits the test when it fails.
# RL_TEST_LINK=dtls (or tcp-insecure, udp-insecure) runs the test over
# that link layer (reload-overlay --link).
overlay_start() {
  if ! ov start -n "$1" --link "${RL_TEST_LINK:-tls}"; then
    echo "FAIL: reload-overlay start -n $1"
    exit 1
  fi
}

# (The helpers called once a peer avoid starting processes: on a loaded
# machine each costs tens of milliseconds.)
peer_pid() { local p; read -r p < "$DIR/peer$1.pid" 2>/dev/null && echo "$p"; }
peer_port() { local p; read -r p < "$DIR/peer$1.port" && echo "$p"; }
# A peer is alive while its process runs (a zombie, killed but not yet
# reaped, is not).
peer_alive() {
  local p st
  read -r p < "$DIR/peer$1.pid" 2>/dev/null || return 1
  kill -0 "$p" 2>/dev/null || return 1
  read -r st < "/proc/$p/stat" 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
node_id() { jq -r .node_id "$DIR/peer$1.json"; }
# All peer indexes started so far, in order.
all_peers() {
  local f
  for f in "$DIR"/peer*.pid; do
    [ -e "$f" ] || continue
    f=${f##*/peer}
    echo "${f%.pid}"
  done | sort -n
}
live_peers() { local i; for i in $(all_peers); do peer_alive "$i" && echo "$i"; done; }
# The index of the peer with Node-ID $1 (empty when none).
peer_of() {
  local i
  for i in $(all_peers); do
    if [ "$(node_id "$i" 2>/dev/null)" = "$1" ]; then echo "$i"; return; fi
  done
}
# wait_exit SECONDS I...: wait until the peers I... have exited.
wait_exit() {
  local deadline=$((SECONDS + $1)) i
  shift
  for i in "$@"; do
    while peer_alive "$i"; do
      [ "$SECONDS" -ge "$deadline" ] && return 1
      sleep 0.1
    done
  done
  return 0
}
# The Node-ID in a certificate (user certificates: alice.crt, bob.crt).
cert_node_id() { "$CA" show "$1" | awk '$1 == "node-id" { print $2; exit }'; }
# sha256_lv VALUE: SHA-256 of VALUE with its 4-byte big-endian length in
# front (an opaque<0..2^32-1> as encoded, 7.4.3).
sha256_lv() {
  local l=${#1}
  { printf '%b' "$(printf '\\%03o\\%03o\\%03o\\%03o' $((l >> 24 & 255)) $((l >> 16 & 255)) \
      $((l >> 8 & 255)) $((l & 255)))"
    printf '%s' "$1"; } | sha256sum | cut -c1-64
}
# Status files are rewritten every second: wait for a fresh round.
fresh_status() { sleep 1.3; }
# wait_replication_idle SECONDS: until no live peer has replication work
# queued (status "replication": jobs_pending, answers_waiting): replica
# Stores refused while the ring formed are retried with backoff
# (doc/peer.md, durability), and land a few seconds later.
wait_replication_idle() {
  _deadline=$((SECONDS + $1))
  while :; do
    fresh_status
    _busy=$(live_status | jq '[.[] | (.replication.jobs_pending // 0) + (.replication.answers_waiting // 0)] | add // 0')
    [ "$_busy" -eq 0 ] && return 0
    [ "$SECONDS" -ge "$_deadline" ] && { echo "   replication still busy after $1 s ($_busy)"; return 1; }
  done
}

# client PEER USER ARGS...: one reload-client command as USER (alice, bob, or
# any NAME with NAME.crt/NAME.key in the overlay directory) connected to
# peer PEER, JSON output on stdout.
client() {
  _p=$1 _u=$2
  shift 2
  "$CLIENT" --config "$DIR/overlay.xml" --cert "$DIR/$_u.crt" --key "$DIR/$_u.key" \
    --peer "127.0.0.1:$(peer_port "$_p")" --link "$(cat "$DIR/link" 2>/dev/null || echo tls)" \
    --timeout "${CLIENT_TIMEOUT:-10000}" --json "$@"
}
# client_batch PEER USER FILE: one JSON line per command of FILE.
client_batch() {
  client "$1" "$2" --batch "$3"
}

# The status files of the live peers, as one JSON array.
live_status() {
  _files=""
  for _i in $(live_peers); do _files="$_files $DIR/peer$_i.json"; done
  # shellcheck disable=SC2086
  jq -s . $_files
}

# ring_problems: one line per live peer whose first successor or first
# predecessor is not its neighbour in Node-ID order among the live peers, or
# whose successor list is not the next peers in order; nothing when the ring
# is right.
ring_problems() {
  live_status | jq -r '
    (map(.node_id) | sort) as $ids | ($ids | length) as $n |
    .[] | . as $p | ($ids | index($p.node_id)) as $i |
    [range(1; $n) | $ids[($i + .) % $n]] as $after |
    [range(1; $n) | $ids[($i + $n - .) % $n]] as $before |
    if ($p.joined | not) then "\($p.node_id[0:8]) has not joined"
    elif $n > 1 and ($p.successors[0] // "none") != $after[0] then
      "\($p.node_id[0:8]): successor \(($p.successors[0] // "none")[0:8]), want \($after[0][0:8])"
    elif $n > 1 and ($p.predecessors[0] // "none") != $before[0] then
      "\($p.node_id[0:8]): predecessor \(($p.predecessors[0] // "none")[0:8]), want \($before[0][0:8])"
    elif $p.successors != $after[0:($p.successors | length)] then
      "\($p.node_id[0:8]): successors \([$p.successors[][0:8]] | join(",")), want \([$after[][0:8]] | join(","))"
    elif $p.predecessors != $before[0:($p.predecessors | length)] then
      "\($p.node_id[0:8]): predecessors \([$p.predecessors[][0:8]] | join(",")), want \([$before[][0:8]] | join(","))"
    else empty end'
}

# wait_ring TIMEOUT: wait until ring_problems is empty; prints the seconds
# it took in RING_SECS. Returns 1 (and shows the problems) on timeout.
wait_ring() {
  _t0=$(now)
  _deadline=$((SECONDS + $1))
  while :; do
    _pr=$(ring_problems 2>&1)
    [ -z "$_pr" ] && break
    if [ "$SECONDS" -ge "$_deadline" ]; then
      RING_SECS=$(since "$_t0")
      echo "ring not right after ${RING_SECS}s:"
      echo "$_pr" | sed 's/^/  /'
      return 1
    fi
    sleep 0.3
  done
  RING_SECS=$(since "$_t0")
  return 0
}

# ring_or_exit N: wait until the ring of N peers is right (60 s at most),
# or end the test with a failure.
ring_or_exit() {
  if ! wait_ring 60; then
    fail "ring of $1 peers"
    finish
    exit 1
  fi
  echo "ok: ring of $1 peers (${RING_SECS}s)"
}

# Does any live peer other than $1's owner name Node-ID $1 in its
# successors, predecessors or fingers? Prints who does.
peers_naming() {
  live_status | jq -r --arg id "$1" '
    .[] | select(.node_id != $id) |
    select((.successors + .predecessors + .finger_peers) | index($id)) |
    "\(.node_id[0:8]) lists \($id[0:8])"'
}
