#!/bin/sh
# bench/import.sh: wattdb ingest of one large log against sqlite3's .import of
# the same file into untyped text columns, side by side, RUNS times each,
# alternating. Not a test: prints the ratios (ratio first) for bench/RESULTS.md.
#
#   sh bench/import.sh [RUNS [LOGS]]     RUNS default 3; LOGS "nvidia-smi",
#                                        "wattmeter" or both (the default)
#
# The logs (made once, kept in bench/out):
#   `gen-sample --nvidia-smi FILE --rows $NVSMI_ROWS` (default 2,000,000 lines:
#     eight --query-gpu fields, two GPUs);
#   `gen-sample --wattmeter FILE --hours $WM_HOURS` (default 24: 8.64 M frames).
# `.import --csv` makes its table from the first line it reads: the nvidia-smi
# header, the wattmeter header after `--skip 1` (the stray INFO line
# wattmetre-read prints first). wattdb types every value, hashes the file and
# accounts for every line, one transaction. Wall time by `date`, peak RSS and
# CPU time by /usr/bin/time.
set -eu
runs=${1:-3}
logs=${2:-nvidia-smi wattmeter}
for log in $logs; do
  case $log in nvidia-smi | wattmeter) ;; *) echo "bench/import.sh: unknown log '$log' (nvidia-smi, wattmeter)" >&2; exit 2 ;; esac
done
WATTDB=${WATTDB:-./wattdb}
GEN=${GEN_SAMPLE:-build/release/gen-sample}
nv_rows=${NVSMI_ROWS:-2000000}
wm_hours=${WM_HOURS:-24}
out=bench/out/import
mkdir -p $out
nv=$out/nvidia-smi-$nv_rows.csv
wm=$out/wattmeter-${wm_hours}h.csv
case " $logs " in *" nvidia-smi "*) [ -s $nv ] || "$GEN" --nvidia-smi $nv --rows $nv_rows ;; esac
case " $logs " in *" wattmeter "*) [ -s $wm ] || "$GEN" --wattmeter $wm --hours $wm_hours ;; esac
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "wattdb: $("$WATTDB" --version 2>/dev/null || echo "$WATTDB"), sqlite3 $(sqlite3 --version | cut -d' ' -f1)"

# timed LABEL COMMAND...: runs COMMAND, sets $wall (s), $cpu (s), $rss (MB)
timed() {
  sync # the steps before are on disk: their writeback is not timed here
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o $out/time.txt "$@" >/dev/null 2>$out/stderr.txt || {
    rc=$?; [ $rc -eq 1 ] || { cat $out/stderr.txt >&2; exit $rc; }; }
  end=$(date +%s.%N)
  wall=$(echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }')
  cpu=$(awk '{ printf "%.2f", $1 + $2 }' $out/time.txt)
  rss=$(awk '{ printf "%.1f", $3 / 1024 }' $out/time.txt)
}

# bench NAME FILE SKIP
bench() {
  name=$1 file=$2 skip=$3
  echo "$name: $file, $(wc -l < $file) lines, $(( $(wc -c < $file) / 1000000 )) MB"
  i=0
  while [ $i -lt "$runs" ]; do
    i=$((i + 1))
    rm -f $out/w.db $out/w.db-wal $out/w.db-shm $out/i.db
    timed "$WATTDB" ingest -q --db $out/w.db $file
    w_wall=$wall w_cpu=$cpu w_rss=$rss
    timed sqlite3 $out/i.db ".import --csv --skip $skip $file t"
    rows=$(sqlite3 $out/w.db "SELECT rows_ok FROM source_file")
    irows=$(sqlite3 $out/i.db "SELECT count(*) FROM t")
    echo "$w_wall $wall $w_cpu $cpu $w_rss $rss $rows $irows" | awk -v n="$name" -v i=$i '{
      printf "%s run %d: ingest / .import = %.2f (CPU %.2f); ingest %.2f s (CPU %.2f s, %.1f MB, %d rows), .import %.2f s (CPU %.2f s, %.1f MB, %d rows)\n",
        n, i, $1 / $2, $3 / $4, $1, $3, $5, $7, $2, $4, $6, $8 }'
  done
}

for log in $logs; do
  case $log in
    nvidia-smi) bench nvidia-smi $nv 0 ;;
    wattmeter) bench wattmeter $wm 1 ;;
  esac
done
