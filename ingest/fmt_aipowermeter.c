/* ingest/fmt_aipowermeter.c: AIPowerMeter's `power_metrics.json`
 * (GreenAI-Uppa/AIPowerMeter, deep_learning_power_measure), into
 * aipowermeter_record, aipowermeter_value and aipowermeter_marker
 * (schema/013_aipowermeter.sql).
 *
 * The file is JSON Lines, appended to by JsonParser.save_power_metrics() once
 * per sampling period (`json.dumps({'date': str(datetime.now()), 'metrics': m})`):
 *   {"date": "2023-06-30 16:32:48.631352", "metrics": {"cpu": {"intel_power": 34.68,
 *    "psys_power": 55.6, "uncore_power": [0.05], "per_process_cpu_power": {"85961": 18.8}, ...},
 *    "gpu": {"nvidia_draw_absolute": 32.33, "per_gpu_power_draw": {"0": 32.33}, ...}}}
 *   "END OF RECORDING SEGMENT"                  <- close_driver(), when a recording stops
 * Each line is parsed on its own with jansson (json_loadb), never the whole file;
 * the driver cuts lines in LINES_PLAIN mode, so that an escaped quote in a string
 * cannot join records the way a CSV quoted field would.
 *
 * Key generations (all under metrics.cpu / metrics.gpu; dict keys are strings
 * holding PIDs or GPU indices), named in source_file.format_version after the
 * first record:
 *   '2021-08'  cpu: mem_use_abs, cpu_uses, mem_use_percent, mem_use_uss (per pid),
 *              intel_power, total_cpu_power, total_dram_power, psys_power, a scalar
 *              uncore_power, per_process_cpu_power, per_process_dram_power; gpu:
 *              nvidia_draw_absolute, nvidia_estimated_attributable_power_draw,
 *              per_gpu_power_draw, per_gpu_attributable_mem_use {gpu: {pid: bytes}},
 *              per_gpu_performance_state ("P2"), average_gpu_estimated_utilization_*,
 *              per_gpu_average_estimated_utilization_absolute (a list of nvidia-smi
 *              pmon rows {"gpu": 0.0, "pid": 1234.0, "sm": ...})
 *   '2021-12'  (to 2025) cpu: per_process_mem_use_abs, per_process_cpu_uses,
 *              per_process_mem_use_percent, per_process_mem_use_uss, uncore_power as a
 *              list (one value per package); gpu: per_gpu_per_pid_utilization_absolute,
 *              per_gpu_absolute_percent_usage, per_gpu_estimated_attributable_utilization,
 *              per_gpu_attributable_power (with a key "all")
 *   '2026'     cpu adds absolute_cpu_time_per_pid, total_mem_use, rel_intel_power;
 *              gpu: nvidia_power, nvidia_memory, nvidia_use_rate and their per_gpu_nvidia_*
 *              dicts (NVML energy counter deltas, W); metrics.temperature =
 *              psutil.sensors_temperatures() ({"coretemp": [["Package id 0", 45.0, ...]]})
 * The machine-level powers (intel_power, total_cpu_power, total_dram_power,
 * uncore_power, psys_power, nvidia_draw_absolute, nvidia_power) have columns;
 * every other leaf of the record, unknown keys included, is a row of
 * aipowermeter_value with its PID or device read from where it sits (schema/013
 * says how), so nothing is dropped. A list of numbers under a column key
 * (uncore_power) gives the column its sum and a value row per element (device =
 * its index). psys_power -1 is the writer's "no psys domain": NULL, the -1 kept
 * in unparsed_value.
 *
 * `date` is the local wall clock, no zone (time_convention 'naive-local'), with
 * microseconds (none when they are 0: str(datetime)). The marker line is stored
 * in aipowermeter_marker and starts a new segment (aipowermeter_record.segment):
 * the transform never integrates across it.
 *
 * Rejected: a line that is not JSON ('bad_json', at jansson's column: Python
 * would write NaN or Infinity tokens, which are not JSON, for a non-finite
 * value), a JSON value that is neither a record object nor the marker
 * ('not_a_record'), a record without a parseable `date` ('bad_time') or without
 * a `metrics` object ('no_metrics'), a key too long or nested too deep for the
 * bounded names of aipowermeter_value ('too_deep').
 * A torn last line (the recorder killed mid-write) is the driver's 'truncated'. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

#define SEGMENT_END "END OF RECORDING SEGMENT"
#define METRIC_MAX 512 /* bytes of a metric name ("cpu.per_process_cpu_power") */
#define SUB_MAX 1024   /* bytes of a value's remaining key path */
#define ID_MAX 64      /* bytes of a device or pid */

/* The columns of aipowermeter_record, in its order after ts_us. */
static const struct {
  const char *group, *key;
} columns[] = {
    {"cpu", "intel_power"},    {"cpu", "total_cpu_power"}, {"cpu", "total_dram_power"},
    {"cpu", "uncore_power"},   {"cpu", "psys_power"},      {"gpu", "nvidia_draw_absolute"},
    {"gpu", "nvidia_power"},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
#define COL_PSYS 4

struct state {
  int segment;     /* markers seen so far */
  int version_set; /* format_version named after the first record */
};

static const char sql_record[] =
    "INSERT INTO aipowermeter_record(file_id, line, segment, ts, ts_us, intel_power_w, total_cpu_power_w, "
    "total_dram_power_w, uncore_power_w, psys_power_w, nvidia_draw_absolute_w, nvidia_power_w) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_value[] =
    "INSERT INTO aipowermeter_value(file_id, line, n, metric, device, pid, sub, value, text) "
    "VALUES (?,?,?,?,?,?,?,?,?)";
static const char sql_marker[] =
    "INSERT INTO aipowermeter_marker(file_id, line, segment, text) VALUES (?,?,?,?)";

/* A JSON object with AIPowerMeter's two keys, the segment marker (a recording
 * appended to after a stop), or the name the recorder gives its file (whatever
 * the first line holds: a record cut by a crash, say). */
static int bid(const struct sniff *s) {
  const char *l = s->first_line;
  while (*l == ' ' || *l == '\t') l++;
  if (*l == '{' && strstr(l, "\"date\"") && strstr(l, "\"metrics\"")) return BID_SIGNATURE;
  if (strcmp(l, "\"" SEGMENT_END "\"") == 0) return BID_SIGNATURE;
  return strcmp(s->name, "power_metrics.json") == 0 ? BID_SIGNATURE : BID_NONE;
}

/* How the keys of a dict level under metric GROUP.KEY are read: the first level
 * of a per_gpu_* dict is the GPU, its second the PID; a dict under cpu is keyed
 * by PID; any other level is a path step (sub). */
enum role { ROLE_SUB, ROLE_DEVICE, ROLE_PID };

static enum role dict_role(const char *group, const char *key, int level) {
  if (strncmp(key, "per_gpu", 7) == 0) return level == 0 ? ROLE_DEVICE : level == 1 ? ROLE_PID : ROLE_SUB;
  if (strcmp(group, "cpu") == 0 && level == 0) return ROLE_PID;
  return ROLE_SUB;
}

/* One record's walk over its leaves. With ins NULL it only checks that every
 * path fits (a dry run before anything is stored). */
struct walk {
  struct parse *p;
  const struct line *ln;
  sqlite3_stmt *ins;
  int n;                      /* leaves so far */
  const char *group, *key;    /* for dict_role */
  char metric[METRIC_MAX];
  char device[ID_MAX], pid[ID_MAX];
  char sub[SUB_MAX];
  size_t sublen;
};

/* Stores leaf V at the walk's current path. Returns 0 or -1 (database). */
static int leaf(struct walk *w, json_t *v) {
  w->n++;
  if (!w->ins) return 0;
  sqlite3_stmt *s = w->ins;
  sqlite3_bind_int64(s, 1, w->p->file_id);
  sqlite3_bind_int64(s, 2, w->ln->number);
  sqlite3_bind_int(s, 3, w->n);
  sqlite3_bind_text(s, 4, w->metric, -1, SQLITE_STATIC);
  if (w->device[0]) sqlite3_bind_text(s, 5, w->device, -1, SQLITE_STATIC);
  else sqlite3_bind_null(s, 5);
  if (w->pid[0]) sqlite3_bind_text(s, 6, w->pid, -1, SQLITE_STATIC);
  else sqlite3_bind_null(s, 6);
  if (w->sublen) sqlite3_bind_text(s, 7, w->sub, (int)w->sublen, SQLITE_STATIC);
  else sqlite3_bind_null(s, 7);
  sqlite3_bind_null(s, 8);
  sqlite3_bind_null(s, 9);
  switch (json_typeof(v)) {
  case JSON_INTEGER:
  case JSON_REAL: sqlite3_bind_double(s, 8, json_number_value(v)); break;
  case JSON_STRING: sqlite3_bind_text(s, 9, json_string_value(v), (int)json_string_length(v), SQLITE_STATIC); break;
  case JSON_TRUE: sqlite3_bind_double(s, 8, 1); sqlite3_bind_text(s, 9, "true", -1, SQLITE_STATIC); break;
  case JSON_FALSE: sqlite3_bind_double(s, 8, 0); sqlite3_bind_text(s, 9, "false", -1, SQLITE_STATIC); break;
  case JSON_NULL: sqlite3_bind_text(s, 9, "null", -1, SQLITE_STATIC); break;
  case JSON_OBJECT: sqlite3_bind_text(s, 9, "{}", -1, SQLITE_STATIC); break; /* empty */
  case JSON_ARRAY: sqlite3_bind_text(s, 9, "[]", -1, SQLITE_STATIC); break;
  }
  return parse_insert(w->p, s);
}

/* Appends "/STEP" (or STEP at the start) to the walk's sub path. Returns the
 * previous length to restore, or (size_t)-1 when it does not fit. */
static size_t sub_push(struct walk *w, const char *step) {
  size_t was = w->sublen, n = strlen(step);
  if (was + n + 2 > sizeof w->sub) return (size_t)-1;
  if (was) w->sub[w->sublen++] = '/';
  memcpy(w->sub + w->sublen, step, n + 1);
  w->sublen += n;
  return was;
}

/* A pmon number (0.0, 1234.0) as the identifier it stands for: "0", "1234". */
static void id_of_number(double x, char *buf) {
  if (x == (double)(long long)x && x > -1e15 && x < 1e15) snprintf(buf, ID_MAX, "%lld", (long long)x);
  else snprintf(buf, ID_MAX, "%.17g", x);
}

/* Walks V, LEVEL dict levels below the metric. Returns 0, -1 (database) or -2
 * (a path too long to name). */
static int walk(struct walk *w, json_t *v, int level) {
  if (json_is_object(v) && json_object_size(v)) {
    const char *k;
    json_t *x;
    enum role r = dict_role(w->group, w->key, level);
    char *id = r == ROLE_DEVICE ? w->device : r == ROLE_PID ? w->pid : NULL;
    json_object_foreach(v, k, x) {
      size_t was = 0;
      if (id) {
        if (strlen(k) >= ID_MAX) return -2;
        memcpy(id, k, strlen(k) + 1);
      } else if ((was = sub_push(w, k)) == (size_t)-1) {
        return -2;
      }
      int rc = walk(w, x, level + 1);
      if (rc) return rc;
      if (id) id[0] = '\0';
      else w->sub[w->sublen = was] = '\0';
    }
    return 0;
  }
  if (json_is_array(v) && json_array_size(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      char step[32];
      snprintf(step, sizeof step, "%zu", i);
      size_t was = sub_push(w, step);
      if (was == (size_t)-1) return -2;
      /* an nvidia-smi pmon row: its gpu and pid are identifiers, not values */
      json_t *g = json_object_get(x, "gpu"), *pd = json_object_get(x, "pid");
      int pmon = json_is_object(x) && json_is_number(g) && json_is_number(pd) && !w->device[0] && !w->pid[0];
      int rc;
      if (pmon) {
        id_of_number(json_number_value(g), w->device);
        id_of_number(json_number_value(pd), w->pid);
        const char *k;
        json_t *y;
        rc = 0;
        json_object_foreach(x, k, y) {
          if (y == g || y == pd) continue;
          size_t was2 = sub_push(w, k);
          if (was2 == (size_t)-1) return -2;
          if ((rc = walk(w, y, level + 1))) return rc;
          w->sub[w->sublen = was2] = '\0';
        }
        w->device[0] = w->pid[0] = '\0';
      } else {
        rc = walk(w, x, level);
      }
      if (rc) return rc;
      w->sub[w->sublen = was] = '\0';
    }
    return 0;
  }
  return leaf(w, v);
}

/* Sets the walk's metric to GROUP.KEY (KEY alone when GROUP is NULL). Returns 0
 * or -2 when it does not fit. */
static int set_metric(struct walk *w, const char *group, const char *key) {
  int n = group ? snprintf(w->metric, sizeof w->metric, "%s.%s", group, key)
                : snprintf(w->metric, sizeof w->metric, "%s", key);
  w->group = group ? group : "";
  w->key = key;
  w->device[0] = w->pid[0] = '\0';
  w->sub[0] = '\0';
  w->sublen = 0;
  return n < 0 || (size_t)n >= sizeof w->metric ? -2 : 0;
}

/* The column of GROUP.KEY, or -1. */
static int column_of(const char *group, const char *key) {
  for (size_t i = 0; i < NCOLUMNS; i++)
    if (strcmp(columns[i].group, group) == 0 && strcmp(columns[i].key, key) == 0) return (int)i;
  return -1;
}

/* A column key's value as its number: a number, or the sum of a non-empty list
 * of numbers. Returns 0, or -1 when it is neither (then it is walked as any value). */
static int column_number(json_t *v, double *out) {
  if (json_is_number(v)) {
    *out = json_number_value(v);
    return 0;
  }
  if (!json_is_array(v) || !json_array_size(v)) return -1;
  size_t i;
  json_t *x;
  double sum = 0;
  json_array_foreach(v, i, x) {
    if (!json_is_number(x)) return -1;
    sum += json_number_value(x);
  }
  *out = sum;
  return 0;
}

/* Walks the whole record REC (metrics M): the column values into VAL/HAVE, every
 * other leaf through walk(). Returns 0, -1 or -2 as walk(). */
static int walk_record(struct walk *w, json_t *rec, json_t *m, double *val, int *have) {
  const char *g, *k;
  json_t *gv, *v;
  json_object_foreach(m, g, gv) {
    if (!json_is_object(gv)) {
      if (set_metric(w, NULL, g)) return -2;
      int rc = walk(w, gv, 0);
      if (rc) return rc;
      continue;
    }
    json_object_foreach(gv, k, v) {
      if (set_metric(w, g, k)) return -2;
      int c = column_of(g, k);
      if (c >= 0 && column_number(v, &val[c]) == 0) {
        have[c] = 1;
        if (json_is_array(v)) { /* its elements, one per package */
          size_t i;
          json_t *x;
          json_array_foreach(v, i, x) {
            snprintf(w->device, sizeof w->device, "%zu", i);
            if (leaf(w, x)) return -1;
          }
        }
        continue;
      }
      int rc = walk(w, v, 0);
      if (rc) return rc;
    }
  }
  json_object_foreach(rec, k, v) {
    if (strcmp(k, "date") == 0 || strcmp(k, "metrics") == 0) continue;
    if (set_metric(w, NULL, k)) return -2;
    int rc = walk(w, v, 0);
    if (rc) return rc;
  }
  return 0;
}

/* Names the key generation after the first record's keys (see the top). */
static void set_version(struct parse *p, json_t *m) {
  json_t *cpu = json_object_get(m, "cpu"), *gpu = json_object_get(m, "gpu");
  const char *v = "2021-12";
  if (json_object_get(cpu, "cpu_uses") || json_object_get(cpu, "mem_use_abs")) v = "2021-08";
  else if (json_object_get(cpu, "absolute_cpu_time_per_pid") || json_object_get(cpu, "total_mem_use") ||
           json_object_get(gpu, "nvidia_power") || json_object_get(m, "temperature"))
    v = "2026";
  snprintf(p->format_version, sizeof p->format_version, "%s", v);
}

static enum line_verdict store_marker(struct parse *p, struct state *st, const struct line *ln, json_t *j) {
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_marker);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int(ins, 3, st->segment);
  sqlite3_bind_text(ins, 4, json_string_value(j), (int)json_string_length(j), SQLITE_STATIC);
  if (parse_insert(p, ins)) return LINE_FATAL;
  st->segment++;
  return LINE_STORED;
}

static const char *json_kind(json_t *j) {
  switch (json_typeof(j)) {
  case JSON_ARRAY: return "list";
  case JSON_STRING: return "string";
  case JSON_INTEGER:
  case JSON_REAL: return "number";
  default: return "constant";
  }
}

/* The record J of line LN, checked, then stored (the dry walk first, so that a
 * line is stored whole or not at all). */
static enum line_verdict store_record(struct parse *p, struct state *st, const struct line *ln, json_t *j) {
  json_t *date = json_object_get(j, "date"), *m = json_object_get(j, "metrics");
  int64_t ts_us;
  if (!json_is_string(date))
    return parse_reject(p, ln, 0, "bad_time", "the record has no \"date\" string; AIPowerMeter writes "
                                              "{\"date\": \"YYYY-MM-DD HH:MM:SS.ffffff\", \"metrics\": {...}}");
  if (value_time(json_string_value(date), &ts_us))
    return parse_reject(p, ln, 0, "bad_time", "cannot parse date '%.64s' as YYYY-MM-DD HH:MM:SS[.ffffff]",
                        json_string_value(date));
  if (!json_is_object(m))
    return parse_reject(p, ln, 0, "no_metrics", "the record has no \"metrics\" object");
  struct walk w = {.p = p, .ln = ln};
  double val[NCOLUMNS];
  int have[NCOLUMNS] = {0};
  if (walk_record(&w, j, m, val, have))
    return parse_reject(p, ln, 0, "too_deep",
                        "a key too long or nested too deep to name (a metric over %d bytes, a PID or "
                        "device over %d, a path over %d)",
                        METRIC_MAX - 1, ID_MAX - 1, SUB_MAX - 1);
  if (!st->version_set) {
    set_version(p, m);
    st->version_set = 1;
  }
  int psys_absent = have[COL_PSYS] && val[COL_PSYS] == -1;
  if (psys_absent) have[COL_PSYS] = 0;
  sqlite3_stmt *rec = wdb_stmt(p->db, sql_record);
  if (!rec || !(w.ins = wdb_stmt(p->db, sql_value))) return LINE_FATAL;
  sqlite3_bind_int64(rec, 1, p->file_id);
  sqlite3_bind_int64(rec, 2, ln->number);
  sqlite3_bind_int(rec, 3, st->segment);
  sqlite3_bind_text(rec, 4, json_string_value(date), (int)json_string_length(date), SQLITE_STATIC);
  sqlite3_bind_int64(rec, 5, ts_us);
  for (size_t i = 0; i < NCOLUMNS; i++) {
    if (have[i]) sqlite3_bind_double(rec, 6 + (int)i, val[i]);
    else sqlite3_bind_null(rec, 6 + (int)i);
  }
  if (parse_insert(p, rec)) return LINE_FATAL;
  if (psys_absent && parse_note_null(p, ln, 0, "psys_power_w", "-1")) return LINE_FATAL;
  w.n = 0;
  if (walk_record(&w, j, m, val, have)) return LINE_FATAL; /* the dry run passed: a database error */
  return LINE_STORED;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  json_error_t err;
  json_t *j = json_loadb(ln->text, ln->len, JSON_DECODE_ANY, &err);
  if (!j)
    return parse_reject(p, ln, err.column > 0 ? err.column : 0, "bad_json",
                        "not JSON: %s; AIPowerMeter writes one JSON object per line", err.text);
  enum line_verdict v;
  if (json_is_string(j) && strcmp(json_string_value(j), SEGMENT_END) == 0)
    v = store_marker(p, st, ln, j);
  else if (!json_is_object(j))
    v = parse_reject(p, ln, 0, "not_a_record", "a JSON %s, not a record {\"date\": ..., \"metrics\": {...}}",
                     json_kind(j));
  else
    v = store_record(p, st, ln, j);
  json_decref(j);
  return v;
}

const struct format fmt_aipowermeter = {
    .name = "aipowermeter",
    .version = 1,
    .time_convention = "naive-local",
    .tables = "aipowermeter_record,aipowermeter_value,aipowermeter_marker",
    .bid = bid,
    .line = line,
    .line_mode = LINES_PLAIN,
    .state_size = sizeof(struct state),
};
