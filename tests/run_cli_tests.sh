#!/bin/sh
# tests/run_cli_tests.sh: the command line of wattdb as a user meets it: --help,
# usage errors (exit 2), a clean ingest (0), a rejected line (1, printed as
# `wattdb: PATH:LINE:COL: message`), a missing input (4), and status's sections.
# Run from the repository root with $WATTDB set to the binary (make test does).
# Prints `cli: N passed, M failed` last; exits non-zero when anything failed.

W=${WATTDB:-./wattdb}
FX=tests/fixtures/eprof
T=$(mktemp -d "${TMPDIR:-/tmp}/wattdb-cli-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "cli: FAIL: $*"; }

# expect CODE DESCRIPTION CMD...: runs CMD, output in $T/out and $T/err
expect() {
  want=$1 what=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, expected $want"; sed 's/^/  | /' "$T/err" | head -5; fi
}

# has FILE TEXT DESCRIPTION: FILE contains TEXT (fixed string)
has() {
  if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in $(basename "$1")"; sed 's/^/  | /' "$1" | head -5; fi
}

# --help everywhere: exit 0, usage on stdout
expect 0 "wattdb --help" "$W" --help
has "$T/out" "usage: wattdb" "wattdb --help"
for c in ingest transform build status diff explain push; do
  expect 0 "$c --help" "$W" "$c" --help
  has "$T/out" "usage: wattdb $c" "$c --help"
done

# push runs wattdb-push beside the binary; wattdb itself does not load libpq,
# whose start-up an ingest with nothing new to read would pay for nothing
mkdir -p "$T/lone" && cp "$W" "$T/lone/wattdb"
expect 5 "push without wattdb-push beside" "$T/lone/wattdb" push --help
has "$T/err" "cannot run $T/lone/wattdb-push" "push without wattdb-push beside"
if command -v readelf >/dev/null; then
  if readelf -d "$W" | grep -q 'NEEDED.*libpq'; then bad "wattdb links libpq (only wattdb-push should)"; else ok; fi
  # nor libarchive, loaded when an archive is met (ingest/archive_api.h)
  if readelf -d "$W" | grep -q 'NEEDED.*libarchive'; then bad "wattdb links libarchive (it loads it)"; else ok; fi
fi

# usage errors: exit 2 with the reason on stderr
expect 2 "no command" "$W"
expect 2 "unknown command" "$W" frobnicate
has "$T/err" "'frobnicate' is not a command" "unknown command"
expect 2 "ingest unknown option" "$W" ingest --db "$T/u.db" --frobnicate "$FX/runs.csv"
has "$T/err" "unknown option" "ingest unknown option"
expect 2 "status unknown option" "$W" status --db "$T/u.db" --frobnicate
expect 2 "ingest without PATH" "$W" ingest --db "$T/u.db"
has "$T/err" "no PATH" "ingest without PATH"
expect 2 "build without PATH" "$W" build --db "$T/u.db"
expect 2 "ingest --format unknown" "$W" ingest --db "$T/u.db" --format no-such-format "$FX/runs.csv"

# a clean ingest: exit 0
mkdir -p "$T/clean/raw/cloud/mobilenet_v2/chesslive-occupancy"
cp "$FX/raw/cloud/mobilenet_v2/chesslive-occupancy/"*.csv "$T/clean/raw/cloud/mobilenet_v2/chesslive-occupancy/"
expect 0 "clean ingest" "$W" ingest --db "$T/clean.db" "$T/clean"
has "$T/err" "4 files: 4 read" "clean ingest summary"
expect 0 "clean rerun" "$W" ingest --db "$T/clean.db" "$T/clean"
has "$T/err" "4 unchanged" "clean rerun summary"

# transform settings: kept in the database; a bad value is a usage error
expect 0 "transform with settings" "$W" transform -q --db "$T/clean.db" --carbon-intensity 56 --pue 1.2 --utc-offset 3600
sqlite3 "$T/clean.db" "SELECT name || '=' || value FROM setting ORDER BY name" >"$T/settings"
has "$T/settings" "local_utc_offset_s=3600" "--utc-offset stored"
has "$T/settings" "carbon_intensity_g_per_kwh=56" "--carbon-intensity stored"
expect 2 "transform --utc-offset not a number" "$W" transform --db "$T/clean.db" --utc-offset 1h
has "$T/err" "--utc-offset" "transform --utc-offset not a number"

# a rejected line: exit 1 and PATH:LINE:COL: message
expect 1 "ingest with a bad number" "$W" ingest --db "$T/bad.db" "$FX/raw/local/vgg16/caltech101/gpu-power-20231218T211000.csv"
has "$T/err" "wattdb: gpu-power-20231218T211000.csv:3:7: cannot parse '[N/A' as watts" "bad number message"
# a file no format recognises: exit 1, the ingest goes on
expect 1 "ingest with an unrecognised file" "$W" ingest --db "$T/unrec.db" "$FX/raw/cloud"
has "$T/err" "notes.txt: file rejected: unrecognised format" "unrecognised file message"

# a torn last line, the normal end of a stopped logger: counted, printed, exit 0
mkdir -p "$T/torn/raw/local/vgg16/ds"
printf 'epoch,end_time\n0,2023-12-18 21:31:00.000000\n1,2023-12-18 21:3' >"$T/torn/raw/local/vgg16/ds/epoch_end-20231218T213000.csv"
expect 0 "ingest with only a torn last line" "$W" ingest --db "$T/torn.db" "$T/torn"
has "$T/err" "1 lines rejected (1 of them torn last lines" "torn last line summary"
has "$T/err" "last line has no end of line" "torn last line message"
# usage errors say what is wrong and where help is, not the whole help
expect 2 "usage error" "$W" ingest --db "$T/u.db" --frobnicate "$FX/runs.csv"
has "$T/err" "see 'wattdb ingest --help'" "usage error points at --help"
if grep -q "^usage:" "$T/err"; then bad "usage error printed the whole help"; else ok; fi
# an unrecognised file lists the formats; --db in a missing folder says so; an empty folder
expect 1 "unrecognised file" "$W" ingest --db "$T/unrec2.db" "$FX/raw/cloud/notes.txt"
has "$T/err" "formats: eprof-gpu" "unrecognised file lists the formats"
expect 3 "--db in a missing folder" "$W" ingest --db "$T/no/such/dir/x.db" "$T/torn"
has "$T/err" "does not exist" "--db in a missing folder"
mkdir -p "$T/empty"
expect 0 "build of an empty folder" "$W" build --db "$T/empty.db" "$T/empty"
has "$T/err" "no files found under" "empty folder warning"
has "$T/err" "no runs to transform" "transform without runs warning"
mkdir -p "$T/sessions" && cp tests/fixtures/zeus/power-temp-freq-mem.csv "$T/sessions/"
expect 0 "build of another tool's log alone" "$W" build --db "$T/sessions.db" "$T/sessions"
has "$T/err" "stand as sessions of their own" "a log without eprof runs is a session"

# the real replication zip builds with exit 0 (its torn last lines are no error)
REALZIP=../shared/data/real/eprof/seaa2023-data.zip
if [ -f "$REALZIP" ]; then
  expect 0 "build of the real zip" "$W" build -q --db "$T/real.db" "$REALZIP"
fi

# an archive: libarchive is loaded when the first one is met; a rerun reads none of it
if [ -n "$GEN_SAMPLE" ] && "$GEN_SAMPLE" --zip "$T/sample.zip" >/dev/null 2>&1; then
  expect 0 "ingest of the sample zip" "$W" ingest --db "$T/sample.db" "$T/sample.zip"
  has "$T/err" " 0 unchanged," "ingest of the sample zip"
  expect 0 "rerun of the sample zip" "$W" ingest --db "$T/sample.db" "$T/sample.zip"
  has "$T/err" " 0 read," "rerun of the sample zip"
else
  bad "gen-sample --zip (GEN_SAMPLE=$GEN_SAMPLE)"
fi

# a missing input: exit 4
expect 4 "missing input path" "$W" ingest --db "$T/missing.db" "$T/does-not-exist"
has "$T/err" "does-not-exist" "missing input message"

# status: its sections
expect 0 "status" "$W" status --db "$T/bad.db"
for section in "files by format and status:" "rows per raw table:" "rejected lines by reason:" \
  "runs by environment and architecture:"; do
  has "$T/out" "$section" "status section"
done
has "$T/out" "bad_number" "status rejected reasons"

has "$T/out" "integrity: ok" "status integrity"

# status --json: one JSON object with the documented keys
expect 0 "status --json" "$W" status --json --db "$T/bad.db"
if python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
missing = [k for k in ('database', 'schema_version', 'integrity', 'raw_tables', 'files', 'rejected', 'nulls', 'runs') if k not in r]
assert not missing, missing
assert r['integrity'] == 'ok'
assert any(x['reason'] == 'bad_number' for x in r['rejected'])
" "$T/out"; then ok; else bad "status --json keys"; fi

# status --hash: the same data built in two folders at two times hashes alike
mkdir -p "$T/h1" "$T/h2/deeper"
cp -r "$T/clean" "$T/h1/logs" && cp -r "$T/clean" "$T/h2/deeper/logs"
WABS=$(cd "$(dirname "$W")" && pwd)/$(basename "$W")
(cd "$T/h1" && "$WABS" build -q --db one.db logs) >/dev/null 2>&1
sleep 1
(cd "$T/h2/deeper" && "$WABS" build -q --db two.db logs) >/dev/null 2>&1
expect 0 "status --hash" "$W" status --hash --db "$T/h1/one.db"
grep '^  dataset ' "$T/out" >"$T/hash1"
has "$T/out" "eprof_gpu_sample" "status --hash lists tables"
"$W" status --hash --db "$T/h2/deeper/two.db" | grep '^  dataset ' >"$T/hash2"
if [ -s "$T/hash1" ] && cmp -s "$T/hash1" "$T/hash2"; then ok; else bad "two builds of the same data hash differently"; fi

# diff: equal builds exit 0; one changed line shows that file's row and its run
expect 0 "diff of equal builds" "$W" diff "$T/h1/one.db" "$T/h2/deeper/two.db"
has "$T/out" "0 differ" "diff of equal builds"
gpu=$(ls "$T/h2/deeper/logs/raw/cloud/mobilenet_v2/chesslive-occupancy/"gpu-power-*.csv)
awk -F, 'NR == 3 { $7 = " 250.00 W" } { print }' OFS=, "$gpu" >"$T/gpu.new" && cp "$T/gpu.new" "$gpu"
(cd "$T/h2/deeper" && "$WABS" build -q --db two.db logs) >/dev/null 2>&1
expect 1 "diff after a change" "$W" diff --rows "$T/h1/one.db" "$T/h2/deeper/two.db"
has "$T/out" "eprof_gpu_sample" "diff names the raw table"
has "$T/out" "line=3" "diff names the changed line"
has "$T/out" "power_w:" "diff names the changed column"
has "$T/out" "v_run " "diff names the run's view"
expect 1 "diff --json" "$W" diff --json "$T/h1/one.db" "$T/h2/deeper/two.db"
if python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['equal'] is False
g = r['relations']['eprof_gpu_sample']
assert g['status'] == 'differs' and g['changed'] == 1 and g['only_in_a'] == 0, g
assert r['relations']['eprof_cpu_sample']['status'] == 'equal'
" "$T/out"; then ok; else bad "diff --json"; fi
expect 2 "diff with one database" "$W" diff "$T/h1/one.db"
expect 3 "diff with a missing database" "$W" diff "$T/h1/one.db" "$T/no-such.db"

# explain: a run by stamp, by full name, by id; its files, coverage and words; JSON
stamp=$(sqlite3 "$T/h1/one.db" "SELECT stamp FROM run LIMIT 1")
expect 0 "explain by stamp" "$W" explain --db "$T/h1/one.db" "$stamp"
for text in "input files" "gpu-power-$stamp.csv" "coverage of the window" "gpu_energy_j" \
  "trapezoid of GPU power" "settings:"; do
  has "$T/out" "$text" "explain text"
done
name=$(sqlite3 "$T/h1/one.db" "SELECT environment || '/' || architecture || '/' || dataset || '/' || stamp FROM run LIMIT 1")
expect 0 "explain by name, --json" "$W" explain --json --epoch 0 --db "$T/h1/one.db" "$name"
if python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['run'][0]['stamp'] == sys.argv[2]
assert {f['format'] for f in r['files']} >= {'eprof-gpu', 'eprof-cpu'}
v = r['values']['gpu_energy_j']
assert v['default'] > 0 and 'trapezoid' in v['how']['default'] and 'floored' in v['how']['gaissa'], v
d = r['values']['n_samples']
assert abs(d['default_minus_gaissa'] - (d['default'] - d['gaissa'])) < 1e-6, d
assert any(c['component'] == 'gpu' for c in r['coverage'])
assert r['epoch'] and all(e['epoch'] == 0 for e in r['epoch'])
" "$T/out" "$stamp"; then ok; else bad "explain --json"; fi
expect 0 "explain --profile" "$W" explain --db "$T/h1/one.db" --profile default 1
expect 2 "explain of no such run" "$W" explain --db "$T/h1/one.db" 19990101T000000
has "$T/err" "no run '19990101T000000'" "explain of no such run"
expect 2 "explain without a run" "$W" explain --db "$T/h1/one.db"
expect 2 "explain --profile unknown" "$W" explain --db "$T/h1/one.db" --profile fast 1

# ingest --dry-run: says what each file would be, writes nothing
expect 0 "dry run without a database" "$W" ingest --dry-run --db "$T/dry.db" "$T/clean"
if [ -e "$T/dry.db" ]; then bad "dry run created the database"; else ok; fi
has "$T/out" "read       eprof-gpu" "dry run lists a file to read with its format"
has "$T/err" "4 files: 4 would be read" "dry run summary"
cp "$T/h2/deeper/logs/raw/cloud/mobilenet_v2/chesslive-occupancy/"epoch_end-*.csv "$T/h1/logs/copy-of-epochs.csv"
cp "$T/h1/one.db" "$T/h1/before.db"
expect 0 "dry run against a database" "$W" ingest -n --db "$T/h1/one.db" "$T/h2/deeper/logs" "$T/h1/logs/copy-of-epochs.csv"
has "$T/out" "replaced   eprof-gpu" "dry run: a changed file is replaced"
has "$T/out" "unchanged" "dry run: unchanged files"
has "$T/out" "duplicate" "dry run: the same bytes under another path"
if cmp -s "$T/h1/one.db" "$T/h1/before.db" && [ ! -e "$T/h1/one.db-wal" ]; then ok; else bad "dry run changed the database"; fi
expect 2 "build --dry-run" "$W" build --dry-run --db "$T/dry.db" "$T/clean"

# read commands never create a database; foreign and damaged ones are refused
expect 3 "status of a database never made" "$W" status --db "$T/never-made.db"
has "$T/err" "no such database" "status of a database never made"
if [ -e "$T/never-made.db" ]; then bad "status created never-made.db"; else ok; fi
sqlite3 "$T/foreign.db" "CREATE TABLE note(text); PRAGMA user_version = 7;"
cp "$T/foreign.db" "$T/foreign.copy"
expect 3 "ingest into a foreign database" "$W" ingest --db "$T/foreign.db" "$T/clean"
has "$T/err" "not a wattdb database" "foreign database message"
expect 3 "status of a foreign database" "$W" status --db "$T/foreign.db"
if cmp -s "$T/foreign.db" "$T/foreign.copy" && [ ! -e "$T/foreign.db-wal" ]; then ok; else bad "foreign database changed"; fi
# damage: a page of table data overwritten in the middle of the file
cp "$T/bad.db" "$T/damaged.db"
pages=$(sqlite3 "$T/damaged.db" "PRAGMA page_count")
page_size=$(sqlite3 "$T/damaged.db" "PRAGMA page_size")
printf 'garbage%.0s' $(seq 1 600) | dd of="$T/damaged.db" bs="$page_size" seek=$((pages - 2)) conv=notrunc 2>/dev/null
expect 3 "status of a damaged database" "$W" status --db "$T/damaged.db"
has "$T/err" "damaged" "damaged database message"

# a database without write permission (a shared copy): status and Python read it
chmod 0555 "$T" && chmod 0444 "$T/clean.db"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
  as_reader="runuser -u nobody --"
else
  as_reader=""
fi
expect 0 "status of a read-only database" $as_reader "$W" status --db "$T/clean.db"
has "$T/out" "integrity: ok" "read-only status"
if command -v python3 >/dev/null; then
  expect 0 "python reads a read-only database" $as_reader python3 -c \
    "import sqlite3, sys; c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); c.execute('select count(*) from source_file').fetchone()" \
    "$T/clean.db"
fi
chmod 0755 "$T" && chmod 0644 "$T/clean.db"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
