#!/bin/sh
# bench-sim.sh: reload-sim at the sizes of issue 16, one after another,
# each line of the table measured in this run: a ring of N peers formed,
# 10,000 random fetches (mean hops against 0.5 log2 N + 1), then a run
# under churn with a median session of 30 minutes (success, values lost),
# with memory per simulated peer and simulation speed. Signatures are the
# simulated ones (--cheap-signatures), as the issue allows for scale; the
# summaries say so.
#   sh bench/sim/bench-sim.sh ./reload-sim [--sizes "1000 2000"] [--churn-peers 1000]
set -eu
SIM=$1; shift
sizes="1000 2000"
churn_peers=1000
out=${BENCH_SIM_OUT:-bench-sim-out}
while [ $# -gt 0 ]; do
  case $1 in
  --sizes) sizes=$2; shift 2 ;;
  --churn-peers) churn_peers=$2; shift 2 ;;
  *) echo "bench-sim: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
printf '%-28s %8s %9s %9s %8s %9s %10s %12s %10s\n' run peers success hops bound lost ring_ok KiB/peer peer-s/s
row() { # name peers summary-file
  awk -v name="$1" -v n="$2" '
    /^fetches/ { f = $2 + 0; ok = $3 + 0 }
    /^hops/ { h = $3 + 0 }
    /^stored values/ { lost = $7 }
    /^ring correct/ { ring = $5 }
    /^memory per peer/ { mem = $4 }
    /^speed/ { speed = $(NF - 4) }
    END { printf "%-28s %8d %8.3f%% %9.2f %8.2f %9s %10s %12s %10s\n", name, n,
          f ? 100 * ok / f : 0, h, 0.5 * log(n) / log(2) + 1, lost, ring, mem, speed }' "$3"
}
for n in $sizes; do
  "$SIM" --peers "$n" --seed 1 --cheap-signatures --join-spacing 20 --settle 30 --fetches 10000 --fetch-rate 500 \
    --json "$out/static-$n.jsonl" > "$out/static-$n.txt"
  row "static ring, 10,000 fetches" "$n" "$out/static-$n.txt"
done
"$SIM" --peers "$churn_peers" --seed 2 --cheap-signatures --join-spacing 20 --settle 30 --fetches 30000 \
  --fetch-rate 50 --session-median 1800 --json "$out/churn-$churn_peers.jsonl" \
  > "$out/churn-$churn_peers.txt"
row "churn, median session 30 min" "$churn_peers" "$out/churn-$churn_peers.txt"
# The plot: lookup success and mean hops per window, under churn.
if command -v gnuplot >/dev/null && command -v jq >/dev/null; then
  jq -r 'select(.phase >= 2) | "\(.t_s) \(.success * 100) \(.hops_mean) \(.peers)"' \
    "$out/churn-$churn_peers.jsonl" > "$out/churn.dat"
  gnuplot <<PLOT
set terminal svg size 900,500 dynamic
set output "$out/churn-$churn_peers.svg"
set title "reload-sim: $churn_peers peers, median session 30 min"
set xlabel "virtual time (s)"
set ylabel "lookup success (%)"
set y2label "mean hops"
set yrange [90:100.5]
set y2range [0:*]
set ytics nomirror
set y2tics
set key bottom right
plot "$out/churn.dat" using 1:2 with linespoints title "success", \
     "" using 1:3 axes x1y2 with linespoints title "hops"
PLOT
  echo "plot: $out/churn-$churn_peers.svg"
fi
echo "summaries and JSON lines: $out/"
