#!/bin/sh
# bench/floor.sh: wattdb ingest against SQLite's own insert floor for exactly the
# rows it stored (bench/floor.c), side by side in one run. Not
# a test: prints figures for bench/RESULTS.md, ratio first.
#
#   sh bench/floor.sh [INPUT] [RUNS]     default: the real replication zip, 3 runs
#
# Each run: a fresh `wattdb ingest -q` of INPUT (wall time), then bench-floor
# inserting the same rows into a fresh database with the same schema and
# settings, one transaction per file, timing only the inserts. FLOOR_FK=1: the
# floor with foreign keys enforced (what the ingest did before it checked the
# file once instead of every row).
set -eu
input=${1:-../shared/data/real/eprof/seaa2023-data.zip}
runs=${2:-3}
WATTDB=${WATTDB:-./wattdb}
FLOOR=${FLOOR:-build/release/bench-floor}
out=bench/out/floor
mkdir -p $out
[ -e "$input" ] || { echo "floor: $input: no such input" >&2; exit 1; }
echo "input: $input"
i=0
while [ $i -lt "$runs" ]; do
  i=$((i + 1))
  rm -f $out/ingest.db $out/ingest.db-wal $out/ingest.db-shm
  sync # the steps before are on disk: their writeback is not timed here
  start=$(date +%s.%N)
  "$WATTDB" ingest -q --db $out/ingest.db "$input" 2>/dev/null || [ $? -eq 1 ]
  end=$(date +%s.%N)
  sync
  line=$("$FLOOR" ${FLOOR_FK:+--foreign-keys} $out/ingest.db $out/floor.db)
  echo "$line" | awk -v s="$start" -v e="$end" -v i=$i '{
    ingest = e - s; floor = $(NF - 2)
    printf "run %d: ingest %.3f s, insert floor %.3f s (%s rows): ingest / floor = %.2f\n", i, ingest, floor, $4, ingest / floor }'
done
