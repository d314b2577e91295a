/* push/push.c: the driver of `wattdb push` (what is sent and when: push.h).
 *
 * The local database is read in one read transaction (a snapshot: an ingest
 * running meanwhile is not half seen). What the server already has is read
 * once per push for this origin (its source_file rows, its runs with their
 * digests), so that a push with nothing new sends no transaction at all.
 *
 * What is to be sent is listed first (jobs), then sent on opt->jobs
 * connections at once (lanes: threads, each with its connection, buffer and
 * prepared statements), every job one transaction on one lane. The lanes share
 * the local connection and its read transaction, taking turns on it
 * (rowbuf.lock), so that all of them read the same snapshot. */
#include "push/push.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/msg.h"
#include "push/copy.h"
#include "push/identity.h"

/* What says that a local file is on the server as it is now; the same
 * expression in both dialects, RUN naming the local run id's column. */
#define FILE_STATE(RUN)                                                                   \
  "coalesce(sha256, '') || '|' || parser_version || '|' || status || '|' || ingested_at" \
  " || '|' || coalesce(" RUN ", 0)"

static const char local_files_sql[] =
    "SELECT id, sha256, coalesce(format, ''), parser_version, format_version, time_convention,"
    " status, lines, skipped_lines, rows_ok, rows_rejected, error,"
    " path, size, mtime, format, duplicate_of, run_id, ingested_at, " FILE_STATE("run_id")
    " FROM source_file ORDER BY status = 'duplicate', id";
enum { LF_ID, LF_SHA, LF_FORMAT_KEY, LF_PARSER, LF_FORMAT_VERSION, LF_TIME_CONVENTION,
       LF_STATUS, LF_LINES, LF_SKIPPED, LF_ROWS_OK, LF_ROWS_REJECTED, LF_ERROR, LF_PATH, LF_SIZE,
       LF_MTIME, LF_FORMAT, LF_DUP, LF_RUN, LF_INGESTED, LF_STATE, LF_NCOLS };

static const char server_files_sql[] =
    "SELECT local_id, " FILE_STATE("local_run_id") ", coalesce(file_id, 0), path FROM source_file"
    " WHERE origin = $1";

static const char server_runs_sql[] =
    "SELECT o.local_id, r.fingerprint, coalesce(s.digest, ''), o.run_id"
    " FROM run_origin o JOIN run r ON r.id = o.run_id LEFT JOIN run_state s ON s.run_id = o.run_id"
    " WHERE o.origin = $1";

static const char content_insert_sql[] =
    "INSERT INTO file_content (sha256, format, parser_version, format_version, time_convention,"
    " status, lines, skipped_lines, rows_ok, rows_rejected, error)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    " ON CONFLICT (sha256, format, parser_version) DO NOTHING RETURNING id";
static const char content_find_sql[] =
    "SELECT id FROM file_content WHERE sha256 = $1 AND format = $2 AND parser_version = $3";

static const char source_upsert_sql[] =
    "INSERT INTO source_file (local_id, path, size, mtime, sha256, format, parser_version, status,"
    " duplicate_of, local_run_id, file_id, ingested_at, format_version, time_convention, lines,"
    " skipped_lines, rows_ok, rows_rejected, error, run_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
    "  (SELECT run_id FROM run_origin WHERE origin = current_setting('wattdb.origin')::uuid"
    "   AND local_id = $10))"
    " ON CONFLICT (origin, local_id) DO UPDATE SET path = EXCLUDED.path, size = EXCLUDED.size,"
    " mtime = EXCLUDED.mtime, sha256 = EXCLUDED.sha256, format = EXCLUDED.format,"
    " parser_version = EXCLUDED.parser_version, status = EXCLUDED.status,"
    " duplicate_of = EXCLUDED.duplicate_of, local_run_id = EXCLUDED.local_run_id,"
    " run_id = EXCLUDED.run_id, file_id = EXCLUDED.file_id, ingested_at = EXCLUDED.ingested_at,"
    " format_version = EXCLUDED.format_version, time_convention = EXCLUDED.time_convention,"
    " lines = EXCLUDED.lines, skipped_lines = EXCLUDED.skipped_lines, rows_ok = EXCLUDED.rows_ok,"
    " rows_rejected = EXCLUDED.rows_rejected, error = EXCLUDED.error, host = EXCLUDED.host,"
    " pushed_at = now()";

/* The server run of this origin's files of local run $2 (on a first push the
 * files go before their run). */
static const char source_run_sql[] =
    "UPDATE source_file SET run_id = $1 WHERE origin = current_setting('wattdb.origin')::uuid"
    " AND local_run_id = $2 AND run_id IS DISTINCT FROM $1";

static const char run_insert_sql[] =
    "INSERT INTO run (environment, architecture, dataset, stamp, fingerprint)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id";
static const char run_find_sql[] =
    "SELECT id FROM run WHERE environment = $1 AND architecture = $2 AND dataset = $3"
    " AND stamp = $4 AND fingerprint = $5";
static const char run_origin_sql[] =
    "INSERT INTO run_origin (local_id, run_id) VALUES ($1, $2) ON CONFLICT (origin, local_id)"
    " DO UPDATE SET run_id = EXCLUDED.run_id, host = EXCLUDED.host";

/* The per-run tables whose rows make a run's digest (push.h): its inputs, its
 * metadata, its results, its sources' attachments (with the attached tables:
 * digest_of()); the same for the rows of no run of a file. */
static const char *const digest_tables[] = {"run_input", "run_meta", "processed_run",
                                            "source_energy", "source_window_energy",
                                            "source_attach", "mlflow_run_meta", NULL};

struct state {
  struct wdb *local;
  struct pg *pg;
  const struct push_options *opt;
  struct push_stats *stats;
  struct identity id;
  struct mirror mirror;
  int has_schema;        /* the server has wattdb's schema (dry_run: maybe not) */
  struct rowbuf *buf;
  struct id_map files;   /* local file id -> file_content id */
  char **server_state;   /* by local file id: FILE_STATE on the server, NULL: absent */
  long long nlocal;      /* ids below this are indexed */
  double started, last_progress;
  char *begin_sql;       /* BEGIN; set_config(origin, host) with their literals */
  struct lane *lanes;    /* the connections files and runs are sent on (lanes()) */
  int nlanes;
  pthread_mutex_t read_lock; /* the local connection's, shared by the lanes (rowbuf.lock) */
};

/* What push_file() or push_run() sends: a row of local_files_sql or of
 * identity_runs_sql as text (NULL: SQL NULL), the run's digest. */
struct job {
  char *v[LF_NCOLS];
  char digest[2 * SHA256_DIGEST_SIZE + 1];
};

/* Jobs that lanes take in turn. */
struct queue {
  struct job *jobs;
  long n, cap, next, done;
  int runs;              /* jobs of push_run(), else of push_file() */
  int err;
  struct state *main;    /* whose stats the lanes' are added to, for progress */
  pthread_mutex_t mu;
};

/* One connection to the server and what sending on it needs: a copy of the
 * push's state with its own connection, buffer, statements and counters. */
struct lane {
  struct state s;
  struct push_stats stats;
  struct queue *q;
  pthread_t thread;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct state *s, long files_done, long runs_done, int final) {
  if (!s->opt->progress || s->opt->dry_run) return;
  double t = now_seconds();
  if (!final && t - s->last_progress < 0.25) return;
  s->last_progress = t;
  msg_clear_line = !final;
  fprintf(stderr, "\rwattdb: push: files %ld/%ld, runs %ld/%ld, %lld rows sent%s", files_done,
          s->stats->files, runs_done, s->stats->runs, s->stats->rows, final ? "\n" : "  ");
}

/* BEGIN on the server with this push's origin and host as the defaults of
 * the origin and host columns: one round trip (s->begin_sql). */
static int begin(struct state *s) {
  PGresult *r = PQexec(s->pg->conn, s->begin_sql);
  int ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) {
    msg("%s: cannot begin a transaction: %s", s->pg->where, PQerrorMessage(s->pg->conn));
    PQclear(PQexec(s->pg->conn, "ROLLBACK"));
  }
  PQclear(r);
  return ok ? 0 : -1;
}

static int fail(struct state *s) {
  PQclear(PQexec(s->pg->conn, "ROLLBACK"));
  return -1;
}

/* The first column of the first row of R as an integer (0 when no row), R cleared. */
static long long take_id(PGresult *r) {
  long long v = r && PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return v;
}

/* Removes content CONTENT when no path of any origin holds it any more (its
 * only path was read again with other bytes): its raw rows and its row.
 * Inside the caller's transaction. */
static int drop_unused_content(struct state *s, const char *content) {
  const char *p[1] = {content};
  PGresult *r = pg_query(s->pg, "SELECT id FROM file_content WHERE id = $1 FOR UPDATE", 1, p,
                         "cannot lock the content");
  if (!r) return -1;
  PQclear(r);
  if (take_id(pg_query(s->pg, "SELECT count(*) FROM source_file WHERE file_id = $1", 1, p,
                       "cannot read source_file")))
    return 0;
  char sql[256];
  for (int i = 0; i < s->mirror.n; i++) {
    if (s->mirror.t[i].owner != MIRROR_OF_FILE) continue;
    snprintf(sql, sizeof sql, "DELETE FROM \"%s\" WHERE file_id = $1", s->mirror.t[i].name);
    if (!(r = pg_query(s->pg, sql, 1, p, s->mirror.t[i].name))) return -1;
    PQclear(r);
  }
  if (!(r = pg_query(s->pg, "DELETE FROM file_content WHERE id = $1", 1, p,
                     "cannot remove the former content")))
    return -1;
  PQclear(r);
  return 0;
}

static int push_file(struct state *s, char *const *v);
static int push_run(struct state *s, char *const *v, const char *digest);

/* Adds a row of ST (NCOLS columns) to Q. */
static void queue_add(struct queue *q, sqlite3_stmt *st, int ncols, const char *digest) {
  if (q->n == q->cap) {
    q->cap = q->cap ? 2 * q->cap : 64;
    q->jobs = xrealloc(q->jobs, sizeof *q->jobs * (size_t)q->cap);
  }
  struct job *j = &q->jobs[q->n++];
  memset(j, 0, sizeof *j);
  for (int i = 0; i < ncols; i++) {
    const char *v = (const char *)sqlite3_column_text(st, i);
    j->v[i] = v ? xstrdup(v) : NULL;
  }
  if (digest) snprintf(j->digest, sizeof j->digest, "%s", digest);
}

static void queue_free(struct queue *q) {
  for (long i = 0; i < q->n; i++)
    for (int k = 0; k < LF_NCOLS; k++) free(q->jobs[i].v[k]);
  free(q->jobs);
  q->jobs = NULL;
  q->n = q->cap = q->next = q->done = 0;
}

/* Takes jobs of L's queue until none is left or one failed. */
static void *lane_run(void *arg) {
  struct lane *l = arg;
  struct queue *q = l->q;
  for (;;) {
    pthread_mutex_lock(&q->mu);
    struct job *j = !q->err && q->next < q->n ? &q->jobs[q->next++] : NULL;
    pthread_mutex_unlock(&q->mu);
    if (!j) break;
    int rc = q->runs ? push_run(&l->s, j->v, j->digest) : push_file(&l->s, j->v);
    pthread_mutex_lock(&q->mu);
    struct push_stats *m = q->main->stats;
    m->files_sent += l->stats.files_sent;
    m->contents_sent += l->stats.contents_sent;
    m->runs_sent += l->stats.runs_sent;
    m->rows += l->stats.rows;
    memset(&l->stats, 0, sizeof l->stats);
    q->err |= rc != 0;
    q->done++;
    if (q->runs) progress(q->main, q->main->stats->files, q->done, 0);
    else progress(q->main, q->done, 0, 0);
    pthread_mutex_unlock(&q->mu);
  }
  return NULL;
}

/* Opens the lanes (once, up to opt->jobs; one for a dry run): the first on
 * the push's own connection, the others on connections of their own. */
static int open_lanes(struct state *s) {
  if (s->lanes) return 0;
  int n = s->opt->dry_run || s->opt->jobs < 1 ? 1 : s->opt->jobs;
  s->lanes = calloc((size_t)n, sizeof *s->lanes);
  if (!s->lanes) {
    msg("out of memory");
    return -1;
  }
  for (int i = 0; i < n; i++) {
    struct lane *l = &s->lanes[i];
    l->s = *s;
    l->s.stats = &l->stats;
    if (i == 0) {
      s->nlanes = 1;
      continue;
    }
    l->s.pg = malloc(sizeof *l->s.pg);
    l->s.buf = malloc(sizeof *l->s.buf);
    if (!l->s.pg || !l->s.buf) {
      free(l->s.pg);
      free(l->s.buf);
      msg("out of memory");
      return -1;
    }
    *l->s.buf = *s->buf;
    if (pg_connect_again(l->s.pg, s->pg)) {
      free(l->s.pg);
      free(l->s.buf);
      return -1;
    }
    s->nlanes = i + 1;
    if (pg_exec(l->s.pg, "SET synchronous_commit = off", "cannot set synchronous_commit") ||
        mirror_load(&l->s.mirror, s->local) || mirror_server_types(&l->s.mirror, s->pg))
      return -1;
  }
  return 0;
}

static void close_lanes(struct state *s) {
  for (int i = 1; i < s->nlanes; i++) {
    struct lane *l = &s->lanes[i];
    mirror_free(&l->s.mirror);
    pg_close(l->s.pg);
    free(l->s.pg);
    free(l->s.buf);
  }
  free(s->lanes);
  s->lanes = NULL;
  s->nlanes = 0;
}

/* Sends the jobs of Q on the lanes at once, each job one transaction on one
 * of them. 0, or -1 printed. */
static int run_queue(struct state *s, struct queue *q) {
  if (!q->n) return 0;
  if (open_lanes(s)) return -1;
  q->main = s;
  int n = q->n < s->nlanes ? (int)q->n : s->nlanes, started = 1;
  for (int i = 0; i < n; i++) s->lanes[i].q = q;
  for (int i = 1; i < n; i++, started++)
    if (pthread_create(&s->lanes[i].thread, NULL, lane_run, &s->lanes[i])) {
      msg("cannot start a thread: sending on %d connections", started);
      break;
    }
  lane_run(&s->lanes[0]);
  for (int i = 1; i < started; i++) pthread_join(s->lanes[i].thread, NULL);
  return q->err ? -1 : 0;
}

/* Sends the local file V (a row of local_files_sql as text). */
static int push_file(struct state *s, char *const *v) {
  long long local_id = atoll(v[LF_ID]), content = 0;
  int duplicate = !strcmp(v[LF_STATUS], "duplicate");
  if (s->opt->dry_run) {
    const char *what = duplicate || !v[LF_SHA] ? "path only" : "path, content and its rows";
    if (!duplicate && v[LF_SHA]) {
      if (s->has_schema) {
        const char *p[3] = {v[LF_SHA], v[LF_FORMAT_KEY], v[LF_PARSER]};
        if (take_id(pg_query(s->pg, content_find_sql, 3, p, "cannot read file_content")))
          what = "path only, content already on the server";
      }
    }
    printf("file %s (%s)\n", v[LF_PATH], what);
    s->stats->files_sent++;
    return 0;
  }
  if (begin(s)) return -1;
  if (duplicate) {
    long long dup = v[LF_DUP] ? atoll(v[LF_DUP]) : 0;
    content = dup > 0 && dup < s->files.n ? s->files.to[dup] : 0;
  } else if (v[LF_SHA]) {
    content = take_id(pg_query(s->pg, content_insert_sql, 11, (const char *const *)v + 1,
                               "cannot record the file"));
    if (content) {
      /* new content: its rows */
      for (int i = 0; i < s->mirror.n; i++)
        if (s->mirror.t[i].owner == MIRROR_OF_FILE &&
            copy_table(s->pg, s->local, s->buf, &s->mirror.t[i], 0, local_id, content, &s->files,
                       &s->stats->rows))
          return fail(s);
      s->stats->contents_sent++;
    } else {
      /* another origin's, or sent meanwhile by a concurrent push (the insert
       * waited for it) */
      content = take_id(pg_query(s->pg, content_find_sql, 3, (const char *const *)v + 1,
                                 "cannot read file_content"));
      if (!content) return fail(s);
    }
  }
  char content_id[32];
  snprintf(content_id, sizeof content_id, "%lld", content);
  const char *p[19] = {v[LF_ID],  v[LF_PATH], v[LF_SIZE], v[LF_MTIME], v[LF_SHA],
                       v[LF_FORMAT], v[LF_PARSER], v[LF_STATUS], v[LF_DUP], v[LF_RUN],
                       content ? content_id : NULL, v[LF_INGESTED], v[LF_FORMAT_VERSION],
                       v[LF_TIME_CONVENTION], v[LF_LINES], v[LF_SKIPPED], v[LF_ROWS_OK],
                       v[LF_ROWS_REJECTED], v[LF_ERROR]};
  PGresult *r = pg_query(s->pg, source_upsert_sql, 19, p, "cannot record the file");
  if (!r) return fail(s);
  PQclear(r);
  long long before = local_id > 0 && local_id < s->nlocal ? s->files.to[local_id] : 0;
  if (before && before != content) {
    char former[32];
    snprintf(former, sizeof former, "%lld", before);
    if (drop_unused_content(s, former)) return fail(s);
  }
  if (pg_exec(s->pg, "COMMIT", "cannot commit the file")) return fail(s);
  if (local_id > 0 && local_id < s->files.n) s->files.to[local_id] = content;
  s->stats->files_sent++;
  return 0;
}

static const struct mirror_table *mirror_find(const struct mirror *m, const char *name) {
  for (int i = 0; i < m->n; i++)
    if (!strcmp(m->t[i].name, name)) return &m->t[i];
  return NULL;
}

/* The hex digest into HEX (65 bytes) of the rows of the tables NAMES and the
 * attached tables (or of table ONE) that belong to LOCAL_ID (LOOSE: the rows
 * of no run of local file LOCAL_ID). */
static int digest_of(struct state *s, const char *const *names, const struct mirror_table *one,
                     int loose, long long local_id, char *hex) {
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  s->buf->hash = &ctx;
  if (one && digest_table(s->local, s->buf, one, loose, local_id)) return -1;
  for (int i = 0; names && names[i]; i++) {
    const struct mirror_table *t = mirror_find(&s->mirror, names[i]);
    if (t && digest_table(s->local, s->buf, t, loose, local_id)) return -1;
  }
  for (int i = 0; names && i < s->mirror.n; i++)
    if (s->mirror.t[i].attached && digest_table(s->local, s->buf, &s->mirror.t[i], loose, local_id))
      return -1;
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof d, d);
  for (size_t i = 0; i < sizeof d; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  return 0;
}

/* Removes server run RUN when no origin's local run is it any more (its only
 * sender's run got another fingerprint: a GPU log read again, grown): its
 * per-run rows, its state, the run. Inside the caller's transaction. */
static int drop_orphan(struct state *s, const char *run) {
  const char *p[1] = {run};
  PGresult *r = pg_query(s->pg, "SELECT id FROM run WHERE id = $1 FOR UPDATE", 1, p, "lock the run");
  if (!r) return -1;
  PQclear(r);
  r = pg_query(s->pg, "SELECT count(*) FROM run_origin WHERE run_id = $1", 1, p, "read run_origin");
  if (!r) return -1;
  long long senders = take_id(r);
  if (senders) return 0;
  for (int i = 0; i < s->mirror.n; i++) {
    if (s->mirror.t[i].owner != MIRROR_OF_RUN) continue;
    if (!(r = pg_query(s->pg, s->mirror.t[i].del, 1, p, s->mirror.t[i].name))) return -1;
    PQclear(r);
  }
  static const char *const cleanup[] = {
      "DELETE FROM run_state WHERE run_id = $1",
      "UPDATE source_file SET run_id = NULL WHERE run_id = $1",
      "DELETE FROM run WHERE id = $1",
      NULL,
  };
  for (int i = 0; cleanup[i]; i++) {
    if (!(r = pg_query(s->pg, cleanup[i], 1, p, "cannot remove the former run"))) return -1;
    PQclear(r);
  }
  return 0;
}

/* Sends run V (identity_runs_sql's columns as text) with digest DIGEST. */
static int push_run(struct state *s, char *const *v, const char *digest) {
  if (s->opt->dry_run) {
    printf("run %s/%s/%s/%s\n", v[1], v[2], v[3], v[4]);
    s->stats->runs_sent++;
    return 0;
  }
  if (begin(s)) return -1;
  const char *const *key = (const char *const *)v + 1;
  long long run = take_id(pg_query(s->pg, run_insert_sql, 5, key, "cannot record the run"));
  if (!run) run = take_id(pg_query(s->pg, run_find_sql, 5, key, "cannot read the run"));
  if (!run) return fail(s);
  char run_id[32];
  snprintf(run_id, sizeof run_id, "%lld", run);
  const char *p[2] = {v[0], run_id};
  /* the server run this local run was until now */
  long long before = take_id(pg_query(s->pg,
                                      "SELECT run_id FROM run_origin WHERE local_id = $1"
                                      " AND origin = current_setting('wattdb.origin')::uuid",
                                      1, p, "cannot read run_origin"));
  PGresult *r = pg_query(s->pg, run_origin_sql, 2, p, "cannot record the run");
  if (!r) return fail(s);
  PQclear(r);
  if (before && before != run) {
    char former[32];
    snprintf(former, sizeof former, "%lld", before);
    if (drop_orphan(s, former)) return fail(s);
  }
  const char *q[2] = {run_id, v[0]};
  if (!(r = pg_query(s->pg, source_run_sql, 2, q, "cannot record the run's files")))
    return fail(s);
  PQclear(r);
  /* The run_state row, locked: a concurrent push of the same run waits here,
   * then finds the digest it would send. */
  r = pg_query(s->pg,
               "INSERT INTO run_state (run_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING run_id", 1,
               p + 1, "cannot record the run");
  if (!r) return fail(s);
  /* a run_state row made here: the run has no per-run rows yet (they are only
   * ever committed with their run_state row, and removed with it) */
  int fresh = PQntuples(r) == 1;
  PQclear(r);
  r = pg_query(s->pg, "SELECT coalesce(digest, '') FROM run_state WHERE run_id = $1 FOR UPDATE", 1,
               p + 1, "cannot read the run");
  if (!r || PQntuples(r) != 1) {
    PQclear(r);
    return fail(s);
  }
  int same = !strcmp(PQgetvalue(r, 0, 0), digest);
  PQclear(r);
  if (!same) {
    for (int i = 0; i < s->mirror.n; i++) {
      const struct mirror_table *t = &s->mirror.t[i];
      if (t->owner != MIRROR_OF_RUN) continue;
      if (!fresh) {
        if (!(r = pg_query(s->pg, t->del, 1, p + 1, t->name))) return fail(s);
        PQclear(r);
      }
      if (copy_table(s->pg, s->local, s->buf, t, 0, atoll(v[0]), run, &s->files, &s->stats->rows))
        return fail(s);
    }
    const char *d[2] = {run_id, digest};
    r = pg_query(s->pg,
                 "UPDATE run_state SET digest = $2, origin = DEFAULT, host = DEFAULT,"
                 " pushed_at = now() WHERE run_id = $1",
                 2, d, "cannot record the run");
    if (!r) return fail(s);
    PQclear(r);
    s->stats->runs_sent++;
  }
  return pg_exec(s->pg, "COMMIT", "cannot commit the run") ? fail(s) : 0;
}

/* Reads what the server has of this origin into s->files / s->server_state,
 * and sends the files it lacks. */
static int push_files(struct state *s, int has_schema) {
  PGresult *there_rows = NULL;
  if (has_schema) {
    const char *p[1] = {s->id.origin};
    if (!(there_rows = pg_query(s->pg, server_files_sql, 1, p, "cannot read source_file")))
      return -1;
    for (int i = 0; i < PQntuples(there_rows); i++) {
      long long id = atoll(PQgetvalue(there_rows, i, 0));
      if (id <= 0 || id >= s->nlocal) continue;
      s->server_state[id] = xstrdup(PQgetvalue(there_rows, i, 1));
      s->files.to[id] = atoll(PQgetvalue(there_rows, i, 2));
    }
  }
  unsigned char *here = calloc((size_t)s->nlocal, 1); /* local ids that exist */
  sqlite3_stmt *st = wdb_stmt(s->local, local_files_sql);
  int rc = here && st ? SQLITE_DONE : SQLITE_ERROR, err = !here || !st;
  /* the files to send: their own contents at once on the lanes, then the
   * duplicates (local_files_sql orders them last), which name their
   * originals' contents, on one */
  struct queue own = {.runs = 0}, dups = {.runs = 0};
  pthread_mutex_init(&own.mu, NULL);
  pthread_mutex_init(&dups.mu, NULL);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(st, LF_ID);
    const char *state = (const char *)sqlite3_column_text(st, LF_STATE);
    const char *there = id > 0 && id < s->nlocal ? s->server_state[id] : NULL;
    if (id > 0 && id < s->nlocal) here[id] = 1;
    int dup = !strcmp((const char *)sqlite3_column_text(st, LF_STATUS), "duplicate");
    if (!there || strcmp(there, state)) queue_add(dup ? &dups : &own, st, LF_NCOLS, NULL);
  }
  if (st) sqlite3_reset(st);
  if (!err && rc != SQLITE_DONE) {
    msg("%s: cannot read source_file: %s", s->local->path, sqlite3_errmsg(s->local->sql));
    err = 1;
  }
  if (!err) err = run_queue(s, &own) != 0;
  if (!err) {
    for (long i = 0; i < dups.n && !err; i++) err = push_file(s, dups.jobs[i].v) != 0;
    progress(s, s->stats->files, 0, 0);
  }
  queue_free(&own);
  queue_free(&dups);
  pthread_mutex_destroy(&own.mu);
  pthread_mutex_destroy(&dups.mu);
  /* Paths the local database no longer has under that id (ingest gives a file
   * read again a new id): gone from the server too, with their content when no
   * other path holds it. One transaction each. */
  for (int i = 0; !err && there_rows && i < PQntuples(there_rows); i++) {
    long long id = atoll(PQgetvalue(there_rows, i, 0));
    if (id > 0 && id < s->nlocal && here[id]) continue;
    if (s->opt->dry_run) {
      printf("file %s (gone from the local database: removed)\n", PQgetvalue(there_rows, i, 3));
      continue;
    }
    const char *p[2] = {s->id.origin, PQgetvalue(there_rows, i, 0)};
    const char *content = PQgetvalue(there_rows, i, 2);
    PGresult *r = NULL;
    err = begin(s) ||
          !(r = pg_query(s->pg, "DELETE FROM source_file WHERE origin = $1 AND local_id = $2", 2, p,
                         "cannot remove the file")) ||
          (strcmp(content, "0") && drop_unused_content(s, content)) ||
          pg_exec(s->pg, "COMMIT", "cannot commit the removal");
    PQclear(r);
    if (err) fail(s);
  }
  PQclear(there_rows);
  free(here);
  return err ? -1 : 0;
}

/* Sends the runs whose identity or digest the server does not have. */
static int push_runs(struct state *s, int has_schema) {
  PGresult *known = NULL;
  if (has_schema) {
    const char *p[1] = {s->id.origin};
    if (!(known = pg_query(s->pg, server_runs_sql, 1, p, "cannot read the runs"))) return -1;
  }
  /* by local run id: the row of known (+1, 0: none), whether the run is here */
  long long nruns = wdb_int(s->local, "SELECT coalesce(max(id), 0) + 1 FROM run", 1);
  int *row = calloc((size_t)nruns, sizeof *row);
  unsigned char *here = calloc((size_t)nruns, 1);
  sqlite3_stmt *st = wdb_stmt(s->local, identity_runs_sql);
  int rc = SQLITE_DONE, err = !row || !here || !st;
  for (int i = 0; !err && known && i < PQntuples(known); i++) {
    long long id = atoll(PQgetvalue(known, i, 0));
    if (id > 0 && id < nruns) row[id] = i + 1;
  }
  struct queue q = {.runs = 1};
  pthread_mutex_init(&q.mu, NULL);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(st, 0);
    const char *v[6];
    for (int i = 0; i < 6; i++) v[i] = (const char *)sqlite3_column_text(st, i);
    char digest[2 * SHA256_DIGEST_SIZE + 1];
    if (digest_of(s, digest_tables, NULL, 0, id, digest)) {
      err = 1;
      break;
    }
    int k = id > 0 && id < nruns ? row[id] - 1 : -1;
    if (id > 0 && id < nruns) here[id] = 1;
    int up_to_date = k >= 0 && !strcmp(PQgetvalue(known, k, 1), v[5]) &&
                     !strcmp(PQgetvalue(known, k, 2), digest);
    if (!up_to_date) queue_add(&q, st, 6, digest);
  }
  if (st) sqlite3_reset(st);
  if (!err && rc != SQLITE_DONE) {
    msg("%s: cannot read the runs: %s", s->local->path, sqlite3_errmsg(s->local->sql));
    err = 1;
  }
  if (!err) err = run_queue(s, &q) != 0;
  queue_free(&q);
  pthread_mutex_destroy(&q.mu);
  /* Runs the local database no longer has: this origin leaves them, and a run
   * no origin has any more goes with its rows. One transaction each. */
  for (int i = 0; !err && known && i < PQntuples(known); i++) {
    long long id = atoll(PQgetvalue(known, i, 0));
    if (id > 0 && id < nruns && here[id]) continue;
    if (s->opt->dry_run) {
      printf("run %s (gone from the local database: removed)\n", PQgetvalue(known, i, 3));
      continue;
    }
    const char *p[2] = {s->id.origin, PQgetvalue(known, i, 0)};
    PGresult *r = NULL;
    err = begin(s) ||
          !(r = pg_query(s->pg, "DELETE FROM run_origin WHERE origin = $1 AND local_id = $2", 2, p,
                         "cannot remove the run")) ||
          drop_orphan(s, PQgetvalue(known, i, 3)) ||
          pg_exec(s->pg, "COMMIT", "cannot commit the removal");
    PQclear(r);
    if (err) fail(s);
  }
  PQclear(known);
  free(row);
  free(here);
  return err ? -1 : 0;
}

/* Removes the rows of no run of content FILE when no origin has them any more
 * (their file became a run's, or went). Inside the caller's transaction. */
static int drop_loose_orphan(struct state *s, const char *file) {
  const char *p[1] = {file};
  PGresult *r = pg_query(s->pg, "SELECT file_id FROM loose_state WHERE file_id = $1 FOR UPDATE", 1,
                         p, "cannot lock loose_state");
  if (!r) return -1;
  PQclear(r);
  if (take_id(pg_query(s->pg, "SELECT count(*) FROM loose_origin WHERE file_id = $1", 1, p,
                       "cannot read loose_origin")))
    return 0;
  for (int i = 0; i < s->mirror.n; i++) {
    if (!s->mirror.t[i].loose_del) continue;
    if (!(r = pg_query(s->pg, s->mirror.t[i].loose_del, 1, p, s->mirror.t[i].name))) return -1;
    PQclear(r);
  }
  if (!(r = pg_query(s->pg, "DELETE FROM loose_state WHERE file_id = $1", 1, p,
                     "cannot remove loose_state")))
    return -1;
  PQclear(r);
  return 0;
}

/* Sends the rows of no run of local file LOCAL_ID (content CONTENT on the
 * server) with digest DIGEST: one transaction, as push_run() does for a run. */
static int push_loose_file(struct state *s, long long local_id, long long content,
                           const char *digest) {
  if (s->opt->dry_run) {
    printf("rows of no run (a session, an MLflow run) of local file %lld\n", local_id);
    s->stats->loose_sent++;
    return 0;
  }
  char lid[32], cid[32];
  snprintf(lid, sizeof lid, "%lld", local_id);
  snprintf(cid, sizeof cid, "%lld", content);
  const char *p[2] = {lid, cid};
  if (begin(s)) return -1;
  long long before = take_id(pg_query(s->pg,
                                      "SELECT file_id FROM loose_origin WHERE local_file_id = $1"
                                      " AND origin = current_setting('wattdb.origin')::uuid",
                                      1, p, "cannot read loose_origin"));
  PGresult *r = pg_query(s->pg,
                         "INSERT INTO loose_origin (local_file_id, file_id) VALUES ($1, $2)"
                         " ON CONFLICT (origin, local_file_id) DO UPDATE SET"
                         " file_id = EXCLUDED.file_id, host = EXCLUDED.host",
                         2, p, "cannot record loose_origin");
  if (!r) return fail(s);
  PQclear(r);
  if (before && before != content) {
    char former[32];
    snprintf(former, sizeof former, "%lld", before);
    if (drop_loose_orphan(s, former)) return fail(s);
  }
  /* locked: a concurrent push of the same content waits here */
  r = pg_query(s->pg,
               "INSERT INTO loose_state (file_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING file_id",
               1, p + 1, "cannot record loose_state");
  if (!r) return fail(s);
  int fresh = PQntuples(r) == 1; /* no rows yet, as for a run (push_run()) */
  PQclear(r);
  r = pg_query(s->pg, "SELECT coalesce(digest, '') FROM loose_state WHERE file_id = $1 FOR UPDATE",
               1, p + 1, "cannot read loose_state");
  if (!r || PQntuples(r) != 1) {
    PQclear(r);
    return fail(s);
  }
  int same = !strcmp(PQgetvalue(r, 0, 0), digest);
  PQclear(r);
  if (!same) {
    for (int i = 0; i < s->mirror.n; i++) {
      const struct mirror_table *t = &s->mirror.t[i];
      if (!t->loose) continue;
      if (!fresh) {
        if (!(r = pg_query(s->pg, t->loose_del, 1, p + 1, t->name))) return fail(s);
        PQclear(r);
      }
      if (copy_table(s->pg, s->local, s->buf, t, 1, local_id, 0, &s->files, &s->stats->rows))
        return fail(s);
    }
    const char *d[2] = {cid, digest};
    r = pg_query(s->pg,
                 "UPDATE loose_state SET digest = $2, origin = DEFAULT, host = DEFAULT,"
                 " pushed_at = now() WHERE file_id = $1",
                 2, d, "cannot record loose_state");
    if (!r) return fail(s);
    PQclear(r);
    s->stats->loose_sent++;
  }
  return pg_exec(s->pg, "COMMIT", "cannot commit the rows of no run") ? fail(s) : 0;
}

/* Sends the rows of no run (sessions: files that overlap no run; MLflow runs
 * attached to no eprof run), per local file they belong to, whose digest the
 * server does not have; removes those of this origin the local database no
 * longer has. */
static int push_loose(struct state *s) {
  char *sql = NULL;
  size_t n = 0;
  for (int i = 0; i < s->mirror.n; i++) {
    const struct mirror_table *t = &s->mirror.t[i];
    if (!t->loose || t->attached) continue;
    size_t k = strlen(t->name) + strlen(t->loose_key) * 2 + 96;
    sql = xrealloc(sql, n + k);
    n += (size_t)snprintf(sql + n, k, "%sSELECT \"%s\" FROM \"%s\" WHERE run_id IS NULL AND \"%s\" IS NOT NULL",
                          n ? " UNION " : "", t->loose_key, t->name, t->loose_key);
  }
  if (!sql) return 0;
  PGresult *known = NULL;
  if (s->has_schema) {
    const char *p[1] = {s->id.origin};
    known = pg_query(s->pg,
                     "SELECT o.local_file_id, o.file_id, coalesce(l.digest, '') FROM loose_origin o"
                     " LEFT JOIN loose_state l ON l.file_id = o.file_id WHERE o.origin = $1",
                     1, p, "cannot read loose_origin");
    if (!known) {
      free(sql);
      return -1;
    }
  }
  int *row = calloc((size_t)s->nlocal, sizeof *row); /* by local file id: row of known + 1 */
  unsigned char *here = calloc((size_t)s->nlocal, 1);
  sqlite3_stmt *st = NULL;
  int err = !row || !here;
  if (!err && sqlite3_prepare_v2(s->local->sql, sql, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: cannot read the rows of no run: %s", s->local->path, sqlite3_errmsg(s->local->sql));
    err = 1;
  }
  for (int i = 0; !err && known && i < PQntuples(known); i++) {
    long long id = atoll(PQgetvalue(known, i, 0));
    if (id > 0 && id < s->nlocal) row[id] = i + 1;
  }
  int rc = SQLITE_DONE;
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(st, 0);
    if (id <= 0 || id >= s->nlocal || !s->files.to[id]) continue; /* no content on the server */
    here[id] = 1;
    s->stats->loose++;
    char digest[2 * SHA256_DIGEST_SIZE + 1];
    if (digest_of(s, digest_tables, NULL, 1, id, digest)) {
      err = 1;
      break;
    }
    int k = row[id] - 1;
    int up_to_date = k >= 0 && atoll(PQgetvalue(known, k, 1)) == s->files.to[id] &&
                     !strcmp(PQgetvalue(known, k, 2), digest);
    if (!up_to_date && push_loose_file(s, id, s->files.to[id], digest)) err = 1;
  }
  if (!err && rc != SQLITE_DONE) {
    msg("%s: cannot read the rows of no run: %s", s->local->path, sqlite3_errmsg(s->local->sql));
    err = 1;
  }
  sqlite3_finalize(st);
  free(sql);
  for (int i = 0; !err && known && i < PQntuples(known); i++) {
    long long id = atoll(PQgetvalue(known, i, 0));
    if (id > 0 && id < s->nlocal && here[id]) continue;
    if (s->opt->dry_run) {
      printf("rows of no run of local file %lld (gone from the local database: removed)\n", id);
      continue;
    }
    const char *p[2] = {s->id.origin, PQgetvalue(known, i, 0)};
    PGresult *r = NULL;
    err = begin(s) ||
          !(r = pg_query(s->pg, "DELETE FROM loose_origin WHERE origin = $1 AND local_file_id = $2",
                         2, p, "cannot remove loose_origin")) ||
          drop_loose_orphan(s, PQgetvalue(known, i, 1)) ||
          pg_exec(s->pg, "COMMIT", "cannot commit the removal");
    PQclear(r);
    if (err) fail(s);
  }
  PQclear(known);
  free(row);
  free(here);
  return err ? -1 : 0;
}

/* Sends the database's own tables (setting, gpu_spec) whose rows changed since
 * this origin last sent them, one transaction each. */
static int push_origin_tables(struct state *s) {
  PGresult *known = NULL;
  const char *p[1] = {s->id.origin};
  if (s->has_schema &&
      !(known = pg_query(s->pg, "SELECT name, digest FROM origin_table WHERE origin = $1", 1, p,
                         "cannot read origin_table")))
    return -1;
  int err = 0;
  for (int i = 0; i < s->mirror.n && !err; i++) {
    const struct mirror_table *t = &s->mirror.t[i];
    if (t->owner != MIRROR_OF_ORIGIN) continue;
    char digest[2 * SHA256_DIGEST_SIZE + 1];
    if (digest_of(s, NULL, t, 0, 0, digest)) {
      err = 1;
      break;
    }
    int same = 0;
    for (int r = 0; known && r < PQntuples(known); r++)
      same |= !strcmp(PQgetvalue(known, r, 0), t->name) && !strcmp(PQgetvalue(known, r, 1), digest);
    if (same) continue;
    if (s->opt->dry_run) {
      printf("table %s\n", t->name);
      continue;
    }
    const char *q[2] = {t->name, digest};
    PGresult *r = NULL;
    /* one sender of this origin at a time: delete and copy are not atomic
     * against each other */
    err = begin(s) ||
          !(r = pg_query(s->pg, "SELECT pg_advisory_xact_lock(hashtext($1))", 1, p, "lock")) ||
          (PQclear(r), !(r = pg_query(s->pg, t->del, 1, p, t->name)));
    PQclear(r);
    r = NULL;
    err = err || copy_table(s->pg, s->local, s->buf, t, 0, 0, 0, &s->files, &s->stats->rows) ||
          !(r = pg_query(s->pg,
                         "INSERT INTO origin_table (name, digest) VALUES ($1, $2)"
                         " ON CONFLICT (origin, name) DO UPDATE SET digest = EXCLUDED.digest,"
                         " host = EXCLUDED.host",
                         2, q, "cannot record the table")) ||
          pg_exec(s->pg, "COMMIT", "cannot commit the table");
    PQclear(r);
    if (err) fail(s);
  }
  PQclear(known);
  return err ? -1 : 0;
}

int push_database(struct wdb *local, struct pg *pg, const struct push_options *opt,
                  struct push_stats *stats) {
  memset(stats, 0, sizeof *stats);
  struct state s = {.local = local, .pg = pg, .opt = opt, .stats = stats};
  pthread_mutex_init(&s.read_lock, NULL);
  s.started = now_seconds();
  if (identity_read(&s.id, local)) return -1;
  char *host = PQescapeLiteral(pg->conn, s.id.host, strlen(s.id.host)),
       *origin = PQescapeLiteral(pg->conn, s.id.origin, strlen(s.id.origin));
  if (host && origin) {
    size_t n = strlen(host) + strlen(origin) + 128;
    s.begin_sql = malloc(n);
    if (s.begin_sql)
      snprintf(s.begin_sql, n,
               "BEGIN; SELECT set_config('wattdb.origin', %s, true), set_config('wattdb.host', %s, true)",
               origin, host);
  }
  PQfreemem(host);
  PQfreemem(origin);
  if (!s.begin_sql) {
    msg("out of memory");
    return -1;
  }
  int has = pg_has_schema(pg);
  if (has < 0) return -1;
  if (!opt->dry_run) {
    if (pg_schema(pg, local)) return -1;
    has = 1;
    const char *p[3] = {s.id.origin, s.id.host, s.id.created_at};
    PGresult *r = pg_query(pg,
                           "INSERT INTO origin (id, host, created_at) VALUES ($1, $2, $3)"
                           " ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, last_push = now()",
                           3, p, "cannot record the origin");
    if (!r) return -1;
    PQclear(r);
    /* Each file's and run's transaction commits without waiting for its WAL
     * to reach the disk: a server crash loses at most the last ones, which the
     * next push sends again (the server is never left inconsistent); the last
     * commit of the push waits, and with it all of them. */
    if (pg_exec(pg, "SET synchronous_commit = off", "cannot set synchronous_commit")) return -1;
  }
  if (wdb_exec(local, "BEGIN", "cannot read the database")) return -1;
  int rc = mirror_load(&s.mirror, local);
  if (rc == 0 && !opt->dry_run) rc = mirror_server_types(&s.mirror, pg);
  if (rc == 0) {
    s.nlocal = wdb_int(local, "SELECT coalesce(max(id), 0) + 1 FROM source_file", 1);
    stats->files = (long)wdb_int(local, "SELECT count(*) FROM source_file", 0);
    stats->runs = (long)wdb_int(local, "SELECT count(*) FROM run", 0);
    s.files.n = s.nlocal;
    s.files.to = calloc((size_t)s.nlocal, sizeof *s.files.to);
    s.server_state = calloc((size_t)s.nlocal, sizeof *s.server_state);
    s.buf = malloc(sizeof *s.buf);
    if (!s.files.to || !s.server_state || !s.buf) {
      msg("out of memory");
      rc = -1;
    } else if (rowbuf_identity(s.buf, s.id.origin, s.id.host)) {
      msg("%s: the origin id '%s' is not a UUID", local->path, s.id.origin);
      rc = -1;
    } else {
      s.buf->lock = &s.read_lock;
    }
  }
  s.has_schema = has;
  if (rc == 0) rc = push_files(&s, has);
  if (rc == 0) rc = push_runs(&s, has);
  if (rc == 0) rc = push_loose(&s);
  if (rc == 0) rc = push_origin_tables(&s);
  /* the end of the push, committed durably: its WAL record flushes those of
   * every transaction before it, committed without waiting (below) */
  if (rc == 0 && !opt->dry_run) {
    const char *p[1] = {s.id.origin};
    PGresult *r = NULL;
    rc = pg_exec(pg, "SET synchronous_commit = on", "cannot set synchronous_commit") ||
                 !(r = pg_query(pg, "UPDATE origin SET last_push = now() WHERE id = $1", 1, p,
                                "cannot record the origin"))
             ? -1
             : 0;
    PQclear(r);
  }
  progress(&s, stats->files, stats->runs, 1);
  wdb_exec(local, "COMMIT", "cannot end the read");
  for (long long i = 0; s.server_state && i < s.nlocal; i++) free(s.server_state[i]);
  free(s.server_state);
  free(s.files.to);
  close_lanes(&s);
  free(s.buf);
  free(s.begin_sql);
  mirror_free(&s.mirror);
  pthread_mutex_destroy(&s.read_lock);
  return rc;
}
