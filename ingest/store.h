/* ingest/store.h: the ingest's store thread. It runs queued work items (the
 * parser's full row batches, ingest/batch.c) one after another, in the order
 * they were queued, on the ingest's database connection, while the thread that
 * queued them reads and parses the next lines: the inserts of one batch
 * overlap the parsing of the next on a second core.
 *
 * The connection is opened without SQLite's own mutex (schema/db.c), so it is
 * used by one thread at a time: the store thread while an item is queued or
 * running, the queuing thread only after store_idle(). struct wdb's
 * before_use hook makes every wdb_* call of the queuing thread wait there, so
 * that its own statements (a rejected line, a format's plain INSERT, the
 * driver's accounting) run exactly where they would run if each batch had
 * been stored the moment it filled.
 *
 * A failed item makes the store drop the items queued after it without
 * running them (they belong to the same file, which is refused or rolled back)
 * until store_clear(). */
#ifndef WATTDB_STORE_H
#define WATTDB_STORE_H

/* A work item; the caller embeds it first in its own struct. `queued` is the
 * store's: nonzero from store_submit() until the item has run or was dropped. */
struct store_item {
  struct store_item *next;
  int queued;
};

/* Runs ITEM; CTX is store_start()'s. Nonzero: the item failed (CTX holds
 * why); the store drops what is queued after it. */
typedef int (*store_run_fn)(struct store_item *item, void *ctx);

struct store;

/* Starts the thread. NULL (printed) when it cannot: the caller then runs its
 * items itself. */
struct store *store_start(store_run_fn run, void *ctx);

/* Queues ITEM after the items queued before it. Returns nonzero when an item
 * has failed since the last store_clear() (ITEM is then dropped, not run). */
int store_submit(struct store *s, struct store_item *item);

/* Waits until ITEM is no longer queued or running: its buffers are the
 * caller's again. */
void store_wait(struct store *s, struct store_item *item);

/* Waits until nothing is queued or running: the connection is the caller's
 * until its next store_submit(). Returns nonzero when an item has failed since
 * the last store_clear(). */
int store_idle(struct store *s);

/* Drops what is queued, waits until nothing runs, and forgets a failure. */
void store_clear(struct store *s);

/* store_idle(), then ends the thread and frees S. S may be NULL. */
void store_stop(struct store *s);

#endif
