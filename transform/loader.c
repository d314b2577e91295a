/* transform/loader.c: the transform's loading thread (see loader.h): two
 * run_input slots, each empty, loaded or failed, under one mutex and one
 * condition variable; the loading thread fills run i into slot i % 2 once the
 * transform's thread has taken run i - 2 from it. */
#include "transform/loader.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

enum slot_state { SLOT_EMPTY, SLOT_LOADED, SLOT_FAILED };

struct loader {
  struct wdb db;                 /* read-only, the loading thread's alone */
  const struct run_plan *plans;
  size_t n, taken;
  struct run_input slot[2];
  enum slot_state state[2];
  char error[256];               /* why the failed slot failed */
  atomic_int stop;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
};

static void *loading_thread(void *arg) {
  struct loader *l = arg;
  for (size_t i = 0; i < l->n; i++) {
    int k = (int)(i % 2);
    pthread_mutex_lock(&l->lock);
    while (l->state[k] != SLOT_EMPTY && !atomic_load(&l->stop)) pthread_cond_wait(&l->changed, &l->lock);
    pthread_mutex_unlock(&l->lock);
    if (atomic_load(&l->stop)) break;
    load_apply(&l->plans[i], &l->slot[k]);
    int rc = load_rows(&l->db, &l->slot[k]);
    pthread_mutex_lock(&l->lock);
    if (rc) snprintf(l->error, sizeof l->error, "%s", sqlite3_errmsg(l->db.sql));
    l->state[k] = rc ? SLOT_FAILED : SLOT_LOADED;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    if (rc) break;
  }
  return NULL;
}

/* Whether the database of DB is in WAL mode. */
static int in_wal_mode(struct wdb *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK) return 0;
  int wal = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
            strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
  sqlite3_finalize(st);
  return wal;
}

struct loader *loader_start(const char *path, const struct run_plan *plans, size_t n) {
  if (n < 2 || !path || !*path || strcmp(path, ":memory:") == 0) return NULL;
  struct loader *l = xrealloc(NULL, sizeof *l);
  memset(l, 0, sizeof *l);
  /* A second connection to the database the transform has open and checked:
   * no checks of its own, nothing printed; without it the caller loads. */
  l->db.path = path;
  if (sqlite3_open_v2(path, &l->db.sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      !in_wal_mode(&l->db)) {
    wdb_close(&l->db);
    free(l);
    return NULL;
  }
  l->plans = plans;
  l->n = n;
  atomic_init(&l->stop, 0);
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->changed, NULL);
  if (pthread_create(&l->thread, NULL, loading_thread, l)) {
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->changed);
    wdb_close(&l->db);
    free(l);
    return NULL;
  }
  return l;
}

int loader_take(struct loader *l, struct run_input *in, char *err, size_t len) {
  int k = (int)(l->taken % 2);
  pthread_mutex_lock(&l->lock);
  while (l->state[k] == SLOT_EMPTY) pthread_cond_wait(&l->changed, &l->lock);
  int failed = l->state[k] == SLOT_FAILED;
  if (failed) {
    snprintf(err, len, "%s", l->error);
  } else {
    struct run_input mine = *in;
    *in = l->slot[k];
    l->slot[k] = mine;
    l->state[k] = SLOT_EMPTY;
    l->taken++;
    pthread_cond_broadcast(&l->changed);
  }
  pthread_mutex_unlock(&l->lock);
  return failed ? -1 : 0;
}

void loader_stop(struct loader *l) {
  if (!l) return;
  pthread_mutex_lock(&l->lock);
  atomic_store(&l->stop, 1);
  pthread_cond_broadcast(&l->changed);
  pthread_mutex_unlock(&l->lock);
  pthread_join(l->thread, NULL);
  for (int k = 0; k < 2; k++) {
    free(l->slot[k].g);
    free(l->slot[k].c);
    free(l->slot[k].e);
  }
  pthread_mutex_destroy(&l->lock);
  pthread_cond_destroy(&l->changed);
  wdb_close(&l->db);
  free(l);
}
