#!/bin/sh
# show-test-failures.sh [DIR...]: after a failed `make check`, the end of
# the log of every test that failed or errored, for each test-suite.log
# under DIR (default .), after its failed checks. CI keeps only the last
# lines of what a run printed, and a bare "FAIL: tests/x.sh" there says
# nothing about why.
[ $# -gt 0 ] || set -- .
for d in "$@"; do
  find "$d" -name test-suite.log 2>/dev/null
done | while read -r suite; do
  dir=${suite%/test-suite.log}
  sed -n 's/^\(FAIL\|ERROR\): \(.*\)$/\2/p' "$suite" | sort -u | while read -r t; do
    for log in "$dir/$t.log" "$dir/${t%.*}.log"; do
      [ -f "$log" ] || continue
      # The failed checks first, wherever they are in the log (a test
      # may print its peers' logs after them).
      echo "===== $log: failed checks"
      grep -E '^[[:space:]]*FAIL:' "$log" | head -n 20
      echo "===== $log (last 40 lines)"
      tail -n 40 "$log"
      break
    done
  done
done
