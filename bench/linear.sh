#!/bin/sh
# bench/linear.sh: does the cost of wattdb grow linearly with its input? Not a
# test: it takes several minutes and prints figures for bench/RESULTS.md.
#
#   sh bench/linear.sh [SECONDS]      default 3600 (GPU samples per run)
#   ROUNDS=3 sh bench/linear.sh       every step three times, 1x and 10x in turn,
#                                     and the ratios of their means (default 1)
#
# (a) The eprof benchmark tree at 1x and 10x (`gen-sample --dir DIR --runs 500
#     --seconds S` and `--runs 5000`): for each, into a fresh database,
#     `wattdb ingest`, then `wattdb transform`, then `wattdb ingest` again
#     (nothing to do; ten reruns back to back, each figure their mean). (b) The
#     wattmeter log at 1 h and 24 h (`gen-sample --wattmeter FILE --hours H`, as
#     bench/wattmeter.sh): the same three steps. Every step: wall time (date,
#     ms), CPU time (user + sys, /usr/bin/time -f '%U %S', less moved by other
#     jobs on a shared machine) and peak RSS (%M). Then the ratios, each
#     measured in this one run, of wall time first and CPU time second:
#     time(10x) / (10 x time(1x)) for ingest and transform (target <= 1.05),
#     time(24 h) / (24 x time(1 h)) likewise, peak RSS of every step (target
#     flat and < 64 MB), the no-op rerun / the full ingest (target <= 1 %),
#     and the wattmeter transform / its ingest (target <= 0.25).
# Inputs are generated under bench/out/ on first use and kept (the 10x tree
# at 3600 s is 2.9 GB, its database about 3.6 GB); the databases are rebuilt
# on every run.
set -eu
seconds=${1:-3600}
ROUNDS=${ROUNDS:-1}
WATTDB=${WATTDB:-./wattdb}
GEN=${GEN_SAMPLE:-build/release/gen-sample}
out=bench/out/linear
mkdir -p $out

timed() { # NAME COMMAND...: runs COMMAND, sets NAME_s (wall s), NAME_c (CPU s), NAME_mb (peak RSS MB)
  name=$1; shift
  sync # the steps before are on disk: their writeback is not timed here
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o $out/time.txt "$@" >/dev/null 2>$out/stderr.txt || {
    rc=$?; [ $rc -eq 1 ] || { cat $out/stderr.txt $out/time.txt >&2; exit $rc; }; }
  end=$(date +%s.%N)
  tail -n 1 $out/time.txt > $out/time.txt.last
  eval "${name}_s=\$(echo \"\$start \$end\" | awk '{ printf \"%.3f\", \$2 - \$1 }')"
  eval "${name}_c=\$(awk '{ printf \"%.2f\", \$(NF - 2) + \$(NF - 1) }' < \$out/time.txt.last)"
  eval "${name}_mb=\$(awk '{ printf \"%.1f\", \$NF / 1024 }' < \$out/time.txt.last)"
  eval "echo \"  $name: \$${name}_s s wall, \$${name}_c s CPU, peak RSS \$${name}_mb MB\""
}

# The no-op rerun takes milliseconds, as long as starting date and time: it is
# timed as NOOP_RUNS reruns back to back, and each figure divided by NOOP_RUNS.
NOOP_RUNS=10
per_run() { # NAME: NAME_s and NAME_c divided by NOOP_RUNS (peak RSS is the most of one run)
  eval "${1}_s=\$(echo \$${1}_s $NOOP_RUNS | awk '{ printf \"%.4f\", \$1 / \$2 }')"
  eval "${1}_c=\$(echo \$${1}_c $NOOP_RUNS | awk '{ printf \"%.4f\", \$1 / \$2 }')"
  eval "echo \"  $1, per rerun: \$${1}_s s wall, \$${1}_c s CPU\""
}

# Over ROUNDS rounds, each step's times are summed (NAME_sum_s, NAME_sum_c) and
# its peak RSS kept at its most (NAME_max_mb); mean_of then sets NAME_s,
# NAME_c and NAME_mb from them.
add_up() { # NAME
  eval "${1}_sum_s=\$(echo \${${1}_sum_s:-0} \$${1}_s | awk '{ printf \"%.4f\", \$1 + \$2 }')"
  eval "${1}_sum_c=\$(echo \${${1}_sum_c:-0} \$${1}_c | awk '{ printf \"%.4f\", \$1 + \$2 }')"
  eval "${1}_max_mb=\$(echo \${${1}_max_mb:-0} \$${1}_mb | awk '{ printf \"%.1f\", (\$2 > \$1 ? \$2 : \$1) }')"
}
mean_of() { # NAME
  eval "${1}_s=\$(echo \$${1}_sum_s $ROUNDS | awk '{ printf \"%.4f\", \$1 / \$2 }')"
  eval "${1}_c=\$(echo \$${1}_sum_c $ROUNDS | awk '{ printf \"%.4f\", \$1 / \$2 }')"
  eval "${1}_mb=\$${1}_max_mb"
}

steps() { # PREFIX INPUT: ingest, transform, no-op ingest of INPUT into a fresh database
  db=$out/$1.db
  rm -f $db $db-wal $db-shm
  timed ${1}_ingest "$WATTDB" ingest -q --db $db "$2"
  timed ${1}_transform "$WATTDB" transform -q --db $db
  timed ${1}_noop sh -c 'i=0; while [ $i -lt $1 ]; do "$2" ingest -q --db "$3" "$4" || exit; i=$((i + 1)); done' \
    sh $NOOP_RUNS "$WATTDB" $db "$2"
  per_run ${1}_noop
  for step in ingest transform noop; do add_up ${1}_$step; done
}

ratio() { # A B K: A / (K x B)
  echo "$1 $2 $3" | awk '{ printf "%.3f", $1 / ($3 * $2) }'
}
ratios() { # X Y K: "wall W, CPU C" of X / (K x Y), X and Y step names
  eval "echo \"wall \$(ratio \$${1}_s \$${2}_s $3), CPU \$(ratio \$${1}_c \$${2}_c $3)\""
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average:$(uptime | sed 's/.*load average://')"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
     "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"

# (a) the eprof tree
for runs in 500 5000; do
  tree=bench/out/tree-$runs-$seconds
  if [ ! -d "$tree" ]; then
    echo "generating $tree"
    "$GEN" --dir "$tree" --runs $runs --seconds "$seconds"
  fi
done
# (b) the wattmeter log
for hours in 1 24; do
  log=bench/out/wattmeter-${hours}h.csv
  [ -s "$log" ] || { echo "generating $log"; "$GEN" --wattmeter "$log" --hours $hours; }
done

round=0
while [ $round -lt "$ROUNDS" ]; do
  round=$((round + 1))
  [ "$ROUNDS" -eq 1 ] || echo "round $round of $ROUNDS:"
  for runs in 500 5000; do
    tree=bench/out/tree-$runs-$seconds
    echo "eprof tree $tree ($(du -sm "$tree" | cut -f1) MB):"
    steps e$runs "$tree"
  done
  for hours in 1 24; do
    log=bench/out/wattmeter-${hours}h.csv
    echo "wattmeter log $log ($(( $(wc -c < "$log") / 1000000 )) MB):"
    steps w$hours "$log"
  done
done
for prefix in e500 e5000 w1 w24; do
  for step in ingest transform noop; do mean_of ${prefix}_$step; done
done

echo
echo "at the end: $(date -u '+%H:%M UTC'); load average:$(uptime | sed 's/.*load average://')"
[ "$ROUNDS" -eq 1 ] || echo "means of $ROUNDS rounds (peak RSS: the most of any round):"
echo "eprof tree, 5000 against 500 runs of $seconds s:"
echo "  ingest:    time(10x) / (10 x time(1x)): $(ratios e5000_ingest e500_ingest 10)   (target <= 1.05)"
echo "  transform: time(10x) / (10 x time(1x)): $(ratios e5000_transform e500_transform 10)   (target <= 1.05)"
echo "  peak RSS 1x / 10x: ingest $e500_ingest_mb / $e5000_ingest_mb MB," \
     "transform $e500_transform_mb / $e5000_transform_mb MB   (target flat, < 64 MB)"
echo "  no-op rerun / full ingest, %: 1x $(ratios e500_noop e500_ingest 0.01);" \
     "10x $(ratios e5000_noop e5000_ingest 0.01)   (target <= 1 %)"
echo "wattmeter log, 24 h against 1 h:"
echo "  ingest:    time(24 h) / (24 x time(1 h)): $(ratios w24_ingest w1_ingest 24)   (target <= 1.05)"
echo "  transform: time(24 h) / (24 x time(1 h)): $(ratios w24_transform w1_transform 24)   (target <= 1.05)"
echo "  peak RSS 1 h / 24 h: ingest $w1_ingest_mb / $w24_ingest_mb MB," \
     "transform $w1_transform_mb / $w24_transform_mb MB   (target flat, < 64 MB)"
echo "  transform / ingest: 1 h $(ratios w1_transform w1_ingest 1);" \
     "24 h $(ratios w24_transform w24_ingest 1)   (target <= 0.25)"
echo "  no-op rerun / full ingest, %: 1 h $(ratios w1_noop w1_ingest 0.01);" \
     "24 h $(ratios w24_noop w24_ingest 0.01)   (target <= 1 %)"
