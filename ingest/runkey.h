/* ingest/runkey.h: which training run a file belongs to, read from its path.
 *
 * The experiment profiler writes a run's files into raw/{env}/{arch}/{dataset}/
 * (older trees: raw/{env}/{arch}/) with the run's stamp T in the name:
 * gpu-power-T.csv, cpu-mem-usage-T.csv, epoch_end-T.csv, performance-T.csv.
 * The folders after the last `raw` component give the environment, architecture
 * and dataset; without a `raw` component, the folders of the path relative to the
 * root given are used when there are two or three of them and the file is one of
 * the four run files above (a stamped manifest in out/ is no run). */
#ifndef WATTDB_RUNKEY_H
#define WATTDB_RUNKEY_H

struct run_key {
  int valid;              /* folders and stamp both found */
  char environment[64];
  char architecture[64];
  char dataset[64];       /* "" in the 2-level layout */
  char stamp[16];         /* YYYYMMDDTHHMMSS */
};

/* Fills K from FULLPATH (the path as given, with "archive:member" allowed) and
 * LOGICAL (relative to the root). Returns K->valid. */
int run_key_from_path(const char *fullpath, const char *logical, struct run_key *k);

/* Copies the stamp YYYYMMDDTHHMMSS found in NAME just before its extension
 * (after the last '-' or '_') into STAMP[16]. Returns 1 when found. */
int run_stamp_from_name(const char *name, char stamp[16]);

#endif
