# lib-serial.sh: run the sourcing test alone among the multi-peer tests of
# the same build tree (sourced first thing, before the test makes anything).
#
# make -j2 check runs two tests at a time. Two tests that each start 10-19
# peers (2048-bit keys, TLS handshakes, stabilization every 500 ms) on a
# 2-core machine, under ASan in the sanitizer build, slowed each other
# until a 16-peer ring took over 100 s to settle and Stores 8 s to answer:
# the tests' liveness bounds then failed for no fault of the peers. So the
# overlay tests take a lock (flock(1) on a file in the build tree) and run
# one at a time, while the light tests go on beside them.
#
# The test is run again under `flock -o` (the lock is held by flock itself,
# not inherited by the peers the test starts, so a peer left behind cannot
# block the next test). RL_SERIAL_LOCKED stops a nested test from waiting
# for its own parent; a test that starts no peers sets it to "none". Without flock the test runs unserialized.
if [ -z "${RL_SERIAL_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
  RL_SERIAL_LOCKED=$(date +%s)
  export RL_SERIAL_LOCKED
  _rl_lock="${top_builddir:-.}/tests/.overlay-tests.lock"
  mkdir -p "${_rl_lock%/*}" || exit 99
  _rl_wait=${RL_SERIAL_WAIT:-1800}
  flock -o -w "$_rl_wait" -E 75 "$_rl_lock" "${BASH:-/bin/sh}" "$0" "$@"
  _rl_rc=$?
  if [ "$_rl_rc" = 75 ]; then
    echo "$0: another overlay test held $_rl_lock for more than ${_rl_wait} s" >&2
    exit 99
  fi
  exit "$_rl_rc"
fi
case ${RL_SERIAL_LOCKED:-} in
  '' | held | none) ;;
  *)
    _rl_waited=$(( $(date +%s) - RL_SERIAL_LOCKED ))
    [ "$_rl_waited" -gt 0 ] && echo "(waited ${_rl_waited} s for the other overlay tests)"
    RL_SERIAL_LOCKED=held
    unset _rl_waited
    ;;
esac
