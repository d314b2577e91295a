#!/bin/sh
# bench/push.sh: `wattdb push` of the real zip's database to a throwaway local
# PostgreSQL 15 (tests/pg.sh), side by side with the local build of the same
# data: the full push (rows/s, against the build's and the ingest's time, on
# the default two connections and on one), a second push with nothing new, the
# server's size, and two and four pushes at once (from databases built apart,
# each with its own origin; the contents are sent once).
#
#   sh bench/push.sh [ZIP]      (default ../shared/data/real/eprof/seaa2023-data.zip)
#
# Prints one line per measurement; run from the repository root after `make`.
set -eu
zip=${1:-../shared/data/real/eprof/seaa2023-data.zip}
[ -f "$zip" ] || { echo "bench/push.sh: no $zip" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/wattdb-push-bench-XXXXXX")
chmod 755 "$out" # the server runs as another user when this runs as root
pg=$out/pg
trap 'sh tests/pg.sh stop "$pg"; rm -rf "$out"' EXIT INT TERM
sh tests/pg.sh start "$pg"
url=$(sh tests/pg.sh url "$pg")
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

t0=$(now); ./wattdb build -q --db "$out/a.db" "$zip" 2>/dev/null || true; t1=$(now)
build=$(secs "$t0" "$t1")
rows=$(sqlite3 "$out/a.db" "SELECT sum(rows_ok) FROM source_file")
echo "local build: $build s ($rows raw rows)"
t0=$(now); ./wattdb ingest -q --db "$out/i.db" "$zip" 2>/dev/null || true; t1=$(now)
ingest=$(secs "$t0" "$t1"); rm -f "$out/i.db"
echo "local ingest alone: $ingest s"

t0=$(now); ./wattdb push -q --db "$out/a.db" "$url"; t1=$(now)
push=$(secs "$t0" "$t1")
echo "full push: $push s, $(echo "$rows / $push" | bc) raw rows/s, push/build $(echo "scale=2; $push / $build" | bc), push/ingest $(echo "scale=2; $push / $ingest" | bc)"
t0=$(now); ./wattdb push -q --db "$out/a.db" "$url"; t1=$(now)
echo "push with nothing new: $(secs "$t0" "$t1") s"
size=$(psql -At "$url" -c "SELECT pg_database_size(current_database())")
echo "server database: $(echo "$size / 1048576" | bc) MiB; local: $(( $(stat -c %s "$out/a.db") / 1048576 )) MiB"
psql -q "$url" -c "CREATE DATABASE one"
one=$(echo "$url" | sed 's|:///postgres|:///one|')
t0=$(now); ./wattdb push -q --jobs 1 --db "$out/a.db" "$one"; t1=$(now)
echo "full push on one connection (--jobs 1): $(secs "$t0" "$t1") s"

for n in 2 4; do
  sh tests/pg.sh stop "$pg"; sh tests/pg.sh start "$pg"; url=$(sh tests/pg.sh url "$pg")
  i=1; while [ $i -le $n ]; do
    rm -f "$out/c$i.db"; ./wattdb build -q --db "$out/c$i.db" "$zip" 2>/dev/null || true; i=$((i + 1)); done
  t0=$(now)
  i=1; while [ $i -le $n ]; do ./wattdb push -q --db "$out/c$i.db" "$url" & i=$((i + 1)); done
  wait
  t1=$(now)
  echo "$n pushes at once (the same data from $n databases): $(secs "$t0" "$t1") s"
done
