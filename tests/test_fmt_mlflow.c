/* tests/test_fmt_mlflow.c: the MLflow file store (ingest/fmt_mlflow.c,
 * ingest/fmt_mlflow_meta.c, schema/015_mlflow.sql, the MLflow block of
 * transform/30_meta.sql) on the stores of tests/fixtures/mlflow/ (its README
 * says why each file exists):
 *   store/   two experiments, an active, a deleted and an unfinished run, a run
 *            in the Default experiment, a deleted experiment in .trash/;
 *   broken/  a meta.yaml that is not YAML, typed keys that do not read as their
 *            type, bad metric lines, a CRLF param, a param with blank lines;
 *   paired/  three runs whose UTC times lie one hour behind the local clock of
 *            the eprof runs of tests/fixtures/transform/raw/lab/tiny/ds, whose
 *            spans (first GPU sample to last epoch end or last sample) are
 *            A 00:00:01-00:00:07, B 01:00:01-01:00:07, C 02:00:01-02:00:40. */
#include "tests/testlib.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "tests/fmtlib.h"
#include "transform/transform.h"

#define FX "tests/fixtures/mlflow/"
#define STORE FX "store/mlruns"
#define EXP "123456789012345678"
#define RA "0a1b2c3d4e5f40718293a4b5c6d7e8f9" /* active, finished */
#define RD "1d2e3f40516273849506a7b8c9d0e1f2" /* deleted */
#define RU "2f3e4d5c6b7a48596a7b8c9d0e1f2a3b" /* unfinished */
#define R0 "30000000000000000000000000000000" /* in experiment '0', failed */
#define RT "4ee0000000000000000000000000000e" /* in .trash/ */
#define P1 "a1000000000000000000000000000001"
#define P2 "a2000000000000000000000000000002"
#define P3 "a3000000000000000000000000000003"

static void transform(struct fx *f, const struct transform_options *given) {
  struct transform_options opt = {.profiles = TF_ALL};
  if (given) opt = *given;
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
}

/* Adds every file under DIR (dot folders such as .trash included) to the zip A
 * with names PREFIX + the path below ROOT. */
static void zip_tree(struct archive *a, const char *root, const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (S_ISDIR(st.st_mode)) {
      zip_tree(a, root, path, prefix);
      continue;
    }
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    char data[4096];
    size_t n = fread(data, 1, sizeof data, in);
    fclose(in);
    char name[2048];
    snprintf(name, sizeof name, "%s%s", prefix, path + strlen(root) + 1);
    struct archive_entry *en = archive_entry_new();
    archive_entry_set_pathname(en, name);
    archive_entry_set_size(en, (la_int64_t)n);
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_perm(en, 0644);
    archive_entry_set_mtime(en, st.st_mtime, 0);
    assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
    if (n) assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
    archive_entry_free(en);
  }
  closedir(d);
}

/* Writes the store as a zip under mlruns/, .trash/ included, into F's folder;
 * its path into OUT[N]. Returns OUT. */
static const char *store_zip(struct fx *f, char *out, size_t n) {
  snprintf(out, n, "%s/store.zip", f->dir);
  struct archive *a = archive_write_new();
  assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
  assert_int_equal(archive_write_open_filename(a, out), ARCHIVE_OK);
  zip_tree(a, STORE, STORE, "mlruns/");
  assert_int_equal(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

static long long file_rows(struct fx *f, const char *like) {
  return tl_int(&f->db, "SELECT rows_ok FROM source_file WHERE path LIKE '%s'", like);
}

/* Every file of the store goes to its format by its place, and every line is
 * accounted for. The torn last line of a metric file is its only rejection. */
static void store_files_recognised(void **state) {
  struct fx *f = *state;
  char zip[1024];
  fx_ingest_path(f, store_zip(f, zip, sizeof zip), NULL);
  fx_assert_accounted(f);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file"), 38);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format IS NULL"), 0);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(format||'='||n, ' ') FROM (SELECT format, count(*) n "
                                      "FROM source_file GROUP BY format ORDER BY format)"),
                      "mlflow-meta=8 mlflow-metric=10 mlflow-param=13 mlflow-tag=7");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(path, ' ') FROM source_file WHERE status = 'partial'"),
                      "store.zip:mlruns/" EXP "/" RA "/metrics/val_loss");
  assert_string_equal(tl_text(&f->db, "SELECT reason||' '||line FROM rejected_row"), "truncated 3");
  /* the same bytes under another path: a duplicate, placed by its own path
   * (which of the two owns the rows depends on the member order) */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status = 'duplicate'"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_store_file"), 38);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(x, ', ') FROM (SELECT s.kind||' '||s.experiment_folder||"
                                      "' '||s.run_folder||' '||s.key||' '||s.in_trash||' '||v.value AS x FROM "
                                      "mlflow_store_file s JOIN mlflow_value v ON v.file_id = s.owner_id "
                                      "WHERE s.key = 'batch_size' ORDER BY x)"),
                      "param 0 " R0 " batch_size 0 16, param 123456789012345678 " RA " batch_size 0 32, "
                      "param 123456789012345678 " RD " batch_size 0 32, "
                      "param 123456789012345678 " RU " batch_size 0 64, "
                      "param 987654321098765432 " RT " batch_size 1 16");
  /* .trash/ is read from a zip and marked */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(kind, ',') FROM (SELECT kind FROM mlflow_file "
                                      "WHERE in_trash = 1 ORDER BY kind)"),
                      "experiment,param,run");
}

/* The store read as a folder: .trash/ is walked too (other hidden entries are
 * not), so its deleted experiment is read and marked as from a zip. */
static void trash_read_from_a_folder(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, STORE, NULL);
  fx_assert_accounted(f);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file"), 38);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(kind, ',') FROM (SELECT kind FROM mlflow_file "
                                      "WHERE in_trash = 1 ORDER BY kind)"),
                      "experiment,param,run");
  assert_string_equal(tl_text(&f->db, "SELECT skipped FROM v_mlflow_run WHERE mlflow_run_id = '" RT "'"),
                      "deleted experiment");
}

/* meta.yaml through libyaml: the folded experiment name, the quoted '0' id, an
 * id written as a plain integer (still text), `null` end time, a double-quoted
 * escape, `tags: []` kept as a JSON list, every key in mlflow_meta_field. */
static void meta_yaml_typed(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, STORE, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT name FROM mlflow_experiment WHERE experiment_id = '" EXP "'"),
                      "cloud-caltech101-mobilenet_v2 a long experiment name written by hand with many words "
                      "that PyYAML folds");
  assert_string_equal(tl_text(&f->db, "SELECT typeof(experiment_id)||' '||experiment_id||' '||name||' '||"
                                      "artifact_location FROM mlflow_experiment e JOIN mlflow_file m USING (file_id) "
                                      "WHERE m.experiment_folder = '0'"),
                      "text 0 Default mlflow-artifacts:/0");
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||start_time_ms||' '||end_time_ms||' '||source_type||' '||"
                                      "run_name||' ['||entry_point_name||'] '||lifecycle_stage FROM mlflow_run "
                                      "WHERE run_id = '" RA "'"),
                      "3 1704067200000 1704067260000 4 brave-owl-42 [] active");
  assert_string_equal(tl_text(&f->db, "SELECT user_id FROM mlflow_run WHERE run_id = '" RA "'"), "lab\tuser");
  assert_string_equal(tl_text(&f->db, "SELECT typeof(experiment_id)||' '||experiment_id||' '||status||' '||"
                                      "typeof(end_time_ms)||' ['||name||'] '||typeof(run_name) FROM mlflow_run "
                                      "WHERE run_id = '" RU "'"),
                      "text " EXP " 1 null [] null");
  assert_string_equal(tl_text(&f->db, "SELECT deleted_time_ms||' '||lifecycle_stage FROM mlflow_run "
                                      "WHERE run_id = '" RD "'"),
                      "1704067400000 deleted");
  assert_string_equal(tl_text(&f->db, "SELECT value||' '||style||' '||line FROM mlflow_meta_field f JOIN mlflow_run r "
                                      "USING (file_id) WHERE r.run_id = '" RA "' AND key = 'tags'"),
                      "[] sequence 14");
  assert_string_equal(tl_text(&f->db, "SELECT style||' '||(value IS NULL) FROM mlflow_meta_field f JOIN mlflow_run r "
                                      "USING (file_id) WHERE r.run_id = '" RU "' AND key = 'end_time'"),
                      "plain 1");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_meta_field f JOIN mlflow_run r USING (file_id) "
                                  "WHERE r.run_id = '" RA "'"),
                   15);
  /* every line of a meta.yaml is in its row: the folded name is 2 lines */
  assert_int_equal(file_rows(f, EXP "/meta.yaml"), 7);
  fx_assert_accounted(f);
}

/* Metric files: the history in file order, MLflow's final value (largest step,
 * not the last line), nan NULL with its text, inf kept, a two-field line with
 * step 0, a nested key, the torn last line rejected. */
static void metric_history_and_final(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, STORE, NULL);
  const char *acc = "(SELECT file_id FROM mlflow_file WHERE run_folder = '" RA "' AND key = 'val_accuracy')";
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_metric WHERE file_id = %s", acc), 5);
  assert_true(tl_real(&f->db, "SELECT value FROM mlflow_metric WHERE file_id = %s AND line = 5", acc) == 0.9);
  assert_string_equal(tl_text(&f->db, "SELECT value||' '||step||' '||line FROM mlflow_metric_final "
                                      "WHERE mlflow_run_id = '" RA "' AND key = 'val_accuracy'"),
                      "0.75 3 4");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(COALESCE(value_text, '-')||':'||typeof(value), ' ') FROM "
                                      "(SELECT m.* FROM mlflow_metric m JOIN mlflow_file f USING (file_id) "
                                      "WHERE f.key = 'loss' ORDER BY line)"),
                      "nan:null inf:real -inf:real -:real");
  assert_true(isinf(tl_real(&f->db, "SELECT value FROM mlflow_metric m JOIN mlflow_file f USING (file_id) "
                                    "WHERE f.key = 'loss' AND line = 2")));
  assert_true(tl_real(&f->db, "SELECT value FROM mlflow_metric m JOIN mlflow_file f USING (file_id) "
                              "WHERE f.key = 'loss' AND line = 4") == 1e-05);
  assert_string_equal(tl_text(&f->db, "SELECT timestamp_ms||' '||value||' '||step||' '||fields FROM mlflow_metric m "
                                      "JOIN mlflow_file f USING (file_id) WHERE f.key = 'legacy'"),
                      "1704067200 4.5 0 2");
  assert_string_equal(tl_text(&f->db, "SELECT f.run_folder||' '||m.value FROM mlflow_metric m "
                                      "JOIN mlflow_file f USING (file_id) WHERE f.key = 'a/b'"),
                      RA " 1.5");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_metric m JOIN mlflow_file f USING (file_id) "
                                  "WHERE f.key = 'val_loss'"),
                   2);
  fx_assert_accounted(f);
}

/* Params and tags: the whole file is the value, no trailing newline added, a
 * newline inside kept; key case kept as written; experiment tags. */
static void params_and_tags(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, STORE, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT value||'|'||exact FROM mlflow_run_value WHERE mlflow_run_id = '" RA
                                      "' AND key = 'notes'"),
                      "first line\nsecond line|1");
  assert_int_equal(file_rows(f, EXP "/" RA "/params/notes"), 2);
  assert_string_equal(tl_text(&f->db, "SELECT value FROM mlflow_run_value WHERE mlflow_run_id = '" RA
                                      "' AND key = 'image_size'"),
                      "(128, 128)");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(key, ',') FROM (SELECT key FROM mlflow_run_value WHERE "
                                      "mlflow_run_id = '" RA "' AND kind = 'param' ORDER BY key)"),
                      "Epochs,batch_size,image_size,notes,train_size,validation_size");
  assert_string_equal(tl_text(&f->db, "SELECT experiment_folder||' '||key||' '||value FROM mlflow_run_value "
                                      "WHERE kind = 'experiment tag'"),
                      EXP " mlflow.note.content An experiment note.");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_run_value WHERE mlflow_run_id = '" RA
                                  "' AND kind = 'tag'"),
                   5);
  fx_assert_accounted(f);
}

/* MLflow's default view: deleted runs and deleted experiments (.trash/) left
 * out and said why, the unfinished run kept and marked, a 1.x run named by its
 * mlflow.runName tag. */
static void deleted_and_unfinished(void **state) {
  struct fx *f = *state;
  char zip[1024];
  fx_ingest_path(f, store_zip(f, zip, sizeof zip), NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(mlflow_run_id||'='||COALESCE(skipped, 'active'), ' ') "
                                      "FROM (SELECT * FROM v_mlflow_run ORDER BY mlflow_run_id)"),
                      RA "=active " RD "=deleted run " RU "=active " R0 "=active " RT "=deleted experiment");
  assert_string_equal(tl_text(&f->db, "SELECT unfinished||' '||status_name||' '||run_name||' '||last_metric_ms FROM "
                                      "v_mlflow_run WHERE mlflow_run_id = '" RU "'"),
                      "1 RUNNING quiet-fox-7 1704070860000");
  assert_string_equal(tl_text(&f->db, "SELECT unfinished||' '||status_name||' '||experiment_name FROM v_mlflow_run "
                                      "WHERE mlflow_run_id = '" R0 "'"),
                      "0 FAILED Default");
  fx_assert_accounted(f);
}

/* Without eprof runs, each active MLflow run is a row of v_run of its own
 * (profile 'mlflow'), with the values the replication package reads: sizes,
 * batch, image side, GFLOPs = MACCS x 2e-9, final val_accuracy and val_auc,
 * trained epochs, environment/model/dataset tags, every param as JSON. */
static void standalone_runs_in_v_run(void **state) {
  struct fx *f = *state;
  char zip[1024];
  fx_ingest_path(f, store_zip(f, zip, sizeof zip), NULL);
  transform(f, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE profile = 'mlflow' AND run_id IS NULL"), 3);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE mlflow_run_id IN ('" RD "', '" RT "')"), 0);
  assert_string_equal(tl_text(&f->db, "SELECT environment||' '||architecture||' '||dataset||' '||batch_size||' '||"
                                      "image_size||' '||train_size||' '||validation_size||' '||trained_epochs||' '||"
                                      "accuracy||' '||auc||' '||metrics_source||' '||mlflow_run_name||' '||"
                                      "mlflow_status||' '||start_time||' '||duration_s FROM v_run WHERE mlflow_run_id = '"
                                      RA "'"),
                      "cloud mobilenet_v2 caltech101 32 128 23807 10203 4 0.75 0.81 mlflow brave-owl-42 FINISHED "
                      "2024-01-01 00:00:00.000 60.0");
  assert_true(fabs(tl_real(&f->db, "SELECT gflops FROM v_run WHERE mlflow_run_id = '" RA "'") - 0.06402816) < 1e-15);
  assert_string_equal(tl_text(&f->db, "SELECT json_extract(mlflow_params, '$.Epochs')||' '||"
                                      "json_extract(mlflow_params, '$.notes') FROM v_run WHERE mlflow_run_id = '" RA "'"),
                      "10 first line\nsecond line");
  /* the unfinished run ends at its last metric; its Train_Size is train_size */
  assert_string_equal(tl_text(&f->db, "SELECT batch_size||' '||image_size||' '||duration_s||' '||"
                                      "train_size||' '||(validation_size IS NULL) FROM v_run WHERE mlflow_run_id = '" RU "'"),
                      "64 224 60.0 1000 1");
  /* a param that is no number is NULL in its column, never 0, and kept as written */
  assert_string_equal(tl_text(&f->db, "SELECT batch_size||' '||(validation_size IS NULL)||' '||"
                                      "json_extract(mlflow_params, '$.validation_size') FROM v_run "
                                      "WHERE mlflow_run_id = '" R0 "'"),
                      "16 1 n/a");
  assert_string_equal(tl_text(&f->db, "SELECT unfinished||' '||(run_id IS NULL)||' '||(offset_method IS NULL) FROM "
                                      "mlflow_run_meta WHERE mlflow_run_id = '" RU "'"),
                      "1 1 1");
}

/* What is not MLflow's: a meta.yaml that is not YAML is refused with libyaml's
 * position; typed keys that do not read as their type are NULL with their text
 * kept; bad metric lines are rejected with a reason each; a CRLF param is
 * marked inexact; blank lines inside a param are put back, and a lone double
 * quote is no CSV quote. */
static void broken_store(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "broken/mlruns", NULL);
  fx_assert_accounted(f);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||format FROM source_file WHERE path = '5/meta.yaml'"),
                      "rejected mlflow-meta");
  assert_true(strstr(tl_text(&f->db, "SELECT error FROM source_file WHERE path = '5/meta.yaml'"),
                     "5/meta.yaml:3:1: not YAML") != NULL);
  assert_string_equal(tl_text(&f->db, "SELECT (status IS NULL)||(start_time_ms IS NULL)||(end_time_ms IS NULL) "
                                      "FROM mlflow_run WHERE run_id LIKE '5b%%'"),
                      "111");
  /* a run whose experiment_id is not its folder's: MLflow ignores it */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(substr(mlflow_run_id, 1, 2)||' '||COALESCE(skipped, 'used')"
                                      "||' '||unfinished, ', ') FROM (SELECT * FROM v_mlflow_run ORDER BY 1)"),
                      "5b used 1, 5c experiment mismatch 1");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(name||'='||text||'@'||line, ' ') FROM "
                                      "(SELECT * FROM unparsed_value ORDER BY line)"),
                      "start_time=soon@3 status=done@4");
  assert_string_equal(tl_text(&f->db, "SELECT value FROM mlflow_meta_field WHERE key = 'surprise_key'"), "kept");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||reason||':'||col, ' ') FROM "
                                      "(SELECT * FROM rejected_row ORDER BY line)"),
                      "2:bad_time:1 3:bad_number:2 4:bad_step:3 5:field_count:0 6:bad_number:2");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||fields, ' ') FROM mlflow_metric"), "1:3 8:2");
  assert_string_equal(tl_text(&f->db, "SELECT replace(value, char(10), '/')||' '||exact FROM mlflow_value v "
                                      "JOIN mlflow_file f USING (file_id) WHERE f.key = 'crlf'"),
                      "a/b 0");
  assert_string_equal(tl_text(&f->db, "SELECT replace(value, char(10), '/')||' '||exact FROM mlflow_value v "
                                      "JOIN mlflow_file f USING (file_id) WHERE f.key = 'blank_lines'"),
                      "a///b/ 1");
  /* an odd double quote joins no lines (the formats read LINES_PLAIN): 4 lines,
   * the blank one skipped, the value still the file */
  assert_string_equal(tl_text(&f->db, "SELECT replace(value, char(10), '/')||' '||exact||' '||s.lines||' '||s.rows_ok "
                                      "FROM mlflow_value v JOIN mlflow_file f USING (file_id) JOIN source_file s ON "
                                      "s.id = v.file_id WHERE f.key = 'one_quote'"),
                      "say \"hi/there//end 1 4 3");
}

static long long mlflow_of(struct fx *f, const char *stamp, const char *expr) {
  return tl_int(&f->db, "SELECT %s FROM v_run v JOIN run r ON r.id = v.run_id WHERE v.profile = 'default' AND "
                        "r.stamp = '%s'", expr, stamp);
}

/* Attached by time: with --utc-offset 3600 the MLflow runs' UTC spans land on
 * eprof runs A and B (local = UTC + 1 h), whose v_run rows take their batch
 * size and accuracy; the third overlaps no run and stands alone. */
static void attached_by_given_offset(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, "tests/fixtures/transform/raw", NULL);
  fx_ingest_path(f, FX "paired/mlruns", NULL);
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = 3600};
  transform(f, &opt);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(mlflow_run_id||'>'||COALESCE(r.stamp, '-')||' '||"
                                      "offset_s||' '||offset_method||' '||COALESCE(overlap_s, '-'), ', ') FROM "
                                      "(SELECT * FROM mlflow_run_meta ORDER BY mlflow_run_id) m "
                                      "LEFT JOIN run r ON r.id = m.run_id"),
                      P1 ">20240101T000000 3600 given 6.0, " P2 ">20240101T010000 3600 given 5.0, " P3
                      ">- 3600 given -");
  assert_int_equal(mlflow_of(f, "20240101T000000", "batch_size"), 48);
  assert_int_equal(mlflow_of(f, "20240101T010000", "batch_size"), 96);
  assert_int_equal(mlflow_of(f, "20240101T020000", "batch_size IS NULL"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT accuracy||' '||metrics_source||' '||metadata_paired_by||' '||"
                                      "mlflow_run_id FROM v_run v JOIN run r ON r.id = v.run_id WHERE "
                                      "v.profile = 'gaissa' AND r.stamp = '20240101T000000'"),
                      "0.61 mlflow mlflow overlap " P1);
  assert_string_equal(tl_text(&f->db, "SELECT batch_size||' '||start_time FROM v_run WHERE profile = 'mlflow'"),
                      "192 2024-01-01 06:00:00.000");
}

/* Without an offset given (and no wattmeter estimate), the shift under which
 * the MLflow runs overlap the eprof runs most is taken: +1 h here. */
static void attached_by_estimated_offset(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, "tests/fixtures/transform/raw", NULL);
  fx_ingest_path(f, FX "paired/mlruns", NULL);
  transform(f, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(DISTINCT offset_s||' '||offset_method) FROM mlflow_run_meta"),
                      "3600 overlap");
  assert_int_equal(mlflow_of(f, "20240101T000000", "batch_size"), 48);
  assert_int_equal(mlflow_of(f, "20240101T010000", "batch_size"), 96);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE profile = 'mlflow'"), 1);
}

/* With no offset given, the wattmeter logs' estimated offset (clock_offset, as
 * stored when 30_meta.sql runs) is the one used: +2 h here, which moves the
 * MLflow runs onto B and C instead. */
static void attached_by_wattmeter_offset(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, "tests/fixtures/transform/raw", NULL);
  fx_ingest_path(f, FX "paired/mlruns", NULL);
  assert_int_equal(wdb_exec(&f->db, "INSERT INTO clock_offset(file_id, offset_s, method) "
                                    "SELECT min(id), 7200, 'estimated' FROM source_file", "clock"), 0);
  transform(f, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(DISTINCT offset_s||' '||offset_method) FROM mlflow_run_meta"),
                      "7200 wattmeter");
  assert_int_equal(mlflow_of(f, "20240101T010000", "batch_size"), 48);
  assert_int_equal(mlflow_of(f, "20240101T020000", "batch_size"), 96);
}

/* A store is read per file: a metric file that grew since (a run still
 * logging) is read again alone, the others are unchanged, and the final value
 * follows the new line. */
static void grown_metric_file_read_again(void **state) {
  struct fx *f = *state;
  char root[256];
  snprintf(root, sizeof root, "%s/mlruns", f->dir);
  const char *meta = "mlruns/7/" P1 "/meta.yaml", *metric = "mlruns/7/" P1 "/metrics/val_accuracy";
  tl_write_str(f->dir, meta, "experiment_id: '7'\nrun_id: " P1 "\nstart_time: 1704067200000\nstatus: 1\n");
  tl_write_str(f->dir, metric, "1704067210000 0.5 0\n");
  struct ingest_stats a = tl_ingest(&f->db, root);
  assert_int_equal(a.read, 2);
  assert_true(tl_real(&f->db, "SELECT value FROM mlflow_metric_final") == 0.5);
  tl_write_str(f->dir, metric, "1704067210000 0.5 0\n1704067220000 0.6 1\n");
  struct ingest_stats b = tl_ingest(&f->db, root);
  assert_int_equal(b.read, 1);
  assert_int_equal(b.unchanged, 1);
  assert_true(tl_real(&f->db, "SELECT value FROM mlflow_metric_final") == 0.6);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_metric"), 2);
  fx_assert_accounted(f);
}

/* A run's artifacts (a model description, a binary plot) are read as
 * mlflow-artifact: hashed, no line counted (the plot's NUL bytes are no
 * rejected line), each recorded with its run; nothing of the store is left
 * unrecognised. */
static void artifacts_recorded_with_their_run(void **state) {
  struct fx *f = *state;
  struct ingest_stats st = tl_ingest(&f->db, FX "artifacts/mlruns");
  assert_int_equal(st.rejected_files, 0);
  assert_int_equal(st.rows_rejected, 0);
  fx_assert_accounted(f);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(x, ', ') FROM (SELECT s.format||' '||s.status||' '||"
                                      "s.lines||' '||a.run_folder||' '||a.path AS x FROM source_file s JOIN "
                                      "mlflow_artifact a ON a.file_id = s.id ORDER BY a.path)"),
                      "mlflow-artifact ok 0 ab000000000000000000000000000001 artifacts/loss.png, "
                      "mlflow-artifact ok 0 ab000000000000000000000000000001 artifacts/model/MLmodel");
  assert_int_equal(tl_int(&f->db, "SELECT size FROM source_file WHERE path LIKE '%%loss.png'"), 20);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE sha256 IS NULL OR format IS NULL"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(store_files_recognised, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(trash_read_from_a_folder, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(artifacts_recorded_with_their_run, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(meta_yaml_typed, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(metric_history_and_final, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(params_and_tags, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(deleted_and_unfinished, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(standalone_runs_in_v_run, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(broken_store, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_by_given_offset, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_by_estimated_offset, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_by_wattmeter_offset, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(grown_metric_file_read_again, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_mlflow", tests, NULL, NULL);
}
