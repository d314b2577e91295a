#!/bin/sh
# bench/same-output.sh: whether two wattdb binaries build the same databases:
# each builds the real replication zip (when ../shared is present), the sample
# data.zip and every fixture folder into a database of its own, and every
# relation's content hash (`wattdb status --hash`: tables and views) is
# compared; a table that the new schema gave more columns is compared on the
# columns it had (values and types, file ids as paths). For a change that must
# not move a number (a refactoring, a speed-up). Not a test: prints one line
# per input, and each relation that differs or exists in one only.
#
#   sh bench/same-output.sh OLD_BINARY [NEW_BINARY]    NEW defaults to ./wattdb
#
# OLD_BINARY is typically built from an earlier commit:
#   git worktree add /tmp/old COMMIT && make -C /tmp/old wattdb
set -eu
old=${1:?usage: sh bench/same-output.sh OLD_BINARY [NEW_BINARY]}
new=${2:-./wattdb}
GEN=${GEN_SAMPLE:-build/release/gen-sample}
out=bench/out/same-output
rm -rf $out && mkdir -p $out
[ -x "$GEN" ] || make --no-print-directory "$GEN" >/dev/null
"$GEN" --zip $out/data.zip >/dev/null
set -- "sample $out/data.zip"
[ -e ../shared/data/real/eprof/seaa2023-data.zip ] && set -- "$@" "real-zip ../shared/data/real/eprof/seaa2023-data.zip"
for d in tests/fixtures/*/; do
  case $d in */fuzz/|*/upgrade/) continue;; esac
  set -- "$@" "fixtures-$(basename "$d") $d"
done
status=0
for item in "$@"; do
  name=${item%% *}; input=${item#* }
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    "$bin" build -q --db $out/$name-$side.db "$input" >/dev/null 2>&1 || [ $? -eq 1 ]
    "$bin" status --json --hash --db $out/$name-$side.db > $out/$name-$side.json
  done
  /usr/bin/python3 - "$name" $out/$name-old.json $out/$name-new.json $out/$name-old.db $out/$name-new.db <<'PY' || status=1
import collections, json, sqlite3, sys
name, a, b = sys.argv[1], json.load(open(sys.argv[2]))["hashes"]["relations"], json.load(open(sys.argv[3]))["hashes"]["relations"]
old_db, new_db = (sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in sys.argv[4:6])

def columns(db, t):
    return [r[1] for r in db.execute(f'SELECT * FROM pragma_table_info(?)', (t,))]

def rows_on(db, t, cols):
    """The rows of T on COLS, each value with its type, file ids as paths."""
    sel = []
    for c in cols:
        e = f'(SELECT path FROM source_file WHERE id = t."{c}")' if c == "file_id" else f't."{c}"'
        sel += [e, f"typeof({e})"]
    return collections.Counter(db.execute(f'SELECT {", ".join(sel)} FROM "{t}" t'))

# a table the new schema gave more columns: the same rows on the columns it had
grown = []
for k in sorted(set(a) & set(b)):
    if a[k] == b[k]:
        continue
    old_cols, new_cols = columns(old_db, k), columns(new_db, k)
    if old_cols and set(old_cols) < set(new_cols) and rows_on(old_db, k, old_cols) == rows_on(new_db, k, old_cols):
        grown.append(k)
differ = [k for k in sorted(set(a) & set(b)) if a[k] != b[k] and k not in grown]
only_old, only_new = sorted(set(a) - set(b)), sorted(set(b) - set(a))
rows = sum(v["rows"] for v in b.values())
print(f"{name}: {len(set(a) & set(b))} relations in both, {len(differ)} differ ({rows} rows in the new)"
      + (f"; grown, same rows on the former columns: {', '.join(grown)}" if grown else "")
      + (f"; only in the old: {', '.join(only_old)}" if only_old else "")
      + (f"; only in the new: {', '.join(only_new)}" if only_new else ""))
for k in differ:
    print(f"  {k}: {a[k]['rows']} rows -> {b[k]['rows']} rows, hash differs")
sys.exit(1 if differ else 0)
PY
done
exit $status
