/* tests/faultvfs.h: an SQLite VFS for tests that fails one chosen call.
 *
 * fault_vfs_install() registers, as the default VFS, a shim over the
 * platform's own ("unix") that forwards every call and counts the file writes,
 * syncs and lock calls; when the count of the chosen kind reaches `at`, that
 * call returns the chosen error instead (SQLITE_FULL for a write, as a full
 * disk; SQLITE_IOERR_FSYNC for a sync; SQLITE_BUSY for a lock), once.
 * fault_vfs_remove() puts the platform's VFS back as the default. The counts
 * of a run without a fault (at = 0) tell how many points a sweep has.
 *
 * Include once per suite, after sqlite3.h; the state is one static struct, as
 * SQLite's VFS interface gives methods no context of their own. */
#ifndef WATTDB_FAULTVFS_H
#define WATTDB_FAULTVFS_H

#include <sqlite3.h>
#include <string.h>

enum fault_kind { FAULT_WRITE, FAULT_SYNC, FAULT_LOCK, FAULT_KINDS };

struct fault_state {
  sqlite3_vfs shim;
  sqlite3_vfs *real;
  sqlite3_io_methods methods;  /* the real file's methods, with ours for three */
  enum fault_kind kind;
  long at;                     /* fail the at-th call of kind (1-based); 0: never */
  long count[FAULT_KINDS];
  int fired;
};

static struct fault_state fault;

struct fault_file {
  sqlite3_file base;           /* our methods */
  sqlite3_file *real;          /* the real file, right after this struct */
};

static int fault_hit(enum fault_kind kind) {
  fault.count[kind]++;
  if (fault.kind == kind && fault.at && fault.count[kind] == fault.at && !fault.fired) {
    fault.fired = 1;
    return 1;
  }
  return 0;
}

static sqlite3_file *fault_real(sqlite3_file *f) {
  return ((struct fault_file *)f)->real;
}

static int fault_close(sqlite3_file *f) {
  return fault_real(f)->pMethods->xClose(fault_real(f));
}
static int fault_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  return fault_real(f)->pMethods->xRead(fault_real(f), buf, n, off);
}
static int fault_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  if (fault_hit(FAULT_WRITE)) return SQLITE_FULL;
  return fault_real(f)->pMethods->xWrite(fault_real(f), buf, n, off);
}
static int fault_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return fault_real(f)->pMethods->xTruncate(fault_real(f), size);
}
static int fault_sync(sqlite3_file *f, int flags) {
  if (fault_hit(FAULT_SYNC)) return SQLITE_IOERR_FSYNC;
  return fault_real(f)->pMethods->xSync(fault_real(f), flags);
}
static int fault_size(sqlite3_file *f, sqlite3_int64 *size) {
  return fault_real(f)->pMethods->xFileSize(fault_real(f), size);
}
static int fault_lock(sqlite3_file *f, int level) {
  if (fault_hit(FAULT_LOCK)) return SQLITE_BUSY;
  return fault_real(f)->pMethods->xLock(fault_real(f), level);
}
static int fault_unlock(sqlite3_file *f, int level) {
  return fault_real(f)->pMethods->xUnlock(fault_real(f), level);
}
static int fault_check_lock(sqlite3_file *f, int *out) {
  return fault_real(f)->pMethods->xCheckReservedLock(fault_real(f), out);
}
static int fault_control(sqlite3_file *f, int op, void *arg) {
  return fault_real(f)->pMethods->xFileControl(fault_real(f), op, arg);
}
static int fault_sector(sqlite3_file *f) {
  return fault_real(f)->pMethods->xSectorSize(fault_real(f));
}
static int fault_device(sqlite3_file *f) {
  return fault_real(f)->pMethods->xDeviceCharacteristics(fault_real(f));
}
static int fault_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p) {
  return fault_real(f)->pMethods->xShmMap(fault_real(f), page, size, extend, p);
}
static int fault_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  return fault_real(f)->pMethods->xShmLock(fault_real(f), offset, n, flags);
}
static void fault_shm_barrier(sqlite3_file *f) {
  fault_real(f)->pMethods->xShmBarrier(fault_real(f));
}
static int fault_shm_unmap(sqlite3_file *f, int del) {
  return fault_real(f)->pMethods->xShmUnmap(fault_real(f), del);
}
static int fault_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p) {
  return fault_real(f)->pMethods->xFetch(fault_real(f), off, n, p);
}
static int fault_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return fault_real(f)->pMethods->xUnfetch(fault_real(f), off, p);
}

static int fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out) {
  (void)vfs;
  struct fault_file *ff = (struct fault_file *)file;
  ff->real = (sqlite3_file *)(ff + 1);
  ff->base.pMethods = NULL;
  int rc = fault.real->xOpen(fault.real, name, ff->real, flags, out);
  if (ff->real->pMethods) {
    const sqlite3_io_methods *m = ff->real->pMethods;
    fault.methods = (sqlite3_io_methods){
        m->iVersion,      fault_close,  fault_read,    fault_write,      fault_truncate,
        fault_sync,       fault_size,   fault_lock,    fault_unlock,     fault_check_lock,
        fault_control,    fault_sector, fault_device,  fault_shm_map,    fault_shm_lock,
        fault_shm_barrier, fault_shm_unmap, fault_fetch, fault_unfetch};
    ff->base.pMethods = &fault.methods;
  }
  return rc;
}

/* Registers the shim as the default VFS, failing the AT-th call of KIND. */
static void fault_vfs_install(enum fault_kind kind, long at) {
  if (!fault.real) {
    fault.real = sqlite3_vfs_find("unix");
    fault.shim = *fault.real;
    fault.shim.zName = "fault";
    fault.shim.szOsFile = (int)sizeof(struct fault_file) + fault.real->szOsFile;
    fault.shim.xOpen = fault_open;
    fault.shim.pNext = NULL;
  }
  fault.kind = kind;
  fault.at = at;
  fault.fired = 0;
  memset(fault.count, 0, sizeof fault.count);
  sqlite3_vfs_register(&fault.shim, 1);
}

static void fault_vfs_remove(void) {
  sqlite3_vfs_unregister(&fault.shim);
  sqlite3_vfs_register(fault.real, 1);
}

#endif
