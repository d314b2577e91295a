#!/bin/sh
# bench/ingest.sh: wattdb ingest against sqlite3's .import on the same large
# eprof tree (issue 2's benchmark). Not a test: it takes minutes and prints
# figures for bench/RESULTS.md.
#
#   sh bench/ingest.sh [RUNS] [SECONDS]     default 500 runs of 3600 s at 1 Hz
#
# Measures, in one run: wattdb's typed ingest (wall time, rows/s, MB/s, peak RSS),
# a rerun that has nothing to do, `wattdb transform` of the database it built
# (and a rerun of it with nothing changed), and `sqlite3 DB ".import --csv FILE t"` of the
# same files into untyped text tables (one sqlite3 process, one .import per file,
# the header skipped after the first file of each kind).
set -eu
runs=${1:-500}
seconds=${2:-3600}
WATTDB=${WATTDB:-./wattdb}
GEN=${GEN_SAMPLE:-build/release/gen-sample}
out=bench/out/ingest
tree=bench/out/tree-$runs-$seconds
mkdir -p $out
if [ ! -d "$tree" ]; then
  echo "generating $tree"
  $GEN --dir "$tree" --runs "$runs" --seconds "$seconds"
fi
bytes=$(find "$tree" -type f -name '*.csv' -exec cat {} + | wc -c)
files=$(find "$tree" -type f -name '*.csv' | wc -l)
timed() { # LABEL COMMAND...: runs COMMAND under /usr/bin/time, prints "LABEL seconds rss_kb"
  label=$1; shift
  sync # the steps before are on disk: their writeback is not timed here
  /usr/bin/time -f "%e %M" -o $out/time.txt "$@" >/dev/null 2>$out/stderr.txt || {
    rc=$?; [ $rc -eq 1 ] || { cat $out/stderr.txt; exit $rc; }; }
  echo "$label $(tail -n 1 $out/time.txt)"
}

rm -f $out/wattdb.db $out/wattdb.db-wal $out/wattdb.db-shm $out/import.db
sync
set -- $(timed wattdb "$WATTDB" ingest -q --db $out/wattdb.db "$tree")
w_s=$2; w_rss=$3
set -- $(timed rerun "$WATTDB" ingest -q --db $out/wattdb.db "$tree")
r_s=$2; r_rss=$3
set -- $(timed transform "$WATTDB" transform -q --db $out/wattdb.db)
t_s=$2; t_rss=$3
set -- $(timed transform-rerun "$WATTDB" transform -q --db $out/wattdb.db)
tr_s=$2; tr_rss=$3
rows=$(sqlite3 $out/wattdb.db "select sum(rows_ok) from source_file")

# The same files through .import, as one script.
{
  echo ".mode csv"
  for kind in gpu-power cpu-mem-usage epoch_end; do
    table=$(echo $kind | tr -- - _)
    first=1
    find "$tree" -type f -name "$kind-*.csv" | sort | while read -r f; do
      if [ $first = 1 ]; then echo ".import '$f' $table"; first=0;
      else echo ".import --skip 1 '$f' $table"; fi
    done
  done
} > $out/import.sql
sync
set -- $(timed import sh -c "sqlite3 $out/import.db < $out/import.sql")
i_s=$2; i_rss=$3
i_rows=$(sqlite3 $out/import.db "select (select count(*) from gpu_power)+(select count(*) from cpu_mem_usage)+(select count(*) from epoch_end)")

awk -v files="$files" -v bytes="$bytes" -v rows="$rows" -v irows="$i_rows" \
    -v ws="$w_s" -v wrss="$w_rss" -v rs="$r_s" -v rrss="$r_rss" -v is="$i_s" -v irss="$i_rss" \
    -v ts="$t_s" -v trss="$t_rss" -v trs="$tr_s" -v trrss="$tr_rss" 'BEGIN {
  mb = bytes / 1e6
  printf "input: %d files, %.1f MB\n", files, mb
  printf "| | wall (s) | rows | rows/s | MB/s | peak RSS (MB) |\n|---|---|---|---|---|---|\n"
  printf "| wattdb ingest | %.2f | %d | %.0f | %.1f | %.1f |\n", ws, rows, rows / ws, mb / ws, wrss / 1024
  printf "| wattdb ingest, rerun (nothing to do) | %.2f | 0 | | | %.1f |\n", rs, rrss / 1024
  printf "| sqlite3 .import --csv | %.2f | %d | %.0f | %.1f | %.1f |\n", is, irows, irows / is, mb / is, irss / 1024
  printf "| wattdb transform (both profiles) | %.2f | | | | %.1f |\n", ts, trss / 1024
  printf "| wattdb transform, rerun (nothing changed) | %.2f | | | | %.1f |\n", trs, trrss / 1024
  printf "rerun / full ingest: %.2f %%; wattdb / .import wall time: %.2f; transform / ingest: %.2f\n", 100 * rs / ws, ws / is, ts / ws
}'
