/* ingest/fmt_zeus_log.c: zeus-log, the console output of a training run
 * measured with Zeus (ml-energy/zeus), e.g. its examples' `> output.txt`:
 *   HIP_VISIBLE_DEVICES="0" python examples/.../FashionMNIST_classification_energy_only.py > output.txt
 *   [2024-04-10 16:12:43,857] [zeus.monitor.energy](energy.py:149) Monitoring GPU indices [0].
 *   loss: 2.296864  [   64/60000]
 *   Training took 24.729761362075806 seconds.
 *   Training consumed 0.0 Joules.
 * Zeus' logger writes "[%(asctime)s] [%(name)s](%(filename)s:%(lineno)d) %(message)s"
 * (asctime: local time, milliseconds after a comma); the script prints a
 * measurement as "<window> took <s> seconds." and "<window> consumed <J>
 * Joules." (its time and total_energy). Every line is kept (schema/017): those
 * three kinds parsed, any other as text. A line of a known kind whose number or
 * time cannot be read is rejected with its column. Recognised by a Zeus logger
 * record in its first bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

static const char sql_line[] =
    "INSERT INTO zeus_log_line(file_id, line, kind, ts_us, logger, origin, window, value, text) "
    "VALUES (?,?,?,?,?,?,?,?,?)";

/* The length of a logger record's "[YYYY-MM-DD HH:MM:SS,mmm] [zeus" opening at
 * T, or 0. */
static size_t record_opening(const char *t, size_t n) {
  if (n < 31 || t[0] != '[' || t[5] != '-' || t[11] != ' ' || t[20] != ',' || t[24] != ']' ||
      strncmp(t + 25, " [zeus", 6) != 0)
    return 0;
  return 31;
}

static int bid(const struct sniff *s) {
  for (const char *p = s->head; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    const char *end = strchr(p, '\n');
    if (record_opening(p, end ? (size_t)(end - p) : strlen(p))) return BID_SIGNATURE;
  }
  return BID_NONE;
}

/* A measurement line "<window> <verb> <number> <unit>." (VERB " took ", UNIT
 * " seconds."): the window's length into *WLEN, the number's start and length
 * into *NUM, *NLEN. 1 when LN is one. */
static int measurement(const struct line *ln, const char *verb, const char *unit, size_t *wlen, const char **num,
                       size_t *nlen) {
  size_t ul = strlen(unit), vl = strlen(verb);
  if (ln->len < ul + vl + 2 || memcmp(ln->text + ln->len - ul, unit, ul) != 0) return 0;
  const char *v = NULL, *unit_at = ln->text + ln->len - ul;
  /* the last VERB that ends before the unit (the window may hold the verb) */
  for (const char *q = ln->text; (q = strstr(q, verb)) && q + vl <= unit_at; q++) v = q;
  if (!v || v == ln->text) return 0;
  *wlen = (size_t)(v - ln->text);
  *num = v + vl;
  *nlen = (size_t)(unit_at - *num);
  return *nlen > 0 && !memchr(*num, ' ', *nlen);
}

static enum line_verdict store(struct parse *p, const struct line *ln, const char *kind, const int64_t *ts,
                               const char *logger, size_t llen, const char *origin, size_t olen,
                               const char *window, size_t wlen, const double *value, const char *text,
                               size_t tlen) {
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_line);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_text(ins, 3, kind, -1, SQLITE_STATIC);
  if (ts) sqlite3_bind_int64(ins, 4, *ts);
  if (logger) sqlite3_bind_text(ins, 5, logger, (int)llen, SQLITE_STATIC);
  if (origin) sqlite3_bind_text(ins, 6, origin, (int)olen, SQLITE_STATIC);
  if (window) sqlite3_bind_text(ins, 7, window, (int)wlen, SQLITE_STATIC);
  if (value) sqlite3_bind_double(ins, 8, *value);
  if (text) sqlite3_bind_text(ins, 9, text, (int)tlen, SQLITE_STATIC);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  const char *t = ln->text;
  if (record_opening(t, ln->len)) {
    char when[24];
    memcpy(when, t + 1, 23);
    when[23] = '\0';
    when[19] = '.'; /* asctime's comma before the milliseconds */
    int64_t ts;
    if (value_time(when, &ts))
      return parse_reject(p, ln, 2, "bad_time", "cannot parse '%.23s' as a time", t + 1);
    const char *logger = t + 27, *close = memchr(logger, ']', ln->len - 27);
    const char *origin = close && close[1] == '(' ? close + 2 : NULL;
    const char *oend = origin ? memchr(origin, ')', (size_t)(ln->text + ln->len - origin)) : NULL;
    if (!close || !oend)
      return parse_reject(p, ln, 27, "bad_record", "a Zeus log record without its [logger](file:line)");
    const char *msg_text = oend + 1 + (oend[1] == ' ');
    return store(p, ln, "log", &ts, logger, (size_t)(close - logger), origin, (size_t)(oend - origin), NULL, 0,
                 NULL, msg_text, (size_t)(ln->text + ln->len - msg_text));
  }
  size_t wlen, nlen;
  const char *num;
  int is_time = measurement(ln, " took ", " seconds.", &wlen, &num, &nlen);
  if (is_time || measurement(ln, " consumed ", " Joules.", &wlen, &num, &nlen)) {
    char buf[64];
    double x;
    if (nlen >= sizeof buf || (snprintf(buf, sizeof buf, "%.*s", (int)nlen, num), value_number(buf, NULL, &x)) !=
                                  VALUE_OK)
      return parse_reject(p, ln, (int)(num - t) + 1, "bad_number", "cannot parse '%.*s' as %s", (int)nlen, num,
                          is_time ? "seconds" : "joules");
    return store(p, ln, is_time ? "time" : "energy", NULL, NULL, 0, NULL, 0, t, wlen, &x, NULL, 0);
  }
  return store(p, ln, "text", NULL, NULL, 0, NULL, 0, NULL, 0, NULL, t, ln->len);
}

const struct format fmt_zeus_log = {
    .name = "zeus-log",
    .tables = "zeus_log_line",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .line_mode = LINES_PLAIN,
};
