/* tests/test_fmt_powermetrics.c: macOS powermetrics output, the text form
 * (ingest/fmt_powermetrics.c) and the -f plist form
 * (ingest/fmt_powermetrics_plist.c), one fixture per quirk under
 * tests/fixtures/powermetrics/, the block-size sweep over them, and the energy
 * transform/50_sources.sql makes of them. */
#include "tests/testlib.h"

#include <math.h>

#include "ingest/fmt_powermetrics_plist.h"
#include "schema/embedded.h"
#include "tests/fmtlib.h"
#include "tests/ingest_checks.h"
#include "transform/clock.h"
#include "transform/transform.h"

#define FX "tests/fixtures/powermetrics/"

static void assert_near(double got, double want) {
  if (fabs(got - want) > 1e-9) fail_msg("got %.12g, want %.12g", got, want);
}

/* macOS 12 on an M1 Pro: E, P0 and P1 cluster power lines (several P
 * clusters), ANE/DRAM/CPU/GPU and Package Power in mW; the date's +0100 offset
 * gives UTC, the elapsed time is the sample's own. */
static void macos12_clusters_and_package(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "macos12-m1pro-p0-p1-clusters-package.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status||' '||time_convention FROM source_file"),
                      "powermetrics ok utc");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 2);
  /* Mon Mar  6 10:00:00 2023 +0100 = 09:00:00 UTC */
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powermetrics_sample WHERE sample = 1"),
                   1678093200LL * 1000000);
  assert_int_equal(tl_int(&f->db, "SELECT utc_offset_s FROM powermetrics_sample WHERE sample = 1"), 3600);
  assert_int_equal(tl_int(&f->db, "SELECT elapsed_us FROM powermetrics_sample WHERE sample = 2"), 2000000);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(device, ',') FROM (SELECT device FROM "
                                      "powermetrics_power WHERE component = 'cluster' AND sample_line = 8 "
                                      "ORDER BY line)"),
                      "E-Cluster,P0-Cluster,P1-Cluster");
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE component = 'package' AND "
                              "sample_line = 8"),
              4.0);
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE component = 'dram' AND "
                              "sample_line = 35"),
              0.2);
  /* the four header lines are rows; Boot arguments is empty */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_info"), 4);
  assert_string_equal(tl_text(&f->db, "SELECT '['||value||']' FROM powermetrics_info WHERE key = 'Boot arguments'"),
                      "[]");
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 4 + 2 + 2 * 8);
  fx_assert_accounted(f);
}

/* macOS 13+ (here 15, Mac16,6): no cluster power, Combined Power (CPU + GPU +
 * ANE); the GPU sampler's section repeats GPU Power, which is stored but not
 * counted (the processor section's is the one Combined includes). */
static void macos15_combined_and_repeated_gpu(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "macos15-combined-gpu-sampler-repeat.txt", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE component = 'combined'"), 2);
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE component = 'combined' AND "
                              "sample_line = 8"),
              0.983);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(section||counted, ',') FROM (SELECT section, "
                                      "counted FROM powermetrics_power WHERE component = 'gpu' ORDER BY line)"),
                      "processor1,gpu0,processor1,gpu0");
  assert_int_equal(tl_int(&f->db, "SELECT elapsed_us FROM powermetrics_sample WHERE sample = 1"), 5021960);
  assert_int_equal(tl_int(&f->db, "SELECT utc_offset_s FROM powermetrics_sample WHERE sample = 1"), 32400);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE component = 'cluster'"), 0);
  fx_assert_accounted(f);
}

/* Intel Macs: SMC and EFI header lines, power only as the energy model's
 * package power, in watts with decimals (1.63W), negative offset. */
static void intel_package_power_in_watts(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "intel-package-power-watts.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(power_w, ',') FROM (SELECT power_w FROM "
                                      "powermetrics_power WHERE component = 'package' ORDER BY line)"),
                      "1.63,12.25");
  assert_string_equal(tl_text(&f->db, "SELECT value FROM powermetrics_info WHERE key = 'EFI version'"),
                      "2022.22.0");
  /* Wed Nov  6 15:21:22 2024 -0500 = 20:21:22 UTC */
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powermetrics_sample WHERE sample = 1"),
                   1730924482LL * 1000000);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power"), 2);
  fx_assert_accounted(f);
}

/* The samplers not used (tasks table, battery, network, disk, interrupts,
 * thermal pressure) are skipped lines, even their lines with ':' and a
 * 'Fake Power: 999 mW' inside the interrupt section. */
static void other_samplers_are_skipped(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "other-samplers-skipped.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE power_w > 10"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 4 + 1 + 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row"), 0);
  fx_assert_accounted(f);
}

/* powermetrics stopped before its first sample: read, no sample, no error. */
static void header_only_file(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "header-only-no-samples.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status||' '||rows_ok||' '||skipped_lines "
                                      "FROM source_file"),
                      "powermetrics ok 4 1");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 0);
  fx_assert_accounted(f);
}

/* Leading NUL bytes (a file whose first block was zeroed): the format is
 * still recognised, the driver rejects their line as 'nul_byte', and both
 * samples after it are read. */
static void leading_nul_bytes(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "leading-nul-bytes.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "powermetrics partial");
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "1 nul_byte");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample WHERE complete = 1"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE sample_line IS NOT NULL"), 8);
  fx_assert_accounted(f);
}

/* NULs glued to a separator mid-file: that line is refused, the repeated
 * Processor usage section shows the lost separator, and its lines are kept
 * with no sample (sample_line NULL) instead of doubling the previous sample;
 * the sample after it is read whole. */
static void nul_before_a_separator(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "nul-before-separator.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "18 nul_byte");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE sample_line IS NULL"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE sample_line = 8"), 4);
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE sample_line = 28 AND "
                              "component = 'cpu'"),
              0.4);
  fx_assert_accounted(f);
}

/* The logger stopped in the middle of a sample: the torn line is rejected
 * ('truncated'), the sample it cuts is kept but marked incomplete. */
static void torn_last_sample(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "torn-last-sample.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row"), "truncated");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(complete, ',') FROM (SELECT complete FROM "
                                      "powermetrics_sample ORDER BY line)"),
                      "1,1,0");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE sample_line = 28"), 1);
  fx_assert_accounted(f);
}

/* Dates that do not exist (Feb 30, an offset of +1500), a negative elapsed
 * time and a power that is not a number are rejected, never stored. */
static void bad_dates_and_values(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "bad-dates-and-values.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM (SELECT line, "
                                      "reason FROM rejected_row ORDER BY line)"),
                      "8 bad_time,18 bad_time,28 bad_value,43 bad_value");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE sample_line IS NULL"), 12);
  fx_assert_accounted(f);
}

/* ---- the -f plist form --------------------------------------------------------- */

static long long pm_int(struct fx *f, const char *file, const char *sql_tail) {
  return tl_int(&f->db, "SELECT %s FROM source_file s WHERE s.path = '%s'", sql_tail, file);
}

/* Two documents, the second preceded by powermetrics' NUL byte: the parser
 * has the driver take NULs that open a line as separators, so the second
 * document's `<?xml` line (122) is read as any other, nothing is rejected, and
 * both samples are stored, at their `</plist>` lines 121 and 241. Energies are the mJ keys,
 * powers the mW keys; the GPU sampler's gpu_energy is stored, not counted. */
static void plist_two_samples_nul_separator(void **state) {
  struct fx *f = *state;
  const char *fx = "plist-two-samples-nul-separator.plist";
  fx_ingest_path(f, FX "plist-two-samples-nul-separator.plist", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||time_convention "
                                      "FROM source_file"),
                      "powermetrics plist ok utc");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row"), 0);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||first_line||' '||sample, ',') FROM "
                                      "(SELECT * FROM powermetrics_sample ORDER BY line)"),
                      "121 1 1,241 122 2");
  /* 2026-03-01T10:00:02Z; elapsed_ns 2001000000 */
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powermetrics_sample WHERE sample = 2"),
                   1772359202LL * 1000000);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample WHERE utc_offset_s IS NULL"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT elapsed_us FROM powermetrics_sample WHERE sample = 1"), 1000500);
  assert_string_equal(tl_text(&f->db, "SELECT hw_model||' '||os_version FROM powermetrics_sample WHERE sample = 2"),
                      "Mac16,5 25C56");
  assert_near(tl_real(&f->db, "SELECT energy_j FROM powermetrics_power WHERE line = 241 AND component = 'cpu'"),
              5.0);
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE line = 241 AND component = 'cpu'"),
              2.49875);
  assert_near(tl_real(&f->db, "SELECT power_w FROM powermetrics_power WHERE line = 121 AND "
                              "component = 'combined'"),
              1.69915);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE component = 'combined' AND "
                                  "energy_j IS NULL"),
                   2);
  /* both GPU energies, the GPU sampler's not counted */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(section||' '||name||' '||energy_j||' '||counted, ',') "
                                      "FROM (SELECT * FROM powermetrics_power WHERE line = 241 AND "
                                      "component = 'gpu' ORDER BY section DESC)"),
                      "processor processor.gpu 0.6 1,gpu gpu.gpu 0.64 0");
  /* every key of the document is read or counted as skipped */
  assert_int_equal(tl_int(&f->db, "SELECT keys_read FROM powermetrics_sample WHERE sample = 1"), 12);
  assert_true(tl_int(&f->db, "SELECT min(keys_skipped) FROM powermetrics_sample") > 40);
  assert_int_equal(pm_int(f, fx, "rows_ok"), 2);
  assert_int_equal(pm_int(f, fx, "skipped_lines"), 241 - 2); /* every line but the two </plist> */
  fx_assert_accounted(f);
}

/* macOS 12 keys: energies only (no power keys), package_energy and
 * dram_energy, a power per cluster (E, P0, P1: several P clusters). */
static void plist_macos12_keys(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "plist-macos12-package-dram-clusters.plist", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||rows_ok FROM source_file"), "ok 1");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(component||':'||device||':'||coalesce(energy_j, '-')||"
                                      "':'||coalesce(power_w, '-'), ',') FROM (SELECT * FROM powermetrics_power "
                                      "ORDER BY name)"),
                      "ane::0.0:-,cluster:E-Cluster:-:0.105,cluster:P0-Cluster:-:0.842,"
                      "cluster:P1-Cluster:-:0.012,cpu::0.96:-,dram::0.22:-,gpu::0.153:-,package::1.473:-");
  assert_string_equal(tl_text(&f->db, "SELECT os_version FROM powermetrics_sample"), "21G115");
  fx_assert_accounted(f);
}

/* The logger killed inside the second document: its last line is torn
 * (rejected by the driver as 'truncated'), the first sample is kept, and the
 * cut document's other lines are counted as skipped (and it is said on stderr). */
static void plist_torn_last_document(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "plist-torn-last-document.plist", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM (SELECT * FROM "
                                      "rejected_row ORDER BY line)"),
                      "212 truncated");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE line <> 115"), 0);
  fx_assert_accounted(f);
}

/* A damaged stream: broken XML (libplist cannot read it: 'bad_plist'), a
 * document that never closes ('truncated', at the line that opens the next),
 * a document with an unknown power key (stored as 'other'), a negative energy
 * and a string power (NULL, in unparsed_value) and an unknown sampler (counted
 * as skipped keys), and text before the last document ('not_plist'). */
static void plist_damaged_stream(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "plist-damaged-stream.plist", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM (SELECT * FROM "
                                      "rejected_row ORDER BY line)"),
                      "114 bad_plist,226 truncated,347 not_plist");
  assert_non_null(strstr(tl_text(&f->db, "SELECT message FROM rejected_row WHERE line = 226"), "lines 115-225"));
  assert_int_equal(tl_int(&f->db, "SELECT raw_bytes FROM rejected_row WHERE line = 114"), 3053);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line, ',') FROM powermetrics_sample"), "345,460");
  assert_near(tl_real(&f->db, "SELECT energy_j FROM powermetrics_power WHERE line = 345 AND component = 'other' "
                              "AND name = 'processor.npu'"),
              0.042);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(col||' '||name||' '||text, ',') FROM unparsed_value "
                                      "WHERE line = 345"),
                      "1 energy_j processor.gpu_energy: -5 (negative),2 power_w processor.ane_power: a string");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_power WHERE line = 345 AND component = 'gpu' "
                                  "AND energy_j IS NULL AND power_w = 0.1"),
                   1);
  /* the battery sampler's 2 keys are skipped on top of the others */
  assert_int_equal(tl_int(&f->db, "SELECT (SELECT keys_skipped FROM powermetrics_sample WHERE line = 345) - "
                                  "(SELECT keys_skipped FROM powermetrics_sample WHERE line = 460)"),
                   2);
  fx_assert_accounted(f);
}

/* Stopped before its first sample: the XML prolog alone (recognised by its
 * name). Read, with no sample: its document never closes, so its last line is
 * rejected as 'truncated' (a stopped logger's end). */
static void plist_prolog_only(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "powermetrics-plist-prolog-only.plist", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status||' '||rows_ok||' '||skipped_lines FROM "
                                      "source_file"),
                      "powermetrics partial 0 2");
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "3 truncated");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 0);
  fx_assert_accounted(f);
}

/* A NUL byte inside the line that held the next document's opening
 * (`<?xml ...?><!DOCTYPE ...><plist ...>` written on one line; a damaged
 * file, not the separator, which opens its line): that line is rejected
 * ('nul_byte') and the document read from its `<dict>` on (libplist needs no
 * `<plist>` opening), so the sample is not lost. */
static void plist_opening_line_lost(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  static const char doc[] = "<dict>\n<key>elapsed_ns</key><integer>1000000000</integer>\n"
                            "<key>kern_osversion</key><string>25C56</string>\n"
                            "<key>processor</key>\n<dict>\n<key>cpu_energy</key>\n<integer>%d</integer>\n"
                            "</dict>\n</dict>\n</plist>\n";
  char text[2048], one[512];
  size_t n = (size_t)snprintf(text, sizeof text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n");
  snprintf(one, sizeof one, doc, 100);
  n += (size_t)snprintf(text + n, sizeof text - n, "%s", one);
  /* tl_write_str stops at a NUL: the byte is patched in after writing "@" */
  n += (size_t)snprintf(text + n, sizeof text - n,
                        "<?xml version=\"1.0\"@ encoding=\"UTF-8\"?><!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST "
                        "1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\"><plist version=\"1.0\">\n");
  snprintf(one, sizeof one, doc, 300);
  n += (size_t)snprintf(text + n, sizeof text - n, "%s", one);
  assert_true(n < sizeof text);
  char path[1024];
  snprintf(path, sizeof path, "%s/powermetrics.plist", dir);
  FILE *out = fopen(path, "wb");
  assert_non_null(out);
  for (size_t i = 0; i < n; i++) fputc(text[i] == '@' ? '\0' : text[i], out);
  fclose(out);
  fx_ingest_path(f, dir, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM rejected_row"), "13 nul_byte");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(first_line||'-'||line, ',') FROM (SELECT * FROM "
                                      "powermetrics_sample ORDER BY line)"),
                      "1-12,14-23");
  assert_near(tl_real(&f->db, "SELECT energy_j FROM powermetrics_power WHERE line = 23"), 0.3);
  fx_assert_accounted(f);
  tl_rmdir(dir);
}

/* The logger stopped between two lines, inside the second document: no torn
 * line, so the format rejects the cut document at its last line ('truncated',
 * counted as rejected, not skipped), and the first sample is kept. */
static void plist_cut_at_a_line_end(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  static const char doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
                            "<key>elapsed_ns</key><integer>1000000000</integer>\n"
                            "<key>kern_osversion</key><string>25C56</string>\n"
                            "<key>processor</key>\n<dict>\n<key>cpu_energy</key>\n<integer>100</integer>\n"
                            "</dict>\n</dict>\n</plist>\n";
  char text[2048];
  int n = snprintf(text, sizeof text, "%s%.*s", doc, 160, doc); /* the second cut after a newline */
  while (n > 0 && text[n - 1] != '\n') text[--n] = '\0';
  char path[1024];
  snprintf(path, sizeof path, "%s/powermetrics.plist", dir);
  FILE *out = fopen(path, "wb");
  assert_non_null(out);
  fwrite(text, 1, (size_t)n, out);
  fclose(out);
  /* the end of a stopped logger, as a torn last line is: counted as one */
  assert_int_equal(tl_ingest(&f->db, dir).rows_torn, 1);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||rows_ok||' '||rows_rejected FROM source_file"),
                      "partial 1 1");
  long long last = tl_int(&f->db, "SELECT lines FROM source_file");
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"),
                      tl_text(&f->db, "SELECT %lld||' truncated'", last));
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample"), 1);
  fx_assert_accounted(f);
  tl_rmdir(dir);
}

/* A document past PM_PLIST_DOC_MAX is rejected ('too_long') without holding
 * more of it, and the next one is read. */
static void plist_document_too_long(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
                             "<key>elapsed_ns</key><integer>1000000000</integer>\n"
                             "<key>kern_osversion</key><string>25C56</string>\n";
  static const char tail[] = "<key>processor</key>\n<dict>\n<key>cpu_energy</key>\n<integer>700</integer>\n"
                             "</dict>\n</dict>\n</plist>\n";
  /* lines of 64 bytes: "<key>padNNNNNNNN</key><string>" 30, 24 zeros, "</string>\n" 10 */
  size_t pad_lines = PM_PLIST_DOC_MAX / 64 + 1, n = 0;
  size_t cap = 2 * (sizeof head + sizeof tail) + pad_lines * 64 + 1;
  char *buf = malloc(cap);
  n += (size_t)snprintf(buf + n, cap - n, "%s", head);
  for (size_t i = 0; i < pad_lines; i++)
    n += (size_t)snprintf(buf + n, cap - n, "<key>pad%08zu</key><string>%024d</string>\n", i, 0);
  assert_true(n < cap);
  n += (size_t)snprintf(buf + n, cap - n, "%s%s%s", tail, head, tail);
  assert_true(n < cap);
  tl_write_str(dir, "big.plist", buf);
  free(buf);
  fx_ingest_path(f, dir, NULL);
  long long doc_lines = 5 + (long long)pad_lines + 7;
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT line FROM rejected_row WHERE reason = 'too_long'"), doc_lines);
  assert_true(tl_int(&f->db, "SELECT raw_bytes FROM rejected_row") <= PM_PLIST_DOC_MAX);
  assert_near(tl_real(&f->db, "SELECT energy_j FROM powermetrics_power WHERE line = %lld", doc_lines + 12), 0.7);
  fx_assert_accounted(f);
  tl_rmdir(dir);
}

/* Every fixture, ingested with blocks of 1 to 64 bytes, gives the same database. */
static void block_sweep(void **state) {
  (void)state;
  ic_block_sweep(FX, "powermetrics_power", 64);
}

static double energy(struct fx *f, const char *file, const char *component, const char *device) {
  return tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                         "WHERE s.path = '%s' AND e.source = 'powermetrics' AND e.component = '%s' "
                         "AND e.device = '%s'",
                 file, component, device);
}

/* Energy = power x the sample's own elapsed time, per component, each file a
 * session (no eprof run); the torn sample and the GPU sampler's repeat count
 * for nothing; a header-only file has no energy rather than NaN. */
static void energy_per_component(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX, NULL);
  fx_run_sources_sql(&f->db);
  const char *m12 = "macos12-m1pro-p0-p1-clusters-package.txt";
  assert_near(energy(f, m12, "cpu", ""), 3.1 * 1 + 1.55 * 2);
  assert_near(energy(f, m12, "package", ""), 4.0 * 1 + 2.2 * 2);
  assert_near(energy(f, m12, "dram", ""), 0.25 + 0.2 * 2);
  assert_near(energy(f, m12, "ane", ""), 0.01 * 2);
  assert_near(energy(f, m12, "cluster", "P0-Cluster"), 2.0 + 1.0 * 2);
  const char *m15 = "macos15-combined-gpu-sampler-repeat.txt";
  assert_near(energy(f, m15, "combined", ""), 0.983 * 5.02196 + 0.512 * 5.0);
  assert_near(energy(f, m15, "gpu", ""), 0.028 * 5.02196 + 0.1 * 5.0);
  assert_near(energy(f, "intel-package-power-watts.txt", "package", ""), 1.63 * 0.10287 + 12.25 * 0.10446);
  assert_near(energy(f, "torn-last-sample.txt", "cpu", ""), 0.1 * 0.1 + 0.3 * 0.1);
  assert_near(energy(f, "leading-nul-bytes.txt", "combined", ""), 0.1 * 0.1 + 0.3 * 0.1);
  /* sessions, spanning [first date - elapsed, last date] on the Mac's own clock */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'powermetrics' AND "
                                  "(run_id IS NOT NULL OR session_file_id IS NOT file_id)"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT last_us FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = '%s' AND component = 'cpu'",
                          m12),
                   (1678093202LL + 3600) * 1000000);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = 'header-only-no-samples.txt'"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE energy_j IS NULL OR "
                                  "energy_j <> energy_j"),
                   0);
}

/* A log of the Mac that ran an eprof run (naive local 22:09:55 to 22:10:05):
 * attached to the run by overlap on the Mac's own clock (its -0500 dates), and
 * only the samples inside the run's span count. */
static void attached_to_an_overlapping_run(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  fx_write_overlapped_run(dir);
  /* two samples inside the run, one 10 minutes after it */
  tl_write_str(dir, "mac/powermetrics_log.txt",
               "Machine model: MacBookAir10,1\nOS version: 23D60\n\n"
               "*** Sampled system activity (Sun Mar 31 22:09:58 2024 -0500) (1000.00ms elapsed) ***\n"
               "**** Processor usage ****\nCPU Power: 1000 mW\n\n"
               "*** Sampled system activity (Sun Mar 31 22:10:00 2024 -0500) (1000.00ms elapsed) ***\n"
               "**** Processor usage ****\nCPU Power: 3000 mW\n\n"
               "*** Sampled system activity (Sun Mar 31 22:20:00 2024 -0500) (1000.00ms elapsed) ***\n"
               "**** Processor usage ****\nCPU Power: 9000 mW\n");
  fx_ingest_path(f, dir, NULL);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT how FROM source_attach a JOIN source_file s ON s.id = a.file_id "
                                      "WHERE s.format = 'powermetrics'"),
                      "overlap");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'powermetrics' AND "
                                  "run_id IS NOT NULL AND component = 'cpu'"),
                   1);
  assert_near(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'powermetrics' AND "
                              "component = 'cpu'"),
              1.0 + 3.0);
  tl_rmdir(dir);
}

/* The plist form in source_energy: a component's energy is the sum of the
 * samples' own energies (mJ keys) where the file gives them (cpu 1500 + 5000
 * mJ, not cpu_power x elapsed, which differs in the 7th digit), else power x
 * the sample's own elapsed time (combined_power; the macOS 12 clusters); the
 * GPU sampler's gpu_energy (210 + 640 mJ) is not counted. The dates carry no
 * UTC offset: placed with --utc-offset when given, else as UTC. */
static void plist_energy_in_source_energy(void **state) {
  struct fx *f = *state;
  const char *two = "plist-two-samples-nul-separator.plist", *m12 = "plist-macos12-package-dram-clusters.plist";
  fx_ingest_path(f, FX "plist-two-samples-nul-separator.plist", NULL);
  fx_ingest_path(f, FX "plist-macos12-package-dram-clusters.plist", NULL);
  fx_run_sources_sql(&f->db);
  assert_near(energy(f, two, "cpu", ""), 1.5 + 5.0);
  assert_true(fabs(energy(f, two, "cpu", "") - (1.49925 * 1.0005 + 2.49875 * 2.001)) > 1e-7);
  assert_near(energy(f, two, "gpu", ""), 0.2 + 0.6);
  assert_near(energy(f, two, "ane", ""), 0.0 + 0.01);
  assert_near(energy(f, two, "combined", ""), 1.69915 * 1.0005 + 2.8036 * 2.001);
  assert_near(energy(f, m12, "package", ""), 1.473);
  assert_near(energy(f, m12, "dram", ""), 0.22);
  assert_near(energy(f, m12, "cluster", "P0-Cluster"), 0.842 * 1.0);
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = '%s' AND component = 'gpu'",
                          two),
                   2);
  /* a session spanning [first date - elapsed, last date], UTC as no offset is known */
  assert_int_equal(tl_int(&f->db, "SELECT first_us FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = '%s' AND component = 'cpu' AND session_file_id = file_id",
                          two),
                   1772359200LL * 1000000 - 1000500);
  assert_int_equal(tl_int(&f->db, "SELECT last_us FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = '%s' AND component = 'cpu'",
                          two),
                   1772359202LL * 1000000);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', -18000)", "set"),
                   0);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT last_us FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = '%s' AND component = 'cpu'",
                          two),
                   (1772359202LL - 18000) * 1000000);
  assert_near(energy(f, two, "cpu", ""), 6.5);
}

/* --utc-offset given: it places the samples instead of their own offset. */
static void given_offset_wins(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "intel-package-power-watts.txt", NULL);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)", "set"), 0);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT last_us FROM source_energy WHERE source = 'powermetrics'"),
                   (1730924482LL + 3600) * 1000000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(macos12_clusters_and_package, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(macos15_combined_and_repeated_gpu, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(intel_package_power_in_watts, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(other_samplers_are_skipped, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(header_only_file, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(leading_nul_bytes, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(nul_before_a_separator, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(torn_last_sample, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bad_dates_and_values, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_two_samples_nul_separator, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_macos12_keys, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_torn_last_document, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_damaged_stream, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_prolog_only, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_opening_line_lost, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_document_too_long, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_cut_at_a_line_end, fx_setup, fx_teardown),
      cmocka_unit_test(block_sweep),
      cmocka_unit_test_setup_teardown(energy_per_component, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_to_an_overlapping_run, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(given_offset_wins, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plist_energy_in_source_energy, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_powermetrics", tests, NULL, NULL);
}
