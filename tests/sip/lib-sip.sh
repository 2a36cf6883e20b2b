# lib-sip.sh: helpers for the tests that drive SIP phones (sipp, Debian
# package sip-tester) against reload-peer's phone-facing SIP port (RFC 7904;
# issue 6). Sourced after tests/peer/lib-overlay.sh, which sets up $TMP,
# BG_PIDS, the cleanup and check/expect_eq; the scenarios are in
# tests/sip/sipp/ (each says what it checks).
#
# A phone is one sipp run of one scenario for one call (-m 1), on its own
# UDP/TCP port of 127.0.0.1, bounded in time (-timeout, -recv_timeout, and
# timeout(1) over it): a phone never hangs a test. Its messages, errors,
# <log> lines and final screen go to $TMP/sipp/NAME.{msg,err,log,out}; a
# failing phone prints them.

# configure's SIPP and PYTHON (make check exports them), else the PATH's.
SIPP=${SIPP:-sipp}
if [ -z "${PYTHON:-}" ] || [ "$PYTHON" = : ]; then PYTHON=python3; fi
if ! command -v "$SIPP" >/dev/null 2>&1; then
  echo "SKIP: sipp is not installed (Debian package sip-tester)"
  exit 77
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "SKIP: python3 is not installed"
  exit 77
fi
SIPP_SCEN="$top_srcdir/tests/sip/sipp"
SIP_DOMAIN=${OVERLAY_NAME:-overlay.test}
# Seconds a phone may take in all, and milliseconds it waits for one message.
PHONE_TIMEOUT=${PHONE_TIMEOUT:-20}
PHONE_RECV_MS=${PHONE_RECV_MS:-10000}
mkdir -p "$TMP/sipp"

# free_ports K: K distinct ports of 127.0.0.1 free for both UDP and TCP right
# now (a phone uses both), one a line. Below the ephemeral range, so that
# no outgoing connection takes one before the phone binds it.
free_ports() {
  "$PYTHON" - "$1" <<'EOF'
import random, socket, sys
want, got = int(sys.argv[1]), []
while len(got) < want:
    p = random.randrange(10000, 32000)
    if p in got:
        continue
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
            s.close()
    except OSError:
        continue
    got.append(p)
print("\n".join(map(str, got)))
EOF
}

# phone NAME SCENARIO PORT [SIPP ARGS...] TARGET: phone NAME runs SCENARIO
# (a file of tests/sip/sipp/, or sn:NAME for sipp's own built-in scenario
# NAME, unmodified) from 127.0.0.1:PORT once; TARGET is where it
# sends (its proxy), absent for a phone that only answers. Status: sipp's
# (0: the call succeeded). sipp runs in the background and the shell waits
# for it, so that the watchdog's signal is not held up until it ends.
phone() {
  phone_start "$@"
  wait "$PHONE_PID"
}
# phone_start NAME ...: start the phone, its pid (that of timeout(1), which
# passes signals on to sipp) in PHONE_PID, $TMP/sipp/NAME.pid and BG_PIDS.
phone_start() {
  local name=$1 sf=$2 port=$3 d="$TMP/sipp" scen
  shift 3
  scen=(-sf "$SIPP_SCEN/$sf")
  case $sf in sn:*) scen=(-sn "${sf#sn:}") ;; esac
  rm -f "$d/$name".*
  # In $TMP/sipp, where sipp writes the files it names after the scenario
  # (-trace_rtt, -trace_stat).
  ( cd "$d" && exec timeout -k 2 $((PHONE_TIMEOUT + 5)) "$SIPP" "${scen[@]}" -m 1 \
    -p "$port" -i 127.0.0.1 -nostdin -timeout "${PHONE_TIMEOUT}s" -timeout_error \
    -recv_timeout "$PHONE_RECV_MS" \
    -trace_msg -message_file "$d/$name.msg" -trace_err -error_file "$d/$name.err" \
    -trace_logs -log_file "$d/$name.log" "$@" ) > "$d/$name.out" 2>&1 < /dev/null &
  PHONE_PID=$!
  echo "$PHONE_PID" > "$d/$name.pid"
  BG_PIDS="$BG_PIDS $PHONE_PID"
}
# phone_bg NAME ...: a phone that answers (a callee), in the background;
# phone_wait NAME waits for it.
phone_bg() { phone_start "$@"; }
phone_wait() {
  local p
  read -r p < "$TMP/sipp/$1.pid" || return 1
  wait "$p"
}
# phone_listening PORT [udp|tcp]: wait (2 s at most) until something holds
# PORT of 127.0.0.1 (UDP unless told), that is until a phone started in the
# background can receive.
phone_listening() {
  local i
  for i in $(seq 40); do
    "$PYTHON" - "$1" "${2:-udp}" <<'EOF' || return 0
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[2] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
if kind == socket.SOCK_STREAM:  # past TIME_WAIT; a listener still blocks
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
    sleep 0.05
  done
  return 1
}

# show_phone NAME: what phone NAME did (after a failure).
show_phone() {
  local d="$TMP/sipp" f
  echo "--- phone $1"
  for f in err log; do
    [ -s "$d/$1.$f" ] && { echo "-- $1.$f"; tail -n 40 "$d/$1.$f"; }
  done
  [ -s "$d/$1.msg" ] && { echo "-- $1.msg (last 80 lines)"; tail -n 80 "$d/$1.msg"; }
  [ -s "$d/$1.out" ] && { echo "-- $1.out (last 25 lines)"; tail -n 25 "$d/$1.out"; }
  return 0
}
# show_peers I...: the last lines of those peers' logs.
show_peers() {
  local i
  for i in "$@"; do
    echo "--- peer $i log (last ${PEER_LOG_LINES:-30} lines)"
    tail -n "${PEER_LOG_LINES:-30}" "$DIR/peer$i.log" 2>/dev/null
  done
}

# run_phone NAME ...: phone, its status kept for phone_ok (in
# PHONE_RC_<NAME with - as _>); wait_phone NAME: phone_wait, the same.
run_phone() {
  local name=$1
  phone "$@"
  printf -v "PHONE_RC_${name//-/_}" '%s' $?
}
wait_phone() {
  phone_wait "$1"
  printf -v "PHONE_RC_${1//-/_}" '%s' $?
}
# phone_rc NAME: the status run_phone or wait_phone kept.
phone_rc() { local v="PHONE_RC_${1//-/_}"; echo "${!v:-none}"; }
# phone_ok TEXT "PEERS" PHONE...: pass when every PHONE succeeded, else fail
# and show the phones and the logs of PEERS (peer indexes).
phone_ok() {
  local text=$1 peers=$2 bad="" n
  shift 2
  for n in "$@"; do
    [ "$(phone_rc "$n")" = 0 ] || bad="$bad $n (status $(phone_rc "$n"))"
  done
  if [ -z "$bad" ]; then
    pass
    echo "ok: $text"
    return 0
  fi
  fail "$text: phone$bad failed"
  for n in "$@"; do show_phone "$n"; done
  # shellcheck disable=SC2086
  show_peers $peers
  return 1
}

# watchdog SECONDS: end the test (status 1, through the cleanup) when it
# runs longer than that.
watchdog() {
  local me=$$
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$1" &
    sp=$!
    wait "$sp" && { echo "FAIL: the test ran over $1 s" >&2; kill -TERM "$me"; }
  ) < /dev/null &
  BG_PIDS="$BG_PIDS $!"
}
