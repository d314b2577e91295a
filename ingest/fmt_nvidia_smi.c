/* ingest/fmt_nvidia_smi.c: `nvidia-smi --query-gpu=FIELDS --format=csv[,noheader][,nounits]`
 * in general (any field list; the replication package's own gpu-power-T.csv is
 * eprof-gpu's).
 *
 *   timestamp, index, name, pci.bus_id, utilization.gpu [%], memory.used [MiB], power.draw [W]
 *   2023/06/22 18:56:56.252, 0, NVIDIA GeForce RTX 2070, 00000000:01:00.0, 22 %, 841 MiB, 35.12 W
 *   2023/06/22 18:56:56.254, 1, NVIDIA GeForce RTX 2070, 00000000:02:00.0, [N/A], 12 MiB, [N/A]
 *
 * Separator ", "; fields never quoted; header fields are query names with ` [unit]`
 * (dropped by nounits, values then have no unit either). The timestamp is
 * `YYYY/MM/DD HH:MM:SS.mmm`, naive local.
 *
 * Storage (schema/022_nvidia_smi_wide.sql, 023_nvidia_smi_texts.sql,
 * 025_nvidia_smi_numbers.sql): one nvidia_smi_sample row per line, with its
 * time, GPU and power.draw (or .average/.instant) as power_w, and its first
 * NV_SLOTS fields in slots n1 .. n16: the number without its unit, or, for a
 * text, its number in the file's nvidia_smi_text (the line's texts bit k - 1
 * set). The time field's slot is empty when ts_us gives its text back, the
 * power field's number is power_w only. A slot's text that is not numbered (a
 * time not as nvidia-smi writes it, a text longer than TEXTSET_MAX_LEN or one
 * the file's full set of texts cannot take: textset.h) goes as a row of
 * nvidia_smi_value_more (bit MORE_BIT0 + k - 1 set), as do fields past NV_SLOTS. The field list is written once to
 * nvidia_smi_field, when a stored line first uses a list that differs from
 * the previous stored line's (fields_line names that line). The view
 * nvidia_smi_value shows every field of every line as one row again.
 *
 * Quirks: the header repeated before every row (nvidia-smi run once per sample
 * with >>): a header line anywhere is skipped, and a different one replaces the
 * field list. UTF-16LE with BOM and CRLF (PowerShell >): transcoded by the line
 * reader. `[N/A]`, `[Not Supported]`, `[Unknown Error]`: NULL number, the text
 * kept. Several GPUs interleaved: each line is one GPU, identified by its index,
 * else uuid, else pci.bus_id; with none of those queried, by its position among
 * consecutive lines with the same timestamp text (all '0' without timestamps).
 *
 * noheader: the field list cannot be read from the file. It is the one the user
 * gave (ingest_options.nvidia_smi_fields, which the command line takes from
 * WATTDB_NVIDIA_SMI_FIELDS: the --query-gpu list, e.g. "timestamp,power.draw"),
 * or else the fields are named col1, col2, ...; units, if
 * printed, are read from the values. A headerless file is recognised by bidding
 * only when its lines start with an nvidia-smi timestamp; otherwise (bare
 * numbers) use `wattdb ingest --format nvidia-smi`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "ingest/batch.h"
#include "ingest/format.h"
#include "ingest/ingest.h"
#include "ingest/textset.h"
#include "ingest/values.h"

#define NV_MAX 64   /* fields of a line */
#define NV_SLOTS 16 /* of them in the line's sample row (n1 .. n16); the rest one row each */

/* A field list: the query names without unit, and the units ("" when none). */
struct field_list {
  int nf;                      /* 0: none yet */
  char field[NV_MAX][48];
  char unit[NV_MAX][16];
};

struct state {
  struct field_list list;      /* the list in effect */
  struct field_list stored;    /* the last list written to nvidia_smi_field */
  int64_t stored_line;         /* its fields_line; 0: none written yet */
  int64_t fields_line;         /* the list in effect's: stored_line when it is the
                                  stored list, else 0 (written with its first line) */
  int c_time, c_index, c_uuid, c_bus, c_power;
  char group_ts[40];           /* timestamp text of the current group of lines */
  int group_pos;
  struct row_batch *sample, *more, *text; /* the batches (batch.h): sample for the
                                      line's field count, more and text fetched once per file */
  struct textset texts;        /* the file's texts stored in nvidia_smi_text */
};

/* sql_sample[k]: the sample row's INSERT naming slots 1 .. 4 (k + 1) only,
 * for lines of at most 4 (k + 1) fields. The slots a line does not fill keep
 * their default NULL instead of each passing as a NULL through the batch: an
 * 8-field line passes 15 values, not 23. */
#define SAMPLE_COLS "INSERT INTO nvidia_smi_sample(file_id, line, ts_us, gpu, power_w, fields_line, texts"
#define SLOT(k) ", n" #k
#define SLOTS_1_4 SLOT(1) SLOT(2) SLOT(3) SLOT(4)
#define SLOTS_5_8 SLOT(5) SLOT(6) SLOT(7) SLOT(8)
#define SLOTS_9_12 SLOT(9) SLOT(10) SLOT(11) SLOT(12)
#define SLOTS_13_16 SLOT(13) SLOT(14) SLOT(15) SLOT(16)
#define SAMPLE_PARAMS ") VALUES (?,?,?,?,?,?,?"
#define PARAMS_4 ", ?,?,?,?"
static const char *const sql_sample[NV_SLOTS / 4] = {
    SAMPLE_COLS SLOTS_1_4 SAMPLE_PARAMS PARAMS_4 ")",
    SAMPLE_COLS SLOTS_1_4 SLOTS_5_8 SAMPLE_PARAMS PARAMS_4 PARAMS_4 ")",
    SAMPLE_COLS SLOTS_1_4 SLOTS_5_8 SLOTS_9_12 SAMPLE_PARAMS PARAMS_4 PARAMS_4 PARAMS_4 ")",
    SAMPLE_COLS SLOTS_1_4 SLOTS_5_8 SLOTS_9_12 SLOTS_13_16 SAMPLE_PARAMS PARAMS_4 PARAMS_4 PARAMS_4 PARAMS_4 ")",
};
#define SAMPLE_TEXTS 7 /* the parameter of texts */
#define SAMPLE_SLOT0 8 /* the parameter of n1 */
/* Bit MORE_BIT0 + k - 1 of texts: slot k's field is nvidia_smi_value_more's row. */
#define MORE_BIT0 NV_SLOTS
static const char sql_more[] =
    "INSERT INTO nvidia_smi_value_more(file_id, line, col, field, unit, num, text) VALUES (?,?,?,?,?,?,?)";
static const char sql_field[] =
    "INSERT INTO nvidia_smi_field(file_id, fields_line, col, field, unit, sample_column)"
    " VALUES (?,?,?,?,?,?)";
static const char sql_text[] = "INSERT INTO nvidia_smi_text(file_id, line, id, text) VALUES (?,?,?,?)";

/* Is S a query name with an optional " [unit]" (a header field)? */
static int header_field(const char *s) {
  if (!islower((unsigned char)*s)) return 0;
  while (*s && (islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '.' || *s == '_'))
    s++;
  if (!*s) return 1;
  if (s[0] != ' ' || s[1] != '[') return 0;
  const char *e = strchr(s, ']');
  return e && e[1] == '\0';
}

/* Sets field I of L from header text TEXT ("power.draw [W]"). */
static void set_field(struct field_list *l, int i, const char *text) {
  const char *b = strstr(text, " [");
  size_t n = b ? (size_t)(b - text) : strlen(text);
  snprintf(l->field[i], sizeof l->field[i], "%.*s", (int)n, text);
  l->unit[i][0] = '\0';
  if (b) snprintf(l->unit[i], sizeof l->unit[i], "%.*s", (int)(strlen(b + 2) - 1), b + 2);
}

static int same_list(const struct field_list *a, const struct field_list *b) {
  if (a->nf != b->nf) return 0;
  for (int i = 0; i < a->nf; i++)
    if (strcmp(a->field[i], b->field[i]) || strcmp(a->unit[i], b->unit[i])) return 0;
  return 1;
}

/* After ST->list was set: finds its special columns, and whether it is the
 * list last written to nvidia_smi_field (a repeated header) or a new one,
 * written with the next line stored (fields_line 0). */
static void list_changed(struct state *st) {
  st->c_time = st->c_index = st->c_uuid = st->c_bus = st->c_power = -1;
  for (int i = 0; i < st->list.nf; i++) {
    const char *f = st->list.field[i];
    if (!strcmp(f, "timestamp")) st->c_time = i;
    else if (!strcmp(f, "index")) st->c_index = i;
    else if (!strcmp(f, "uuid") || !strcmp(f, "gpu_uuid")) st->c_uuid = i;
    else if (!strcmp(f, "pci.bus_id") || !strcmp(f, "gpu_bus_id")) st->c_bus = i;
    else if (st->c_power < 0 && (!strcmp(f, "power.draw") || !strcmp(f, "power.draw.average") ||
                                 !strcmp(f, "power.draw.instant")))
      st->c_power = i;
  }
  st->fields_line = st->stored_line && same_list(&st->list, &st->stored) ? st->stored_line : 0;
}

/* The field list the user gave (ingest_options.nvidia_smi_fields), for
 * noheader files. */
static int open_file(struct parse *p) {
  struct state *st = p->state;
  const char *list = p->options ? p->options->nvidia_smi_fields : NULL;
  if (!list || !*list) return 0;
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && st->list.nf < NV_MAX;
       tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    set_field(&st->list, st->list.nf++, tok);
  }
  list_changed(st);
  return 0;
}

/* Parses TEXT as a number with an optional unit suffix ("35.12 W", "22 %") when
 * the header gave none (noheader with units). */
static enum value_kind number_any_unit(const char *text, double *x) {
  enum value_kind k = value_number(text, NULL, x);
  if (k != VALUE_BAD) return k;
  const char *sp = strrchr(text, ' ');
  if (!sp || !sp[1]) return VALUE_BAD;
  for (const char *u = sp + 1; *u; u++)
    if (!isalpha((unsigned char)*u) && *u != '%' && *u != '/') return VALUE_BAD;
  return value_number(text, sp + 1, x);
}

/* Writes ST->list to nvidia_smi_field as the list that line LINE starts, by
 * a plain INSERT (a few rows per file: no batch). 0, or -1 on a database
 * error (printed). */
static int store_list(struct parse *p, struct state *st, int64_t line) {
  const struct field_list *l = &st->list;
  for (int i = 0; i < l->nf; i++) {
    sqlite3_stmt *f = wdb_stmt(p->db, sql_field);
    if (!f) return -1;
    sqlite3_bind_int64(f, 1, p->file_id);
    sqlite3_bind_int64(f, 2, line);
    sqlite3_bind_int(f, 3, i + 1);
    sqlite3_bind_text(f, 4, l->field[i], -1, SQLITE_STATIC);
    if (l->unit[i][0]) sqlite3_bind_text(f, 5, l->unit[i], -1, SQLITE_STATIC);
    const char *in_sample = i >= NV_SLOTS ? NULL : i == st->c_time ? "ts_us" : i == st->c_power ? "power_w" : NULL;
    if (in_sample) sqlite3_bind_text(f, 6, in_sample, -1, SQLITE_STATIC);
    if (parse_insert(p, f)) return -1;
  }
  st->stored = *l;
  st->stored_line = st->fields_line = line;
  return 0;
}

/* Field I (0-based) of line LINE as a row of nvidia_smi_value_more, as
 * nvidia_smi_value shows it: the number when it is one, else the text when
 * there is any. 0, or -1 on a database error (printed). */
static int put_more(struct parse *p, int64_t line, int i, enum value_kind kind, double x) {
  struct state *st = p->state;
  if (!st->more && !(st->more = parse_batch(p, 1, sql_more))) return -1;
  struct row_batch *v = st->more;
  batch_int(v, 1, p->file_id);
  batch_int(v, 2, line);
  batch_int(v, 3, i + 1);
  batch_text(v, 4, st->list.field[i]);
  if (st->list.unit[i][0]) batch_text(v, 5, st->list.unit[i]);
  if (kind == VALUE_OK) batch_double(v, 6, x);
  else if (p->fields[i][0]) batch_text(v, 7, p->fields[i]);
  return batch_row_done(v);
}

/* Is the time field TEXT, which value_time() read, of the shape that
 * nvidia_smi_value writes ts_us in (schema/023_nvidia_smi_texts.sql):
 * YYYY/MM/DD HH:MM:SS.mmm with seconds below 60? Then it reads back as
 * written, and its slot need not hold it. */
static int time_as_written(const char *text) {
  static const char shape[] = "dddd/dd/dd dd:dd:dd.ddd";
  for (int i = 0; i < (int)sizeof shape - 1; i++)
    if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i]) return 0;
  return text[sizeof shape - 1] == '\0' && text[17] < '6';
}

/* Slot I (0-based) of line LINE's sample row ROW: its number, or its text as
 * the number of the file's text (adding it to nvidia_smi_text when new; *TEXTS
 * gets bit I); nothing for the time field when its text is as written and the
 * power field's number, which ts_us and power_w hold. Any other text (the time
 * field's, one the set does not number) goes to nvidia_smi_value_more, and
 * *TEXTS gets bit MORE_BIT0 + I. 0, or -1 on a database error (printed). */
static int put_slot(struct parse *p, struct row_batch *row, int64_t line, int i, enum value_kind kind,
                    double x, int64_t *texts) {
  struct state *st = p->state;
  const char *field = p->fields[i];
  int num = SAMPLE_SLOT0 + i, added = 0, id = 0;
  if (kind == VALUE_OK) {
    if (i != st->c_power) batch_double(row, num, x);
    return 0;
  }
  if (i == st->c_time ? time_as_written(field) : !field[0]) return 0;
  /* a time is no text a file repeats */
  if (i != st->c_time) id = textset_number(&st->texts, field, strlen(field), &added);
  if (!id) {
    *texts |= INT64_C(1) << (MORE_BIT0 + i);
    return put_more(p, line, i, kind, x);
  }
  batch_int(row, num, id);
  *texts |= INT64_C(1) << i;
  if (!added) return 0;
  if (!st->text && !(st->text = parse_batch(p, 2, sql_text))) return -1;
  batch_int(st->text, 1, p->file_id);
  batch_int(st->text, 2, line);
  batch_int(st->text, 3, id);
  batch_text(st->text, 4, field);
  return batch_row_done(st->text);
}

/* Stores data line LN (its NF fields parsed into KIND and NUM, its GPU and
 * time found): the sample row with the first NV_SLOTS fields, the rest one row
 * each, and the field list first when this line starts one. */
static enum line_verdict store_line(struct parse *p, const struct line *ln, int nf,
                                    const enum value_kind *kind, const double *num, int64_t ts,
                                    const char *gpu) {
  struct state *st = p->state;
  int slots = nf < NV_SLOTS ? nf : NV_SLOTS;
  if (!(st->sample = parse_batch(p, 0, sql_sample[slots > 0 ? (slots - 1) / 4 : 0])) ||
      (!st->fields_line && store_list(p, st, ln->number)))
    return LINE_FATAL;
  struct row_batch *row = st->sample;
  batch_int(row, 1, p->file_id);
  batch_int(row, 2, ln->number);
  if (st->c_time >= 0) batch_int(row, 3, ts);
  batch_text(row, 4, gpu);
  if (st->c_power >= 0 && kind[st->c_power] == VALUE_OK) batch_double(row, 5, num[st->c_power]);
  batch_int(row, 6, st->fields_line);
  int64_t texts = 0;
  for (int i = 0; i < nf && i < NV_SLOTS; i++)
    if (put_slot(p, row, ln->number, i, kind[i], num[i], &texts)) return LINE_FATAL;
  if (texts) batch_int(row, SAMPLE_TEXTS, texts);
  if (batch_row_done(row)) return LINE_FATAL;
  for (int i = NV_SLOTS; i < nf; i++)
    if (put_more(p, ln->number, i, kind[i], num[i])) return LINE_FATAL;
  return LINE_STORED;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  struct field_list *l = &st->list;
  int nf = parse_fields(p, ln, ',');
  int is_header = nf > 0;
  for (int i = 0; i < nf && is_header; i++) is_header = header_field(p->fields[i]);
  if (is_header) {
    if (nf > NV_MAX) {
      parse_fail(p, "more than %d fields", NV_MAX);
      return LINE_REFUSE_FILE;
    }
    l->nf = nf;
    for (int i = 0; i < nf; i++) set_field(l, i, p->fields[i]);
    list_changed(st);
    if (!p->format_version[0]) {
      int units = 0;
      for (int i = 0; i < nf; i++) units |= l->unit[i][0] != '\0';
      snprintf(p->format_version, sizeof p->format_version, "%s", units ? "units" : "nounits");
    }
    return LINE_SKIPPED;
  }
  if (!l->nf) { /* noheader without a field list: col1, col2, ... */
    if (nf > NV_MAX) {
      parse_fail(p, "more than %d fields", NV_MAX);
      return LINE_REFUSE_FILE;
    }
    l->nf = nf;
    for (int i = 0; i < nf; i++) snprintf(l->field[i], sizeof l->field[i], "col%d", i + 1);
    msg("%s: no header: its %d fields are stored as col1..col%d; to name them, ingest it with "
        "WATTDB_NVIDIA_SMI_FIELDS set to its --query-gpu list (e.g. timestamp,power.draw)",
        p->path, nf, nf);
    /* a leading nvidia-smi timestamp is recognisable */
    int64_t us;
    if (nf > 0 && value_time(p->fields[0], &us) == 0) strcpy(l->field[0], "timestamp");
    list_changed(st);
  }
  if (!p->format_version[0]) snprintf(p->format_version, sizeof p->format_version, "noheader");
  if (nf != l->nf)
    return parse_reject(p, ln, 0, "field_count", "expected %d fields, found %d", l->nf, nf);

  int64_t ts = 0;
  if (st->c_time >= 0 && value_time(p->fields[st->c_time], &ts))
    return parse_reject(p, ln, st->c_time + 1, "bad_time", "cannot parse '%s' as a time",
                        p->fields[st->c_time]);
  /* numbers first, so that a bad one rejects the line before anything is stored */
  double num[NV_MAX];
  enum value_kind kind[NV_MAX];
  for (int i = 0; i < nf; i++) {
    kind[i] = VALUE_EMPTY;
    if (i == st->c_time || i == st->c_index || i == st->c_uuid || i == st->c_bus) continue;
    const char *t = p->fields[i];
    kind[i] = l->unit[i][0] ? value_number(t, l->unit[i], &num[i]) : number_any_unit(t, &num[i]);
    if (kind[i] == VALUE_BAD && i == st->c_power)
      return parse_reject(p, ln, i + 1, "bad_number", "cannot parse '%s' as watts", t);
  }

  char gpu[64];
  if (st->c_index >= 0) snprintf(gpu, sizeof gpu, "%s", p->fields[st->c_index]);
  else if (st->c_uuid >= 0) snprintf(gpu, sizeof gpu, "%s", p->fields[st->c_uuid]);
  else if (st->c_bus >= 0) snprintf(gpu, sizeof gpu, "%s", p->fields[st->c_bus]);
  else {
    if (st->c_time >= 0 && strcmp(st->group_ts, p->fields[st->c_time]) == 0) {
      st->group_pos++;
    } else {
      st->group_pos = 0;
      if (st->c_time >= 0)
        snprintf(st->group_ts, sizeof st->group_ts, "%s", p->fields[st->c_time]);
    }
    snprintf(gpu, sizeof gpu, "%d", st->group_pos);
  }
  return store_line(p, ln, nf, kind, num, ts, gpu);
}

/* A header of query names, or (noheader) lines starting with its timestamp. */
static int bid(const struct sniff *s) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", s->first_line);
  int n = 0, dotted = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t len = strlen(tok);
    while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\r')) tok[--len] = '\0';
    if (!header_field(tok)) {
      n = -1;
      break;
    }
    n++;
    dotted += strchr(tok, '.') != NULL || !strcmp(tok, "timestamp") || !strcmp(tok, "index");
  }
  if (n > 0 && dotted > 0) return BID_VOCABULARY;
  /* 2024/10/30 18:42:33.189, ... */
  const char *l = s->first_line;
  int64_t us;
  char ts[24];
  if (strlen(l) > 24 && l[4] == '/' && l[7] == '/' && l[23] == ',') {
    memcpy(ts, l, 23);
    ts[23] = '\0';
    if (value_time(ts, &us) == 0) return BID_SHAPE;
  }
  return 0;
}

const struct format fmt_nvidia_smi = {
    .name = "nvidia-smi",
    /* nvidia_smi_value, the view, too: `wattdb status` counts its rows as it did the table's */
    .tables = "nvidia_smi_sample,nvidia_smi_field,nvidia_smi_value,nvidia_smi_value_more,nvidia_smi_text",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .open = open_file,
    .line = line,
    .state_size = sizeof(struct state),
};
