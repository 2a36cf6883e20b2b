#!/usr/bin/env bash
# baresip-call.sh: real phones in make check (issue 17). Two baresip
# phones, alice at peer 1 and bob at peer 2 of a 3-peer overlay with --sip,
# register, call, answer, exchange audio and hang up, over UDP and over TCP
# (baresip-call.py drives them through ctrl_tcp and checks their events and
# SIP traces). Skipped (77) without baresip (Debian baresip-core, installed
# by ./bootstrap), sipp, jq or python3. Loopback only. Bounded to 150 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
# lib-sip.sh: PYTHON, free_ports, watchdog.
. "$top_srcdir/tests/sip/lib-sip.sh"
BARESIP=${BARESIP:-baresip}
if ! command -v "$BARESIP" >/dev/null 2>&1; then
  echo "SKIP: baresip is not installed (Debian package baresip-core; ./bootstrap installs it)"
  exit 77
fi
for m in opus ausine aufile account menu ctrl_tcp; do
  if [ ! -e "/usr/lib/baresip/modules/$m.so" ]; then
    echo "SKIP: baresip module $m.so is missing from /usr/lib/baresip/modules"
    exit 77
  fi
done
watchdog 150
section "3 peers with --sip"
if ! ov start -n 3 --sip --sip-base 0; then
  echo "FAIL: reload-overlay start -n 3 --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 40
ports=$(free_ports 8 | tr '\n' ' ')
mkdir -p "$TMP/baresip"
section "baresip: alice (peer 1) calls bob (peer 2) over UDP, then over TCP"
# In the background, in BG_PIDS: the cleanup's TERM reaches it, and it
# quits the phones it started.
# shellcheck disable=SC2086
"$PYTHON" "$top_srcdir/tests/sip/baresip-call.py" "$(command -v "$BARESIP")" "$TMP/baresip" \
  "$(ov sip-port 1)" "$(ov sip-port 2)" $ports > "$TMP/baresip.out" 2>&1 &
driver=$!
BG_PIDS="$BG_PIDS $driver"
if wait "$driver"; then
  pass
  cat "$TMP/baresip.out"
else
  fail "baresip calls (baresip-call.py)"
  cat "$TMP/baresip.out"
  for f in "$TMP"/baresip/*.out; do
    echo "== $f (SIP lines)"
    grep -a -E "^(UDP|TCP|TLS) |^[A-Z]+ sip:|^SIP/2.0 " "$f" | tail -n 40
  done
  for i in 1 2; do echo "== peer $i"; grep " sip: " "$DIR/peer$i.log" | tail -n 25; done
fi
finish
