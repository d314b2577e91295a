/* cli/cmd_diff.c: `wattdb diff A.db B.db`, what differs between two databases,
 * table by table and view by view, rows matched by their natural keys
 * (schema/canon.h): rows only in A, only in B, and changed (which columns, by
 * how much). Relations whose content hashes agree are equal without a look at
 * their rows; the others are compared by one merge of their canonical rows,
 * both sorted by key, so that memory does not grow with the tables. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "common/msg.h"
#include "schema/canon.h"
#include "schema/db.h"

static const char usage[] =
    "usage: wattdb diff [--rows[=N]] [--json] A.db B.db\n"
    "\n"
    "Compares two wattdb databases (two builds of a dataset: before and after a fix,\n"
    "two machines, two wattdb versions) table by table and view by view. Rows are\n"
    "matched by their natural keys, not by row ids: a file by its path, a run by its\n"
    "environment/architecture/dataset/stamp, then each table's own key (line,\n"
    "profile, epoch, ...). Prints a summary line per table or view that differs;\n"
    "--rows adds the differing rows themselves (the first N of each kind, 20 by\n"
    "default). Reads both databases only.\n"
    "\n"
    "options:\n"
    "  --rows[=N]  list the rows only in A, only in B, and changed, N of each per table\n"
    "  --all       list the equal tables and views too\n"
    "  --json      the comparison as one JSON object (keys: README, \"Comparing databases\")\n"
    "  --help      this text\n"
    "\n"
    "exit status: 0 equal; 1 they differ; 2 usage error; 3 a database cannot be read.\n";

/* SQLite's order of values (NULL, numbers, text, blob; text as bytes), which
 * the canonical SELECTs are sorted by. */
static int value_cmp(sqlite3_stmt *a, sqlite3_stmt *b, int i) {
  int ta = sqlite3_column_type(a, i), tb = sqlite3_column_type(b, i);
  int ra = ta == SQLITE_NULL ? 0 : ta == SQLITE_INTEGER || ta == SQLITE_FLOAT ? 1 : ta == SQLITE_TEXT ? 2 : 3;
  int rb = tb == SQLITE_NULL ? 0 : tb == SQLITE_INTEGER || tb == SQLITE_FLOAT ? 1 : tb == SQLITE_TEXT ? 2 : 3;
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return 0;
  if (ra == 1) {
    if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
      sqlite3_int64 x = sqlite3_column_int64(a, i), y = sqlite3_column_int64(b, i);
      return x < y ? -1 : x > y;
    }
    double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
    return x < y ? -1 : x > y;
  }
  const void *pa = ra == 2 ? (const void *)sqlite3_column_text(a, i) : sqlite3_column_blob(a, i);
  const void *pb = rb == 2 ? (const void *)sqlite3_column_text(b, i) : sqlite3_column_blob(b, i);
  int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
  int c = memcmp(pa, pb, (size_t)(na < nb ? na : nb));
  return c ? c : na < nb ? -1 : na > nb;
}

static json_t *column_value(sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
  case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
  case SQLITE_NULL: return json_null();
  default: {
    json_t *s = json_string((const char *)sqlite3_column_text(st, i));
    return s ? s : json_string("(not UTF-8)");
  }
  }
}

/* The key columns of the current row of ST as an object. */
static json_t *row_key(sqlite3_stmt *st, const struct canon *c) {
  json_t *k = json_object();
  for (int i = 0; i < c->nkey; i++) json_object_set_new(k, c->names[i], column_value(st, i));
  return k;
}

static json_t *row_all(sqlite3_stmt *st, const struct canon *c) {
  json_t *k = json_object();
  for (int i = 0; i < c->ncols; i++) json_object_set_new(k, c->names[i], column_value(st, i));
  return k;
}

struct options {
  long rows;    /* rows listed per kind and relation; 0: none */
  int all, json;
};

static int names_equal(const struct canon *a, const struct canon *b) {
  if (a->ncols != b->ncols || a->nkey != b->nkey) return 0;
  for (int i = 0; i < a->ncols; i++)
    if (strcmp(a->names[i], b->names[i]) != 0) return 0;
  return 1;
}

/* Compares relation NAME of A and B into OUT. Returns 0 when equal, 1 when it
 * differs, -1 on a database error. */
static int diff_relation(struct wdb *a, struct wdb *b, const char *name, const struct options *opt,
                         json_t *out) {
  struct canon ca, cb;
  if (canon_build(a, "main", name, &ca)) return -1;
  if (canon_build(b, "main", name, &cb)) {
    canon_free(&ca);
    return -1;
  }
  int rc = 0;
  char ha[65], hb[65];
  long long na, nb;
  if (!names_equal(&ca, &cb)) {
    json_t *cols_a = json_array(), *cols_b = json_array();
    for (int i = 0; i < ca.ncols; i++) json_array_append_new(cols_a, json_string(ca.names[i]));
    for (int i = 0; i < cb.ncols; i++) json_array_append_new(cols_b, json_string(cb.names[i]));
    json_object_set_new(out, "status", json_string("columns differ"));
    json_object_set_new(out, "columns_a", cols_a);
    json_object_set_new(out, "columns_b", cols_b);
    rc = 1;
    goto done;
  }
  if (canon_hash(a, &ca, ha, &na) || canon_hash(b, &cb, hb, &nb)) {
    rc = -1;
    goto done;
  }
  json_object_set_new(out, "rows_a", json_integer(na));
  json_object_set_new(out, "rows_b", json_integer(nb));
  if (strcmp(ha, hb) == 0) {
    json_object_set_new(out, "status", json_string("equal"));
    goto done;
  }
  rc = 1;
  sqlite3_stmt *sa, *sb;
  if (sqlite3_prepare_v2(a->sql, ca.select, -1, &sa, NULL) != SQLITE_OK) {
    msg("%s: %s", a->path, sqlite3_errmsg(a->sql));
    rc = -1;
    goto done;
  }
  if (sqlite3_prepare_v2(b->sql, cb.select, -1, &sb, NULL) != SQLITE_OK) {
    msg("%s: %s", b->path, sqlite3_errmsg(b->sql));
    sqlite3_finalize(sa);
    rc = -1;
    goto done;
  }
  long long only_a = 0, only_b = 0, changed = 0;
  json_t *changed_cols = json_object(), *list_a = json_array(), *list_b = json_array(),
         *list_changed = json_array();
  int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
  while (ra == SQLITE_ROW || rb == SQLITE_ROW) {
    int c = 0;
    if (ra != SQLITE_ROW) c = 1;
    else if (rb != SQLITE_ROW) c = -1;
    else
      for (int i = 0; i < ca.nkey && !c; i++) c = value_cmp(sa, sb, i);
    if (c < 0) {
      if (only_a++ < opt->rows) json_array_append_new(list_a, row_all(sa, &ca));
      ra = sqlite3_step(sa);
    } else if (c > 0) {
      if (only_b++ < opt->rows) json_array_append_new(list_b, row_all(sb, &cb));
      rb = sqlite3_step(sb);
    } else {
      json_t *cols = NULL;
      for (int i = ca.nkey; i < ca.ncols; i++) {
        if (value_cmp(sa, sb, i) == 0) continue;
        json_t *n = json_object_get(changed_cols, ca.names[i]);
        json_object_set_new(changed_cols, ca.names[i], json_integer(n ? json_integer_value(n) + 1 : 1));
        if (changed >= opt->rows) continue;
        if (!cols) cols = json_object();
        json_t *d = json_pack("{s:o,s:o}", "a", column_value(sa, i), "b", column_value(sb, i));
        int ta = sqlite3_column_type(sa, i), tb = sqlite3_column_type(sb, i);
        if ((ta == SQLITE_INTEGER || ta == SQLITE_FLOAT) && (tb == SQLITE_INTEGER || tb == SQLITE_FLOAT)) {
          double x = sqlite3_column_double(sa, i), y = sqlite3_column_double(sb, i);
          json_object_set_new(d, "abs", json_real(y - x));
          if (x != 0) json_object_set_new(d, "rel", json_real((y - x) / fabs(x)));
        }
        json_object_set_new(cols, ca.names[i], d);
      }
      if (cols)
        json_array_append_new(list_changed, json_pack("{s:o,s:o}", "key", row_key(sa, &ca), "columns", cols));
      int differs = 0;
      for (int i = ca.nkey; i < ca.ncols && !differs; i++) differs = value_cmp(sa, sb, i) != 0;
      changed += differs;
      ra = sqlite3_step(sa);
      rb = sqlite3_step(sb);
    }
  }
  if (ra != SQLITE_DONE || rb != SQLITE_DONE) {
    msg("%s: %s", ra != SQLITE_DONE ? a->path : b->path,
        sqlite3_errmsg(ra != SQLITE_DONE ? a->sql : b->sql));
    rc = -1;
  }
  sqlite3_finalize(sa);
  sqlite3_finalize(sb);
  json_object_set_new(out, "status", json_string("differs"));
  json_object_set_new(out, "only_in_a", json_integer(only_a));
  json_object_set_new(out, "only_in_b", json_integer(only_b));
  json_object_set_new(out, "changed", json_integer(changed));
  json_object_set_new(out, "changed_columns", changed_cols);
  if (opt->rows) {
    json_t *key = json_array();
    for (int i = 0; i < ca.nkey; i++) json_array_append_new(key, json_string(ca.names[i]));
    json_object_set_new(out, "key", key);
    json_object_set_new(out, "rows", json_pack("{s:o,s:o,s:o}", "only_in_a", list_a, "only_in_b", list_b,
                                               "changed", list_changed));
  } else {
    json_decref(list_a);
    json_decref(list_b);
    json_decref(list_changed);
  }
done:
  canon_free(&ca);
  canon_free(&cb);
  return rc;
}

/* The names of the tables and views of DB that take part (canon_relation). */
static json_t *relations(struct wdb *db) {
  json_t *rows = report_rows(db, "SELECT name FROM sqlite_schema WHERE type IN ('table','view') ORDER BY name",
                             0, NULL);
  if (!rows) return NULL;
  json_t *names = json_object();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *n = json_string_value(json_object_get(r, "name"));
    if (canon_relation(n)) json_object_set_new(names, n, json_true());
  }
  json_decref(rows);
  return names;
}

static void print_value(const json_t *v) {
  if (json_is_string(v)) printf("%s", json_string_value(v));
  else if (json_is_integer(v)) printf("%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) printf("%.15g", json_real_value(v)); /* --json has every digit */
  else printf("NULL");
}

static void print_row(const char *mark, const json_t *row) {
  printf("    %s", mark);
  const char *k;
  json_t *v;
  int first = 1;
  json_object_foreach((json_t *)row, k, v) {
    printf("%s%s=", first ? " " : ", ", k);
    print_value(v);
    first = 0;
  }
  printf("\n");
}

/* The text form of one relation's comparison R. */
static void print_relation(const char *name, const json_t *r) {
  const char *status = json_string_value(json_object_get(r, "status"));
  if (strcmp(status, "equal") == 0) {
    printf("  %-28s equal (%lld rows)\n", name, (long long)json_integer_value(json_object_get(r, "rows_a")));
    return;
  }
  if (strcmp(status, "differs") != 0) {
    printf("  %-28s %s\n", name, status);
    return;
  }
  printf("  %-28s A %lld rows, B %lld: %lld only in A, %lld only in B, %lld changed", name,
         (long long)json_integer_value(json_object_get(r, "rows_a")),
         (long long)json_integer_value(json_object_get(r, "rows_b")),
         (long long)json_integer_value(json_object_get(r, "only_in_a")),
         (long long)json_integer_value(json_object_get(r, "only_in_b")),
         (long long)json_integer_value(json_object_get(r, "changed")));
  const char *k;
  json_t *v;
  int first = 1;
  json_object_foreach(json_object_get(r, "changed_columns"), k, v) {
    printf("%s%s %lld", first ? " (" : ", ", k, (long long)json_integer_value(v));
    first = 0;
  }
  printf("%s\n", first ? "" : ")");
  json_t *rows = json_object_get(r, "rows");
  if (!rows) return;
  size_t i;
  json_t *row;
  json_array_foreach(json_object_get(rows, "only_in_a"), i, row) print_row("A only:", row);
  json_array_foreach(json_object_get(rows, "only_in_b"), i, row) print_row("B only:", row);
  json_array_foreach(json_object_get(rows, "changed"), i, row) {
    print_row("changed:", json_object_get(row, "key"));
    json_object_foreach(json_object_get(row, "columns"), k, v) {
      printf("      %s: ", k);
      print_value(json_object_get(v, "a"));
      printf(" -> ");
      print_value(json_object_get(v, "b"));
      if (json_object_get(v, "abs")) printf(" (%+.6g", json_real_value(json_object_get(v, "abs")));
      if (json_object_get(v, "rel")) printf(", %+.3g%%", 100 * json_real_value(json_object_get(v, "rel")));
      if (json_object_get(v, "abs")) printf(")");
      printf("\n");
    }
  }
}

int cmd_diff(int argc, char **argv) {
  static const struct option longopts[] = {{"rows", optional_argument, NULL, 'r'},
                                           {"all", no_argument, NULL, 'a'},
                                           {"json", no_argument, NULL, 'j'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct options opt = {0};
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'r') {
      char *end = NULL;
      opt.rows = optarg ? strtol(optarg, &end, 10) : 20;
      if (optarg && (*end || opt.rows < 1)) {
        msg("diff: --rows=%s: give a count of rows, 1 or more", optarg);
        return usage_error("diff");
      }
    } else if (c == 'a') opt.all = 1;
    else if (c == 'j') opt.json = 1;
    else if (c == 'h') {
      fputs(usage, stdout);
      return EXIT_OK;
    } else {
      msg("diff: unknown option '%s'", argv[optind - 1]);
      return usage_error("diff");
    }
  }
  if (argc - optind != 2) {
    msg("diff: give two databases, A.db and B.db");
    return usage_error("diff");
  }
  struct wdb a, b;
  if (wdb_open_readonly(&a, argv[optind])) return EXIT_DATABASE;
  if (wdb_open_readonly(&b, argv[optind + 1])) {
    wdb_close(&a);
    return EXIT_DATABASE;
  }
  json_t *in_a = relations(&a), *in_b = relations(&b);
  int rc = in_a && in_b ? 0 : -1;
  json_t *report = json_object(), *rels = json_object();
  long differing = 0, equal = 0;
  const char *name;
  json_t *v;
  if (!rc) {
    json_object_foreach(in_a, name, v) {
      json_t *r = json_object();
      if (!json_object_get(in_b, name)) {
        json_object_set_new(r, "status", json_string("only in A"));
        differing++;
      } else {
        int d = diff_relation(&a, &b, name, &opt, r);
        if (d < 0) rc = -1;
        if (d > 0) differing++;
        if (d == 0) equal++;
      }
      json_object_set_new(rels, name, r);
    }
    json_object_foreach(in_b, name, v) {
      if (json_object_get(in_a, name)) continue;
      json_object_set_new(rels, name, json_pack("{s:s}", "status", "only in B"));
      differing++;
    }
  }
  json_object_set_new(report, "a", json_string(argv[optind]));
  json_object_set_new(report, "b", json_string(argv[optind + 1]));
  json_object_set_new(report, "equal", json_boolean(!differing && !rc));
  json_object_set_new(report, "relations_equal", json_integer(equal));
  json_object_set_new(report, "relations_differing", json_integer(differing));
  json_object_set_new(report, "relations", rels);
  if (opt.json) {
    report_print_json(stdout, report);
  } else {
    printf("A %s\nB %s\n%ld tables and views equal, %ld differ%s\n", argv[optind], argv[optind + 1], equal,
           differing, differing ? ":" : "");
    json_object_foreach(rels, name, v) {
      const char *status = json_string_value(json_object_get(v, "status"));
      if (opt.all || strcmp(status, "equal") != 0) print_relation(name, v);
    }
  }
  json_decref(report);
  json_decref(in_a);
  json_decref(in_b);
  wdb_close(&a);
  wdb_close(&b);
  if (rc) return EXIT_DATABASE;
  return differing ? 1 : EXIT_OK; /* 1: they differ, as diff(1) says it */
}
