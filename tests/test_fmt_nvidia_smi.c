/* tests/test_fmt_nvidia_smi.c: general nvidia-smi query CSV (ingest/fmt_nvidia_smi.c),
 * one fixture per quirk under tests/fixtures/nvidia-smi/. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

#define FX "tests/fixtures/nvidia-smi/"

/* Two GPUs interleaved by index; [N/A] and [Not Supported] are NULL numbers
 * with their text kept; a garbled power reading rejects its line. */
static void multi_gpu_by_index_with_sentinels(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "multi-gpu-index-na.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "nvidia-smi units partial");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT gpu) FROM nvidia_smi_sample"), 2);
  assert_true(tl_real(&f->db, "SELECT power_w FROM nvidia_smi_sample WHERE line = 5") == 50.5);
  assert_int_equal(tl_int(&f->db, "SELECT power_w IS NULL FROM nvidia_smi_sample WHERE line = 3"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT text FROM nvidia_smi_value WHERE line = 5 AND "
                                      "field = 'utilization.gpu'"),
                      "[Not Supported]");
  assert_string_equal(tl_text(&f->db, "SELECT unit||' '||num FROM nvidia_smi_value WHERE line = 2 AND "
                                      "field = 'memory.used'"),
                      "MiB 1024.0");
  assert_string_equal(tl_text(&f->db, "SELECT text FROM nvidia_smi_value WHERE line = 2 AND field = 'pstate'"),
                      "P2");
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row"), "bad_number");
  fx_assert_accounted(f);
}

/* nvidia-smi called once per sample with >>: the header before every row. */
static void header_repeated_before_every_row(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "repeated-headers.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 3);
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT DISTINCT gpu FROM nvidia_smi_sample"), "0");
  fx_assert_accounted(f);
}

/* PowerShell `>` writes UTF-16LE with a BOM and CRLF. */
static void utf16le_with_bom(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "utf16le-bom-crlf.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "nvidia-smi ok");
  assert_true(tl_real(&f->db, "SELECT sum(power_w) FROM nvidia_smi_sample") == 22.89 + 24.89);
}

/* noheader with units, two GPUs, no id column: told apart by their position
 * among the lines sharing a timestamp. */
static void noheader_gpus_by_position(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "noheader-units-two-gpus.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version FROM source_file"),
                      "nvidia-smi noheader");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(gpu, '') FROM "
                                      "(SELECT gpu FROM nvidia_smi_sample ORDER BY line)"),
                      "0101");
  assert_true(tl_real(&f->db, "SELECT num FROM nvidia_smi_value WHERE line = 2 AND col = 2") == 40.0);
  assert_string_equal(tl_text(&f->db, "SELECT field FROM nvidia_smi_value WHERE line = 2 AND col = 1"),
                      "timestamp");
}

/* Bare numbers (noheader,nounits, power only): nothing to recognise, so the
 * user says --format nvidia-smi and names the fields (WATTDB_NVIDIA_SMI_FIELDS for
 * the command line, ingest_options.nvidia_smi_fields here). */
static void bare_numbers_need_format_and_fields(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "noheader-bare-numbers.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||error FROM source_file"),
                      "rejected unrecognised format");
  fx_ingest_path_fields(f, FX "noheader-bare-numbers.csv", "nvidia-smi", "power.draw");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "nvidia-smi ok");
  assert_true(tl_real(&f->db, "SELECT power_w FROM nvidia_smi_sample WHERE line = 3") == 28.50);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE ts_us IS NULL"), 3);
  fx_assert_accounted(f);
}

/* nounits header, GPUs keyed by uuid. */
static void nounits_keyed_by_uuid(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "nounits-uuid.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "nounits");
  assert_true(tl_real(&f->db, "SELECT sum(power_w) FROM nvidia_smi_sample WHERE "
                              "gpu = 'GPU-8fe3a97d-0000-0000-0000-000000000002'") == 600.0);
}

/* A timestamp that does not exist (Feb 30, 24:00) rejects its line. */
static void timestamp_out_of_range_is_rejected(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv",
               "timestamp, index, power.draw [W]\n"
               "2023/06/22 18:56:56.252, 0, 35.12 W\n"
               "2023/02/30 18:56:57.252, 0, 35.12 W\n"
               "2023/06/22 24:00:00.000, 0, 35.12 W\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                      "FROM rejected_row ORDER BY line)"),
                      "3:1:bad_time 4:1:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), 1);
  fx_assert_accounted(f);
}

/* ---- logs written by the tests, and the nvidia_smi_value rows they give ---- */

#define NV_FIELDS 24 /* of a list here */
#define NV_ROWS 512  /* expected rows of one log */

enum nv_kind { NV_TIME, NV_TEXT, NV_NUM };

struct nv_field {
  const char *name, *unit; /* unit NULL: none */
  enum nv_kind kind;
};

struct nv_list {
  int n;
  struct nv_field f[NV_FIELDS];
};

/* One row of nvidia_smi_value as the log's text determines it. */
struct nv_row {
  int line, col;
  char field[48];
  const char *unit;
  int has_num;
  double num;
  char text[64]; /* "" : NULL */
};

/* A log being written, with the rows, field lists and lines it must give. */
struct nv_log {
  char text[1 << 16];
  size_t len;
  int line;                    /* lines written so far */
  const struct nv_list *list;  /* the header in effect; NULL: none */
  int noheader;                /* no header: col1, col2, ... (timestamp first), units in values */
  struct nv_row rows[NV_ROWS];
  int nrows;
  const struct nv_list *prev;  /* the list of the data line before */
  int fields_line[256];        /* per line written: the line that starts its list, 0: none */
  int list_start;              /* the line that started the list of the data line before */
  int data_lines, lists, list_fields; /* data lines, lists started, their fields in all */
};

static void nv_put(struct nv_log *g, const char *s) {
  size_t n = strlen(s);
  assert_true(g->len + n < sizeof g->text);
  memcpy(g->text + g->len, s, n + 1);
  g->len += n;
}

static void nv_header(struct nv_log *g, const struct nv_list *l) {
  char buf[128];
  for (int c = 0; c < l->n; c++) {
    snprintf(buf, sizeof buf, "%s%s%s%s%s", c ? ", " : "", l->f[c].name, l->f[c].unit ? " [" : "",
             l->f[c].unit ? l->f[c].unit : "", l->f[c].unit ? "]" : "");
    nv_put(g, buf);
  }
  nv_put(g, "\n");
  g->list = l;
  assert_true(++g->line < 256);
  g->fields_line[g->line] = 0;
}

/* Field C (0-based) of line LINE, as written, into BUF; its expected row into R:
 * every NV_NUM field a number unique in the log, but [N/A] and empty fields
 * here and there. */
static void nv_value(const struct nv_log *g, const struct nv_field *f, int line, int c, char *buf,
                     size_t n, struct nv_row *r) {
  r->has_num = 0;
  r->text[0] = '\0';
  if (f->kind == NV_TIME) snprintf(buf, n, "2024/03/06 10:%02d:%02d.250", line / 60, line % 60);
  else if (f->kind == NV_TEXT) snprintf(buf, n, "%s%d", c == 1 ? "" : "P", line % 3);
  else if ((line * 3 + c) % 7 == 0) snprintf(buf, n, "[N/A]");
  else if ((line + c) % 9 == 0) buf[0] = '\0';
  else {
    r->has_num = 1;
    r->num = line * 100 + c + 0.25;
    const char *unit = g->noheader ? (c % 2 ? "W" : "%") : f->unit;
    snprintf(buf, n, "%.2f%s%s", r->num, unit ? " " : "", unit ? unit : "");
  }
  if (!r->has_num) snprintf(r->text, sizeof r->text, "%s", buf);
}

/* A data line under the list in effect (L for a headerless log). */
static void nv_data(struct nv_log *g, const struct nv_list *l) {
  if (!g->noheader) l = g->list;
  assert_true(++g->line < 256);
  g->data_lines++;
  if (l != g->prev) {
    g->lists++;
    g->list_fields += l->n;
    g->list_start = g->line;
  }
  g->fields_line[g->line] = g->list_start;
  g->prev = l;
  char buf[64];
  for (int c = 0; c < l->n; c++) {
    assert_true(g->nrows < NV_ROWS);
    struct nv_row *r = &g->rows[g->nrows++];
    r->line = g->line;
    r->col = c + 1;
    nv_value(g, &l->f[c], g->line, c, buf, sizeof buf, r);
    if (g->noheader) {
      snprintf(r->field, sizeof r->field, c == 0 && l->f[0].kind == NV_TIME ? "timestamp" : "col%d", c + 1);
      r->unit = NULL;
    } else {
      snprintf(r->field, sizeof r->field, "%s", l->f[c].name);
      r->unit = l->f[c].unit;
    }
    nv_put(g, c ? ", " : "");
    nv_put(g, buf);
  }
  nv_put(g, "\n");
}

/* nvidia_smi_value equals G's rows, value for value and type for type, and
 * nvidia_smi_sample's and nvidia_smi_field's rows say where each list starts. */
static void nv_assert_rows(struct fx *f, const struct nv_log *g) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(f->db.sql,
                                      "SELECT line, col, field, unit, num, typeof(num), text, typeof(text)"
                                      " FROM nvidia_smi_value ORDER BY line, col",
                                      -1, &st, NULL),
                   SQLITE_OK);
  int i = 0, more = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (i >= g->nrows) fail_msg("more rows than the %d expected", g->nrows);
    const struct nv_row *r = &g->rows[i++];
    more += r->col > 16;
    const char *field = (const char *)sqlite3_column_text(st, 2), *unit = (const char *)sqlite3_column_text(st, 3),
               *text = (const char *)sqlite3_column_text(st, 6);
    if (sqlite3_column_int(st, 0) != r->line || sqlite3_column_int(st, 1) != r->col)
      fail_msg("row %d: line %d col %d, expected line %d col %d", i, sqlite3_column_int(st, 0),
               sqlite3_column_int(st, 1), r->line, r->col);
    if (strcmp(field, r->field)) fail_msg("line %d col %d: field %s, expected %s", r->line, r->col, field, r->field);
    if ((unit == NULL) != (r->unit == NULL) || (unit && strcmp(unit, r->unit)))
      fail_msg("line %d col %d: unit %s, expected %s", r->line, r->col, unit ? unit : "NULL",
               r->unit ? r->unit : "NULL");
    if (strcmp((const char *)sqlite3_column_text(st, 5), r->has_num ? "real" : "null") ||
        (r->has_num && sqlite3_column_double(st, 4) != r->num))
      fail_msg("line %d col %d: num %s %.17g, expected %.17g", r->line, r->col,
               (const char *)sqlite3_column_text(st, 5), sqlite3_column_double(st, 4), r->num);
    if (strcmp((const char *)sqlite3_column_text(st, 7), r->text[0] ? "text" : "null") ||
        (r->text[0] && strcmp(text, r->text)))
      fail_msg("line %d col %d: text %s, expected %s", r->line, r->col, text ? text : "NULL", r->text);
  }
  sqlite3_finalize(st);
  assert_int_equal(i, g->nrows);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value_more"), more);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT fields_line) FROM nvidia_smi_field"), g->lists);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_field"), g->list_fields);
  for (int line = 1; line <= g->line; line++)
    if (g->fields_line[line])
      assert_int_equal(tl_int(&f->db, "SELECT fields_line FROM nvidia_smi_sample WHERE line = %d", line),
                       g->fields_line[line]);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), g->data_lines);
  fx_assert_accounted(f);
}

static void nv_ingest(struct fx *f, const struct nv_log *g) {
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv", g->text);
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "nvidia-smi ok");
}

/* A list of 20 fields (16 in slots, 4 past them) and one of 5, changing in the
 * middle of the file and repeated before lines, with [N/A] and empty fields:
 * every field of every line is one row of nvidia_smi_value, and each list is
 * stored once from the first line that uses it after another list; a header
 * of another list that no line uses before the stored one comes back starts
 * nothing. */
static void view_rows_are_each_lines_fields(void **state) {
  struct fx *f = *state;
  static struct nv_list wide = {.n = 20}, narrow = {5, {{"timestamp", NULL, NV_TIME}, {"index", NULL, NV_TEXT},
                                                       {"power.draw", "W", NV_NUM}, {"memory.used", "MiB", NV_NUM},
                                                       {"pstate", NULL, NV_TEXT}}};
  static const char *const units[] = {"W", "MiB", "%", NULL, "MHz"};
  static char names[20][24];
  wide.f[0] = (struct nv_field){"timestamp", NULL, NV_TIME};
  wide.f[1] = (struct nv_field){"index", NULL, NV_TEXT};
  wide.f[2] = (struct nv_field){"pstate", NULL, NV_TEXT};
  for (int c = 3; c < 20; c++) {
    snprintf(names[c], sizeof names[c], "clocks.f%d", c + 1);
    wide.f[c] = (struct nv_field){names[c], units[c % 5], NV_NUM};
  }
  static struct nv_log g;
  memset(&g, 0, sizeof g);
  nv_header(&g, &wide);
  nv_data(&g, NULL);
  nv_data(&g, NULL);
  nv_header(&g, &wide); /* nvidia-smi >> : the same header again */
  nv_data(&g, NULL);
  nv_header(&g, &narrow);
  nv_data(&g, NULL);
  nv_data(&g, NULL);
  nv_header(&g, &narrow);
  nv_data(&g, NULL);
  nv_header(&g, &wide);
  nv_data(&g, NULL);
  nv_header(&g, &narrow); /* no line of it before the wide list again */
  nv_header(&g, &wide);
  nv_data(&g, NULL);
  nv_data(&g, NULL);
  nv_ingest(f, &g);
  assert_int_equal(g.lists, 3);
  nv_assert_rows(f, &g);
}

/* Lists of every field count around the sample row's INSERTs, which name 4,
 * 8, 12 or 16 slots (ingest/fmt_nvidia_smi.c), one after another in a file:
 * every field lands in its own slot, or past the 16th in
 * nvidia_smi_value_more, and a slot a line leaves empty reads NULL. */
static void every_slot_count_stores_each_field(void **state) {
  struct fx *f = *state;
  static const int counts[] = {1, 4, 5, 8, 9, 12, 13, 16, 17, 3};
  enum { NCOUNTS = sizeof counts / sizeof *counts };
  static struct nv_list lists[NCOUNTS];
  static char names[NV_FIELDS][24];
  static const char *const units[] = {"W", "MiB", "%", NULL, "MHz"};
  for (int c = 1; c < NV_FIELDS; c++) snprintf(names[c], sizeof names[c], "clocks.f%d", c + 1);
  static struct nv_log g;
  memset(&g, 0, sizeof g);
  for (int k = 0; k < NCOUNTS; k++) {
    lists[k].n = counts[k];
    lists[k].f[0] = (struct nv_field){"index", NULL, NV_TEXT};
    for (int c = 1; c < counts[k]; c++) lists[k].f[c] = (struct nv_field){names[c], units[c % 5], NV_NUM};
    nv_header(&g, &lists[k]);
    nv_data(&g, NULL);
    nv_data(&g, NULL);
  }
  nv_ingest(f, &g);
  assert_int_equal(g.lists, NCOUNTS);
  nv_assert_rows(f, &g);
  /* the slots past a line's fields are empty: line 2 has 1 field, line 20 has 13 */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE line = 2 AND n2 IS NULL"
                                  " AND n16 IS NULL AND coalesce(texts, 0) >> 16 = 0"),
                   1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE line = 20 AND n13 IS NOT NULL"
                                  " AND n14 IS NULL AND coalesce(texts, 0) >> 16 = 0"),
                   1);
}

/* noheader with units in the values: fields col1, col2, ... (timestamp when
 * the first is one), no units, the numbers read from before their units, any
 * other text kept. */
static void view_rows_of_noheader_with_units(void **state) {
  struct fx *f = *state;
  static const struct nv_list l = {4, {{"timestamp", NULL, NV_TIME}, {"power.draw", NULL, NV_NUM},
                                       {"utilization.gpu", NULL, NV_NUM}, {"pstate", NULL, NV_TEXT}}};
  static struct nv_log g;
  memset(&g, 0, sizeof g);
  g.noheader = 1;
  for (int i = 0; i < 9; i++) nv_data(&g, &l);
  nv_ingest(f, &g);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "noheader");
  assert_int_equal(g.lists, 1);
  nv_assert_rows(f, &g);
}

/* A torn last line (a stopped logger) is rejected with what it stored: also
 * the field list it would have started. */
static void torn_last_line_leaves_no_field_list(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv",
               "timestamp, index, power.draw [W]\n"
               "2024/03/06 10:00:00.000, 0, 35 W\n"
               "timestamp, index, power.draw [W], memory.used [MiB]\n"
               "2024/03/06 10:00:01.000, 0, 36 W, 10 MiB");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "4 truncated");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(fields_line||':'||col, ' ') FROM"
                                      " (SELECT * FROM nvidia_smi_field ORDER BY fields_line, col)"),
                      "2:1 2:2 2:3");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value"), 3);
  fx_assert_accounted(f);
}

/* The time field in every shape value_time() reads: it is stored as a row of
 * nvidia_smi_value_more (the line's bit 16 set) but where nvidia_smi_value
 * writes ts_us back as the field was written (YYYY/MM/DD HH:MM:SS.mmm), and
 * nvidia_smi_value gives each as written, once. */
static void time_text_is_kept_unless_ts_us_gives_it_back(void **state) {
  struct fx *f = *state;
  static const char *const times[] = {
      "2024/03/06 10:00:00.000",    "2024-03-06 10:00:01.000", "2024/03/06 10:00:02.5",
      "2024/03/06 10:00:03.250123", "2016/12/31 23:59:60.000", "1970/01/01 00:00:00.000",
      "9999/12/31 23:59:59.999",    "2024/02/29 07:08:09.010", "2024/03/06T10:00:04.000"};
  static const int in_more[] = {0, 1, 1, 1, 1, 0, 0, 0, 1};
  enum { N = sizeof times / sizeof *times };
  char text[2048] = "timestamp, index, power.draw [W]\n";
  for (int i = 0; i < N; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "%s, 0, %d W\n", times[i], i);
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv", text);
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), N);
  for (int i = 0; i < N; i++) {
    int line = i + 2;
    assert_string_equal(tl_text(&f->db, "SELECT text FROM nvidia_smi_value WHERE line = %d AND col = 1", line),
                        times[i]);
    assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value WHERE line = %d", line), 3);
    assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value_more WHERE line = %d AND col = 1"
                                    " AND text IS NOT NULL AND num IS NULL", line),
                     in_more[i]);
    assert_int_equal(tl_int(&f->db, "SELECT coalesce(texts, 0) >> 16 FROM nvidia_smi_sample WHERE line = %d", line),
                     in_more[i]);
  }
  fx_assert_accounted(f);
}

/* A file's texts are stored once each, numbered as they first come, and its
 * power field's number only as power_w; a text longer than a numbered text may
 * be, and every text past the 1024th, goes to nvidia_smi_value_more.
 * nvidia_smi_value gives every field back, once. */
static void texts_a_file_repeats_are_stored_once(void **state) {
  struct fx *f = *state;
  enum { LINES = 1100 };
  static char text[LINES * 400];
  char longname[301];
  memset(longname, 'x', 300);
  longname[300] = '\0';
  size_t n = (size_t)snprintf(text, sizeof text, "timestamp, index, name, power.draw [W], pstate\n");
  for (int i = 0; i < LINES; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "2024/03/06 10:%02d:%02d.%03d, %d, %s, %s, u%04d\n",
                          i / 600, i / 10 % 60, i % 10 * 100, i % 2, i == 7 ? longname : i % 2 ? "GPU B" : "GPU A",
                          i % 5 ? "35.5 W" : "[N/A]", i);
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv", text);
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), LINES);
  /* '0', 'GPU A', '[N/A]', 'u0000', '1', 'GPU B', 'u0001', ... as they come */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(id || '=' || text || '@' || line, ' ') FROM"
                                      " (SELECT * FROM nvidia_smi_text WHERE id <= 7 ORDER BY id)"),
                      "1=0@2 2=GPU A@2 3=[N/A]@2 4=u0000@2 5=1@3 6=GPU B@3 7=u0001@3");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_text"), 1024);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_text WHERE text LIKE 'u%%'"), 1024 - 5);
  /* the pstates past the 1024th text, and the long name, in
   * nvidia_smi_value_more, their slots empty and their lines' bits set; no
   * number in the power field's slot (its [N/A] is a text's number) */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value_more WHERE col = 5"), LINES - (1024 - 5));
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE (texts >> 20) & 1 AND n5 IS NULL"),
                   LINES - (1024 - 5));
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value_more WHERE col = 3 AND line = 9"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE (texts >> 18) & 1"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value_more"), LINES - (1024 - 5) + 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_value"), 5 * LINES);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE n4 IS NOT NULL"
                                  " AND (texts >> 3) & 1 = 0"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE power_w = 35.5"),
                   LINES - LINES / 5);
  for (int i = 0; i < LINES; i++) {
    char want[512];
    snprintf(want, sizeof want, "%d|%s|%s|u%04d", i % 2, i == 7 ? longname : i % 2 ? "GPU B" : "GPU A",
             i % 5 ? "35.5" : "[N/A]", i);
    const char *got = tl_text(&f->db,
                              "SELECT group_concat(coalesce(text, num), '|') FROM"
                              " (SELECT * FROM nvidia_smi_value WHERE line = %d AND col > 1 ORDER BY col)", i + 2);
    if (strcmp(got, want)) fail_msg("line %d: %s, expected %s", i + 2, got, want);
  }
  fx_assert_accounted(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(multi_gpu_by_index_with_sentinels, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(header_repeated_before_every_row, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(utf16le_with_bom, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(noheader_gpus_by_position, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bare_numbers_need_format_and_fields, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(nounits_keyed_by_uuid, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(timestamp_out_of_range_is_rejected, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(view_rows_are_each_lines_fields, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(every_slot_count_stores_each_field, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(view_rows_of_noheader_with_units, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(torn_last_line_leaves_no_field_list, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(time_text_is_kept_unless_ts_us_gives_it_back, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(texts_a_file_repeats_are_stored_once, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_nvidia_smi", tests, NULL, NULL);
}
