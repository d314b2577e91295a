/* ingest/fmt_powermetrics_plist.c: the `-f plist` form of macOS `powermetrics`,
 * read with libplist for the powermetrics format (ingest/fmt_powermetrics.c).
 *
 * The file is a stream of XML plist documents, one per sample; powermetrics
 * writes a NUL byte right before each document but the first:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
 *   <plist version="1.0">
 *   <dict>
 *   <key>is_delta</key><true/>
 *   <key>elapsed_ns</key><integer>1023685416</integer>      <- the sample's own length
 *   <key>hw_model</key><string>Mac16,5</string>
 *   <key>kern_osversion</key><string>25C56</string>
 *   <key>timestamp</key><date>2026-01-22T21:07:07Z</date>   <- UTC, 1 s resolution
 *   <key>tasks</key> ... <key>disk</key> ...                <- other samplers: not read
 *   <key>processor</key>
 *   <dict>
 *   <key>clusters</key><array><dict><key>name</key><string>E-Cluster</string> ...
 *   <key>cpu_energy</key>                                   <- mJ in this sample (integer)
 *   <integer>3049</integer>
 *   <key>cpu_power</key>                                    <- mW over elapsed_ns (real)
 *   <real>2978.45</real>
 *   ... gpu_energy, gpu_power, ane_energy, ane_power, combined_power (macOS 13+);
 *   ... package_energy, dram_energy (macOS 12)
 *   </dict>
 *   <key>gpu</key><dict> ... <key>gpu_energy</key><integer>284</integer></dict>  <- the GPU sampler's own
 *   </dict>
 *   </plist>
 *   \0<?xml version="1.0" encoding="UTF-8"?>                <- the next sample
 *
 * Lines are collected from a document's first line to its `</plist>` line
 * (at most PM_PLIST_DOC_MAX bytes), then parsed with libplist. Everything a
 * document gives is stored at its `</plist>` line, the one line whose verdict
 * is still to be given when the document is complete: a powermetrics_sample
 * row (time in UTC, time_convention 'utc', utc_offset_s NULL as the file does
 * not say the Mac's offset; elapsed from elapsed_ns) and one powermetrics_power
 * row per component and device, with energy_j from its `*_energy` key (the
 * sample's own energy, mJ) and power_w from its `*_power` key (mW). The other
 * lines of the document are skipped (counted in source_file.skipped_lines):
 * they are read with it. Keys of the processor and gpu dicts ending in
 * `_energy` / `_power` are power values (an unknown one is stored as component
 * 'other'); a cluster's `power` / `energy` keys are its own. Every key not read
 * is counted in the sample's keys_skipped (the tasks sampler's thousands
 * included). A value of the wrong type or out of range is stored NULL and
 * noted in unparsed_value.
 *
 * The NUL powermetrics writes after each document opens the next document's
 * first line: the format sets parse.leading_nuls_separate, and the driver
 * removes it. Damaged streams: a NUL further into a line makes the driver
 * reject it ('nul_byte'); when it was a document's `<?xml ...?>` line, the
 * document is read from its next line (libplist needs neither the XML
 * declaration nor the DOCTYPE). A document that libplist cannot read, or that
 * is longer than the limit, is rejected ('bad_plist', 'too_long') at its
 * `</plist>` line with its first bytes as raw. A document that never closes
 * (the logger was stopped) is rejected ('truncated') at the line that opens
 * the next one, or at its last line when the file ends inside it (when that
 * line is torn, the driver has rejected it as 'truncated' itself). Text outside a
 * document is collected as a document without its opening and rejected with
 * it when libplist cannot read it. */
#include "ingest/fmt_powermetrics_plist.h"

#include <math.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "ingest/values.h"

/* Seconds from the Unix epoch to libplist's (2001-01-01T00:00:00Z). */
#define PLIST_EPOCH_UNIX_S INT64_C(978307200)

static const char sql_sample[] =
    "INSERT INTO powermetrics_sample(file_id, line, sample, ts_us, utc_offset_s, elapsed_us, "
    "first_line, hw_model, os_version, keys_read, keys_skipped) VALUES (?,?,?,?,NULL,?,?,?,?,?,?)";
static const char sql_power[] =
    "INSERT INTO powermetrics_power(file_id, line, sample_line, section, name, component, device, "
    "power_w, energy_j, counted) VALUES (?,?,?,?,?,?,?,?,?,?)";

/* components the processor dict names by their key's prefix (cpu_energy, ...) */
static const char *const known_comp[] = {"cpu", "gpu", "ane", "dram", "package", "combined", NULL};

static const char *skip_blanks(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

int pm_plist_opens(const char *text) {
  const char *t = skip_blanks(text);
  return starts(t, "<?xml") || starts(t, "<!DOCTYPE plist") || starts(t, "<plist");
}

/* LN (N bytes, trailing blanks and CR removed) ends the document. */
static int closes(const char *t, size_t n) {
  static const char end[] = "</plist>";
  return n >= sizeof end - 1 && memcmp(t + n - (sizeof end - 1), end, sizeof end - 1) == 0;
}

static void reset(struct pm_plist *st) {
  st->in_doc = st->opened = st->body = st->over = 0;
  st->len = st->bytes = 0;
  st->first_line = st->last_line = 0;
}

/* Rejects the collected document (lines first_line..last_line) at line LN
 * with REASON: the rejected_row is at LN, its raw the document's first bytes. */
static enum line_verdict reject_doc(struct parse *p, struct pm_plist *st, const struct line *ln,
                                    const char *reason, const char *what) {
  struct line doc = {.text = st->doc, .len = st->len, .number = ln->number};
  return parse_reject(p, &doc, 0, reason, "the plist document of lines %ld-%ld (%zu bytes) %s",
                      st->first_line, st->last_line, st->bytes, what);
}

/* ---- values ---------------------------------------------------------------------- */

static int note(struct pm_doc *d, const char *column, const char *path, const char *said) {
  char text[240];
  snprintf(text, sizeof text, "%.160s: %.64s", path, said);
  struct line ln = {.text = "", .len = 0, .number = d->line};
  return parse_note_null(d->p, &ln, ++d->notes, column, text);
}

static const char *type_name(plist_type t) {
  switch (t) {
  case PLIST_BOOLEAN: return "a boolean";
  case PLIST_UINT: return "an integer";
  case PLIST_REAL: return "a real";
  case PLIST_STRING: return "a string";
  case PLIST_ARRAY: return "an array";
  case PLIST_DICT: return "a dict";
  case PLIST_DATE: return "a date";
  case PLIST_DATA: return "data";
  default: return "not a value";
  }
}

/* Reads a non-negative number (libplist 2.2 keeps every integer as 64 bits
 * unsigned: a negative one comes back above INT64_MAX). Returns 0 and sets *X,
 * or -1 with what the file said in SAID. */
static int number(plist_t v, double *x, char *said, size_t cap) {
  said[0] = '\0';
  plist_type t = plist_get_node_type(v);
  if (t == PLIST_UINT) {
    uint64_t u;
    plist_get_uint_val(v, &u);
    if (u > (uint64_t)INT64_MAX) {
      snprintf(said, cap, "%lld (negative)", (long long)(int64_t)u);
      return -1;
    }
    *x = (double)u;
    return 0;
  }
  if (t == PLIST_REAL) {
    double r;
    plist_get_real_val(v, &r);
    if (!isfinite(r) || r < 0) {
      snprintf(said, cap, "%g", r);
      return -1;
    }
    *x = r;
    return 0;
  }
  snprintf(said, cap, "%s", type_name(t));
  return -1;
}

static struct pm_row *row_for(struct pm_doc *d, const char *section, const char *name,
                              const char *component, const char *device) {
  for (int i = 0; i < d->nrows; i++)
    if (strcmp(d->rows[i].name, name) == 0 && strcmp(d->rows[i].device, device) == 0) return &d->rows[i];
  if (d->nrows == PM_PLIST_ROWS) return NULL;
  struct pm_row *r = &d->rows[d->nrows++];
  memset(r, 0, sizeof *r);
  r->section = section;
  snprintf(r->name, sizeof r->name, "%.95s", name);
  r->component = component;
  snprintf(r->device, sizeof r->device, "%.63s", device);
  return r;
}

/* The longest key taken as a power key (powermetrics' longest is 14 bytes): a
 * longer one is counted as skipped, so that row names are never cut. */
#define PM_PLIST_KEY_MAX 64

/* The suffix of a power key: 1 for `_energy` / `energy` (mJ), 2 for `_power` /
 * `power` (mW), 0 for another key; *PREFIX_LEN gets the length before it. */
static int power_key(const char *key, size_t *prefix_len) {
  size_t n = strlen(key);
  if (n > PM_PLIST_KEY_MAX) return 0;
  static const char *const suffix[] = {"energy", "power"};
  for (int k = 0; k < 2; k++) {
    size_t m = strlen(suffix[k]);
    if (n == m && strcmp(key, suffix[k]) == 0) return *prefix_len = 0, k + 1;
    if (n > m + 1 && key[n - m - 1] == '_' && strcmp(key + n - m, suffix[k]) == 0)
      return *prefix_len = n - m - 1, k + 1;
  }
  return 0;
}

/* Takes the value V of power key KEY (under PATH, in SECTION, for DEVICE) into
 * its row. COMPONENT NULL: named by the key's prefix. Returns 0 or -1 (database). */
static int take_power(struct pm_doc *d, const char *section, const char *path, const char *key,
                      plist_t v, const char *component, const char *device) {
  size_t pre;
  int kind = power_key(key, &pre);
  char name[96];
  if (pre) snprintf(name, sizeof name, "%.30s.%.*s", path, (int)(pre < 64 ? pre : 64), key);
  else snprintf(name, sizeof name, "%.30s", path);
  if (!component) {
    component = "other";
    for (int i = 0; known_comp[i]; i++)
      if (strlen(known_comp[i]) == pre && strncmp(key, known_comp[i], pre) == 0) component = known_comp[i];
  }
  struct pm_row *r = row_for(d, section, name, component, device);
  if (!r) return 0; /* past PM_PLIST_ROWS: counted as skipped */
  d->keys_read++;
  double x;
  char said[64];
  char full[160];
  snprintf(full, sizeof full, "%.30s.%.64s", path, key);
  if (kind == 1) {
    if (number(v, &x, said, sizeof said)) return note(d, "energy_j", full, said);
    r->has_e = 1, r->energy_j = x / 1000.0; /* mJ */
  } else {
    if (number(v, &x, said, sizeof said)) return note(d, "power_w", full, said);
    r->has_w = 1, r->power_w = x / 1000.0; /* mW */
  }
  return 0;
}

/* Nesting read by count_keys(); a powermetrics sample nests 6 deep. Deeper
 * keys are not counted (a hostile file must not exhaust the stack). */
#define PM_PLIST_DEPTH 64

/* Every key in the tree under NODE, DEPTH levels down from the root. */
static long count_keys(plist_t node, int depth) {
  long n = 0;
  if (depth > PM_PLIST_DEPTH) return 0;
  plist_type t = plist_get_node_type(node);
  if (t == PLIST_DICT) {
    plist_dict_iter it = NULL;
    plist_dict_new_iter(node, &it);
    for (;;) {
      char *key = NULL;
      plist_t v = NULL;
      plist_dict_next_item(node, it, &key, &v);
      if (!key) break;
      free(key);
      n += 1 + count_keys(v, depth + 1);
    }
    free(it);
  } else if (t == PLIST_ARRAY) {
    uint32_t k = plist_array_get_size(node);
    for (uint32_t i = 0; i < k; i++) n += count_keys(plist_array_get_item(node, i), depth + 1);
  }
  return n;
}

/* The power keys of dict NODE (at PATH, in SECTION); a cluster's (DEVICE not
 * NULL) are component 'cluster' when named `power` / `energy`. */
static int take_dict(struct pm_doc *d, plist_t node, const char *section, const char *path,
                     const char *device) {
  plist_dict_iter it = NULL;
  plist_dict_new_iter(node, &it);
  int rc = 0;
  while (!rc) {
    char *key = NULL;
    plist_t v = NULL;
    plist_dict_next_item(node, it, &key, &v);
    if (!key) break;
    size_t pre;
    if (power_key(key, &pre))
      rc = take_power(d, section, path, key, v, device && pre == 0 ? "cluster" : device ? "other" : NULL,
                      device ? device : "");
    free(key);
  }
  free(it);
  return rc;
}

static int take_clusters(struct pm_doc *d, plist_t arr) {
  uint32_t k = plist_array_get_size(arr);
  for (uint32_t i = 0; i < k; i++) {
    plist_t c = plist_array_get_item(arr, i);
    if (plist_get_node_type(c) != PLIST_DICT) continue;
    char path[48], device[64] = "";
    snprintf(path, sizeof path, "processor.clusters[%u]", i);
    plist_t nm = plist_dict_get_item(c, "name");
    if (nm && plist_get_node_type(nm) == PLIST_STRING) {
      char *s = NULL;
      plist_get_string_val(nm, &s);
      snprintf(device, sizeof device, "%.63s", s ? s : "");
      free(s);
    }
    int before = d->nrows;
    if (take_dict(d, c, "processor", path, device)) return -1;
    if (d->nrows > before && nm) d->keys_read++; /* its name named a row */
  }
  return 0;
}

static char *string_item(plist_t dict, const char *key, struct pm_doc *d) {
  plist_t v = plist_dict_get_item(dict, key);
  if (!v || plist_get_node_type(v) != PLIST_STRING) return NULL;
  char *s = NULL;
  plist_get_string_val(v, &s);
  d->keys_read++;
  return s;
}

/* The sample's elapsed time and date (noted in unparsed_value when unreadable).
 * Returns 0 or -1 (database). */
static int take_time(struct pm_doc *d, plist_t root, int64_t *el_us, int *have_el, int64_t *ts_us,
                     int *have_ts) {
  plist_t v = plist_dict_get_item(root, "elapsed_ns");
  if (v) {
    double ns;
    char said[64];
    if (number(v, &ns, said, sizeof said)) return note(d, "elapsed_us", "elapsed_ns", said);
    if (ns > (double)VALUE_MAX_SECONDS * 1e9) {
      snprintf(said, sizeof said, "%.0f (more than VALUE_MAX_SECONDS)", ns);
      return note(d, "elapsed_us", "elapsed_ns", said);
    }
    *have_el = 1, *el_us = llround(ns / 1000.0), d->keys_read++;
  }
  v = plist_dict_get_item(root, "timestamp");
  if (!v) return 0;
  if (plist_get_node_type(v) != PLIST_DATE)
    return note(d, "ts_us", "timestamp", type_name(plist_get_node_type(v)));
  int32_t sec, usec;
  plist_get_date_val(v, &sec, &usec);
  int64_t unix_s = (int64_t)sec + PLIST_EPOCH_UNIX_S;
  /* libplist gives 1970-01-01T00:00:00Z for a date it cannot read; no Mac's is
   * that old */
  if (unix_s <= 0) return note(d, "ts_us", "timestamp", "not a date libplist reads");
  *have_ts = 1, *ts_us = unix_s * 1000000 + usec, d->keys_read++;
  return 0;
}

static int insert_rows(struct parse *p, struct pm_doc *d) {
  for (int i = 0; i < d->nrows; i++) {
    struct pm_row *r = &d->rows[i];
    if (!r->has_e && !r->has_w) continue; /* its values were noted as unreadable */
    /* counted: the sample's first row of this component and device (the GPU
     * sampler repeats gpu_energy; the processor's is the one combined includes) */
    int counted = 1;
    for (int j = 0; j < i; j++)
      if (strcmp(d->rows[j].component, r->component) == 0 && strcmp(d->rows[j].device, r->device) == 0 &&
          (d->rows[j].has_e || d->rows[j].has_w))
        counted = 0;
    sqlite3_stmt *ins = wdb_stmt(p->db, sql_power);
    if (!ins) return -1;
    sqlite3_bind_int64(ins, 1, p->file_id);
    sqlite3_bind_int64(ins, 2, d->line);
    sqlite3_bind_int64(ins, 3, d->line);
    sqlite3_bind_text(ins, 4, r->section, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, r->component, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 7, r->device, -1, SQLITE_STATIC);
    if (r->has_w) sqlite3_bind_double(ins, 8, r->power_w);
    if (r->has_e) sqlite3_bind_double(ins, 9, r->energy_j);
    sqlite3_bind_int(ins, 10, counted);
    if (parse_insert(p, ins)) return -1;
  }
  return 0;
}

/* Stores the sample of document ROOT (a dict) at line LN: its powermetrics_sample
 * row, then its power rows. Returns LINE_STORED or LINE_FATAL. */
static enum line_verdict store(struct parse *p, struct pm_plist *st, plist_t root, const struct line *ln) {
  struct pm_doc *d = &st->d;
  memset(d, 0, sizeof *d);
  d->p = p;
  d->line = ln->number;
  int have_el = 0, have_ts = 0;
  int64_t el_us = 0, ts_us = 0;
  if (take_time(d, root, &el_us, &have_el, &ts_us, &have_ts)) return LINE_FATAL;
  int rc = 0;
  plist_t proc = plist_dict_get_item(root, "processor");
  if (proc && plist_get_node_type(proc) == PLIST_DICT) {
    plist_t cl = plist_dict_get_item(proc, "clusters");
    if (cl && plist_get_node_type(cl) == PLIST_ARRAY) rc = take_clusters(d, cl);
    if (!rc) rc = take_dict(d, proc, "processor", "processor", NULL);
  }
  plist_t gpu = plist_dict_get_item(root, "gpu");
  if (!rc && gpu && plist_get_node_type(gpu) == PLIST_DICT) rc = take_dict(d, gpu, "gpu", "gpu", NULL);
  if (rc) return LINE_FATAL;
  char *model = string_item(root, "hw_model", d), *os = string_item(root, "kern_osversion", d);
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_sample);
  if (ins) {
    long keys = count_keys(root, 0);
    sqlite3_bind_int64(ins, 1, p->file_id);
    sqlite3_bind_int64(ins, 2, ln->number);
    sqlite3_bind_int(ins, 3, ++st->samples);
    if (have_ts) sqlite3_bind_int64(ins, 4, ts_us);
    if (have_el) sqlite3_bind_int64(ins, 5, el_us);
    sqlite3_bind_int64(ins, 6, st->first_line);
    if (model) sqlite3_bind_text(ins, 7, model, -1, SQLITE_TRANSIENT);
    if (os) sqlite3_bind_text(ins, 8, os, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 9, d->keys_read);
    sqlite3_bind_int64(ins, 10, keys - d->keys_read);
    rc = parse_insert(p, ins);
  }
  free(model), free(os);
  return ins && !rc && !insert_rows(p, d) ? LINE_STORED : LINE_FATAL;
}

/* The document is complete (LN its `</plist>` line): parsed and stored, or rejected. */
static enum line_verdict finish(struct parse *p, struct pm_plist *st, const struct line *ln) {
  char what[160];
  if (st->over) {
    snprintf(what, sizeof what, "is longer than %d bytes: not read, the next one is", PM_PLIST_DOC_MAX);
    return reject_doc(p, st, ln, "too_long", what);
  }
  plist_t root = NULL;
  plist_from_xml(st->doc, (uint32_t)st->len, &root);
  if (!root)
    return reject_doc(p, st, ln, "bad_plist",
                      "is not a plist libplist can read (it gives no reason): the XML is broken; the "
                      "sample is not stored");
  enum line_verdict v;
  if (plist_get_node_type(root) != PLIST_DICT)
    v = reject_doc(p, st, ln, "bad_plist", "holds no dict, not a powermetrics sample");
  else
    v = store(p, st, root, ln);
  plist_free(root);
  return v;
}

static void collect(struct pm_plist *st, const char *t, size_t n) {
  st->bytes += n + 1;
  if (st->over || st->len + n + 1 > PM_PLIST_DOC_MAX) {
    st->over = 1;
    return;
  }
  memcpy(st->doc + st->len, t, n);
  st->len += n;
  st->doc[st->len++] = '\n';
  st->doc[st->len] = '\0';
}

enum line_verdict pm_plist_line(struct parse *p, struct pm_plist *st, const struct line *ln) {
  const char *t = ln->text;
  size_t n = ln->len;
  while (n && (t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
  if (ln->torn) {
    /* rejected by the driver as 'truncated', whatever is stored here undone;
     * the document it cuts is said at close */
    if (st->in_doc) st->torn = 1;
    return LINE_STORED;
  }
  int opens = pm_plist_opens(t);
  if (st->in_doc && opens && (st->opened || st->body)) {
    /* the document before never closed (the logger was stopped while writing
     * it), or text stood before this one: rejected at this line, which opens
     * the next document */
    int whole = closes(t, n); /* a whole document on this line too: not stored here either */
    enum line_verdict v =
        st->opened ? reject_doc(p, st, ln, "truncated",
                                whole ? "has no </plist>: cut off (the logger was stopped while writing it), "
                                        "not read, nor the document on this line"
                                      : "has no </plist>: cut off (the logger was stopped while writing it), "
                                        "not read")
                   : reject_doc(p, st, ln, "not_plist",
                                whole ? "is text outside a plist document (no <plist> opens it): not read, nor "
                                        "the document on this line"
                                      : "is text outside a plist document (no <plist> opens it): not read");
    reset(st);
    st->in_doc = 1;
    st->first_line = st->last_line = ln->number;
    collect(st, t, n);
    st->opened = strstr(t, "<plist") != NULL;
    if (whole) reset(st);
    return v;
  }
  if (!st->in_doc) {
    st->in_doc = 1;
    st->first_line = ln->number;
  }
  st->last_line = ln->number;
  if (strstr(t, "<plist")) st->opened = 1;
  else if (!opens && !starts(skip_blanks(t), "<!--")) st->body = 1; /* a comment is prolog too */
  collect(st, t, n);
  if (!closes(t, n)) return LINE_SKIPPED;
  enum line_verdict v = finish(p, st, ln);
  reset(st);
  return v;
}

int pm_plist_close(struct parse *p, struct pm_plist *st) {
  if (!st->in_doc) return 0;
  if (st->torn) {
    /* its last line, torn, is the driver's 'truncated' already */
    msg("%s:%ld: the plist document from this line has no </plist> (the file ends inside it, in a "
        "torn line): not read, its sample is lost",
        p->path, st->first_line);
    reset(st);
    return 0;
  }
  /* cut at the end of a line: its last line, counted as skipped so far, is
   * rejected for the document (format.h, close()) */
  struct line last = {.text = st->doc, .len = st->len < PM_PLIST_DOC_MAX ? st->len : PM_PLIST_DOC_MAX,
                      .number = st->last_line};
  enum line_verdict v = parse_reject(p, &last, 0, "truncated",
                                     "the plist document of lines %ld-%ld has no </plist> (the file ends "
                                     "inside it): not read, its sample is lost",
                                     st->first_line, st->last_line);
  reset(st);
  return v == LINE_FATAL ? -1 : 0;
}
