/* transform/formulas.h: where each column of v_run comes from, per profile, in
 * words: what `wattdb explain` prints next to a run's numbers. The rules
 * themselves are the transform's SQL and C; these texts say them as
 * transform/README.md does, and tests/test_formulas.c keeps the list and v_run's
 * columns one to one. */
#ifndef WATTDB_FORMULAS_H
#define WATTDB_FORMULAS_H

struct formula {
  const char *column;   /* a column of v_run */
  const char *gaissa;   /* how the gaissa profile computes it (the replication package) */
  const char *dflt;     /* how the default profile does; NULL: as gaissa */
};

/* Every column of v_run, in its order, ended by a NULL column. */
extern const struct formula run_formulas[];

/* The entry for COLUMN, or NULL. */
const struct formula *formula_for(const char *column);

#endif
