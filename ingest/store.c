/* ingest/store.c: the store thread of store.h: a FIFO of intrusive items
 * under one mutex, one condition for the thread (work, stop) and one for the
 * queuing thread (an item done, the queue empty). */
#include "ingest/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

struct store {
  store_run_fn run;
  void *ctx;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t work, done;
  struct store_item *head, *tail; /* queued, not yet running */
  int running;                    /* an item is running */
  int failed;                     /* an item failed since the last store_clear */
  int stop;
};

/* Takes the queue's first item off; S locked. */
static struct store_item *pop(struct store *s) {
  struct store_item *it = s->head;
  s->head = it->next;
  if (!s->head) s->tail = NULL;
  it->next = NULL;
  return it;
}

static void *store_thread(void *arg) {
  struct store *s = arg;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (!s->head && !s->stop) pthread_cond_wait(&s->work, &s->lock);
    if (!s->head) break;
    struct store_item *it = pop(s);
    if (!s->failed) {
      s->running = 1;
      pthread_mutex_unlock(&s->lock);
      int rc = s->run(it, s->ctx);
      pthread_mutex_lock(&s->lock);
      s->running = 0;
      if (rc) s->failed = 1;
    }
    it->queued = 0;
    pthread_cond_broadcast(&s->done);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

struct store *store_start(store_run_fn run, void *ctx) {
  struct store *s = xrealloc(NULL, sizeof *s);
  memset(s, 0, sizeof *s);
  s->run = run;
  s->ctx = ctx;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->work, NULL);
  pthread_cond_init(&s->done, NULL);
  int rc = pthread_create(&s->thread, NULL, store_thread, s);
  if (rc) {
    msg("cannot start the store thread (%s): storing rows in the parsing thread", strerror(rc));
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->done);
    free(s);
    return NULL;
  }
  return s;
}

int store_submit(struct store *s, struct store_item *item) {
  pthread_mutex_lock(&s->lock);
  int failed = s->failed;
  if (!failed) {
    item->queued = 1;
    item->next = NULL;
    if (s->tail) s->tail->next = item;
    else s->head = item;
    s->tail = item;
    pthread_cond_signal(&s->work);
  }
  pthread_mutex_unlock(&s->lock);
  return failed;
}

void store_wait(struct store *s, struct store_item *item) {
  pthread_mutex_lock(&s->lock);
  while (item->queued) pthread_cond_wait(&s->done, &s->lock);
  pthread_mutex_unlock(&s->lock);
}

int store_idle(struct store *s) {
  pthread_mutex_lock(&s->lock);
  while (s->head || s->running) pthread_cond_wait(&s->done, &s->lock);
  int failed = s->failed;
  pthread_mutex_unlock(&s->lock);
  return failed;
}

void store_clear(struct store *s) {
  pthread_mutex_lock(&s->lock);
  while (s->head) pop(s)->queued = 0;
  while (s->running) pthread_cond_wait(&s->done, &s->lock);
  s->failed = 0;
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
}

void store_stop(struct store *s) {
  if (!s) return;
  store_idle(s);
  pthread_mutex_lock(&s->lock);
  s->stop = 1;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->work);
  pthread_cond_destroy(&s->done);
  free(s);
}
