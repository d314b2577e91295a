/* fuzz/fuzz_format.c: fuzzes one parser through the real ingest path: the input
 * is written as a file and ingested with ingest_paths() and --format forced to
 * FUZZ_FORMAT (compiled once per format of ingest/formats.c, e.g.
 * -DFUZZ_FORMAT='"eprof-gpu"'), into an in-memory database opened once per
 * process. The file lies at the path fuzz/paths.h gives for the format, in a
 * scratch folder of /dev/shm (a tmpfs) or $TMPDIR.
 *
 * After each input: ingest_paths() succeeded, exactly one source_file row; for a
 * file stored (ok or partial) lines = skipped_lines + rows_ok + rows_rejected and
 * rows_rejected = its rejected_row rows; for one refused, no rows and none of its
 * lines counted as rows. Then
 * the source_file row is deleted (its rows cascade) so that the next input is
 * read, not skipped as unchanged. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/msg.h"
#include "fuzz/paths.h"
#include "ingest/formats.h"
#include "ingest/ingest.h"
#include "schema/db.h"

#ifndef FUZZ_FORMAT
#error "compile with -DFUZZ_FORMAT='\"format-name\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The process's database and scratch file (libFuzzer calls us once per input). */
static struct wdb fuzz_db;
static const struct format *fuzz_format;
static char fuzz_file[512];
static size_t fuzz_dir_len; /* fuzz_file's first fuzz_dir_len bytes: the scratch folder */

static void die(const char *what) {
  fprintf(stderr, "fuzz_format(%s): %s\n", FUZZ_FORMAT, what);
  abort();
}

/* At exit: the input file and the folders made for it. */
static void cleanup(void) {
  char p[sizeof fuzz_file];
  snprintf(p, sizeof p, "%s", fuzz_file);
  unlink(p);
  for (char *s; (s = strrchr(p, '/')) && (size_t)(s - p) >= fuzz_dir_len;) {
    *s = '\0';
    rmdir(p);
  }
}

static void setup(void) {
  fuzz_format = format_by_name(FUZZ_FORMAT);
  if (!fuzz_format) die("no such format");
  const char *rel = fuzz_path_for(FUZZ_FORMAT);
  const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/wattdb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) die("cannot make a scratch folder");
  snprintf(fuzz_file, sizeof fuzz_file, "%s/%s", dir, rel);
  fuzz_dir_len = strlen(dir);
  atexit(cleanup);
  for (char *s = fuzz_file + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
    *s = '\0';
    mkdir(fuzz_file, 0755);
    *s = '/';
  }
  msg_quiet = 1;
  if (wdb_open(&fuzz_db, ":memory:")) die("cannot open the database");
}

static long long query(const char *sql) {
  return wdb_int(&fuzz_db, sql, -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fuzz_format) setup();
  FILE *f = fopen(fuzz_file, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) die("cannot write the input");

  /* a headerless nvidia-smi file takes its fields from here */
  struct ingest_options opt = {.force_format = fuzz_format, .nvidia_smi_fields = FUZZ_NVIDIA_SMI_FIELDS,
                              .store_inline = 1 /* one thread: runs repeat exactly */};
  struct ingest_stats stats;
  char *roots[1] = {fuzz_file};
  if (ingest_paths(&fuzz_db, roots, 1, &opt, &stats) != 0) {
    /* the file was rolled back: read it again, loud, to show why */
    msg_quiet = 0;
    ingest_paths(&fuzz_db, roots, 1, &opt, &stats);
    die("ingest_paths failed (a database error, printed above)");
  }
  if (stats.files != 1 || stats.input_errors) die("the input file was not visited");
  if (query("SELECT count(*) FROM source_file") != 1) die("not exactly one source_file row");
  if (query("SELECT status = 'rejected' OR lines = skipped_lines + rows_ok + rows_rejected "
            "FROM source_file") != 1)
    die("lines != skipped_lines + rows_ok + rows_rejected");
  if (query("SELECT rows_rejected = (SELECT count(*) FROM rejected_row) FROM source_file "
            "WHERE status IN ('ok','partial')") == 0)
    die("rows_rejected != rejected_row rows");
  if (query("SELECT rows_ok + rows_rejected + (SELECT count(*) FROM rejected_row) FROM source_file "
            "WHERE status = 'rejected'") > 0)
    die("a rejected file kept rows or counts them");
  if (wdb_exec(&fuzz_db, "DELETE FROM source_file", "fuzz")) die("cannot delete source_file");
  return 0;
}
