#!/bin/sh
# bench/versus.sh: wattdb binaries against each other and against `sqlite3
# .import` on one log, side by side: RUNS rounds, each binary's ingest into a
# fresh database, then `.import --csv` of the same file, in turn. Not a test:
# prints each wall time and the mean of each, for bench/RESULTS.md (the ratio
# to divide is mean / .import's mean of the same rounds).
#
#   sh bench/versus.sh FILE RUNS WATTDB...
#   e.g. sh bench/versus.sh bench/out/import/nvidia-smi-2000000.csv 6 /tmp/old/wattdb ./wattdb
set -eu
[ $# -ge 3 ] || { echo "usage: sh bench/versus.sh FILE RUNS WATTDB..." >&2; exit 2; }
f=$1 runs=$2
shift 2
out=bench/out/versus
mkdir -p $out
now() { date +%s.%N; }
for r in $(seq "$runs"); do
  for b in "$@"; do
    rm -f $out/w.db $out/w.db-wal $out/w.db-shm
    sync # the steps before are on disk: their writeback is not timed here
    s=$(now); "$b" ingest -q --db $out/w.db "$f" 2>/dev/null || [ $? -eq 1 ]; e=$(now)
    echo "$b $(echo "$s $e" | awk '{printf "%.3f", $2 - $1}')"
  done
  rm -f $out/i.db
  sync
  s=$(now); sqlite3 $out/i.db ".import --csv $f t"; e=$(now)
  echo ".import $(echo "$s $e" | awk '{printf "%.3f", $2 - $1}')"
done | tee $out/log | awk '{print} {s[$1] += $2; c[$1]++} END {for (k in s) printf "MEAN %s %.3f (%d)\n", k, s[k] / c[k], c[k]}'
