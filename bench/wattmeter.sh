#!/bin/sh
# bench/wattmeter.sh: wattdb ingest of a 24 h OmegaWatt log (a frame every 10 ms,
# six sockets: 8.64 M frames) against sqlite3's .import of the same file, with
# wall time and peak RSS from /usr/bin/time -v (issue 4's benchmark). Not a test:
# it takes minutes and prints the figures for bench/RESULTS.md.
#
#   sh bench/wattmeter.sh [HOURS]        default 24
#
# The log comes from `gen-sample --wattmeter FILE --hours H` (falling back to
# bench/gen_wattmeter.sh). wattmetre-read's stray first line (its stderr INFO
# message) is skipped for .import with --skip 1, so that .import builds the same
# 17-column table from the header instead of a 1-column one; wattdb reads the
# file as it is. Both write a fresh database in bench/out.
set -eu
hours=${1:-24}
WATTDB=${WATTDB:-./wattdb}
GEN=${GEN_SAMPLE:-build/release/gen-sample}
out=bench/out
log=$out/wattmeter-${hours}h.csv
mkdir -p $out
if [ ! -s "$log" ]; then
  echo "generating $log"
  if "$GEN" --help 2>&1 | grep -q -- --wattmeter; then
    "$GEN" --wattmeter "$log" --hours "$hours"
  else
    sh bench/gen_wattmeter.sh "$log" "$hours"
  fi
fi
skip=0
head -1 "$log" | grep -q '^#timestamp' || skip=1
lines=$(wc -l < "$log")
mb=$(( $(wc -c < "$log") / 1000000 ))
echo "file: $log, $lines lines, $mb MB"

timed() { # LABEL COMMAND...: prints "LABEL: N s, peak RSS M MB"
  label=$1; shift
  sync # the steps before are on disk: their writeback is not timed here
  /usr/bin/time -v -o $out/time.txt "$@" >/dev/null 2>$out/stderr.txt || {
    rc=$?; [ $rc -eq 1 ] || { cat $out/stderr.txt; exit $rc; }; }
  s=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' $out/time.txt)
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' $out/time.txt)
  echo "$label: $s (h:mm:ss or m:ss), peak RSS $((kb / 1024)) MB"
}

rm -f $out/wm.db $out/wm.db-wal $out/wm.db-shm $out/import.db
timed "wattdb ingest" "$WATTDB" ingest --quiet --db $out/wm.db "$log"
sqlite3 $out/wm.db "SELECT 'wattdb rows: ' || count(*) FROM wattmeter_frame;
                    SELECT 'source_file: ' || status || ' lines ' || lines || ' ok ' || rows_ok ||
                           ' rejected ' || rows_rejected || ' skipped ' || skipped_lines FROM source_file;"
timed "sqlite3 .import" sqlite3 $out/import.db ".import --csv --skip $skip $log t"
sqlite3 $out/import.db "SELECT '.import rows: ' || count(*) FROM t"
ls -l $out/wm.db $out/import.db | awk '{ print $9 ": " int($5 / 1000000) " MB" }'
