/* tests/test_upgrade.c: a database made by an earlier release opens, upgrades
 * and transforms with this one, losing nothing.
 *
 * tests/fixtures/upgrade/schema-18.sql is the dump of a database the release
 * at schema version 18 built from several fixture folders (its README says
 * how). The test loads it, takes every relation's content hash (schema/canon.h,
 * what `wattdb status --hash` prints), opens it with wdb_open, which applies
 * the newer schema files, and checks that every relation it had holds the same
 * rows; then runs a full transform and checks the same again: the tables the
 * newer schema now creates (source_*) kept their rows and shape, and the
 * current transform computes, from the raw rows, exactly what the earlier one
 * stored. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "schema/canon.h"
#include "schema/embedded.h"
#include "transform/transform.h"

#define DUMP "tests/fixtures/upgrade/schema-18.sql"
#define MAX_RELATIONS 256

struct hashes {
  int n;
  char name[MAX_RELATIONS][64];
  char hex[MAX_RELATIONS][65];
  long long rows[MAX_RELATIONS];
  char cols[MAX_RELATIONS][2048]; /* its columns, "a, b, ..." in their order */
};

static void hash_all(struct wdb *db, struct hashes *h) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name",
                                      -1, &st, NULL),
                   SQLITE_OK);
  h->n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!canon_relation(name)) continue;
    assert_true(h->n < MAX_RELATIONS);
    snprintf(h->name[h->n], sizeof h->name[h->n], "%s", name);
    struct canon c;
    assert_int_equal(canon_build(db, "main", name, &c), 0);
    assert_int_equal(canon_hash(db, &c, h->hex[h->n], &h->rows[h->n]), 0);
    canon_free(&c);
    snprintf(h->cols[h->n], sizeof h->cols[h->n], "%s",
             tl_text(db, "SELECT group_concat('\"' || name || '\"', ', ') FROM"
                         " (SELECT name FROM pragma_table_info('%s') ORDER BY cid)", name));
    h->n++;
  }
  sqlite3_finalize(st);
}

/* The rows of relation NAME on columns COLS ("a, b"), in DB and in the
 * database attached as BEFORE, compared value and type: the number of rows in
 * one only. */
static long long rows_differing_on(struct wdb *db, const char *name, const char *cols) {
  char typed[8192] = "";
  size_t k = 0;
  char list[2048];
  snprintf(list, sizeof list, "%s", cols);
  for (char *save = NULL, *c = strtok_r(list, ", ", &save); c; c = strtok_r(NULL, ", ", &save))
    k += (size_t)snprintf(typed + k, sizeof typed - k, "%s%s, typeof(%s)", k ? ", " : "", c, c);
  return tl_int(db,
                "SELECT (SELECT count(*) FROM (SELECT %s FROM before.\"%s\" EXCEPT SELECT %s FROM main.\"%s\"))"
                " + (SELECT count(*) FROM (SELECT %s FROM main.\"%s\" EXCEPT SELECT %s FROM before.\"%s\"))",
                typed, name, typed, name, typed, name, typed, name);
}

/* Every relation of BEFORE is in AFTER with the same rows; a table that the
 * newer schema gave more columns (appended to its own) keeps its rows on the
 * columns it had, compared with the database BEFORE attached to DB. */
static void same_relations(const struct hashes *before, const struct hashes *after, struct wdb *db,
                           const char *when) {
  for (int i = 0; i < before->n; i++) {
    int j = 0;
    while (j < after->n && strcmp(after->name[j], before->name[i]) != 0) j++;
    if (j == after->n) fail_msg("%s: %s is gone", when, before->name[i]);
    if (strcmp(before->hex[i], after->hex[j]) == 0) continue;
    size_t n = strlen(before->cols[i]);
    int grew = strlen(after->cols[j]) > n && strncmp(after->cols[j], before->cols[i], n) == 0 &&
               after->cols[j][n] == ',';
    if (!grew || after->rows[j] != before->rows[i] ||
        rows_differing_on(db, before->name[i], before->cols[i]) != 0)
      fail_msg("%s: %s differs (%lld rows before, %lld after)", when, before->name[i], before->rows[i],
               after->rows[j]);
  }
}

/* Loads dump DUMP into a new SQLite file PATH. */
static void load_dump(const char *dump, const char *path) {
  sqlite3 *raw;
  assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
  char *err = NULL;
  if (sqlite3_exec(raw, dump, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", path, err);
  sqlite3_close(raw);
}

static void database_of_schema_18_upgrades_keeping_its_rows(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char path[1024], copy[1024];
  snprintf(path, sizeof path, "%s/old.db", dir);
  snprintf(copy, sizeof copy, "%s/before.db", dir);
  size_t n;
  char *dump = ic_slurp(DUMP, &n);
  load_dump(dump, path);
  load_dump(dump, copy); /* stays as it was, to compare with */
  free(dump);

  struct wdb db;
  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_int_equal(tl_int(&db, "PRAGMA user_version"), 18);
  /* the dump is of a transformed database with rows in the moved tables */
  assert_true(tl_int(&db, "SELECT count(*) FROM source_energy") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_powermetrics_sample") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_aipowermeter_interval") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM processed_epoch") > 0);
  static struct hashes before, opened, transformed;
  hash_all(&db, &before);
  wdb_close(&db);

  tl_open(&db, dir, "old.db");
  assert_true(tl_int(&db, "PRAGMA user_version") > 18);
  /* a database made by an earlier release keeps its page size; a new one
   * has 16 KiB pages (schema/db.c) */
  assert_int_equal(tl_int(&db, "PRAGMA page_size"), 4096);
  struct wdb fresh;
  tl_open(&fresh, dir, "new.db");
  assert_int_equal(tl_int(&fresh, "PRAGMA page_size"), 16384);
  tl_close(&fresh);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s' AS before", copy);
  assert_int_equal(wdb_exec(&db, attach, "attach"), 0);
  assert_string_equal(tl_text(&db, "PRAGMA integrity_check"), "ok");
  hash_all(&db, &opened);
  same_relations(&before, &opened, &db, "after the upgrade");

  struct transform_options opt = {.profiles = TF_ALL, .full = 1};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&db, &opt, &st), 0);
  msg_quiet = 0;
  assert_true(st.runs > 0 && st.rebuilt > 0);
  hash_all(&db, &transformed);
  same_relations(&before, &transformed, &db, "after the upgrade and a full transform");
  /* and what the upgrade made (the segments cut from interim_sample's rows)
   * is what the transform makes */
  same_relations(&opened, &transformed, &db, "after the upgrade, then a full transform");
  tl_close(&db);
  tl_rmdir(dir);
}

/* The hash of relation NAME of database SCHEMA of DB into HEX. */
static void hash_of(struct wdb *db, const char *schema, const char *name, char hex[65]) {
  struct canon c;
  long long rows;
  assert_int_equal(canon_build(db, schema, name, &c), 0);
  assert_int_equal(canon_hash(db, &c, hex, &rows), 0);
  canon_free(&c);
}

/* The place of schema file NAME in the schema: the user_version of a database
 * made before it. */
static int schema_file_index(const char *name) {
  for (int i = 0; schema_sql[i].name; i++)
    if (!strcmp(schema_sql[i].name, name)) return i;
  fail_msg("%s is not embedded", name);
  return -1;
}

/* Copies DIR/fresh.db to DIR/old.db (its path into PATH, of CAP bytes) and
 * opens the copy with SQLite alone, to make it a database of an earlier
 * release. */
static sqlite3 *open_copy(const char *dir, char *path, size_t cap) {
  snprintf(path, cap, "%s/fresh.db", dir);
  size_t n;
  char *bytes = ic_slurp(path, &n);
  tl_write(dir, "old.db", bytes, n);
  free(bytes);
  snprintf(path, cap, "%s/old.db", dir);
  sqlite3 *raw;
  assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
  return raw;
}

/* What 024_wattmeter_series.sql adds, taken away (SQL inside a transaction). */
#define WATTMETER_SERIES_UNDONE                                                                        \
  "DROP TABLE wattmeter_series;"                                                                       \
  "ALTER TABLE wattmeter_file DROP COLUMN first_us; ALTER TABLE wattmeter_file DROP COLUMN last_us;"   \
  "ALTER TABLE wattmeter_file DROP COLUMN bank0_frames;"                                               \
  "ALTER TABLE wattmeter_file DROP COLUMN bank0_first_us; ALTER TABLE wattmeter_file DROP COLUMN bank0_last_us;" \
  "ALTER TABLE wattmeter_file DROP COLUMN gap_us; ALTER TABLE wattmeter_file DROP COLUMN bridged_us;"  \
  "ALTER TABLE wattmeter_file DROP COLUMN unbridged_us;"

/* What 025_nvidia_smi_numbers.sql changes, undone (SQL inside a transaction):
 * the slot texts in nvidia_smi_value_more back in t1 .. t16, their bits cleared. */
#define NVIDIA_SMI_NUMBERS_UNDONE                                                                          \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t1 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t2 TEXT;"    \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t3 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t4 TEXT;"    \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t5 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t6 TEXT;"    \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t7 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t8 TEXT;"    \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t9 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t10 TEXT;"   \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t11 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t12 TEXT;"  \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t13 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t14 TEXT;"  \
  "ALTER TABLE nvidia_smi_sample ADD COLUMN t15 TEXT; ALTER TABLE nvidia_smi_sample ADD COLUMN t16 TEXT;"  \
  "UPDATE nvidia_smi_sample AS s SET texts = nullif(s.texts & 65535, 0),"                                  \
  " t1 = m.t1, t2 = m.t2, t3 = m.t3, t4 = m.t4,"                                                           \
  " t5 = m.t5, t6 = m.t6, t7 = m.t7, t8 = m.t8,"                                                           \
  " t9 = m.t9, t10 = m.t10, t11 = m.t11, t12 = m.t12,"                                                     \
  " t13 = m.t13, t14 = m.t14, t15 = m.t15, t16 = m.t16"                                                    \
  " FROM (SELECT file_id, line,"                                                                           \
  "  max(CASE col WHEN 1 THEN text END) AS t1, max(CASE col WHEN 2 THEN text END) AS t2,"                  \
  "  max(CASE col WHEN 3 THEN text END) AS t3, max(CASE col WHEN 4 THEN text END) AS t4,"                  \
  "  max(CASE col WHEN 5 THEN text END) AS t5, max(CASE col WHEN 6 THEN text END) AS t6,"                  \
  "  max(CASE col WHEN 7 THEN text END) AS t7, max(CASE col WHEN 8 THEN text END) AS t8,"                  \
  "  max(CASE col WHEN 9 THEN text END) AS t9, max(CASE col WHEN 10 THEN text END) AS t10,"                \
  "  max(CASE col WHEN 11 THEN text END) AS t11, max(CASE col WHEN 12 THEN text END) AS t12,"              \
  "  max(CASE col WHEN 13 THEN text END) AS t13, max(CASE col WHEN 14 THEN text END) AS t14,"              \
  "  max(CASE col WHEN 15 THEN text END) AS t15, max(CASE col WHEN 16 THEN text END) AS t16"               \
  "  FROM nvidia_smi_value_more WHERE col <= 16 GROUP BY file_id, line) m"                                 \
  " WHERE s.file_id = m.file_id AND s.line = m.line;"                                                      \
  "DELETE FROM nvidia_smi_value_more WHERE col <= 16;"

/* source_energy and source_window_energy of schema SCHEMA ('main', 'fresh')
 * as text, %.17g for reals, in key order. */
static char *energies(struct wdb *db, const char *schema) {
  return xstrdup(tl_text(db, "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%s,%%s,%%s,%%s,%%s,%%.17g,%%.17g,"
                             "%%s,%%s,%%s', run_id, session_file_id, file_id, source, component, device, energy_j,"
                             " covered_s, samples, first_us, last_us) AS x FROM %s.source_energy"
                             " UNION ALL SELECT printf('%%s,%%s,%%s,%%.17g', run_id, session_file_id, device,"
                             " energy_j) FROM %s.source_window_energy ORDER BY 1)",
                             schema, schema));
}

/* Wattmeter logs ingested by a release before 024_wattmeter_series.sql (made
 * here from a database this release built, what 024 adds taken away): opened
 * again, the migration adds the columns, NULL for its logs, and no series; the
 * transform reads their frames and gives, to the last bit, what it gives a
 * database this release ingested from the same files, which takes the
 * series the ingest stored. */
static void wattmeter_logs_of_an_earlier_release_are_read_by_the_transform(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "fresh.db");
  tl_ingest(&db, "tests/fixtures/wattmeter");
  long long logs = tl_int(&db, "SELECT count(*) FROM wattmeter_file");
  assert_true(logs >= 5);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM wattmeter_file WHERE first_us IS NOT NULL"), logs);
  tl_close(&db);
  char path[1100];
  sqlite3 *raw = open_copy(dir, path, sizeof path);
  char *sql = sqlite3_mprintf("BEGIN;" NVIDIA_SMI_NUMBERS_UNDONE WATTMETER_SERIES_UNDONE
                              "PRAGMA user_version = %d; COMMIT",
                              schema_file_index("024_wattmeter_series.sql"));
  char *err = NULL;
  if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s", err);
  sqlite3_free(sql);
  sqlite3_close(raw);

  struct transform_options opt = {.profiles = TF_ALL, .full = 1};
  struct transform_stats st;
  tl_open(&db, dir, "fresh.db");
  assert_int_equal(transform_run(&db, &opt, &st), 0);
  tl_close(&db);
  tl_open(&db, dir, "old.db");
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM wattmeter_file WHERE first_us IS NULL AND gap_us IS NULL"), logs);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM wattmeter_series"), 0);
  assert_int_equal(transform_run(&db, &opt, &st), 0);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s/fresh.db' AS fresh", dir);
  assert_int_equal(wdb_exec(&db, attach, "attach"), 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM main.source_energy WHERE source = 'wattmeter'") >= logs);
  char *old_e = energies(&db, "main"), *fresh_e = energies(&db, "fresh");
  assert_string_equal(old_e, fresh_e);
  free(old_e), free(fresh_e);
  tl_close(&db);
  tl_rmdir(dir);
}

/* An earlier release stored an nvidia-smi line as one nvidia_smi_value row per
 * field. Such a database is made here from one this release built from the
 * nvidia-smi fixtures and a log whose header changes, repeats and comes back
 * (fresh.db): the table of that shape put back with the view's rows, and what
 * 022_nvidia_smi_wide.sql and 023_nvidia_smi_texts.sql add taken away. Opened
 * again, it is migrated: nvidia_smi_value, now the view, has the rows the table
 * had, and the overflow rows are those the fresh ingest wrote, the sample rows
 * and field lists too but for what 023 stores otherwise: the migrated rows
 * number no text, and 025 moves every text of a slot to nvidia_smi_value_more. */
static void nvidia_smi_rows_of_an_earlier_release_become_wide_rows(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "logs/changes.csv",
               "timestamp, index, power.draw [W], memory.used [MiB]\n"
               "2024/03/06 10:00:00.000, 0, 35.12 W, 10 MiB\n"
               "timestamp, index, power.draw [W], memory.used [MiB]\n"
               "2024/03/06 10:00:01.000, 0, 36.12 W, [N/A]\n"
               "timestamp, index, power.draw [W]\n"
               "2024/03/06 10:00:02.000, 0, 37 W\n"
               "2024/03/06 10:00:03.000, 1, , \n"
               "timestamp, index, power.draw [W], memory.used [MiB]\n"
               "timestamp, index, power.draw [W]\n"
               "2024/03/06 10:00:04.000, 0, 38 W\n"
               "timestamp, index, power.draw [W], memory.used [MiB]\n"
               "2024/03/06 10:00:05.000, 0, [N/A], 12 MiB\n");
  struct wdb db;
  tl_open(&db, dir, "fresh.db");
  char logs[1100];
  snprintf(logs, sizeof logs, "%s/logs", dir);
  tl_ingest(&db, "tests/fixtures/nvidia-smi");
  tl_ingest(&db, logs);
  assert_true(tl_int(&db, "SELECT count(*) FROM nvidia_smi_value_more") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM (SELECT DISTINCT file_id, fields_line FROM nvidia_smi_field)") >
              tl_int(&db, "SELECT count(DISTINCT file_id) FROM nvidia_smi_field"));
  tl_close(&db);
  char path[1100];
  sqlite3 *raw = open_copy(dir, path, sizeof path);
  char *sql = sqlite3_mprintf(
      "BEGIN;"
      "CREATE TABLE former_value (file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,"
      " line INTEGER NOT NULL, col INTEGER NOT NULL, field TEXT NOT NULL, unit TEXT, num REAL, text TEXT,"
      " PRIMARY KEY (file_id, line, col)) WITHOUT ROWID;"
      "INSERT INTO former_value SELECT file_id, line, col, field, unit, num, text FROM nvidia_smi_value;"
      "DROP VIEW nvidia_smi_value; DROP TABLE nvidia_smi_field; DROP TABLE nvidia_smi_value_more;"
      "DROP TABLE nvidia_smi_text; ALTER TABLE nvidia_smi_sample DROP COLUMN texts;"
      "ALTER TABLE former_value RENAME TO nvidia_smi_value;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN fields_line;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n1;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n2;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n3;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n4;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n5;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n6;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n7;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n8;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n9;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n10;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n11;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n12;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n13;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n14;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n15;"
      "ALTER TABLE nvidia_smi_sample DROP COLUMN n16;"
      WATTMETER_SERIES_UNDONE "PRAGMA user_version = %d; COMMIT",
      schema_file_index("022_nvidia_smi_wide.sql"));
  char *err = NULL;
  if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s", err);
  sqlite3_free(sql);
  sqlite3_close(raw);

  char before[65], after[65], fresh[65];
  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_string_equal(tl_text(&db, "SELECT type FROM sqlite_schema WHERE name = 'nvidia_smi_value'"), "table");
  hash_of(&db, "main", "nvidia_smi_value", before);
  wdb_close(&db);

  tl_open(&db, dir, "old.db");
  assert_string_equal(tl_text(&db, "SELECT type FROM sqlite_schema WHERE name = 'nvidia_smi_value'"), "view");
  hash_of(&db, "main", "nvidia_smi_value", after);
  assert_string_equal(after, before);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s/fresh.db' AS fresh", dir);
  assert_int_equal(wdb_exec(&db, attach, "attach"), 0);
  hash_of(&db, "main", "nvidia_smi_value", after);
  hash_of(&db, "fresh", "nvidia_smi_value", fresh);
  if (strcmp(after, fresh)) fail_msg("nvidia_smi_value: the migrated rows are not those of a fresh ingest");
  static const char *const columns[][3] = {
      {"nvidia_smi_sample", "file_id, line, ts_us, gpu, power_w, fields_line", "1"},
      {"nvidia_smi_field", "file_id, fields_line, col, field, unit", "1"},
      {"nvidia_smi_value_more", "*", "col > 16"}};
  for (int i = 0; i < 3; i++) {
    const char *t = columns[i][0], *c = columns[i][1], *w = columns[i][2];
    assert_int_equal(tl_int(&db, "SELECT count(*) FROM main.%s WHERE %s", t, w),
                     tl_int(&db, "SELECT count(*) FROM fresh.%s WHERE %s", t, w));
    if (tl_int(&db, "SELECT count(*) FROM (SELECT %s FROM main.%s WHERE %s EXCEPT SELECT %s FROM fresh.%s WHERE %s)",
               c, t, w, c, t, w))
      fail_msg("%s: the migrated rows are not those of a fresh ingest", t);
  }
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM main.nvidia_smi_text"), 0);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM main.nvidia_smi_sample WHERE texts & 65535"), 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM fresh.nvidia_smi_text") > 0);
  /* each text of a slot moved, its line's bit set */
  long long texts = tl_int(&db, "SELECT count(*) FROM main.nvidia_smi_value WHERE col <= 16 AND text IS NOT NULL");
  assert_true(texts > 0);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM main.nvidia_smi_value_more WHERE col <= 16"), texts);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM main.nvidia_smi_value_more m JOIN main.nvidia_smi_sample s"
                               " USING (file_id, line) WHERE m.col <= 16 AND (s.texts >> (m.col + 15)) & 1"),
                   texts);
  tl_close(&db);
  tl_rmdir(dir);
}

/* The release before 025_nvidia_smi_numbers.sql kept a slot's text that is not
 * numbered in the slot's t_k: such a database is made here from one this
 * release built (fresh.db) from the nvidia-smi fixtures and a log with times
 * not as nvidia-smi writes them, a name too long to number and more texts
 * than a file numbers. Opened again, it is migrated: its sample rows,
 * nvidia_smi_value_more and nvidia_smi_value are those of the fresh ingest. */
static void nvidia_smi_slot_texts_of_an_earlier_release_become_rows(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  tl_write_nvidia_smi_loose_texts(dir, "logs/texts.csv");
  struct wdb db;
  tl_open(&db, dir, "fresh.db");
  char logs[1100];
  snprintf(logs, sizeof logs, "%s/logs", dir);
  tl_ingest(&db, "tests/fixtures/nvidia-smi");
  tl_ingest(&db, logs);
  long long moved = tl_int(&db, "SELECT count(*) FROM nvidia_smi_value_more WHERE col <= 16");
  assert_true(moved > TL_NV_LOOSE_LINES / 3);
  tl_close(&db);
  char path[1100];
  sqlite3 *raw = open_copy(dir, path, sizeof path);
  char *sql = sqlite3_mprintf("BEGIN;" NVIDIA_SMI_NUMBERS_UNDONE "PRAGMA user_version = %d; COMMIT",
                              schema_file_index("025_nvidia_smi_numbers.sql"));
  char *err = NULL;
  if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s", err);
  sqlite3_free(sql);
  sqlite3_close(raw);

  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_int_equal(tl_int(&db, "SELECT sum((t1 IS NOT NULL) + (t2 IS NOT NULL) + (t3 IS NOT NULL) + (t4 IS NOT NULL)"
                               " + (t5 IS NOT NULL) + (t6 IS NOT NULL) + (t7 IS NOT NULL) + (t8 IS NOT NULL)"
                               " + (t9 IS NOT NULL) + (t10 IS NOT NULL) + (t11 IS NOT NULL) + (t12 IS NOT NULL)"
                               " + (t13 IS NOT NULL) + (t14 IS NOT NULL) + (t15 IS NOT NULL) + (t16 IS NOT NULL))"
                               " FROM nvidia_smi_sample"),
                   moved);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM nvidia_smi_value_more WHERE col <= 16"), 0);
  wdb_close(&db);

  tl_open(&db, dir, "old.db");
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s/fresh.db' AS fresh", dir);
  assert_int_equal(wdb_exec(&db, attach, "attach"), 0);
  static const char *const relations[] = {"nvidia_smi_sample", "nvidia_smi_value_more", "nvidia_smi_value", NULL};
  for (int i = 0; relations[i]; i++) {
    char after[65], fresh[65];
    hash_of(&db, "main", relations[i], after);
    hash_of(&db, "fresh", relations[i], fresh);
    if (strcmp(after, fresh)) fail_msg("%s: the migrated rows are not those of a fresh ingest", relations[i]);
  }
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM pragma_table_info('nvidia_smi_sample') WHERE name GLOB 't[0-9]*'"),
                   0);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(database_of_schema_18_upgrades_keeping_its_rows),
      cmocka_unit_test(nvidia_smi_rows_of_an_earlier_release_become_wide_rows),
      cmocka_unit_test(wattmeter_logs_of_an_earlier_release_are_read_by_the_transform),
      cmocka_unit_test(nvidia_smi_slot_texts_of_an_earlier_release_become_rows),
  };
  return cmocka_run_group_tests_name("upgrade", tests, NULL, NULL);
}
