# lib-flood.sh: the connection flood of overlay-flood.sh and
# overlay-fdlimit.sh (sourced after lib-overlay.sh). flood.py runs in the
# background, its pid in BG_PIDS, so the cleanup of lib-overlay.sh ends it
# whatever the way out.
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is not installed (the flood is a python3 script)"
  exit 77
fi
FLOOD="$top_srcdir/tests/peer/flood.py"

# flood_start PEER HOLD ARGS...: flood peer PEER for HOLD seconds (ARGS:
# more flood.py options); returns once its connections are started (10 s
# at most). FLOOD_PID, FLOOD_HOLD, FLOOD_T0 describe it.
flood_start() {
  local peer=$1
  FLOOD_HOLD=$2
  shift 2
  rm -f "$TMP/flood.ready"
  python3 "$FLOOD" --port "$(peer_port "$peer")" --hold "$FLOOD_HOLD" \
    --ready-file "$TMP/flood.ready" "$@" >"$TMP/flood.json" &
  FLOOD_PID=$!
  BG_PIDS="$BG_PIDS $FLOOD_PID"
  FLOOD_T0=$SECONDS
  for _ in $(seq 100); do [ -s "$TMP/flood.ready" ] && break; sleep 0.1; done
}

# flood_end: wait until the flood has ended by itself (its hold time, and
# 10 s more at most: then it is killed); prints its counts.
flood_end() {
  while kill -0 "$FLOOD_PID" 2>/dev/null && [ $((SECONDS - FLOOD_T0)) -le $((FLOOD_HOLD + 10)) ]; do
    sleep 0.5
  done
  kill "$FLOOD_PID" 2>/dev/null
  wait "$FLOOD_PID" 2>/dev/null
  echo "flood: $(cat "$TMP/flood.json")"
}
