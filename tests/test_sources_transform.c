/* tests/test_sources_transform.c: transform/50_sources.sql, run through the wdb API
 * from the embedded transform_sql[] on a small tree written here: one eprof run
 * (10 s at 200 W GPU, 10:00:00 to 10:00:10 local), a wattmeter log in UTC that
 * overlaps it and outlasts it, a perf interval log started inside it, and an
 * nvidia-smi log of another day (a session of its own). */
#include "tests/testlib.h"

#include "schema/embedded.h"
#include "tests/fmtlib.h"
#include "transform/clock.h"
#include "transform/transform.h"

static void write_tree(const char *dir) {
  char buf[8192];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,"
                              "gpu_memory_used,gpu_power_draw,gpu_max_power,gpu_temperature\n");
  for (int s = 0; s <= 10; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "2024-01-01 10:00:%02d.000,GPU,50 %%,10 %%,24268 MiB,1000 MiB,200.00 W,350.00 W,60\n", s);
  tl_write_str(dir, "raw/cloud/resnet/ds/gpu-power-20240101T100000.csv", buf);

  /* 09:00:00 UTC = 10:00:00 local at +3600 s; 300 W on socket 1 for 20 s, a frame every 0.5 s */
  n = (size_t)snprintf(buf, sizeof buf,
                       "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,#current2,#activepow2,"
                       "#current3,#activepow3,#current4,#activepow4,#current5,#activepow5,#current6,"
                       "#activepow6\n");
  for (int k = 0; k <= 40; k++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "%lld.%09d,true,230.0,0.0,0.0,1.3,300.0,0,0,0,0,0,0,0,0,0,0\n",
                          1704099600LL + k / 2, (k % 2) * 500000000);
  tl_write_str(dir, "meters/wattmeter.csv", buf);

  /* perf -I 1000 started at 10:00:00 local, 12 intervals: the last two after the run */
  n = (size_t)snprintf(buf, sizeof buf, "# started on Mon Jan  1 10:00:00 2024\n\n");
  for (int s = 1; s <= 12; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "     %d.999900000,10.00,Joules,power/energy-pkg/,1000000000,100.00,,\n"
                          "     %d.999900000,1.00,Joules,power/energy-ram/,1000000000,100.00,,\n",
                          s - 1, s - 1);
  tl_write_str(dir, "meters/perf.csv", buf);

  tl_write_str(dir, "meters/other-day-nvidia-smi.csv",
               "timestamp, index, power.draw [W]\n"
               "2023/06/01 12:00:00.000, 0, 100.00 W\n"
               "2023/06/01 12:00:01.000, 0, 100.00 W\n"
               "2023/06/01 12:00:02.000, 0, 100.00 W\n");
}

/* Attachment by folder, by overlap (with the UTC offset setting), and sessions;
 * energies clipped to the run; the reconciliation's arithmetic. */
static void attach_and_reconcile(void **state) {
  struct fx *f = *state;
  write_tree(f->dir);
  char root[600];
  snprintf(root, sizeof root, "%s/raw", f->dir);
  fx_ingest_path(f, root, NULL);
  snprintf(root, sizeof root, "%s/meters", f->dir);
  fx_ingest_path(f, root, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status = 'ok'"), 4);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)",
                            "setting"),
                   0);
  fx_run_sources_sql(&f->db);

  assert_string_equal(tl_text(&f->db, "SELECT group_concat(how, ' ') FROM (SELECT a.how FROM source_attach a "
                                      "JOIN source_file s ON s.id = a.file_id ORDER BY s.path)"),
                      "session overlap overlap");
  /* wattmeter: 10 s of the run at 300 W on socket 1, nothing elsewhere */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'wattmeter' AND "
                                   "device = '1' AND run_id = 1") - 3000.0) < 1e-6);
  assert_true(tl_real(&f->db, "SELECT sum(energy_j) FROM source_energy WHERE source = 'wattmeter' AND "
                              "device <> '1'") == 0.0);
  /* perf: the 10 intervals ending inside the run */
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE component = 'rapl_pkg'") == 100.0);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE component = 'rapl_dram'") == 10.0);
  /* eprof GPU: 10 s at 200 W */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'eprof-gpu'") - 2000.0) <
              1e-6);
  /* nvidia-smi of another day: a session, 2 s at 100 W */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'nvidia-smi' AND "
                                   "run_id IS NULL AND session_file_id IS NOT NULL") - 200.0) < 1e-6);
  /* The reconciliation's window is the wall meter's span within the run,
   * [10:00:00, 10:00:10]. perf intervals inside it count whole (the first,
   * (0, 0.9999 s], too), the 11th, (9.9999, 10.9999 s], for the 0.0001 s of it
   * inside: pkg 100 + 10 * 0.0001 = 100.001 J, dram 10 + 1 * 0.0001 = 10.0001 J.
   * wall 3000 J = GPU 2000 + 100.001 + 10.0001 + 889.9989 unaccounted */
  assert_true(fabs(tl_real(&f->db, "SELECT unaccounted_j FROM source_reconciliation WHERE run_id = 1") -
                   889.9989) < 1e-6);
  assert_true(fabs(tl_real(&f->db, "SELECT unaccounted_share FROM source_reconciliation WHERE run_id = 1") -
                   889.9989 / 3000.0) < 1e-9);
  assert_string_equal(tl_text(&f->db, "SELECT gpu_source||' '||complete FROM source_reconciliation WHERE run_id = 1"),
                      "eprof-gpu 1");
  /* rebuilding gives the same */
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_reconciliation"), 2);
}

/* Without the offset setting the wattmeter's UTC span (09:00) misses the run
 * (10:00): it is a session of its own. */
static void utc_without_offset_is_a_session(void **state) {
  struct fx *f = *state;
  write_tree(f->dir);
  char root[600];
  snprintf(root, sizeof root, "%s", f->dir);
  fx_ingest_path(f, root, NULL);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT a.how FROM source_attach a JOIN source_file s ON s.id = a.file_id "
                                      "WHERE s.format = 'wattmeter'"),
                      "session");
  assert_true(fabs(tl_real(&f->db, "SELECT wall_j FROM source_reconciliation WHERE session_file_id = "
                                   "(SELECT id FROM source_file WHERE format = 'wattmeter')") -
                   6000.0) < 1e-6);
}

/* source_energy and source_attach as text, in key order, %.17g for reals. */
static char *sources_text(struct wdb *db) {
  return strdup(tl_text(db, "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%s,%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%s',"
                            " run_id, session_file_id, file_id, source, component, device, energy_j, covered_s,"
                            " samples) AS x FROM source_energy UNION ALL SELECT printf('%%s,%%s,%%s,%%s,%%s,%%s,%%s',"
                            " file_id, block, run_id, session_file_id, how, win_start_us, win_end_us)"
                            " FROM source_attach ORDER BY 1)"));
}

static void transform_all(struct wdb *db, int full) {
  struct transform_options opt = {.profiles = TF_ALL, .full = full};
  struct transform_stats st;
  assert_int_equal(transform_run(db, &opt, &st), 0);
}

/* Through `wattdb transform`: the alignment records the eprof files' facts
 * (source_eprof_file), 50_sources.sql computes the same from the raw rows when
 * they are missing; it runs again when a setting it reads changes, and not
 * otherwise. */
static void transform_runs_sources_when_inputs_change(void **state) {
  struct fx *f = *state;
  write_tree(f->dir);
  fx_ingest_path(f, f->dir, NULL);
  transform_all(&f->db, 0);
  /* eprof GPU: 10 s at 200 W, from the alignment pass */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'eprof-gpu'") - 2000.0) <
              1e-6);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_eprof_file"), 1);
  char *by_align = sources_text(&f->db);
  /* The SQL's own computation of the file gives the same, to the last bit. */
  assert_int_equal(wdb_exec(&f->db, "DELETE FROM source_eprof_file", "delete"), 0);
  fx_run_sources_sql(&f->db);
  char *by_sql = sources_text(&f->db);
  assert_string_equal(by_align, by_sql);
  /* Nothing changed: 50_sources.sql is skipped (a marker row it would drop stays). */
  assert_int_equal(wdb_exec(&f->db, "INSERT INTO source_energy(file_id, source, component, device)"
                                    " VALUES (-1, 'marker', '', '')", "marker"),
                   0);
  transform_all(&f->db, 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'marker'"), 1);
  /* --full runs it. */
  transform_all(&f->db, 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'marker'"), 0);
  char *full = sources_text(&f->db);
  assert_string_equal(by_align, full);
  /* The UTC offset changes the wattmeter's attachment: from session to overlap. */
  assert_string_equal(tl_text(&f->db, "SELECT a.how FROM source_attach a JOIN source_file s ON s.id = a.file_id "
                                      "WHERE s.format = 'wattmeter'"),
                      "session");
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)",
                            "setting"),
                   0);
  transform_all(&f->db, 0);
  assert_string_equal(tl_text(&f->db, "SELECT a.how FROM source_attach a JOIN source_file s ON s.id = a.file_id "
                                      "WHERE s.format = 'wattmeter'"),
                      "overlap");
  assert_true(fabs(tl_real(&f->db, "SELECT unaccounted_j FROM source_reconciliation WHERE run_id = 1") -
                   889.9989) < 1e-6); /* as in attach_and_reconcile */
  free(by_align), free(by_sql), free(full);
}

/* The wattmeter energy (wm_integrate over bank rows, in key order) against the
 * per-socket trapezoid it replaced (a window lag() over the view
 * wattmeter_socket), to the last bit, on a log of two banks (12 sockets) with a
 * bad frame, 'nan' and empty readings in good frames (that socket bridges to its
 * previous reading, the others do not notice) and a clock jump (a gap, not
 * bridged). */
static const char old_wattmeter_sql[] =
    "WITH period AS ("
    "  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us"
    "  FROM wattmeter_frame WHERE bank = 0 GROUP BY file_id"
    "), good AS ("
    "  SELECT a.run_id, a.session_file_id, w.file_id, w.socket, w.line,"
    "         w.ts_us + (SELECT us FROM source_file_offset o WHERE o.file_id = w.file_id) AS t, w.power_w AS p"
    "  FROM wattmeter_socket w"
    "  JOIN wattmeter_file wf ON wf.file_id = w.file_id AND w.socket <= wf.sockets"
    "  JOIN source_attach a ON a.file_id = w.file_id AND a.block = 0"
    "  WHERE w.ok AND w.power_w IS NOT NULL"
    "    AND w.ts_us + (SELECT us FROM source_file_offset o WHERE o.file_id = w.file_id)"
    "        BETWEEN a.win_start_us AND a.win_end_us"
    "), iv AS ("
    "  SELECT run_id, session_file_id, file_id, socket, t,"
    "         t - lag(t) OVER w AS dt, (p + lag(p) OVER w) / 2 AS pm"
    "  FROM good WINDOW w AS (PARTITION BY run_id, session_file_id, file_id, socket ORDER BY line)"
    "), e AS ("
    "  SELECT run_id, session_file_id, iv.file_id, CAST(socket AS TEXT) AS device,"
    "         total(CASE WHEN dt <= 5 * period.us THEN pm * dt END) / 1e6 AS energy_j,"
    "         total(CASE WHEN dt <= 5 * period.us THEN dt END) / 1e6 AS covered_s, count(*) AS samples,"
    "         min(t) AS first_us, max(t) AS last_us"
    "  FROM iv JOIN period ON period.file_id = iv.file_id"
    "  GROUP BY run_id, session_file_id, iv.file_id, socket"
    ")"
    "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%s,%%.17g,%%.17g', run_id,"
    " session_file_id, file_id, device, energy_j, covered_s, samples, first_us, last_us) AS x FROM e)";

/* The same, with each sum a running sum in line order (a window sum over the
 * rows up to each, the last row's): plain double additions in the order of the
 * readings, as the integration engine's. old_wattmeter_sql sums with total()
 * after a GROUP BY that need not keep the rows of a group in line order: with
 * REAL times of a fraction of a µs its sums may differ in the last bit. */
static const char ordered_wattmeter_sql[] =
    "WITH period AS ("
    "  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us"
    "  FROM wattmeter_frame WHERE bank = 0 GROUP BY file_id"
    "), good AS ("
    "  SELECT a.run_id, a.session_file_id, w.file_id, w.socket, w.line,"
    "         w.ts_us + (SELECT us FROM source_file_offset o WHERE o.file_id = w.file_id) AS t, w.power_w AS p"
    "  FROM wattmeter_socket w"
    "  JOIN wattmeter_file wf ON wf.file_id = w.file_id AND w.socket <= wf.sockets"
    "  JOIN source_attach a ON a.file_id = w.file_id AND a.block = 0"
    "  WHERE w.ok AND w.power_w IS NOT NULL"
    "    AND w.ts_us + (SELECT us FROM source_file_offset o WHERE o.file_id = w.file_id)"
    "        BETWEEN a.win_start_us AND a.win_end_us"
    "), iv AS ("
    "  SELECT run_id, session_file_id, file_id, socket, line, t,"
    "         t - lag(t) OVER w AS dt, (p + lag(p) OVER w) / 2 AS pm"
    "  FROM good WINDOW w AS (PARTITION BY run_id, session_file_id, file_id, socket ORDER BY line)"
    "), r AS ("
    "  SELECT run_id, session_file_id, iv.file_id, socket,"
    "         sum(CASE WHEN dt <= 5 * period.us THEN pm * dt END) OVER s AS e,"
    "         sum(CASE WHEN dt <= 5 * period.us THEN dt END) OVER s AS c, count(*) OVER s AS n,"
    "         min(t) OVER s AS lo, max(t) OVER s AS hi,"
    "         row_number() OVER (PARTITION BY run_id, session_file_id, iv.file_id, socket ORDER BY line DESC) AS back"
    "  FROM iv JOIN period ON period.file_id = iv.file_id"
    "  WINDOW s AS (PARTITION BY run_id, session_file_id, iv.file_id, socket ORDER BY line"
    "               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    ")"
    "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%s,%%.17g,%%.17g', run_id,"
    " session_file_id, file_id, socket, coalesce(e, 0.0) / 1e6, coalesce(c, 0.0) / 1e6, n, lo, hi) AS x"
    " FROM r WHERE back = 1 ORDER BY run_id, session_file_id, file_id, socket)";

static void wattmeter_as_per_socket_window(void **state) {
  struct fx *f = *state;
  char buf[16384];
  size_t n = (size_t)snprintf(buf, sizeof buf, "#timestamp,#frame_is_ok,#U1,#U2,#U3");
  for (int s = 1; s <= 12; s++) n += (size_t)snprintf(buf + n, sizeof buf - n, ",#current%d,#activepow%d", s, s);
  n += (size_t)snprintf(buf + n, sizeof buf - n, "\n");
  for (int k = 0; k <= 20; k++) {
    /* a frame every 0.5 s, then 20 s later from frame 15 on */
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld.%09d,%s", 1704099600LL + k / 2 + (k >= 15 ? 20 : 0),
                          (k % 2) * 500000000, k == 5 ? "false,,," : "true,230.0,0.0,0.0");
    for (int s = 1; s <= 12; s++) {
      if (k == 5) n += (size_t)snprintf(buf + n, sizeof buf - n, ",,");
      else if (k == 8 && s == 2) n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,nan");
      else if (k >= 8 && k <= 10 && s == 9) n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,");
      else n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,%d.%d", 10 * s + k * k % 7, k % 10);
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\n");
  }
  tl_write_str(f->dir, "meters/wattmeter-12.csv", buf);
  fx_ingest_path(f, f->dir, NULL);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)",
                            "setting"),
                   0);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'wattmeter'"), 12);
  /* 20 good frames; socket 2 misses one reading, socket 9 three */
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy WHERE device = '2'"), 19);
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy WHERE device = '9'"), 17);
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy WHERE device = '12'"), 20);
  /* the 20.5 s jump is a gap (5 periods: 5 * 30 s / 20): covered 7 s (frames 0-14,
   * the bad frame bridged) + 2.5 s (frames 15-20) of the 30 s span */
  assert_true(fabs(tl_real(&f->db, "SELECT covered_s FROM source_energy WHERE device = '1'") - 9.5) < 1e-9);
  char *now = strdup(tl_text(&f->db, "SELECT group_concat(x, '|') FROM (SELECT printf("
                                     "'%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%s,%%.17g,%%.17g', run_id, session_file_id, file_id,"
                                     " device, energy_j, covered_s, samples, first_us, last_us) AS x"
                                     " FROM source_energy WHERE source = 'wattmeter' ORDER BY rowid)"));
  /* source_file_offset is 50_sources.sql's: 3600 s as REAL µs (given) */
  assert_string_equal(now, tl_text(&f->db, old_wattmeter_sql));
  free(now);
}

/* The wattmeter span of each file (source_span) against the GROUP BY it
 * replaced. */
static const char old_wattmeter_span_sql[] =
    "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%.17g,%%.17g', w.file_id, w.lo + o.us, w.hi + o.us) AS x"
    "  FROM (SELECT file_id, min(ts_us) AS lo, max(ts_us) AS hi FROM wattmeter_frame GROUP BY file_id) w"
    "  JOIN source_file_offset o ON o.file_id = w.file_id"
    "  JOIN source_file f ON f.id = w.file_id AND f.status IN ('ok', 'partial') ORDER BY w.file_id)";

/* The wattmeter rows of source_energy and source_span, printed to the last bit. */
static char *wattmeter_now(struct wdb *db) {
  char *now = xstrdup(tl_text(db, "SELECT group_concat(x, '|') FROM (SELECT printf("
                                  "'%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%s,%%.17g,%%.17g', run_id, session_file_id, file_id,"
                                  " device, energy_j, covered_s, samples, first_us, last_us) AS x"
                                  " FROM source_energy WHERE source = 'wattmeter' ORDER BY rowid)"));
  char *span = xstrdup(tl_text(db, "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%.17g,%%.17g',"
                                   " file_id, start_us, end_us) AS x FROM source_span"
                                   " WHERE format = 'wattmeter' ORDER BY file_id)"));
  assert_string_equal(span, tl_text(db, old_wattmeter_span_sql));
  free(span);
  return now;
}

/* wattmeter_now() against the reference SQL REF; on a difference both are
 * printed, a row a line. */
static void wattmeter_as(struct wdb *db, const char *ref) {
  char *now = wattmeter_now(db), *old = xstrdup(tl_text(db, ref));
  if (strcmp(now, old) != 0) {
    for (char *p = now; *p; p++) *p = *p == '|' ? '\n' : *p;
    for (char *p = old; *p; p++) *p = *p == '|' ? '\n' : *p;
    fprintf(stderr, "source_energy:\n%s\nthe reference:\n%s\n", now, old);
    fail_msg("the wattmeter energies differ from the reference");
  }
  free(now);
  free(old);
}

/* Writes under DIR the logs of the wattmeter cases: TWELVE, 12 sockets from
 * 08:59:57.25 UTC (09:59:57.25 local at +3600 s), and OTHER (unless NULL), 6
 * sockets of another day. */
static void write_wattmeter_logs(const char *dir, const char *twelve, const char *other) {
  char buf[16384];
  size_t n = (size_t)snprintf(buf, sizeof buf, "#timestamp,#frame_is_ok,#U1,#U2,#U3");
  for (int s = 1; s <= 12; s++) n += (size_t)snprintf(buf + n, sizeof buf - n, ",#current%d,#activepow%d", s, s);
  n += (size_t)snprintf(buf + n, sizeof buf - n, "\n");
  for (int k = 0; k <= 44; k++) {
    /* from 08:59:57.25 UTC, a frame every 0.5 s; frame 22 3 s back, frames 40 on 20 s later */
    long long us = 1704099597250000LL + 500000LL * k - (k == 22 ? 3000000 : 0) + (k >= 40 ? 20000000 : 0);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld.%06lld000,%s", us / 1000000, us % 1000000,
                          k == 5 ? "false,,," : "true,230.0,0.0,0.0");
    for (int s = 1; s <= 12; s++) {
      if (k == 5) n += (size_t)snprintf(buf + n, sizeof buf - n, ",,");
      else if (k == 8 && s == 2) n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,nan");
      else if (k >= 8 && k <= 10 && s == 9) n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,");
      else n += (size_t)snprintf(buf + n, sizeof buf - n, ",0.1,%d.%d", 10 * s + k * k % 7, k % 10);
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\n");
  }
  tl_write_str(dir, twelve, buf);
  n = (size_t)snprintf(buf, sizeof buf,
                       "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,#current2,#activepow2,"
                       "#current3,#activepow3,#current4,#activepow4,#current5,#activepow5,#current6,"
                       "#activepow6\n");
  /* a frame a second, then frame 9 back before the first, frame 12 back
   * before frame 11 (neither first nor last in line order is the min or the
   * max), and intervals of 34 s (bridged: the period is the span over the
   * intervals of the frames, bad ones too, 84 s / 12, the limit 35 s) and 50 s
   * (a gap); frame 3 bad, with readings */
  static const int at_s[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, -30, 20, 54, 49};
  for (int k = 0; k < 13; k++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%d.000000000,%s,230.0,0.0,0.0,1.3,%d.5,0,%s,0,0,0,0,0,0,0,7\n",
                          1685620800 + at_s[k], k == 3 ? "false" : "true", 100 + k, k == 4 ? "" : "3");
  if (other) tl_write_str(dir, other, buf);
}

/* The 12-socket log cut to 10 sockets in the database, the logs' offset given
 * as one hour. */
static void cut_to_ten_sockets_at_utc_plus_one(struct wdb *db) {
  assert_int_equal(wdb_exec(db,
                            "UPDATE wattmeter_file SET sockets = 10 WHERE sockets = 12;"
                            "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)",
                            "cut"),
                   0);
}

/* Makes the transform read the wattmeter frames: what the ingest stored of
 * the logs (schema/024_wattmeter_series.sql) forgotten, as in a database of
 * an earlier schema. */
static void forget_stored_series(struct wdb *db) {
  assert_int_equal(wdb_exec(db, "UPDATE wattmeter_file SET first_us = NULL; DELETE FROM wattmeter_series", "forget"),
                   0);
}

/* The same comparison on the cases the C pass must get right: a 12-socket log
 * cut to 10 sockets in the database (sockets 11 and 12 count for nothing), an
 * attachment's window (the run, 10:00:00 to 10:00:10 local) that starts and
 * ends between frames, a clock jump (a gap), timestamps moving back (bridged:
 * a negative interval), a bad frame, 'nan' and empty readings, a second log of
 * another day (a session: every frame; its times out of order, a bad frame
 * with readings, an interval the mean period bridges), then times REAL in the database
 * (some with a fraction of a µs) under the given offset (REAL µs) and under
 * none (the integer 0, times of both types in one series). */
static void wattmeter_cases_as_per_socket_window(void **state) {
  struct fx *f = *state;
  write_tree(f->dir);
  char root[600];
  snprintf(root, sizeof root, "%s/raw", f->dir);
  fx_ingest_path(f, root, NULL);
  write_wattmeter_logs(f->dir, "meters/wattmeter-12.csv", "meters/wattmeter-other-day.csv");
  snprintf(root, sizeof root, "%s/meters", f->dir);
  fx_ingest_path(f, root, NULL);
  cut_to_ten_sockets_at_utc_plus_one(&f->db);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(a.how || ' ' || s.path, ',') FROM source_attach a"
                                      " JOIN source_file s ON s.id = a.file_id WHERE s.format = 'wattmeter'"
                                      " ORDER BY s.path"),
                      "overlap wattmeter-12.csv,session wattmeter-other-day.csv,"
                      "overlap wattmeter.csv");
  /* 10 sockets of the cut log, 6 of each other */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'wattmeter'"), 22);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy e JOIN source_file s ON s.id = e.file_id"
                                  " WHERE s.path = 'wattmeter-12.csv' AND CAST(device AS INTEGER) > 10"),
                   0);
  /* the window: frames 6 (10:00:00.25) to 25 (10:00:09.75) but the bad 5 and 22 (3 s back, inside) */
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy e JOIN source_file s ON s.id = e.file_id"
                                  " WHERE s.path = 'wattmeter-12.csv' AND device = '1'"),
                   20);
  wattmeter_as(&f->db, old_wattmeter_sql);
  wattmeter_as(&f->db, ordered_wattmeter_sql);

  /* REAL times, some with a fraction, then no offset at all */
  assert_int_equal(wdb_exec(&f->db,
                            "UPDATE wattmeter_frame SET ts_us = ts_us + 0.5 WHERE line % 3 = 0;"
                            "UPDATE wattmeter_frame SET ts_us = CAST(ts_us AS REAL) WHERE line % 3 = 1",
                            "real times"),
                   0);
  forget_stored_series(&f->db); /* they are of the frames as ingested */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame WHERE typeof(ts_us) = 'real'") > 0, 1);
  fx_run_sources_sql(&f->db);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
  assert_int_equal(wdb_exec(&f->db, "DELETE FROM setting WHERE name = 'local_utc_offset_s'", "no offset"), 0);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file_offset WHERE typeof(us) = 'integer'") > 0, 1);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
}

/* Integrated ahead, in the pass that finds the spans (transform/wattmeter.c):
 * the logs of the cases without any eprof run, sessions of the whole time (the
 * cut log's guessed gap limit holds; the other day's bridges less than its
 * mean period does, so it is read again), in the rounds of the cases. */
static void wattmeter_integrated_ahead(void **state) {
  struct fx *f = *state;
  write_wattmeter_logs(f->dir, "meters/wattmeter-12.csv", "meters/wattmeter-other-day.csv");
  char root[600];
  snprintf(root, sizeof root, "%s/meters", f->dir);
  fx_ingest_path(f, root, NULL);
  cut_to_ten_sockets_at_utc_plus_one(&f->db);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach WHERE how = 'session'"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'wattmeter'"), 16);
  wattmeter_as(&f->db, old_wattmeter_sql);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
  assert_int_equal(wdb_exec(&f->db,
                            "UPDATE wattmeter_frame SET ts_us = ts_us + 0.5 WHERE line % 3 = 0;"
                            "UPDATE wattmeter_frame SET ts_us = CAST(ts_us AS REAL) WHERE line % 3 = 1",
                            "real times"),
                   0);
  forget_stored_series(&f->db); /* they are of the frames as ingested */
  fx_run_sources_sql(&f->db);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
  assert_int_equal(wdb_exec(&f->db, "DELETE FROM setting WHERE name = 'local_utc_offset_s'", "no offset"), 0);
  fx_run_sources_sql(&f->db);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
}

/* Writes NAME in DIR: a 6-socket log of FRAMES frames from epoch second
 * START, every 10 ms up to frame SLOW and every 100 ms after it, with a bad
 * frame (7), a reading missing (socket 2 of frame 150) and a clock jump of
 * 2 s at frame 250. */
static void write_long_log(const char *dir, const char *name, long long start, int frames, int slow) {
  size_t cap = 200 + (size_t)frames * 120, n;
  char *buf = xrealloc(NULL, (unsigned long)cap);
  n = (size_t)snprintf(buf, cap,
                       "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,#current2,#activepow2,"
                       "#current3,#activepow3,#current4,#activepow4,#current5,#activepow5,#current6,"
                       "#activepow6\n");
  long long us = start * 1000000;
  for (int k = 0; k < frames; k++) {
    n += (size_t)snprintf(buf + n, cap - n, "%lld.%06lld123,%s,230.0,0.0,0.0,1.3,%d.%d,0.1,%s,0,0,0,0,0,0,0.2,%d.25\n",
                          us / 1000000, us % 1000000, k == 7 ? "false" : "true", 100 + k % 17, k % 10,
                          k == 150 ? "" : "3.5", 40 + k % 5);
    us += (k < slow ? 10000 : 100000) + (k == 250 ? 2000000 : 0) + k % 3;
  }
  tl_write_str(dir, name, buf);
  free(buf);
}

/* What the ingest stored of each log (schema/024_wattmeter_series.sql) stands
 * for a pass over its frames where it can, to the last bit: sessions (no eprof
 * run) of logs short and long (the gap limit guessed at the end, or from the
 * first frames), a 12-socket log cut to 10 sockets. Proof that they were
 * taken: a reading doubled in the database after the ingest goes unseen;
 * forgotten, the pass sees it. The transform reads the frames instead for a
 * log whose times would not move exactly by the offset (past 2^53 µs, in
 * 2300), and for logs whose guessed gap limit bridges less than their own
 * does: the other day's, and one whose first frames come every 10 ms, the
 * rest every 100 ms. */
static void wattmeter_series_stored_by_the_ingest(void **state) {
  struct fx *f = *state;
  write_wattmeter_logs(f->dir, "meters/wattmeter-12.csv", "meters/wattmeter-other-day.csv");
  write_long_log(f->dir, "meters/wattmeter-long.csv", 1685620800, 400, 400);       /* 2023-06-01 */
  write_long_log(f->dir, "meters/wattmeter-slower.csv", 1685620800, 400, 150);
  write_long_log(f->dir, "meters/wattmeter-2300.csv", 10413792000LL, 400, 400); /* µs past 2^53 */
  char root[600];
  snprintf(root, sizeof root, "%s/meters", f->dir);
  fx_ingest_path(f, root, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_file WHERE first_us IS NOT NULL"), 5);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT file_id) FROM wattmeter_series"), 5);
  /* the slower log's guessed limit (5 x 10 ms) leaves its 100 ms intervals unbridged */
  assert_true(tl_real(&f->db, "SELECT w.unbridged_us FROM wattmeter_file w JOIN source_file s ON s.id = w.file_id"
                              " WHERE s.path = 'wattmeter-slower.csv'") < 150000);
  cut_to_ten_sockets_at_utc_plus_one(&f->db);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach WHERE how = 'session'"), 5);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
  char *stored = wattmeter_now(&f->db);

  static const char doubled[] = "UPDATE wattmeter_frame SET p1_w = 2 * p1_w";
  assert_int_equal(wdb_exec(&f->db, "CREATE TEMP TABLE as_ingested AS SELECT * FROM source_energy;", "keep"), 0);
  assert_int_equal(wdb_exec(&f->db, doubled, "double"), 0);
  fx_run_sources_sql(&f->db);
  char *now = wattmeter_now(&f->db);
  assert_string_not_equal(tl_text(&f->db, ordered_wattmeter_sql), now); /* the frames changed ... */
  free(now);
  /* ... and only the logs read again saw it: their socket 1. The other
   * day's and the slower log's guessed limits do not hold; the times of 2300
   * would not move exactly by the offset */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(s.path || ':' || e.device, ',') FROM source_energy e"
                                      " JOIN source_file s ON s.id = e.file_id JOIN as_ingested a"
                                      "   ON a.file_id = e.file_id AND a.device = e.device AND a.source = e.source"
                                      " WHERE e.source = 'wattmeter' AND a.energy_j IS NOT e.energy_j"
                                      " ORDER BY s.path, e.device"),
                      "wattmeter-2300.csv:1,wattmeter-other-day.csv:1,wattmeter-slower.csv:1");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM as_ingested WHERE source = 'wattmeter'"), 34);

  /* the readings as ingested: the same as before */
  assert_int_equal(wdb_exec(&f->db, "UPDATE wattmeter_frame SET p1_w = p1_w / 2", "halve"), 0);
  fx_run_sources_sql(&f->db);
  now = wattmeter_now(&f->db);
  assert_string_equal(now, stored);
  free(now);

  /* forgotten: the pass over the doubled frames */
  assert_int_equal(wdb_exec(&f->db, doubled, "double"), 0);
  forget_stored_series(&f->db);
  fx_run_sources_sql(&f->db);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
  now = wattmeter_now(&f->db);
  assert_string_not_equal(now, stored);
  free(now);
  free(stored);
}

/* A log in a run's folder, next to the run and the logs it overlaps:
 * attached by folder (the whole time), integrated ahead. */
static void wattmeter_in_a_run_folder(void **state) {
  struct fx *f = *state;
  write_tree(f->dir);
  write_wattmeter_logs(f->dir, "raw/cloud/resnet/ds/wattmeter-20240101T100000.csv", NULL);
  char root[600];
  snprintf(root, sizeof root, "%s/raw", f->dir);
  fx_ingest_path(f, root, NULL);
  snprintf(root, sizeof root, "%s/meters", f->dir);
  fx_ingest_path(f, root, NULL);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)", "offset"),
                   0);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(a.how, ' ') FROM source_attach a"
                                      " JOIN source_file s ON s.id = a.file_id WHERE s.format = 'wattmeter'"
                                      " ORDER BY s.path"),
                      "folder overlap");
  wattmeter_as(&f->db, old_wattmeter_sql);
  wattmeter_as(&f->db, ordered_wattmeter_sql);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(attach_and_reconcile, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(utc_without_offset_is_a_session, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(transform_runs_sources_when_inputs_change, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(wattmeter_as_per_socket_window, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(wattmeter_cases_as_per_socket_window, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(wattmeter_integrated_ahead, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(wattmeter_series_stored_by_the_ingest, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(wattmeter_in_a_run_folder, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("sources_transform", tests, NULL, NULL);
}
