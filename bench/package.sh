#!/bin/sh
# bench/package.sh: `wattdb build` of the extracted real eprof tree against the
# replication package's own preprocessing of the same tree (GAISSA-UPC
# dl-training-energy-estimation: build_metrics_dataset, then _aggregate_metrics,
# run by bench/package_driver.py), side by side, alternating. Not a test: it
# prints wall time and peak RSS of both and wattdb / package for bench/RESULTS.md.
#
#   sh bench/package.sh [PKG_DIR] [RUNS]      or GAISSA_PKG=PKG_DIR sh bench/package.sh
#
# PKG_DIR is a checkout of the package (its src/features/preprocessing.py is
# imported from there; only src/ is read, so a checkout without models/ does).
# RUNS (default 3) pairs are run, the package first. The
# input is ZIP (default ../shared/data/real/eprof/seaa2023-data.zip), extracted once
# under bench/out/package/tree; wattdb builds a fresh database of that
# directory each time; the package reads bench/out/package/pkgtree, a copy to
# which its own add_total_memory() added a column (see bench/package_driver.py),
# and the driver writes bench/out/package/processed.csv. Last, the sums of the
# GPU and RAM energy of both, to show they computed the same thing.
# Installs nothing: it needs Debian's python3-pandas and python3-numpy (PYTHON,
# default /usr/bin/python3 when present) and unzip.
set -eu
pkg=${1:-${GAISSA_PKG:-}}
runs=${2:-3}
zip=${ZIP:-../shared/data/real/eprof/seaa2023-data.zip}
WATTDB=${WATTDB:-./wattdb}
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3; [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
out=bench/out/package
tree=$out/tree

[ -n "$pkg" ] || { echo "usage: sh bench/package.sh PKG_DIR [RUNS] (or GAISSA_PKG=PKG_DIR)" >&2; exit 2; }
[ -f "$pkg/src/features/preprocessing.py" ] || {
  echo "package: $pkg/src/features/preprocessing.py: not a checkout of dl-training-energy-estimation" >&2; exit 1; }
[ -e "$zip" ] || { echo "package: $zip: no such input" >&2; exit 1; }
command -v unzip >/dev/null || { echo "package: unzip missing (Debian package: unzip)" >&2; exit 1; }
for m in numpy:python3-numpy pandas:python3-pandas; do
  "$PYTHON" -c "import ${m%%:*}" 2>/dev/null || {
    echo "package: $PYTHON cannot import ${m%%:*} (Debian package: ${m#*:})" >&2; exit 1; }
done

mkdir -p $out
if [ ! -d $tree/data/metrics/raw ]; then
  rm -rf $tree; mkdir -p $tree
  unzip -q "$zip" -d $tree
fi
# The package's CPU reader wants the "total memory (GB)" column that its own
# add_total_memory() wrote into its raw files: done once, on a copy (untimed).
if [ ! -d $out/pkgtree/data/metrics/raw ]; then
  "$PYTHON" bench/package_driver.py prepare "$pkg" $tree $out/pkgtree
fi

timed() { # NAME COMMAND...: sets NAME_s (wall s), NAME_c (CPU s, user + sys, children included), NAME_mb (peak RSS MB, largest process)
  name=$1; shift
  sync # the steps before are on disk: their writeback is not timed here
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o $out/time.txt "$@" >$out/stdout.txt 2>$out/stderr.txt || {
    rc=$?; [ $rc -eq 1 ] || { cat $out/stderr.txt $out/time.txt >&2; exit $rc; }; }
  end=$(date +%s.%N)
  tail -n 1 $out/time.txt > $out/time.txt.last
  eval "${name}_s=\$(echo \"\$start \$end\" | awk '{ printf \"%.3f\", \$2 - \$1 }')"
  eval "${name}_c=\$(awk '{ printf \"%.2f\", \$(NF - 2) + \$(NF - 1) }' < \$out/time.txt.last)"
  eval "${name}_mb=\$(awk '{ printf \"%.1f\", \$NF / 1024 }' < \$out/time.txt.last)"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average:$(uptime | sed 's/.*load average://')"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
     "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "input: $zip extracted in $tree ($(du -sm $tree | cut -f1) MB); package: $pkg" \
     "($(git -C "$pkg" log -1 --format=%h 2>/dev/null || echo 'not a git checkout'))"
echo "python: $("$PYTHON" -c 'import sys, numpy, pandas; print(sys.version.split()[0], "numpy", numpy.__version__, "pandas", pandas.__version__)')"
i=0
while [ $i -lt "$runs" ]; do
  i=$((i + 1))
  timed pkg "$PYTHON" bench/package_driver.py run "$pkg" $out/pkgtree $out
  grep -q '^package:' $out/stdout.txt || { cat $out/stderr.txt >&2; exit 1; }
  sed 's/^/  /' $out/stdout.txt
  rm -f $out/w.db $out/w.db-wal $out/w.db-shm
  timed w "$WATTDB" build -q --db $out/w.db $tree
  echo "run $i: wattdb build $w_s s wall, $w_c s CPU, peak RSS $w_mb MB;" \
       "package $pkg_s s wall, $pkg_c s CPU, peak RSS $pkg_mb MB"
  echo "run $i: wattdb / package: wall $(echo "$w_s $pkg_s" | awk '{ printf "%.3f", $1 / $2 }')," \
       "CPU $(echo "$w_c $pkg_c" | awk '{ printf "%.3f", $1 / $2 }')   (target <= 0.20)"
done
sqlite3 $out/w.db "SELECT '  wattdb: ' || count(*) || ' runs (gaissa profile); sum of gpu energy (MJ) ' ||
                          printf('%.6f', sum(gpu_energy_j) / 1e6) || ', of ram energy (MJ) ' ||
                          printf('%.6f', sum(ram_energy_j) / 1e6)
                   FROM processed_run WHERE profile = 'gaissa'"
