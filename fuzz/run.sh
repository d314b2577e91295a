#!/bin/sh
# fuzz/run.sh SECONDS TARGET...: runs the libFuzzer targets build/fuzz/fuzz-TARGET
# one after the other, each for SECONDS, on its corpus build/fuzz/corpus/TARGET/
# (new inputs go there) and its seeds build/fuzz/seeds/TARGET/ (made by
# `make fuzz`). Prints one line per target with the executions run; a crash
# goes to build/fuzz/crashes/TARGET/ (emptied first) and makes the script fail once every
# target has run. The full output of each run is in build/fuzz/log/TARGET.log.
# FUZZ_FLAGS holds more libFuzzer options (e.g. -fork=1 -ignore_crashes=1 to go
# on after a crash).
set -u
secs=$1
shift
B=build/fuzz
mkdir -p "$B/log"
# a stack for every UBSan report, not just its line
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS
failed=""
for t in "$@"; do
  corpus=$B/corpus/$t crashes=$B/crashes/$t log=$B/log/$t.log
  rm -rf "$crashes"
  mkdir -p "$corpus" "$crashes" "$B/seeds/$t"
  start=$(date +%s)
  "$B/fuzz-$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    ${FUZZ_FLAGS:-} -artifact_prefix="$crashes/" "$corpus" "$B/seeds/$t" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  # "#123456 DONE ..." at the end of a clean run; the last "#N" stat line otherwise
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
  # with -fork=1 -ignore_crashes=1 a crash leaves only its artifact
  if [ "$rc" -eq 0 ] && [ -z "$(ls "$crashes")" ]; then
    echo "fuzz: $t: ${execs:-0} executions in ${took} s, no crash"
  else
    echo "fuzz: $t: FAILED (exit $rc) after ${execs:-0} executions in ${took} s; see $log"
    grep -E -m 1 -A 14 '==ERROR|runtime error|fuzz_[a-z]*(\(|:)|deadly signal|Test unit written' "$log" | sed 's/^/    /'
    ls "$crashes" | sed "s|^|    artifact: $crashes/|"
    failed="$failed $t"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: crashes in:$failed" >&2
  exit 1
fi
