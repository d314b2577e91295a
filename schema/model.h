/* schema/model.h: the constants of the energy model, each defined once.
 *
 * The C stages of the transform use them as numbers; the SQL files and views
 * read them from the table model_constant (schema/019_model_constant.sql),
 * which wdb_open fills from MODEL_CONSTANTS below, so that a query, a notebook
 * or `wattdb explain` shows the values the numbers were computed with.
 * MODEL_STR gives a constant as the text of its literal, for SQL and help
 * texts built in C. */
#ifndef WATTDB_MODEL_H
#define WATTDB_MODEL_H

/* RAM power from the resident set size: watts per MB of RSS (both profiles;
 * the replication package's model). */
#define MODEL_RAM_W_PER_MB 3.75e-4

/* The gap rule of the default profile and of every sampled power series: an
 * interval between two readings longer than this many sampling periods is a
 * gap, not bridged (no energy, no coverage). */
#define MODEL_GAP_PERIODS 5

/* The nearest-time join of a GPU sample to a CPU sample: at most this far
 * apart, microseconds (the replication package's merge_asof tolerance, 1 s). */
#define MODEL_NEAREST_TOLERANCE_US 1000000

/* The gaissa profile drops the last data lines of a GPU file (the replication
 * package reads it with pandas' skipfooter), this many. */
#define MODEL_GAISSA_SKIPFOOTER 3

#define MODEL_STR_(x) #x
#define MODEL_STR(x) MODEL_STR_(x)

/* X(name in model_constant, value, unit, meaning) for every constant above. */
#define MODEL_CONSTANTS(X)                                                                          \
  X("ram_w_per_mb", MODEL_RAM_W_PER_MB, "W/MB", "RAM power per MB of resident set size")            \
  X("gap_periods", MODEL_GAP_PERIODS, "periods",                                                    \
    "an interval longer than this many sampling periods is a gap, not bridged")                     \
  X("nearest_tolerance_us", MODEL_NEAREST_TOLERANCE_US, "us",                                       \
    "a GPU sample is paired with the nearest CPU sample at most this far away")                     \
  X("gaissa_skipfooter", MODEL_GAISSA_SKIPFOOTER, "lines",                                          \
    "the gaissa profile drops this many last data lines of a GPU file")

#endif
