#!/bin/sh
# tests/run_suites.sh: runs the test suites given (the programs of
# build/*/tests), JOBS at a time (default: one per core), each suite's output
# kept apart and printed whole when the suite ends, with its time. Exits 1
# when any suite failed, naming them at the end; 0 otherwise.
#
#   JOBS=1 sh tests/run_suites.sh build/release/tests/test_batch ...
#
# The suites are independent: each works in a temporary folder of its own
# (tl_mkdtemp) and on a PostgreSQL database of its own (test_push), so that
# running them side by side changes nothing but the time.
set -u
[ $# -gt 0 ] || { echo "run_suites: no suite given" >&2; exit 2; }
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
logs=$(mktemp -d "${TMPDIR:-/tmp}/wattdb-suites.XXXXXX") || exit 2
trap 'rm -rf "$logs"' EXIT INT TERM

# one suite: its output to a log, then printed under a lock (flock(1) when
# there is one), its status to LOG.failed when it failed
run_one='
  logs=$1 suite=$2
  log="$logs/$(basename "$suite").log"
  start=$(date +%s)
  "$suite" >"$log" 2>&1 || echo "$suite" >"$log.failed"
  secs=$(( $(date +%s) - start ))
  if command -v flock >/dev/null 2>&1; then
    flock "$logs/.print" sh -c "cat \"\$1\"; echo \"== \$2: \$3 s\"" sh "$log" "$suite" "$secs"
  else
    cat "$log"; echo "== $suite: $secs s"
  fi'
printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh -c "$run_one" sh "$logs" {}

failed=$(cat "$logs"/*.failed 2>/dev/null)
if [ -n "$failed" ]; then
  echo "run_suites: failed:" $failed >&2
  exit 1
fi
exit 0
