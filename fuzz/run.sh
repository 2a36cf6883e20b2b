#!/bin/sh
# run.sh: run the libFuzzer fuzzers built by `make fuzz` (used by
# `make fuzz-run`).
#
#   fuzz/run.sh [-s SRCDIR] [-b BUILDDIR] [-t SECONDS] [-r RUNS] [-j JOBS]
#               [-k] TARGET...
#
# Each fuzzer runs on a scratch copy of fuzz/corpus/TARGET (the committed
# seeds are never modified) with the dictionary, a -max_len suited to the
# target, for SECONDS (-max_total_time) or RUNS executions (-runs), JOBS
# fuzzers at a time. Prints per target: executions, exec/s, coverage (cov:
# and ft: of libFuzzer's final line), new corpus units, and crashes; the
# crash inputs stay in the scratch directory, named in the output. Exit
# status 1 on any crash, leak, timeout or sanitizer report. -k keeps the
# scratch directories (for the grown corpora).
set -u

srcdir=.
builddir=.
seconds=30
runs=
jobs=2
keep=0
one=
while getopts s:b:t:r:j:k1: opt; do
  case $opt in
  s) srcdir=$OPTARG ;;
  b) builddir=$OPTARG ;;
  t) seconds=$OPTARG ;;
  r) runs=$OPTARG ;;
  j) jobs=$OPTARG ;;
  k) keep=1 ;;
  1) one=$OPTARG ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run.sh: no targets" >&2; exit 2; }

if [ -n "$one" ]; then
  scratch=$one
else
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/reload-fuzz.XXXXXX") || exit 1
fi

max_len() {
  case $1 in
  message | client_message | framed_message) echo 4096 ;;
  destination_list | kind_value) echo 1024 ;;
  json_message | overlay_config) echo 8192 ;;
  capture) echo 16384 ;;
  tls_records) echo 8192 ;;
  *) echo 2048 ;;
  esac
}

dict() {
  case $1 in
  json_message) echo "$srcdir/fuzz/json.dict" ;;
  overlay_config) echo "$srcdir/fuzz/xml.dict" ;;
  stun_srv) echo "$srcdir/fuzz/stun.dict" ;;
  *) echo "$srcdir/fuzz/reload.dict" ;;
  esac
}

# Run one target in the background-able form; writes $scratch/$t.log.
run_one() {
  t=$1
  dir="$scratch/$t"
  mkdir -p "$dir/corpus" "$dir/crashes"
  cp "$srcdir/fuzz/corpus/$t"/* "$dir/corpus/" 2>/dev/null
  if [ -n "$runs" ]; then limit="-runs=$runs"; else limit="-max_total_time=$seconds"; fi
  # -timeout: an input taking 10 s is a bug (a loop), reported as a crash.
  "$builddir/fuzz/fuzz-$t" "$dir/corpus" "$limit" -dict="$(dict "$t")" \
    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
    > "$dir/log" 2>&1
  echo $? > "$dir/status"
}

# Internal: run one target (from the xargs pool below).
if [ -n "$one" ]; then
  run_one "$1"
  exit 0
fi

for t in "$@"; do
  if [ ! -x "$builddir/fuzz/fuzz-$t" ]; then
    echo "run.sh: no fuzzer $builddir/fuzz/fuzz-$t (make fuzz)" >&2
    exit 2
  fi
  if [ ! -d "$srcdir/fuzz/corpus/$t" ]; then
    echo "run.sh: no corpus $srcdir/fuzz/corpus/$t" >&2
    exit 2
  fi
done

# A pool of JOBS: xargs starts the next fuzzer as soon as one ends. Each
# runs in a new shell of this script with the internal option -1.
all="$*"
printf '%s\n' "$@" | xargs -P "$jobs" -I{} /bin/sh "$0" \
  -s "$srcdir" -b "$builddir" -t "$seconds" ${runs:+-r "$runs"} -1 "$scratch" {}

bad=0
printf '%-20s %12s %9s %7s %8s %6s  %s\n' target executions exec/s cov ft new result
for t in $all; do
  dir="$scratch/$t"
  log="$dir/log"
  status=$(cat "$dir/status" 2>/dev/null || echo 1)
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
  execs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  new=$(stat new_units_added)
  last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1)
  cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  crashes=$(ls "$dir/crashes" | wc -l)
  result=ok
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ] ||
     grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz target ' "$log"; then
    result="FAIL (exit $status, $crashes crash files)"
    bad=1
  fi
  printf '%-20s %12s %9s %7s %8s %6s  %s\n' "$t" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "${new:-?}" "$result"
done
for t in $all; do
  dir="$scratch/$t"
  if [ -n "$(ls "$dir/crashes")" ]; then
    echo "--- $t: $(ls "$dir/crashes" | tr '\n' ' ')"
    grep -E 'ERROR|runtime error|^fuzz target|SUMMARY' "$dir/log" | head -n 8
    echo "    inputs in $dir/crashes, log $dir/log"
    keep=1
  fi
done
if [ $keep -eq 1 ]; then
  echo "scratch kept: $scratch"
else
  rm -rf "$scratch"
fi
exit $bad
