/* data/gen_sample.c: a deterministic generator of realistic raw measurement data
 * for wattdb, the tool that ingests energy logs of deep-learning training runs.
 *
 * It writes the files the experiment profiler "eprof" of the GAISSA replication
 * package leaves behind (nvidia-smi GPU logs, psutil CPU/RAM logs, Keras epoch-end
 * and history files, the launcher's run manifest, a runs.csv of run metadata),
 * plus logs of tools used next to it: codecarbon, perf stat with RAPL events, an
 * OmegaWatt wattmeter, and a 2-GPU nvidia-smi log. Every value comes from a small
 * model of a training run (setup, epochs with a validation phase, dips at epoch
 * boundaries, a GPU that warms up slowly) driven by a splitmix64 generator seeded
 * by --seed. No clock, no rand(), no libm: the same arguments give the same bytes.
 *
 *   gen-sample --zip FILE [--seed N]            the demo sample as a zip (fixed mtimes)
 *   gen-sample --dir DIR  [--seed N]            the same demo sample as a directory tree
 *   gen-sample --dir DIR --runs N --seconds S [--seed N]
 *                                               benchmark tree: N runs of S GPU samples
 *   gen-sample --wattmeter FILE --hours H [--sockets K] [--seed N]
 *   gen-sample --nvidia-smi FILE --rows N [--seed N]
 *                                               benchmark: one wattmetre-read log, ~10 ms
 *
 * Times in eprof, codecarbon and nvidia-smi files are naive local times of a
 * machine in CET (UTC+1; all demo runs fall in winter, so no DST); wattmeter
 * timestamps are UTC epoch seconds, that is local time minus one hour.
 * data/README.md lists the demo runs and which file carries which quirk.
 *
 * Build (from the repository root):
 *   cc -std=c11 -O2 -Wall -Wextra -Werror -o build/gen-sample data/gen_sample.c -larchive
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PROGRAM "gen-sample"
#define US_PER_S INT64_C(1000000)
#define CET_OFFSET_US (3600 * US_PER_S) /* local wall clock = UTC + 1 h */
#define MAX_EPOCHS 4096
#define FLUSH_BYTES ((size_t)1 << 20)
#define MAX_PATH_LEN 512
#define MAX_ZIP_DIRS 128
#define MAX_SOCKETS 48

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(PROGRAM ": ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* ------------------------------------------------------------------------ */
/* Random numbers                                                           */

struct rng {
  uint64_t state;
};

/* splitmix64: one 64-bit state, the same numbers on every platform. */
static uint64_t rng_next(struct rng *r) {
  uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* What a stream of random numbers is used for. Each file of each run draws from
 * its own stream, so that a change in how many numbers one file draws never
 * shifts the numbers of another file. */
enum stream {
  STREAM_PLAN,
  STREAM_GPU,
  STREAM_CPU,
  STREAM_HISTORY,
  STREAM_ENERGY,
  STREAM_CODECARBON,
  STREAM_PERF,
  STREAM_WATTMETER,
  STREAM_MULTI_GPU,
  STREAM_SESSION,
  STREAM_ZEUS,
  STREAM_CODECARBON_FLUSH,
  STREAM_INFERENCE,
  STREAM_NVIDIA_SMI_BENCH,
};

static struct rng rng_stream(uint64_t seed, uint64_t run, enum stream purpose) {
  struct rng r = {seed ^ (run * UINT64_C(0xD1B54A32D192ED03)) ^
                  ((uint64_t)purpose * UINT64_C(0x8CB92BA72F3D8DD7))};
  rng_next(&r);
  return r;
}

static double rng_unit(struct rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static double rng_between(struct rng *r, double lo, double hi) {
  return lo + (hi - lo) * rng_unit(r);
}

static int rng_below(struct rng *r, int n) { return (int)(rng_next(r) % (uint64_t)n); }

/* About normal with mean 0 and standard deviation 1 (sum of four uniforms). */
static double rng_gauss(struct rng *r) {
  return (rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r) - 2.0) * 1.7320508075688772;
}

/* A duration between LO_S and HI_S seconds, in microseconds. */
static int64_t rng_us(struct rng *r, double lo_s, double hi_s) {
  return (int64_t)(rng_between(r, lo_s, hi_s) * 1e6);
}

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* ------------------------------------------------------------------------ */
/* Text buffers and number formatting                                       */

struct text {
  char *bytes;
  size_t len;
  size_t cap;
};

static void text_reserve(struct text *o, size_t extra) {
  if (o->len + extra <= o->cap) return;
  size_t cap = o->cap ? o->cap : 4096;
  while (cap < o->len + extra) cap *= 2;
  char *bytes = realloc(o->bytes, cap);
  if (!bytes) die("out of memory");
  o->bytes = bytes;
  o->cap = cap;
}

static void text_free(struct text *o) {
  free(o->bytes);
  memset(o, 0, sizeof *o);
}

static void put_chars(struct text *o, const char *s, size_t n) {
  text_reserve(o, n);
  memcpy(o->bytes + o->len, s, n);
  o->len += n;
}

static void put_str(struct text *o, const char *s) { put_chars(o, s, strlen(s)); }

static void put_char(struct text *o, char c) {
  text_reserve(o, 1);
  o->bytes[o->len++] = c;
}

static void put_uint(struct text *o, uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  text_reserve(o, (size_t)n);
  while (n) o->bytes[o->len++] = digits[--n];
}

/* V with leading zeros to WIDTH digits. */
static void put_uint_width(struct text *o, uint64_t v, int width) {
  text_reserve(o, (size_t)width + 20);
  char *end = o->bytes + o->len + width;
  for (char *p = end - 1; p >= o->bytes + o->len; p--) {
    *p = (char)('0' + v % 10);
    v /= 10;
  }
  o->len += (size_t)width;
}

static const double POW10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

/* X with DECIMALS digits after the point, as printf("%.*f") writes it; a
 * negative X that rounds to zero keeps its sign ("-0.0"), as printf does. */
static void put_fixed(struct text *o, double x, int decimals) {
  if (x < 0) {
    put_char(o, '-');
    x = -x;
  }
  uint64_t unit = (uint64_t)POW10[decimals];
  uint64_t scaled = (uint64_t)(x * POW10[decimals] + 0.5);
  put_uint(o, scaled / unit);
  if (decimals > 0) {
    put_char(o, '.');
    put_uint_width(o, scaled % unit, decimals);
  }
}

/* Python's repr of round(X, DECIMALS): trailing zeros dropped, one kept ("5.0"). */
static void put_trimmed(struct text *o, double x, int decimals) {
  size_t start = o->len;
  put_fixed(o, x, decimals);
  size_t dot = start;
  while (o->bytes[dot] != '.') dot++;
  while (o->len > dot + 2 && o->bytes[o->len - 1] == '0') o->len--;
}

/* X as Python's repr(float) writes it: the fewest digits that read back as X,
 * positional for decimal exponents -4..15, else d.ddde-XX. */
static void put_pyfloat(struct text *o, double x) {
  char digits[48];
  int precision;
  for (precision = 1; precision <= 17; precision++) {
    snprintf(digits, sizeof digits, "%.*e", precision - 1, x);
    if (strtod(digits, NULL) == x) break;
  }
  if (precision > 17) {
    precision = 17;
    snprintf(digits, sizeof digits, "%.*e", precision - 1, x);
  }
  int exponent = atoi(strchr(digits, 'e') + 1);
  if (exponent < -4 || exponent >= 16) {
    put_str(o, digits);
    return;
  }
  int decimals = precision - 1 - exponent;
  char fixed[64];
  snprintf(fixed, sizeof fixed, "%.*f", decimals < 1 ? 1 : decimals, x);
  put_str(o, fixed);
}

/* A float32 metric as Keras and MLflow print it: float32, widened, repr'd. */
static void put_float32(struct text *o, double x) { put_pyfloat(o, (double)(float)x); }

/* ------------------------------------------------------------------------ */
/* Calendar: times are int64 microseconds since 1970-01-01 00:00:00 of a naive */
/* wall clock, converted with the proleptic Gregorian calendar.              */

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct civil {
  int year, month, day, hour, minute, second;
  int weekday; /* 0 = Sunday */
  int usec;
};

static struct civil civil_from_us(int64_t us) {
  struct civil c;
  int64_t days = us / (86400 * US_PER_S);
  int64_t in_day = us % (86400 * US_PER_S);
  c.usec = (int)(in_day % US_PER_S);
  int64_t secs = in_day / US_PER_S;
  c.hour = (int)(secs / 3600);
  c.minute = (int)(secs / 60 % 60);
  c.second = (int)(secs % 60);
  c.weekday = (int)((days + 4) % 7);
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
  c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
  c.year = (int)(yoe + era * 400 + (c.month <= 2));
  return c;
}

static int64_t us_from_civil(int y, int mo, int d, int h, int mi, int s) {
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * US_PER_S + s * US_PER_S;
}

enum time_style {
  TIME_NVSMI,         /* 2023/12/18 20:52:07.470       nvidia-smi timestamp */
  TIME_NVSMI_DASHED,  /* 2022-12-05 09:55:42.535       normalized eprof GPU file */
  TIME_ISOFORMAT,     /* 2023-12-18T20:52:07.482913    datetime.isoformat(), no fraction at µs 0 */
  TIME_STR_DATETIME,  /* 2023-12-18 20:52:30.839797    str(datetime), no fraction at µs 0 */
  TIME_PANDAS_MS,     /* 2023-01-27 08:23:10.123       pandas to_csv of ms timestamps */
  TIME_SECONDS,       /* 2023-11-20 22:53:08 */
  TIME_ISO_SECONDS,   /* 2024-09-30T06:16:21           codecarbon */
  TIME_STAMP,         /* 20231218T205204               eprof run stamp */
  TIME_CTIME,         /* Mon Dec 18 20:52:06 2023      ctime() without newline */
  TIME_WATTMETRE_LOG, /* 2023/12/18-21:05:11           wattmetre-read diagnostics */
};

static void put_time(struct text *o, int64_t us, enum time_style style) {
  static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct civil c = civil_from_us(us);
  if (style == TIME_CTIME) {
    put_str(o, weekdays[c.weekday]);
    put_char(o, ' ');
    put_str(o, months[c.month - 1]);
    put_str(o, c.day < 10 ? "  " : " ");
    put_uint(o, (uint64_t)c.day);
    put_char(o, ' ');
  } else if (style == TIME_STAMP) {
    put_uint_width(o, (uint64_t)c.year, 4);
    put_uint_width(o, (uint64_t)c.month, 2);
    put_uint_width(o, (uint64_t)c.day, 2);
    put_char(o, 'T');
    put_uint_width(o, (uint64_t)c.hour, 2);
    put_uint_width(o, (uint64_t)c.minute, 2);
    put_uint_width(o, (uint64_t)c.second, 2);
    return;
  } else {
    char date_sep = style == TIME_NVSMI || style == TIME_WATTMETRE_LOG ? '/' : '-';
    put_uint_width(o, (uint64_t)c.year, 4);
    put_char(o, date_sep);
    put_uint_width(o, (uint64_t)c.month, 2);
    put_char(o, date_sep);
    put_uint_width(o, (uint64_t)c.day, 2);
    put_char(o, style == TIME_ISOFORMAT || style == TIME_ISO_SECONDS ? 'T'
                : style == TIME_WATTMETRE_LOG                      ? '-'
                                                                   : ' ');
  }
  put_uint_width(o, (uint64_t)c.hour, 2);
  put_char(o, ':');
  put_uint_width(o, (uint64_t)c.minute, 2);
  put_char(o, ':');
  put_uint_width(o, (uint64_t)c.second, 2);
  switch (style) {
  case TIME_NVSMI:
  case TIME_NVSMI_DASHED:
  case TIME_PANDAS_MS:
    put_char(o, '.');
    put_uint_width(o, (uint64_t)c.usec / 1000, 3);
    break;
  case TIME_ISOFORMAT:
  case TIME_STR_DATETIME:
    if (c.usec) {
      put_char(o, '.');
      put_uint_width(o, (uint64_t)c.usec, 6);
    }
    break;
  case TIME_CTIME:
    put_char(o, ' ');
    put_uint(o, (uint64_t)c.year);
    break;
  default:
    break;
  }
}

/* UTC epoch seconds with nine fractional digits, as wattmetre-read prints
 * them (%lld.%.9ld), for the local time LOCAL_US plus EXTRA_NS nanoseconds. */
static void put_epoch_ns(struct text *o, int64_t local_us, int extra_ns) {
  int64_t utc_us = local_us - CET_OFFSET_US;
  put_uint(o, (uint64_t)(utc_us / US_PER_S));
  put_char(o, '.');
  put_uint_width(o, (uint64_t)(utc_us % US_PER_S) * 1000 + (uint64_t)extra_ns, 9);
}

/* ------------------------------------------------------------------------ */
/* Output: files in a directory tree, or entries of a zip archive           */

enum sink_kind { SINK_DIR, SINK_ZIP };

/* Where generated files go. One file is open at a time; its bytes collect in
 * BODY. A directory sink writes them out in 1 MB blocks at row boundaries, so
 * that memory stays constant; a zip sink keeps the file whole, then stores it
 * as one entry (entry sizes must be known up front). */
struct sink {
  enum sink_kind kind;
  const char *root;             /* SINK_DIR: the directory given */
  struct archive *zip;          /* SINK_ZIP */
  FILE *file;                   /* SINK_DIR: the open file */
  char path[MAX_PATH_LEN];      /* the open file, relative to the root */
  struct text body;             /* bytes of the open file not yet written */
  char zip_dirs[MAX_ZIP_DIRS][MAX_PATH_LEN]; /* directory entries already stored */
  int n_zip_dirs;
};

/* Creates every missing directory on the way to the file PATH. */
static void make_parent_dirs(const char *path) {
  char buf[MAX_PATH_LEN * 2];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("cannot create %s: %s", buf, strerror(errno));
    *p = '/';
  }
}

static void sink_write_out(struct sink *s) {
  if (s->body.len && fwrite(s->body.bytes, 1, s->body.len, s->file) != s->body.len)
    die("cannot write %s/%s: %s", s->root, s->path, strerror(errno));
  s->body.len = 0;
}

static void sink_begin(struct sink *s, const char *relpath) {
  if (strlen(relpath) >= sizeof s->path) die("path too long: %s", relpath);
  snprintf(s->path, sizeof s->path, "%s", relpath);
  s->body.len = 0;
  if (s->kind == SINK_DIR) {
    char full[MAX_PATH_LEN * 2];
    snprintf(full, sizeof full, "%s/%s", s->root, relpath);
    make_parent_dirs(full);
    s->file = fopen(full, "wb");
    if (!s->file) die("cannot create %s: %s", full, strerror(errno));
  }
}

/* Called after each complete row: a directory sink writes out a full block. */
static void sink_row_done(struct sink *s) {
  if (s->kind == SINK_DIR && s->body.len >= FLUSH_BYTES) sink_write_out(s);
}

static void zip_check(struct sink *s, int status) {
  if (status < ARCHIVE_OK) die("zip: %s: %s", s->path, archive_error_string(s->zip));
}

/* Stores the directory entries leading to the open file, once each. */
static void zip_add_parent_dirs(struct sink *s) {
  static const int64_t dir_mtime = 1718704800; /* 2024-06-18 10:00:00 UTC */
  char dir[MAX_PATH_LEN];
  for (const char *p = strchr(s->path, '/'); p; p = strchr(p + 1, '/')) {
    size_t n = (size_t)(p - s->path) + 1;
    memcpy(dir, s->path, n);
    dir[n] = '\0';
    int seen = 0;
    for (int i = 0; i < s->n_zip_dirs && !seen; i++) seen = strcmp(s->zip_dirs[i], dir) == 0;
    if (seen) continue;
    if (s->n_zip_dirs == MAX_ZIP_DIRS) die("too many directories in the zip");
    memcpy(s->zip_dirs[s->n_zip_dirs++], dir, n + 1);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, dir);
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_mtime(e, dir_mtime, 0);
    zip_check(s, archive_write_header(s->zip, e));
    archive_entry_free(e);
  }
}

/* Finishes the open file. LAST_WRITE_LOCAL_US, the local time the logger last
 * wrote it, becomes the zip entry's mtime. */
static void sink_end(struct sink *s, int64_t last_write_local_us) {
  if (s->kind == SINK_DIR) {
    sink_write_out(s);
    if (fclose(s->file) != 0) die("cannot write %s/%s: %s", s->root, s->path, strerror(errno));
    s->file = NULL;
    return;
  }
  zip_add_parent_dirs(s);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, s->path);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)s->body.len);
  archive_entry_set_mtime(e, (last_write_local_us - CET_OFFSET_US) / US_PER_S, 0);
  zip_check(s, archive_write_header(s->zip, e));
  for (size_t done = 0; done < s->body.len;) {
    la_ssize_t n = archive_write_data(s->zip, s->body.bytes + done, s->body.len - done);
    if (n <= 0) die("zip: %s: %s", s->path, archive_error_string(s->zip));
    done += (size_t)n;
  }
  archive_entry_free(e);
  s->body.len = 0;
}

/* Writes a whole prepared buffer as the file RELPATH. */
static void sink_put_file(struct sink *s, const char *relpath, const struct text *t,
                          int64_t last_write_local_us) {
  sink_begin(s, relpath);
  put_chars(&s->body, t->bytes, t->len);
  sink_end(s, last_write_local_us);
}

static void sink_open_zip(struct sink *s, const char *filename) {
  /* libarchive converts mtimes to MS-DOS times with localtime(): pin the zone
   * (POSIX rule string, no DST, no tzdata) so that the bytes never depend on
   * the machine, and the listed times read as the data's local times. */
  setenv("TZ", "CET-1", 1);
  tzset();
  s->kind = SINK_ZIP;
  s->zip = archive_write_new();
  if (!s->zip) die("out of memory");
  if (archive_write_set_format_zip(s->zip) != ARCHIVE_OK ||
      archive_write_zip_set_compression_deflate(s->zip) != ARCHIVE_OK)
    die("zip: %s", archive_error_string(s->zip));
  archive_write_set_options(s->zip, "zip:compression-level=9");
  if (archive_write_open_filename(s->zip, filename) != ARCHIVE_OK)
    die("cannot create %s: %s", filename, archive_error_string(s->zip));
}

static void sink_close(struct sink *s) {
  if (s->kind == SINK_ZIP) {
    if (archive_write_close(s->zip) != ARCHIVE_OK) die("zip: %s", archive_error_string(s->zip));
    archive_write_free(s->zip);
    s->zip = NULL;
  }
  text_free(&s->body);
}

/* ------------------------------------------------------------------------ */
/* Hardware, models, datasets, and the experiment configurations            */

struct gpu_model {
  const char *name;
  double max_limit_w;       /* power.max_limit */
  int memory_total_mib;     /* memory.total as drivers from mid-2023 report it */
  int memory_total_old_mib; /* ... and as the older driver of the first runs did */
  int memory_base_mib;      /* memory.used before TensorFlow opens its context */
  int memory_tf_mib;        /* memory.used once TensorFlow holds the GPU */
  double idle_w;            /* power before the training process opens a context */
  double ready_w;           /* context open, no kernel running */
  double cool_c, hot_c;     /* temperature.gpu when idle and when training flat out */
};

static const struct gpu_model RTX_3090 = {"NVIDIA GeForce RTX 3090", 350.0, 24576, 24268, 1,
                                          22724, 21.0, 108.0, 31.0, 66.0};
static const struct gpu_model RTX_3070 = {"NVIDIA GeForce RTX 3070", 240.0, 8192, 8192, 412,
                                          6993, 21.3, 53.8, 37.0, 55.0};
static const struct gpu_model GTX_750_TI = {"NVIDIA GeForce GTX 750 Ti", 60.0, 2048, 2048, 187,
                                            1731, 6.2, 14.5, 33.0, 61.0};

enum cpu_sensor {
  SENSOR_CORETEMP, /* Intel coretemp: whole degrees, "32.0" */
  SENSOR_K10TEMP,  /* AMD k10temp Tctl: eighths of a degree, "35.75" */
};

struct environment {
  const char *name;
  const struct gpu_model *gpu;
  int total_ram_gb;        /* the installed-RAM label of runs.csv and of the 5-column CPU files */
  enum cpu_sensor sensor;
  double cpu_cool_c;       /* CPU temperature at rest */
  double cpu_share_scale;  /* fewer cores: the training process shows a larger share */
};

static const struct environment ENVIRONMENTS[] = {
    {"cloud", &RTX_3090, 16, SENSOR_CORETEMP, 29.0, 1.0},
    {"local-v2", &RTX_3070, 32, SENSOR_K10TEMP, 33.0, 1.4},
    {"local", &GTX_750_TI, 32, SENSOR_CORETEMP, 38.0, 2.6},
};

struct architecture {
  const char *name;
  double gflops;       /* forward GFLOPs at a square input of side GFLOPS_SIDE */
  int gflops_side;
  double accuracy_offset;
};

static const struct architecture ARCHITECTURES[] = {
    {"mobilenet_v2", 0.06402816, 128, 0.0},
    {"resnet50", 7.7, 224, -0.006},
    {"vgg16", 30.95, 224, -0.015},
    {"inception_v3", 5.73, 224, 0.0},
};

struct dataset {
  const char *name;
  int train_size, validation_size;
  int has_precision_recall; /* Keras metrics Precision and Recall were logged */
  double rss_mb;            /* RSS of the training process once the data is cached */
  double first_accuracy;    /* val_accuracy after epoch 0 */
  double final_accuracy;    /* at 224 px, after training */
  double loss_scale;        /* loss per unit of error */
};

static const struct dataset DATASETS[] = {
    {"chesslive-occupancy", 23807, 10203, 1, 12700.0, 0.78, 0.972, 1.6},
    {"caltech101", 6073, 2604, 0, 4350.0, 0.30, 0.915, 3.4},
};

enum gpu_header { GPU_NATIVE, GPU_NORMALIZED };
enum cpu_layout { CPU_LINUX_4COL, CPU_MIGRATED_5COL };

/* Run quirks: deliberate irregularities real logs have. */
enum {
  Q_UNAVAILABLE = 1u << 0,  /* one power.draw [N/A], one [Not Supported] */
  Q_TORN_TAIL = 1u << 1,    /* GPU file ends mid-field, no final newline */
  Q_CRASH = 1u << 2,        /* crashed start: 2 GPU samples, 1 CPU sample, no epochs */
  Q_NO_CPU_FILE = 1u << 3,  /* the CPU monitor left no file */
  Q_NO_EPOCH_FILE = 1u << 4,/* no epoch_end file */
  Q_GPU_GAP = 1u << 5,      /* nvidia-smi stalls ~8 s */
  Q_LMS_500 = 1u << 6,      /* sampled with -lms 500 */
  Q_EPOCH_MLFLOW = 1u << 7, /* epoch_end rebuilt from MLflow: ms, LF */
  Q_EPOCH_WHOLE = 1u << 8,  /* one epoch ends exactly on a second: no fraction */
  Q_CPU_WHOLE = 1u << 9,    /* one CPU sample exactly on a second: no fraction */
  Q_WINDOWS_CPU = 1u << 10, /* 3-column header of the Windows CPU monitor */
  Q_CODECARBON = 1u << 11,  /* a row in other/codecarbon/emissions.csv */
  Q_PERF = 1u << 12,        /* other/perf/rapl-T.csv */
  Q_WATTMETER = 1u << 13,   /* other/omegawatt/wattmetre-T.csv, one minute */
  Q_MULTI_GPU = 1u << 14,   /* other/nvidia-smi/gpus-T.csv, both GPUs of the machine */
  Q_WALL_RUN = 1u << 15,    /* other/omegawatt/wattmetre-T.csv, the whole run */
  Q_ZEUS = 1u << 16,        /* zeus-monitor-T.csv in the run folder: power-limit windows */
  Q_CODECARBON_FLUSH = 1u << 17, /* rows in other/codecarbon/periodic/emissions.csv */
};

/* One experiment configuration, repeated REPETITIONS times back to back. */
struct config {
  int env, arch, dataset;  /* indexes into the tables above */
  int two_level;           /* older raw/{env}/{arch}/ folder without a dataset level */
  int batch, image;        /* batch size; square image side after clamping */
  int start[6];            /* stamp of the first repetition; year 0: right after the previous config */
  int epochs;              /* typical epoch count; early stopping moves it by a few */
  double epoch_s;          /* typical epoch duration */
  double load;             /* training power.draw as a share of power.max_limit */
  double util;             /* typical utilization.gpu while training, % */
  enum gpu_header header;
  enum cpu_layout cpu;
  int launcher;            /* started by run_experiments.py, listed in out/oom-experiments */
  int repetitions;
  unsigned quirks[3];      /* per repetition */
};

enum { ENV_CLOUD, ENV_LOCAL_V2, ENV_LOCAL };
enum { ARCH_MOBILENET, ARCH_RESNET50, ARCH_VGG16, ARCH_INCEPTION };
enum { DS_CHESSLIVE, DS_CALTECH };

static const struct config DEMO_CONFIGS[] = {
    {ENV_CLOUD, ARCH_MOBILENET, DS_CHESSLIVE, 1, 32, 128, {2022, 12, 5, 14, 2, 11}, 40, 2.6, 0.61,
     52, GPU_NORMALIZED, CPU_LINUX_4COL, 0, 2, {Q_EPOCH_MLFLOW, 0, 0}},
    {ENV_CLOUD, ARCH_MOBILENET, DS_CHESSLIVE, 0, 32, 128, {2023, 3, 7, 10, 14, 27}, 38, 2.7, 0.62,
     53, GPU_NATIVE, CPU_LINUX_4COL, 0, 3, {Q_ZEUS | Q_CODECARBON_FLUSH, Q_CODECARBON_FLUSH, 0}},
    {ENV_CLOUD, ARCH_RESNET50, DS_CHESSLIVE, 0, 32, 128, {2023, 3, 8, 13, 11, 33}, 22, 5.4, 0.93,
     81, GPU_NATIVE, CPU_LINUX_4COL, 0, 3, {Q_UNAVAILABLE | Q_CPU_WHOLE, Q_NO_EPOCH_FILE, 0}},
    {ENV_CLOUD, ARCH_VGG16, DS_CHESSLIVE, 0, 32, 128, {2023, 3, 9, 16, 24, 50}, 22, 7.4, 0.90, 88,
     GPU_NATIVE, CPU_LINUX_4COL, 0, 3, {0, Q_GPU_GAP, Q_NO_CPU_FILE}},
    {ENV_CLOUD, ARCH_INCEPTION, DS_CALTECH, 0, 64, 128, {2023, 12, 18, 20, 52, 4}, 30, 3.4, 0.78,
     71, GPU_NATIVE, CPU_MIGRATED_5COL, 1, 3, {Q_EPOCH_WHOLE, 0, 0}},
    {ENV_CLOUD, ARCH_INCEPTION, DS_CALTECH, 0, 256, 75, {0}, 50, 2.2, 0.66, 58, GPU_NATIVE,
     CPU_MIGRATED_5COL, 1, 3, {0, Q_LMS_500, 0}},
    {ENV_CLOUD, ARCH_INCEPTION, DS_CALTECH, 0, 32, 224, {0}, 22, 9.0, 0.88, 86, GPU_NATIVE,
     CPU_MIGRATED_5COL, 1, 3,
     {Q_CODECARBON | Q_PERF, Q_CODECARBON | Q_WATTMETER,
      Q_CODECARBON | Q_MULTI_GPU | Q_PERF | Q_WALL_RUN}},
    {ENV_CLOUD, ARCH_INCEPTION, DS_CALTECH, 0, 256, 224, {0}, 20, 9.0, 0.9, 90, GPU_NATIVE,
     CPU_MIGRATED_5COL, 1, 1, {Q_CRASH, 0, 0}},
    {ENV_LOCAL_V2, ARCH_MOBILENET, DS_CHESSLIVE, 0, 32, 128, {2023, 1, 24, 11, 3, 52}, 28, 4.2,
     0.52, 56, GPU_NORMALIZED, CPU_LINUX_4COL, 0, 3, {0, 0, Q_TORN_TAIL}},
    {ENV_LOCAL, ARCH_MOBILENET, DS_CHESSLIVE, 0, 32, 128, {2023, 2, 14, 18, 40, 5}, 22, 10.5,
     0.95, 97, GPU_NATIVE, CPU_LINUX_4COL, 0, 3, {0, Q_WINDOWS_CPU, 0}},
};
#define N_DEMO_CONFIGS (sizeof DEMO_CONFIGS / sizeof DEMO_CONFIGS[0])

/* ------------------------------------------------------------------------ */
/* The plan of one run: its timeline and the levels its signals move around */

struct run_plan {
  int index;                     /* run number; seeds the run's random streams */
  const struct config *cfg;
  const struct environment *env;
  const struct architecture *arch;
  const struct dataset *data;
  unsigned quirks;
  enum gpu_header header;
  int gpu_rows;                  /* > 0: write exactly this many GPU samples (benchmark) */
  int64_t stamp_us;              /* T: when the model object was created (whole second) */
  int64_t gpu_start_us;          /* nvidia-smi's first sample */
  int64_t cuda_ready_us;         /* TensorFlow holds the GPU from here on */
  int64_t cpu_start_us;          /* the CPU monitor's first sample, ~3 s after nvidia-smi */
  int64_t train_start_us;        /* end of setup, start of epoch 0's training steps */
  int64_t cpu_end_us;            /* the CPU monitor is stopped */
  int64_t gpu_end_us;            /* nvidia-smi is stopped, ~3 s later */
  int64_t gpu_period_us;         /* the -lms interval */
  int memory_total_mib;
  double train_w;                /* power.draw while training at full speed */
  double util_pct;               /* utilization.gpu while training */
  double validation_share;       /* share of each epoch spent on validation */
  double rss_start_mb, rss_train_mb;
  int n_epochs;
  int64_t *epoch_end_us;         /* N_EPOCHS ascending end times */
};

static int64_t epoch_end_storage[MAX_EPOCHS];

static void plan_init(struct run_plan *p, int index, const struct config *cfg, unsigned quirks) {
  memset(p, 0, sizeof *p);
  p->index = index;
  p->cfg = cfg;
  p->env = &ENVIRONMENTS[cfg->env];
  p->arch = &ARCHITECTURES[cfg->arch];
  p->data = &DATASETS[cfg->dataset];
  p->quirks = quirks;
  p->header = cfg->header;
  p->epoch_end_us = epoch_end_storage;
}

/* Lays out the run that starts at STAMP_US: when each logger starts and stops,
 * when each epoch ends. A benchmark run (gpu_rows > 0) fills its GPU samples
 * with as many epochs as fit; a demo run has about cfg->epochs epochs. */
static void plan_timeline(struct run_plan *p, int64_t stamp_us, uint64_t seed) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_PLAN);
  const struct config *cfg = p->cfg;
  const struct gpu_model *gpu = p->env->gpu;
  p->stamp_us = stamp_us;
  p->memory_total_mib = stamp_us < us_from_civil(2023, 6, 1, 0, 0, 0) ? gpu->memory_total_old_mib
                                                                       : gpu->memory_total_mib;
  p->gpu_period_us = p->quirks & Q_LMS_500 ? 500000 : 1000000;
  p->gpu_start_us = stamp_us + rng_us(&r, 0.4, 3.5);
  p->cuda_ready_us = p->gpu_start_us + rng_us(&r, 3.5, 6.5);
  p->cpu_start_us = p->gpu_start_us + 3 * US_PER_S + rng_us(&r, 0.004, 0.014);
  p->train_w = cfg->load * gpu->max_limit_w * (1.0 + 0.015 * rng_gauss(&r));
  p->util_pct = cfg->util + 1.5 * rng_gauss(&r);
  p->validation_share = 0.45 * p->data->validation_size /
                        (double)(p->data->train_size + p->data->validation_size);
  p->rss_start_mb = rng_between(&r, 1650.0, 1900.0);
  double pixels = (double)cfg->image * cfg->image / (128.0 * 128.0);
  p->rss_train_mb = p->data->rss_mb * pixels * (1.0 + 0.01 * rng_gauss(&r)) + 3.1 * cfg->batch;
  if (p->rss_train_mb < p->rss_start_mb + 900.0) p->rss_train_mb = p->rss_start_mb + 900.0;

  if (p->quirks & Q_CRASH) {
    p->cpu_start_us = p->gpu_start_us + rng_us(&r, 0.3, 0.6);
    p->cpu_end_us = p->cpu_start_us + rng_us(&r, 0.2, 0.5);
    p->train_start_us = p->cpu_end_us;
    p->gpu_end_us = p->gpu_start_us + rng_us(&r, 1.2, 1.6);
    p->cuda_ready_us = p->gpu_end_us + US_PER_S;
    p->n_epochs = 0;
    return;
  }
  p->train_start_us = p->cpu_start_us + rng_us(&r, 13.5, 17.5);
  double epoch_s = cfg->epoch_s;
  int wanted = cfg->epochs + rng_below(&r, 6) - 2;
  int64_t budget_end = INT64_MAX, span_us = 0;
  if (p->gpu_rows > 0) {
    span_us = (int64_t)p->gpu_rows * (p->gpu_period_us + 1500);
    budget_end = p->gpu_start_us + span_us - 4600000;
    double spread_s = (double)span_us / 1e6 / (MAX_EPOCHS - 8);
    if (epoch_s < spread_s) epoch_s = spread_s;
    wanted = MAX_EPOCHS;
  }
  int64_t end = p->train_start_us;
  int n = 0;
  while (n < wanted) {
    double seconds = epoch_s * (n == 0 ? 1.35 : 1.0) * (1.0 + 0.035 * rng_gauss(&r));
    int64_t next = end + (int64_t)(seconds * 1e6);
    if (next > budget_end) break;
    p->epoch_end_us[n++] = end = next;
  }
  if ((p->quirks & Q_EPOCH_WHOLE) && n > 3) p->epoch_end_us[3] -= p->epoch_end_us[3] % US_PER_S;
  p->n_epochs = n;
  if (p->gpu_rows > 0) {
    p->cpu_end_us = p->gpu_start_us + span_us - 3100000;
    p->gpu_end_us = p->gpu_start_us + span_us;
  } else {
    p->cpu_end_us = end + rng_us(&r, 0.4, 1.6);
    p->gpu_end_us = p->cpu_end_us + 3 * US_PER_S + rng_us(&r, 0.002, 0.009);
  }
}

/* ------------------------------------------------------------------------ */
/* Signals: what the GPU and the training process look like at a given time */

/* Follows a logger through the run's epochs; logs advance in time only. */
struct cursor {
  int epoch;         /* first epoch whose end is not yet passed */
  double temp_c;     /* lagging temperature */
  int64_t last_us;   /* time of the previous reading */
  int samples;
};

static struct cursor cursor_start(const struct run_plan *p, double cool_c) {
  struct cursor c = {0, cool_c, p->gpu_start_us, 0};
  return c;
}

/* How hard the GPU works at T, 0 (not training) to 1 (training steps). Each
 * epoch starts with a short dip (callbacks, input pipeline restart; the first
 * one also traces the graph) and ends with a lighter validation phase. */
static double training_intensity(const struct run_plan *p, struct cursor *c, int64_t t) {
  while (c->epoch < p->n_epochs && t > p->epoch_end_us[c->epoch]) c->epoch++;
  if (t < p->train_start_us || c->epoch >= p->n_epochs) return 0.0;
  int64_t start = c->epoch == 0 ? p->train_start_us : p->epoch_end_us[c->epoch - 1];
  int64_t end = p->epoch_end_us[c->epoch];
  if (c->epoch == 0 && t - start < 2 * US_PER_S) return 0.5;
  if (c->epoch > 0 && t - start < 700000) return 0.45;
  if ((double)(end - t) < p->validation_share * (double)(end - start)) return 0.78;
  return 1.0;
}

/* Moves C's temperature toward TARGET_C with a time constant of TAU_S seconds. */
static void lag_temperature(struct cursor *c, int64_t t, double target_c, double tau_s) {
  double dt = (double)(t - c->last_us) / 1e6;
  if (dt < 0) dt = 0;
  c->temp_c += (target_c - c->temp_c) * dt / (tau_s + dt);
  c->last_us = t;
}

struct gpu_reading {
  double power_w;
  int util_pct, memory_util_pct, memory_used_mib;
  int temp_c;
};

static struct gpu_reading gpu_at(const struct run_plan *p, struct cursor *c, int64_t t,
                                 struct rng *r) {
  const struct gpu_model *gpu = p->env->gpu;
  struct gpu_reading g;
  double intensity = training_intensity(p, c, t);
  int process_alive = t >= p->cuda_ready_us && t <= p->gpu_end_us + US_PER_S;
  if (!process_alive) {
    g.power_w = gpu->idle_w * (1.0 + 0.02 * rng_gauss(r));
    g.util_pct = g.memory_util_pct = 0;
    g.memory_used_mib = gpu->memory_base_mib;
  } else if (intensity == 0.0) {
    g.power_w = gpu->ready_w * (1.0 + 0.012 * rng_gauss(r));
    int after_training = t > p->train_start_us;
    g.util_pct = after_training ? rng_below(r, 7) : 0;
    g.memory_util_pct = g.util_pct / 2;
    g.memory_used_mib = gpu->memory_tf_mib + (after_training ? 70 : 0);
  } else {
    double level = gpu->ready_w + (p->train_w - gpu->ready_w) * intensity;
    g.power_w = level * (1.0 + 0.02 * rng_gauss(r));
    double util = p->util_pct * (intensity < 1.0 ? intensity * 0.8 : 1.0) + 2.5 * rng_gauss(r);
    g.util_pct = (int)(clamp(util, 1.0, 100.0) + 0.5);
    g.memory_util_pct = (int)(clamp(util * 0.52 + 1.5 * rng_gauss(r), 0.0, 100.0) + 0.5);
    g.memory_used_mib = gpu->memory_tf_mib + 70;
  }
  g.power_w = clamp(g.power_w, gpu->idle_w * 0.8, gpu->max_limit_w * 1.012);
  double heat = (g.power_w - gpu->idle_w) / (0.93 * gpu->max_limit_w - gpu->idle_w);
  lag_temperature(c, t, gpu->cool_c + (gpu->hot_c - gpu->cool_c) * clamp(heat, 0.0, 1.05), 45.0);
  g.temp_c = (int)(c->temp_c + 0.3 * rng_gauss(r) + 0.5);
  return g;
}

struct cpu_reading {
  double cpu_pct, rss_mb, temp_c;
};

static struct cpu_reading cpu_at(const struct run_plan *p, struct cursor *c, int64_t t,
                                 struct rng *r) {
  struct cpu_reading s;
  double scale = p->env->cpu_share_scale;
  double intensity = training_intensity(p, c, t);
  if (c->samples++ == 0) {
    s.cpu_pct = 0.0; /* psutil's first cpu_percent() call */
  } else if (t < p->train_start_us) {
    s.cpu_pct = rng_between(r, 3.5, 12.5) * scale;
  } else if (intensity > 0.0) {
    s.cpu_pct = (9.4 + 0.5 * rng_gauss(r)) * scale * (intensity < 0.5 ? 1.45 : 1.0);
  } else {
    s.cpu_pct = rng_between(r, 3.8, 6.5) * scale;
  }
  int64_t ramp_from = p->cpu_start_us + 1500000;
  if (t <= ramp_from) {
    s.rss_mb = p->rss_start_mb + rng_between(r, 0.0, 6.0);
  } else if (t < p->train_start_us) {
    double share = (double)(t - ramp_from) / (double)(p->train_start_us - ramp_from);
    s.rss_mb = p->rss_start_mb + (p->rss_train_mb - p->rss_start_mb) * share;
  } else {
    s.rss_mb = p->rss_train_mb + 0.021 * (double)(t - p->train_start_us) / 1e6 +
               0.35 * rng_gauss(r);
  }
  double busy = clamp(s.cpu_pct / (9.4 * scale), 0.0, 1.6);
  lag_temperature(c, t, p->env->cpu_cool_c + 4.5 * busy, 25.0);
  if (p->env->sensor == SENSOR_K10TEMP) {
    double spike = rng_below(r, 9) == 0 ? rng_between(r, 4.0, 26.0) : 0.0;
    s.temp_c = (double)(int64_t)((c->temp_c + spike + 0.6 * rng_gauss(r)) * 8.0 + 0.5) / 8.0;
  } else {
    s.temp_c = (double)(int64_t)(c->temp_c + 0.25 * rng_gauss(r) + 0.5);
  }
  return s;
}

/* Watts the CPU package and the DRAM draw (RAPL domains) for a process share. */
static double cpu_package_w(double cpu_pct) { return 24.0 + 2.3 * cpu_pct; }
static double dram_w(double cpu_pct) { return 2.6 + 0.035 * cpu_pct; }

/* ------------------------------------------------------------------------ */
/* eprof files                                                              */

static const char GPU_HEADER_NATIVE[] =
    "timestamp, name, utilization.gpu [%], utilization.memory [%], memory.total [MiB], "
    "memory.used [MiB], power.draw [W], power.max_limit [W], temperature.gpu\n";
static const char GPU_HEADER_NORMALIZED[] =
    "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,"
    "gpu_power_draw,gpu_max_power,gpu_temperature\n";

/* One nvidia-smi sample; POWER_TEXT, when given, replaces the power reading. */
static void put_gpu_row(struct text *o, const struct run_plan *p, int64_t t,
                        const struct gpu_reading *g, const char *power_text) {
  int native = p->header == GPU_NATIVE;
  const char *sep = native ? ", " : ",";
  put_time(o, t, native ? TIME_NVSMI : TIME_NVSMI_DASHED);
  put_str(o, sep);
  put_str(o, p->env->gpu->name);
  put_str(o, sep);
  put_uint(o, (uint64_t)g->util_pct);
  put_str(o, " %");
  put_str(o, sep);
  put_uint(o, (uint64_t)g->memory_util_pct);
  put_str(o, " %");
  put_str(o, sep);
  put_uint(o, (uint64_t)p->memory_total_mib);
  put_str(o, " MiB");
  put_str(o, sep);
  put_uint(o, (uint64_t)g->memory_used_mib);
  put_str(o, " MiB");
  put_str(o, sep);
  if (power_text) {
    put_str(o, power_text);
  } else {
    put_fixed(o, g->power_w, 2);
    put_str(o, " W");
  }
  put_str(o, sep);
  put_fixed(o, p->env->gpu->max_limit_w, 2);
  put_str(o, " W");
  put_str(o, sep);
  put_uint(o, (uint64_t)g->temp_c);
  put_char(o, '\n');
}

/* Cuts the row that starts at ROW_START three characters into its power.draw
 * field, as when nvidia-smi is killed with a half-written buffer. */
static void tear_row(struct text *o, size_t row_start) {
  int commas = 0;
  for (size_t i = row_start; i < o->len; i++) {
    if (o->bytes[i] != ',' || ++commas < 6) continue;
    size_t cut = i + 1 + (o->bytes[i + 1] == ' ') + 3;
    if (cut < o->len) o->len = cut;
    return;
  }
}

/* The nvidia-smi sampling period: -lms plus the 0.6-2.4 ms nvidia-smi adds. */
static int64_t gpu_step_us(const struct run_plan *p, struct rng *r) {
  int64_t slack = p->gpu_period_us / 1000;
  return p->gpu_period_us + slack * 6 / 10 + rng_below(r, (int)(slack * 18 / 10) + 1);
}

static void write_gpu_log(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_GPU);
  struct cursor c = cursor_start(p, p->env->gpu->cool_c + rng_between(&r, -1.0, 1.5));
  put_str(o, p->header == GPU_NATIVE ? GPU_HEADER_NATIVE : GPU_HEADER_NORMALIZED);
  int64_t expected = (p->gpu_end_us - p->gpu_start_us) / p->gpu_period_us + 1;
  int unavailable = (p->quirks & Q_UNAVAILABLE) != 0;
  int64_t na_row = unavailable ? expected * 2 / 5 : -1;
  int64_t not_supported_row = unavailable ? expected * 7 / 10 : -1;
  int64_t gap_row = p->quirks & Q_GPU_GAP ? expected * 11 / 20 : -1;
  int64_t t = p->gpu_start_us;
  for (int64_t i = 0;; i++) {
    if (i == gap_row) t += 7 * US_PER_S + rng_us(&r, 0.0, 0.9);
    int64_t next = t + gpu_step_us(p, &r);
    int last = p->gpu_rows > 0 ? i == p->gpu_rows - 1 : next > p->gpu_end_us;
    size_t row_start = o->len;
    struct gpu_reading g = gpu_at(p, &c, t, &r);
    put_gpu_row(o, p, t, &g,
                i == na_row ? "[N/A]" : i == not_supported_row ? "[Not Supported]" : NULL);
    if (last) {
      if (p->quirks & Q_TORN_TAIL) tear_row(o, row_start);
      break;
    }
    sink_row_done(s);
    t = next;
  }
}

static void write_cpu_log(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_CPU);
  struct cursor c = cursor_start(p, p->env->cpu_cool_c + rng_between(&r, -1.0, 1.0));
  int windows = (p->quirks & Q_WINDOWS_CPU) != 0;
  int migrated = !windows && p->cfg->cpu == CPU_MIGRATED_5COL;
  const char *eol = migrated ? "\n" : "\r\n"; /* csv.writer vs pandas to_csv */
  put_str(o, "timestamp,cpu usage (%),memory usage (MB)");
  if (!windows) put_str(o, ",temperature (Celsius)");
  if (migrated) put_str(o, ",total memory (GB)");
  put_str(o, eol);
  int64_t t = p->cpu_start_us;
  for (int i = 0; t <= p->cpu_end_us; i++) {
    if ((p->quirks & Q_CPU_WHOLE) && i == 9) t -= t % US_PER_S;
    struct cpu_reading v = cpu_at(p, &c, t, &r);
    put_time(o, t, TIME_ISOFORMAT);
    put_char(o, ',');
    put_trimmed(o, v.cpu_pct, 3);
    put_char(o, ',');
    put_trimmed(o, v.rss_mb, 3);
    if (migrated) {
      put_str(o, ",,"); /* the temperature sensors were gone on that machine */
      put_uint(o, (uint64_t)p->env->total_ram_gb);
    } else if (!windows) {
      put_char(o, ',');
      put_trimmed(o, v.temp_c, 3);
    }
    put_str(o, eol);
    sink_row_done(s);
    t += 1005000 + rng_below(&r, 2001);
  }
}

static void write_epoch_log(struct sink *s, const struct run_plan *p) {
  struct text *o = &s->body;
  int mlflow = (p->quirks & Q_EPOCH_MLFLOW) != 0;
  const char *eol = mlflow ? "\n" : "\r\n";
  put_str(o, "epoch,end_time");
  put_str(o, eol);
  for (int k = 0; k < p->n_epochs; k++) {
    put_uint(o, (uint64_t)k);
    put_char(o, ',');
    put_time(o, p->epoch_end_us[k], mlflow ? TIME_PANDAS_MS : TIME_STR_DATETIME);
    put_str(o, eol);
    sink_row_done(s);
  }
}

/* Per-epoch training history, as the Keras CSVLogger and MLflow keep it. */
struct history {
  double decay;       /* share of the initial error left */
  double final_accuracy;
  double accuracy, auc, loss, precision, recall;
  double val_accuracy, val_auc, val_loss, val_precision, val_recall;
  double lr;
};

static void history_start(struct history *h, const struct run_plan *p, struct rng *r) {
  memset(h, 0, sizeof *h);
  h->decay = 1.0;
  double small_images = (224.0 - p->cfg->image) / 149.0 * 0.16;
  if (p->data != &DATASETS[DS_CALTECH]) small_images = 0.0;
  h->final_accuracy = p->data->final_accuracy + p->arch->accuracy_offset - small_images +
                      0.004 * rng_gauss(r);
}

static void history_step(struct history *h, const struct run_plan *p, int epoch, struct rng *r) {
  const struct dataset *d = p->data;
  double val = h->final_accuracy - (h->final_accuracy - d->first_accuracy) * h->decay;
  h->val_accuracy = clamp(val + 0.006 * rng_gauss(r), 0.0, 0.999);
  /* training error shrinks below validation error as the model fits */
  double train_error = (1.0 - val) * (0.35 + 0.6 * h->decay) * (1.0 + 0.08 * rng_gauss(r));
  h->accuracy = 1.0 - clamp(train_error, 0.0005, 1.0);
  double err = 1.0 - h->accuracy, val_err = 1.0 - h->val_accuracy;
  h->auc = 1.0 - err * 0.28 * (1.0 + 0.05 * rng_gauss(r));
  h->val_auc = 1.0 - val_err * 0.33 * (1.0 + 0.08 * rng_gauss(r));
  h->loss = 0.012 + d->loss_scale * err * (1.0 + 0.05 * rng_gauss(r));
  h->val_loss = 0.04 + d->loss_scale * val_err * (1.1 + 0.08 * rng_gauss(r));
  h->precision = clamp(1.0 - err * 1.35 * (1.0 + 0.06 * rng_gauss(r)), 0.0, 1.0);
  h->recall = clamp(1.0 - err * 0.65 * (1.0 + 0.06 * rng_gauss(r)), 0.0, 1.0);
  h->val_precision = clamp(1.0 - val_err * 1.45 * (1.0 + 0.1 * rng_gauss(r)), 0.0, 1.0);
  h->val_recall = clamp(1.0 - val_err * 0.55 * (1.0 + 0.1 * rng_gauss(r)), 0.0, 1.0);
  int n = p->n_epochs;
  h->lr = epoch >= n * 17 / 20 ? 4e-05 : epoch >= n * 3 / 5 ? 0.0002 : 0.001;
  h->decay *= 0.83;
}

/* performance-T.csv, or with S NULL only the final metrics (for runs.csv). */
static void replay_history(struct sink *s, const struct run_plan *p, uint64_t seed,
                           struct history *h) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_HISTORY);
  int pr = p->data->has_precision_recall;
  struct text *o = s ? &s->body : NULL;
  history_start(h, p, &r);
  if (o)
    put_str(o, pr ? "epoch,accuracy,auc,loss,lr,precision,recall,val_accuracy,val_auc,val_loss,"
                    "val_precision,val_recall\r\n"
                  : "epoch,accuracy,auc,loss,lr,val_accuracy,val_auc,val_loss\r\n");
  for (int k = 0; k < p->n_epochs; k++) {
    history_step(h, p, k, &r);
    if (!o) continue;
    double row[] = {h->accuracy,     h->auc,     h->loss,     h->lr,
                    h->precision,    h->recall,  h->val_accuracy, h->val_auc,
                    h->val_loss,     h->val_precision, h->val_recall};
    put_uint(o, (uint64_t)k);
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
      int is_pr = i == 4 || i == 5 || i == 9 || i == 10;
      if (is_pr && !pr) continue;
      put_char(o, ',');
      put_float32(o, row[i]);
    }
    put_str(o, "\r\n");
  }
}

/* ------------------------------------------------------------------------ */
/* Run manifests: data/metrics/runs.csv and out/oom-experiments_T.csv        */

static const char RUNS_HEADER[] =
    "environment,architecture,dataset,stamp,batch_size,image_size,train_size,validation_size,"
    "gflops,accuracy,auc,precision,recall,f1,total_ram_gb\n";

static void put_runs_row(struct text *o, const struct run_plan *p, uint64_t seed) {
  const struct config *cfg = p->cfg;
  put_str(o, p->env->name);
  put_char(o, ',');
  put_str(o, p->arch->name);
  put_char(o, ',');
  if (!cfg->two_level) put_str(o, p->data->name); /* the run key has no dataset then */
  put_char(o, ',');
  put_time(o, p->stamp_us, TIME_STAMP);
  put_char(o, ',');
  put_uint(o, (uint64_t)cfg->batch);
  put_char(o, ',');
  put_uint(o, (uint64_t)cfg->image);
  put_char(o, ',');
  put_uint(o, (uint64_t)p->data->train_size);
  put_char(o, ',');
  put_uint(o, (uint64_t)p->data->validation_size);
  put_char(o, ',');
  double side = (double)cfg->image / p->arch->gflops_side;
  put_pyfloat(o, (double)(int64_t)(p->arch->gflops * side * side * 1e8 + 0.5) / 1e8);
  put_char(o, ',');
  if (p->n_epochs > 0) {
    struct history h;
    replay_history(NULL, p, seed, &h);
    put_float32(o, h.val_accuracy);
    put_char(o, ',');
    put_float32(o, h.val_auc);
    put_char(o, ',');
    if (p->data->has_precision_recall) {
      double precision = (float)h.val_precision, recall = (float)h.val_recall;
      put_pyfloat(o, precision);
      put_char(o, ',');
      put_pyfloat(o, recall);
      put_char(o, ',');
      put_pyfloat(o, 2.0 * precision * recall / (precision + recall));
    } else {
      put_str(o, ",,");
    }
  } else {
    put_str(o, ",,,,"); /* crashed before the first epoch: no metrics */
  }
  put_char(o, ',');
  put_uint(o, (uint64_t)p->env->total_ram_gb);
  put_char(o, '\n');
}

static void put_launcher_row(struct text *o, const struct run_plan *p, uint64_t seed) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_SESSION);
  put_time(o, p->stamp_us - rng_us(&r, 2.0, 6.0), TIME_SECONDS);
  put_char(o, ',');
  put_str(o, p->arch->name);
  put_char(o, ',');
  put_str(o, p->data->name);
  put_char(o, ',');
  put_uint(o, (uint64_t)(p->cfg->image == 75 ? 64 : p->cfg->image)); /* requested; 64 clamps to 75 */
  put_char(o, ',');
  put_uint(o, (uint64_t)p->cfg->batch);
  put_char(o, ',');
  put_str(o, p->quirks & Q_CRASH ? "-9" : "0");
  put_char(o, '\n');
}

/* ------------------------------------------------------------------------ */
/* Logs of other tools around a run                                          */

/* Energy of a run between FROM_US and TO_US, at 1 s steps, for codecarbon. */
struct energy {
  double gpu0_j, gpu1_j, cpu_j, ram_j;
  double last_gpu_w, last_cpu_w;
};

static struct energy integrate_energy(const struct run_plan *p, int64_t from_us, int64_t to_us,
                                      uint64_t seed) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_ENERGY);
  struct cursor gc = cursor_start(p, p->env->gpu->cool_c);
  struct cursor cc = cursor_start(p, p->env->cpu_cool_c);
  struct energy e = {0, 0, 0, 0, 0, 0};
  for (int64_t t = from_us; t < to_us; t += US_PER_S) {
    double dt = (double)(to_us - t < US_PER_S ? to_us - t : US_PER_S) / 1e6;
    struct gpu_reading g = gpu_at(p, &gc, t, &r);
    struct cpu_reading v = cpu_at(p, &cc, t, &r);
    e.gpu0_j += g.power_w * dt;
    e.gpu1_j += p->env->gpu->idle_w * dt;
    e.last_cpu_w = cpu_package_w(v.cpu_pct);
    e.cpu_j += e.last_cpu_w * dt;
    e.ram_j += dram_w(v.cpu_pct) * dt;
    e.last_gpu_w = g.power_w + p->env->gpu->idle_w;
  }
  return e;
}

static const char CODECARBON_HEADER[] =
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,"
    "gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,"
    "country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,"
    "cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,"
    "on_cloud,pue\n";

/* One codecarbon 2.7.1 row of P's tracker for PROJECT, run UUID (A, B),
 * started at FROM_US and flushed at TO_US: duration, energy and emissions
 * since FROM_US (cumulative), on the whole machine (both GPUs). */
static void put_codecarbon_line(struct text *o, const struct run_plan *p, const char *project,
                                int64_t from, int64_t to, double jitter_s, uint64_t a, uint64_t b,
                                uint64_t seed) {
  struct energy e = integrate_energy(p, from, to, seed);
  const double ram_total_gb = 15.536453247070312, kwh = 3.6e6, kg_per_kwh = 0.15915;
  double duration = (double)(to - from) / 1e6 + jitter_s;
  double ram_w = ram_total_gb * 3.0 / 8.0;
  double cpu_kwh = e.cpu_j / kwh, gpu_kwh = (e.gpu0_j + e.gpu1_j) / kwh;
  double ram_kwh = ram_w * duration / kwh, total_kwh = cpu_kwh + gpu_kwh + ram_kwh;
  double emissions = total_kwh * kg_per_kwh;
  put_time(o, to, TIME_ISO_SECONDS);
  put_char(o, ',');
  put_str(o, project);
  put_char(o, ',');
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) { /* a version-4 UUID */
    uint64_t word = i < 16 ? a : b;
    int nibble = (int)((word >> (4 * (i % 16))) & 15);
    if (i == 12) nibble = 4;
    if (i == 16) nibble = 8 | (nibble & 3);
    if (i == 8 || i == 12 || i == 16 || i == 20) put_char(o, '-');
    put_char(o, hex[nibble]);
  }
  put_str(o, ",5b0fa12a-3dd7-45bb-9766-cc326314d9f1,");
  double fields[] = {duration, emissions, emissions / duration, e.last_cpu_w, e.last_gpu_w, ram_w,
                     cpu_kwh, gpu_kwh, ram_kwh, total_kwh};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    put_pyfloat(o, fields[i]);
    put_char(o, ',');
  }
  put_str(o, "Spain,ESP,catalonia,,,Linux-5.15.0-91-generic-x86_64-with-glibc2.35,3.10.12,2.7.1,"
             "20,Intel(R) Xeon(R) W-2255 CPU @ 3.70GHz,2,2 x NVIDIA GeForce RTX 3090,"
             "2.1734,41.3851,");
  put_pyfloat(o, ram_total_gb);
  put_str(o, ",machine,N,1.0\n");
}

/* The codecarbon row of P: the tracker ran inside the training process, from
 * the CPU monitor's start to its stop, and wrote once, at stop(). */
static void put_codecarbon_row(struct text *o, const struct run_plan *p, uint64_t seed) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_CODECARBON);
  int64_t from = p->cpu_start_us + rng_us(&r, 0.05, 0.3);
  int64_t to = p->cpu_end_us - rng_us(&r, 0.05, 0.2);
  double jitter = rng_between(&r, 0.0, 1e-6);
  uint64_t a = rng_next(&r), b = rng_next(&r);
  put_codecarbon_line(o, p, "codecarbon", from, to, jitter, a, b, seed);
}

/* The rows of P's tracker in project "mobilenet-periodic", started with the
 * training and flushed every CODECARBON_FLUSH_S seconds (tracker.flush()) and
 * at stop(): one run id, repeated, each row cumulative since the start. */
#define CODECARBON_FLUSH_S 30
static void put_codecarbon_flushes(struct text *o, const struct run_plan *p, uint64_t seed) {
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_CODECARBON_FLUSH);
  int64_t from = p->train_start_us - rng_us(&r, 0.2, 0.6);
  int64_t stop = p->epoch_end_us[p->n_epochs - 1] + rng_us(&r, 0.1, 0.4);
  uint64_t a = rng_next(&r), b = rng_next(&r);
  for (int64_t to = from + CODECARBON_FLUSH_S * US_PER_S;; to += CODECARBON_FLUSH_S * US_PER_S) {
    int last = to >= stop;
    put_codecarbon_line(o, p, "mobilenet-periodic", from, last ? stop : to,
                        rng_between(&r, 0.0, 1e-6), a, b, seed);
    if (last) break;
  }
}

/* ZeusMonitor(log_file=...) of Zeus's GlobalPowerLimitOptimizer, before Aug
 * 2023 (start_time is time.monotonic(): the machine's uptime, no wall clock):
 * from the start of training, one profiling window per power limit, from the
 * GPU's maximum down in steps of 25 W, ZEUS_LIMITS of them, on both GPUs of the
 * machine (data parallel), each window after a warm-up of a few seconds. The
 * window runs a fixed number of iterations: under a limit L below the draw P
 * of an unlimited step it takes (P/L)^a times longer (a grows as L falls) at
 * about L per GPU. */
#define ZEUS_LIMITS 9

/* X^A for X in [1, 4], A in [0, 1], as exp(A ln X) by their series (no libm):
 * ln X = 2 atanh((X-1)/(X+1)), whose argument is at most 0.6 here. */
static double power_of(double x, double a) {
  double y = (x - 1.0) / (x + 1.0), y2 = y * y, term = y, ln = 0.0;
  for (int i = 1; i < 60; i += 2, term *= y2) ln += term / i;
  double z = 2.0 * a * ln, step = 1.0, sum = 1.0;
  for (int i = 1; i < 30; i++) sum += (step *= z / i);
  return sum;
}
static void write_zeus_monitor(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_ZEUS);
  const double max_w = p->env->gpu->max_limit_w, draw_w = 0.95 * max_w, base_s = 30.0;
  double uptime_s = rng_between(&r, 2.5e5, 9.0e5);
  double t = uptime_s + rng_between(&r, 2.0, 6.0);
  put_str(o, "start_time,window_name,elapsed_time,gpu0_energy,gpu1_energy\n");
  for (int k = 0; k < ZEUS_LIMITS; k++) {
    double limit_w = max_w - 25.0 * k;
    double capped = limit_w < draw_w ? limit_w : draw_w, ratio = capped / draw_w;
    double a = 0.45 + 0.5 * (1.0 - ratio) * (1.0 - ratio);
    double elapsed = base_s * power_of(draw_w / capped, a) * (1.0 + 0.015 * rng_gauss(&r));
    put_pyfloat(o, (double)(int64_t)(t * 1e6) / 1e6); /* whole µs: at most 6 decimals */
    put_str(o, ",__GlobalPowerLimitOptimizer_");
    put_uint(o, (uint64_t)limit_w);
    put_char(o, ',');
    put_pyfloat(o, elapsed);
    for (int g = 0; g < 2; g++) {
      double watts = capped * (0.955 + 0.02 * rng_unit(&r)) * (g ? 1.03 : 1.0);
      put_char(o, ',');
      put_pyfloat(o, (double)(int64_t)(watts * elapsed * 1e3) / 1e3); /* NVML's mJ counter */
    }
    put_char(o, '\n');
    t += elapsed + rng_between(&r, 4.0, 9.0);
  }
}

/* perf stat -I 1000 -x, -e power/energy-pkg/,power/energy-ram/ -a -o FILE,
 * started with the run, stopped with nvidia-smi: Joules per interval. */
static void write_perf_log(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_PERF);
  struct cursor c = cursor_start(p, p->env->cpu_cool_c);
  int64_t started = p->gpu_start_us - rng_us(&r, 0.1, 0.4);
  put_str(o, "# started on ");
  put_time(o, started, TIME_CTIME);
  put_str(o, "\n\n");
  int64_t elapsed_ns = 0;
  for (;;) {
    int64_t interval_ns = 1000000000 + 40000 + rng_below(&r, 60000);
    elapsed_ns += interval_ns;
    int64_t t = started + elapsed_ns / 1000;
    if (t > p->gpu_end_us) break;
    struct cpu_reading v = cpu_at(p, &c, t < p->cpu_start_us ? p->cpu_start_us : t, &r);
    double cpu_pct = t < p->cpu_start_us || t > p->cpu_end_us ? 2.0 : v.cpu_pct;
    double seconds = (double)interval_ns / 1e9;
    double joules[2] = {cpu_package_w(cpu_pct) * seconds * (1.0 + 0.02 * rng_gauss(&r)),
                        dram_w(cpu_pct) * seconds * (1.0 + 0.03 * rng_gauss(&r))};
    static const char *const events[2] = {"power/energy-pkg/", "power/energy-ram/"};
    for (int ev = 0; ev < 2; ev++) {
      char secs[16];
      snprintf(secs, sizeof secs, "%6lld", (long long)(elapsed_ns / 1000000000));
      put_str(o, secs);
      put_char(o, '.');
      put_uint_width(o, (uint64_t)(elapsed_ns % 1000000000), 9);
      put_char(o, ',');
      put_fixed(o, joules[ev], 2);
      put_str(o, ",Joules,");
      put_str(o, events[ev]);
      put_char(o, ',');
      put_uint(o, (uint64_t)(interval_ns - 9000 + rng_below(&r, 4000)));
      put_str(o, ",100.00,,\n");
    }
  }
}

/* A 2-GPU nvidia-smi log of the machine (index 0 is the one eprof watched),
 * running from 20 s before the run to 15 s after it. */
static void write_multi_gpu_log(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_MULTI_GPU);
  struct cursor c = cursor_start(p, p->env->gpu->cool_c);
  c.last_us = p->gpu_start_us - 20 * US_PER_S;
  put_str(o, "timestamp, index, name, power.draw [W], utilization.gpu [%]\n");
  int64_t end = p->gpu_end_us + 15 * US_PER_S;
  int64_t na_sample = (end - c.last_us) / US_PER_S / 3;
  int64_t i = 0;
  for (int64_t t = c.last_us; t <= end; t += 1000000 + 500 + rng_below(&r, 1500), i++) {
    struct gpu_reading g = gpu_at(p, &c, t, &r);
    for (int gpu = 0; gpu < 2; gpu++) {
      put_time(o, t + gpu * (int64_t)rng_below(&r, 2500), TIME_NVSMI);
      put_str(o, gpu ? ", 1, " : ", 0, ");
      put_str(o, p->env->gpu->name);
      put_str(o, ", ");
      if (gpu == 1 && i == na_sample) {
        put_str(o, "[N/A]");
      } else {
        put_fixed(o, gpu ? p->env->gpu->idle_w * (1.0 + 0.02 * rng_gauss(&r)) : g.power_w, 2);
        put_str(o, " W");
      }
      put_str(o, ", ");
      put_uint(o, (uint64_t)(gpu ? 0 : g.util_pct));
      put_str(o, " %\n");
    }
  }
}

/* The readings of an OmegaWatt box: one voltage per phase, current and active
 * power per socket. The box refreshes them every few frames, so consecutive
 * frames often repeat a value; the rendered text is cached until a change. */
struct wattmeter {
  int sockets;
  double volts[3];
  double amps[MAX_SOCKETS], watts[MAX_SOCKETS];
  struct text frame;  /* ",U1,U2,U3,I1,P1,..." of the current readings */
  int stale;          /* readings changed since FRAME was rendered */
};

static void put_wattmeter_header(struct text *o, int sockets) {
  put_str(o, "#timestamp,#frame_is_ok,#U1,#U2,#U3");
  for (int i = 1; i <= sockets; i++) {
    put_str(o, ",#current");
    put_uint(o, (uint64_t)i);
    put_str(o, ",#activepow");
    put_uint(o, (uint64_t)i);
  }
  put_char(o, '\n');
}

/* The stderr line wattmetre-read prints first, captured with 2>&1. */
static void put_wattmeter_banner(struct text *o, int64_t local_us, int sockets) {
  put_time(o, local_us, TIME_WATTMETRE_LOG);
  put_char(o, ';');
  put_time(o, local_us, TIME_CTIME);
  put_str(o, ";INFO;Starting logging on '/dev/ttyUSB0' plugcount=");
  put_uint(o, (uint64_t)sockets);
  put_char(o, '\n');
}

/* Sets socket I (0-based) to WATTS at power factor 0.96; a socket with nothing
 * plugged in reads +-0.0 W, with the sign of the sensor's offset. */
static void wattmeter_set(struct wattmeter *w, int i, double watts, struct rng *r) {
  if (watts < 0.5) {
    w->watts[i] = (i % 2 ? -0.01 : 0.01) * (rng_below(r, 20) == 0 ? -1.0 : 1.0);
    w->amps[i] = 0.0;
  } else {
    w->watts[i] = watts;
    w->amps[i] = watts / (w->volts[0] * 0.96);
  }
  w->stale = 1;
}

/* One frame at local time T (+EXTRA_NS); a bad frame keeps its commas only. */
static void put_wattmeter_frame(struct text *o, struct wattmeter *w, int64_t t, int extra_ns,
                                int bad) {
  put_epoch_ns(o, t, extra_ns);
  if (bad) {
    put_str(o, ",false");
    for (int i = 0; i < 3 + 2 * w->sockets; i++) put_char(o, ',');
    put_char(o, '\n');
    return;
  }
  if (w->stale) {
    w->frame.len = 0;
    for (int i = 0; i < 3; i++) {
      put_char(&w->frame, ',');
      put_fixed(&w->frame, w->volts[i], 1);
    }
    for (int i = 0; i < w->sockets; i++) {
      put_char(&w->frame, ',');
      put_fixed(&w->frame, w->amps[i], 1);
      put_char(&w->frame, ',');
      put_fixed(&w->frame, w->watts[i], 1);
    }
    w->stale = 0;
  }
  put_str(o, ",true");
  put_chars(o, w->frame.bytes, w->frame.len);
  put_char(o, '\n');
}

/* Watts at the wall of the machine that ran P at time T: both GPUs, CPU, DRAM,
 * fans and disks, through a 92 % efficient power supply. */
static double machine_wall_w(const struct run_plan *p, struct cursor *gc, struct cursor *cc,
                             int64_t t, struct rng *r) {
  struct gpu_reading g = gpu_at(p, gc, t, r);
  struct cpu_reading v = cpu_at(p, cc, t, r);
  double dc = g.power_w + p->env->gpu->idle_w + cpu_package_w(v.cpu_pct) + dram_w(v.cpu_pct) + 46.0;
  return dc / 0.92;
}

/* One minute of wattmetre-read output while P trains: socket 1 feeds its
 * machine, socket 3 a switch on standby, socket 5 another server. */
static void write_wattmeter_window(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_WATTMETER);
  struct wattmeter w;
  memset(&w, 0, sizeof w);
  w.sockets = 6;
  w.volts[0] = 231.2;
  struct cursor gc = cursor_start(p, p->env->gpu->cool_c), cc = cursor_start(p, p->env->cpu_cool_c);
  int64_t start = p->train_start_us + 20 * US_PER_S;
  int64_t end = start + 60 * US_PER_S;
  put_wattmeter_banner(o, start - 180000, 6);
  put_wattmeter_header(o, 6);
  int64_t bad_frame = 2345;
  int64_t i = 0;
  int64_t t = start;
  for (; t <= end; t += 9600 + rng_below(&r, 801), i++) {
    if (i == 0 || rng_below(&r, 100) < 45) {
      w.volts[0] = clamp(w.volts[0] + 0.35 * rng_gauss(&r), 228.5, 233.5);
      for (int k = 0; k < 6; k++) {
        double watts = k == 0 ? machine_wall_w(p, &gc, &cc, t, &r)
                       : k == 2 ? 1.2 + 0.1 * rng_gauss(&r)
                       : k == 4 ? 182.4 + 1.6 * rng_gauss(&r)
                                : 0.0;
        wattmeter_set(&w, k, watts, &r);
      }
    }
    put_wattmeter_frame(o, &w, t, rng_below(&r, 1000), i == bad_frame);
  }
  o->len -= 14; /* killed with SIGUSR1: the last frame is cut, no newline */
  text_free(&w.frame);
}

/* wattmetre-read over the whole of P, from 10 s before nvidia-smi starts to 5 s
 * after it stops, every frame good: socket 1 feeds the machine, socket 3 a
 * switch on standby, the other four are empty. With the run's perf, nvidia-smi
 * and codecarbon logs it makes the demo's one complete reconciliation. */
static void write_wattmeter_run(struct sink *s, const struct run_plan *p, uint64_t seed) {
  struct text *o = &s->body;
  struct rng r = rng_stream(seed, (uint64_t)p->index, STREAM_WATTMETER);
  struct wattmeter w;
  memset(&w, 0, sizeof w);
  w.sockets = 6;
  w.volts[0] = 230.6;
  struct cursor gc = cursor_start(p, p->env->gpu->cool_c), cc = cursor_start(p, p->env->cpu_cool_c);
  int64_t start = p->gpu_start_us - 10 * US_PER_S;
  int64_t end = p->gpu_end_us + 5 * US_PER_S;
  gc.last_us = cc.last_us = start;
  put_wattmeter_banner(o, start - 210000, 6);
  put_wattmeter_header(o, 6);
  int64_t i = 0;
  for (int64_t t = start; t <= end; t += 9600 + rng_below(&r, 801), i++) {
    if (i == 0 || rng_below(&r, 100) < 45) {
      w.volts[0] = clamp(w.volts[0] + 0.35 * rng_gauss(&r), 228.5, 233.5);
      for (int k = 0; k < 6; k++) {
        double watts = k == 0 ? machine_wall_w(p, &gc, &cc, t, &r) : k == 2 ? 1.2 + 0.1 * rng_gauss(&r) : 0.0;
        wattmeter_set(&w, k, watts, &r);
      }
    }
    put_wattmeter_frame(o, &w, t, rng_below(&r, 1000), 0);
  }
  text_free(&w.frame);
}

/* ------------------------------------------------------------------------ */
/* An inference study measured with perf stat (data/inference/)             */

/* Model variants of the inference study: cost of one image (GFLOPs), the share
 * of the 2,000 validation images each classifies right, and whether runs.csv
 * states the batch size (the quantized variant's rows leave it to the folder
 * name) and how perf was run (-I 500 -x, interval CSV, else human totals). */
struct inference_model {
  const char *name;
  double gflops;
  int correct;                /* of INFERENCE_ITEMS */
  int batch_in_csv;
  int perf_csv;
};

static const struct inference_model INFERENCE_MODELS[] = {
    {"mobilenet_v3_small", 0.06, 1354, 1, 1},
    {"efficientnet_b0", 0.39, 1555, 1, 0},
    {"resnet50", 4.1, 1522, 1, 0},
    {"resnet50_int8", 1.6, 1503, 0, 0},
};
#define N_INFERENCE_MODELS (sizeof INFERENCE_MODELS / sizeof INFERENCE_MODELS[0])
#define INFERENCE_ITEMS 2000
#define INFERENCE_REPETITIONS 2

/* Batch sizes and bs^0.8, the growth of a batch's compute time (no libm). */
static const int INFERENCE_BATCH[] = {1, 8, 32, 128};
static const double INFERENCE_BATCH_COST[] = {1.0, 5.278031643, 16.0, 48.50293013};
#define N_INFERENCE_BATCH (sizeof INFERENCE_BATCH / sizeof INFERENCE_BATCH[0])

/* One run: perf stat -a -e power/energy-pkg/,power/energy-ram/ around
 * `python infer.py` on a CPU server: a warm-up (model load) at low power, then
 * ceil(items / batch) batches, each 3 ms plus its compute; the package draws
 * more the fuller the batch keeps the cores. Writes the perf output (human
 * totals, or -I 500 -x, interval CSV: Joules per interval, the last one cut at
 * the exit) and returns the run's length in µs; *LATENCY_MS is the harness's
 * mean batch latency. */
static int64_t write_inference_perf(struct text *o, const struct inference_model *m, int bi,
                                    int64_t started_us, struct rng *r, double *latency_ms) {
  int bs = INFERENCE_BATCH[bi];
  double batch_s = 0.003 + 0.004 * m->gflops * INFERENCE_BATCH_COST[bi];
  int batches = (INFERENCE_ITEMS + bs - 1) / bs;
  double warmup_s = rng_between(r, 1.2, 2.0);
  double work_s = batches * batch_s * (1.0 + 0.02 * rng_gauss(r));
  double busy = (double)bs / (bs + 4);
  static const char *const events[2] = {"power/energy-pkg/", "power/energy-ram/"};
  const double warmup_w[2] = {28.0, 3.4};
  const double work_w[2] = {(30.0 + 40.0 * busy) * (1.0 + 0.01 * rng_gauss(r)),
                            (3.1 + 2.4 * busy) * (1.0 + 0.02 * rng_gauss(r))};
  double elapsed_s = warmup_s + work_s;
  *latency_ms = batch_s * 1e3 * (1.0 + 0.01 * rng_gauss(r));
  put_str(o, "# started on ");
  put_time(o, started_us, TIME_CTIME);
  put_str(o, "\n\n");
  if (m->perf_csv) {
    int64_t end_ns = (int64_t)(elapsed_s * 1e9), from_ns = 0;
    while (from_ns < end_ns) {
      int64_t to_ns = from_ns + 500000000 + 30000 + rng_below(r, 40000);
      if (to_ns > end_ns) to_ns = end_ns;
      double a = (double)from_ns / 1e9, b = (double)to_ns / 1e9;
      double in_warmup = (b < warmup_s ? b : warmup_s) - (a < warmup_s ? a : warmup_s);
      for (int ev = 0; ev < 2; ev++) {
        char secs[16];
        snprintf(secs, sizeof secs, "%6lld", (long long)(to_ns / 1000000000));
        put_str(o, secs);
        put_char(o, '.');
        put_uint_width(o, (uint64_t)(to_ns % 1000000000), 9);
        put_char(o, ',');
        put_fixed(o, warmup_w[ev] * in_warmup + work_w[ev] * (b - a - in_warmup), 2);
        put_str(o, ",Joules,");
        put_str(o, events[ev]);
        put_char(o, ',');
        put_uint(o, (uint64_t)(to_ns - from_ns - 9000 + rng_below(r, 4000)));
        put_str(o, ",100.00,,\n");
      }
      from_ns = to_ns;
    }
  } else {
    put_str(o, "\n Performance counter stats for 'system wide':\n\n");
    for (int ev = 0; ev < 2; ev++) {
      struct text v = {0, 0, 0};
      put_fixed(&v, warmup_w[ev] * warmup_s + work_w[ev] * work_s, 2);
      for (size_t pad = v.len; pad < 18; pad++) put_char(o, ' ');
      put_chars(o, v.bytes, v.len);
      put_str(o, " Joules ");
      put_str(o, events[ev]);
      put_char(o, '\n');
      text_free(&v);
    }
    put_str(o, "\n");
    struct text v = {0, 0, 0};
    put_fixed(&v, elapsed_s, 9);
    for (size_t pad = v.len; pad < 18; pad++) put_char(o, ' ');
    put_chars(o, v.bytes, v.len);
    put_str(o, " seconds time elapsed\n\n");
    text_free(&v);
  }
  return (int64_t)(elapsed_s * 1e6);
}

/* data/inference/: a classification benchmark on a CPU server, after the
 * training runs. Each configuration (model variant, batch size) has its folder
 * raw/cpu-server/<model>-bs<N>/imagenet-val/, each run one perf output there,
 * perf-stat-T.txt (T its stamp, as eprof names its files); runs.csv states per
 * run the model, batch size, images classified, accuracy and mean batch latency. */
static void write_inference_study(struct sink *s, uint64_t seed) {
  struct rng r = rng_stream(seed, 0, STREAM_INFERENCE);
  struct text runs = {0, 0, 0};
  put_str(&runs, "environment,architecture,dataset,stamp,model,batch_size,items,accuracy,latency_ms\n");
  int64_t t = us_from_civil(2024, 2, 6, 9, 0, 0);
  for (size_t mi = 0; mi < N_INFERENCE_MODELS; mi++) {
    const struct inference_model *m = &INFERENCE_MODELS[mi];
    for (size_t bi = 0; bi < N_INFERENCE_BATCH; bi++) {
      for (int rep = 0; rep < INFERENCE_REPETITIONS; rep++) {
        char arch[64], path[MAX_PATH_LEN];
        snprintf(arch, sizeof arch, "%s-bs%d", m->name, INFERENCE_BATCH[bi]);
        struct text stamp = {0, 0, 0};
        put_time(&stamp, t, TIME_STAMP);
        put_char(&stamp, '\0');
        snprintf(path, sizeof path, "data/inference/raw/cpu-server/%s/imagenet-val/perf-stat-%s.txt",
                 arch, stamp.bytes);
        double latency_ms;
        sink_begin(s, path);
        int64_t started = t + rng_us(&r, 0.2, 0.6);
        int64_t length = write_inference_perf(&s->body, m, (int)bi, started, &r, &latency_ms);
        sink_end(s, started + length);
        put_str(&runs, "cpu-server,");
        put_str(&runs, arch);
        put_str(&runs, ",imagenet-val,");
        put_str(&runs, stamp.bytes);
        put_char(&runs, ',');
        put_str(&runs, m->name);
        put_char(&runs, ',');
        if (m->batch_in_csv) put_uint(&runs, (uint64_t)INFERENCE_BATCH[bi]);
        put_char(&runs, ',');
        put_uint(&runs, INFERENCE_ITEMS);
        put_char(&runs, ',');
        put_fixed(&runs, (double)m->correct / INFERENCE_ITEMS, 4);
        put_char(&runs, ',');
        put_fixed(&runs, latency_ms, 3);
        put_char(&runs, '\n');
        text_free(&stamp);
        t = started + length + rng_us(&r, 20.0, 40.0);
        t -= t % US_PER_S;
      }
    }
  }
  sink_put_file(s, "data/inference/runs.csv", &runs, t);
  text_free(&runs);
}

/* ------------------------------------------------------------------------ */
/* The demo sample                                                           */

static void run_dir(char *buf, size_t cap, const struct run_plan *p) {
  if (p->cfg->two_level)
    snprintf(buf, cap, "data/metrics/raw/%s/%s/", p->env->name, p->arch->name);
  else
    snprintf(buf, cap, "data/metrics/raw/%s/%s/%s/", p->env->name, p->arch->name, p->data->name);
}

/* PREFIX + T + ".csv" */
static void stamped_path(char *buf, size_t cap, const char *dir, const char *prefix,
                         const struct run_plan *p) {
  struct text stamp = {0, 0, 0};
  put_time(&stamp, p->stamp_us, TIME_STAMP);
  put_char(&stamp, '\0');
  snprintf(buf, cap, "%s%s%s.csv", dir, prefix, stamp.bytes);
  text_free(&stamp);
}

/* The eprof files of one run (and the logs of other tools next to it). */
static void write_run_files(struct sink *s, const struct run_plan *p, uint64_t seed, int bench) {
  char dir[MAX_PATH_LEN], path[MAX_PATH_LEN];
  run_dir(dir, sizeof dir, p);
  stamped_path(path, sizeof path, dir, "gpu-power-", p);
  sink_begin(s, path);
  write_gpu_log(s, p, seed);
  sink_end(s, p->gpu_end_us);
  if (!(p->quirks & Q_NO_CPU_FILE)) {
    stamped_path(path, sizeof path, dir, "cpu-mem-usage-", p);
    sink_begin(s, path);
    write_cpu_log(s, p, seed);
    sink_end(s, p->cpu_end_us);
  }
  if (p->n_epochs > 0 && !(p->quirks & Q_NO_EPOCH_FILE)) {
    stamped_path(path, sizeof path, dir, "epoch_end-", p);
    sink_begin(s, path);
    write_epoch_log(s, p);
    sink_end(s, p->epoch_end_us[p->n_epochs - 1]);
  }
  if (bench) return;
  if (p->n_epochs > 0 && !p->cfg->two_level) {
    struct history h;
    stamped_path(path, sizeof path, dir, "performance-", p);
    sink_begin(s, path);
    replay_history(s, p, seed, &h);
    sink_end(s, p->epoch_end_us[p->n_epochs - 1]);
  }
  if (p->quirks & Q_PERF) {
    stamped_path(path, sizeof path, "data/metrics/other/perf/", "rapl-", p);
    sink_begin(s, path);
    write_perf_log(s, p, seed);
    sink_end(s, p->gpu_end_us);
  }
  if (p->quirks & Q_WATTMETER) {
    stamped_path(path, sizeof path, "data/metrics/other/omegawatt/", "wattmetre-", p);
    sink_begin(s, path);
    write_wattmeter_window(s, p, seed);
    sink_end(s, p->train_start_us + 80 * US_PER_S);
  }
  if (p->quirks & Q_WALL_RUN) {
    stamped_path(path, sizeof path, "data/metrics/other/omegawatt/", "wattmetre-", p);
    sink_begin(s, path);
    write_wattmeter_run(s, p, seed);
    sink_end(s, p->gpu_end_us + 5 * US_PER_S);
  }
  if (p->quirks & Q_MULTI_GPU) {
    stamped_path(path, sizeof path, "data/metrics/other/nvidia-smi/", "gpus-", p);
    sink_begin(s, path);
    write_multi_gpu_log(s, p, seed);
    sink_end(s, p->gpu_end_us + 15 * US_PER_S);
  }
  if (p->quirks & Q_ZEUS) {
    stamped_path(path, sizeof path, dir, "zeus-monitor-", p);
    sink_begin(s, path);
    write_zeus_monitor(s, p, seed);
    sink_end(s, p->epoch_end_us[p->n_epochs - 1]);
  }
}

/* The stamp of the next run of a session: the pause while the launcher
 * starts the next process and the model is built. */
static int64_t next_stamp(int64_t previous_gpu_end_us, struct rng *r) {
  int64_t t = previous_gpu_end_us + rng_us(r, 35.0, 95.0);
  return t - t % US_PER_S;
}

static void write_demo(struct sink *s, uint64_t seed) {
  struct text runs = {0, 0, 0}, launcher = {0, 0, 0}, emissions = {0, 0, 0}, flushes = {0, 0, 0};
  struct rng session = rng_stream(seed, 0, STREAM_SESSION);
  struct run_plan plan;
  put_str(&runs, RUNS_HEADER);
  put_str(&launcher, "start_time,architecture,dataset,input_size,batch_size,return_code\n");
  put_str(&emissions, CODECARBON_HEADER);
  put_str(&flushes, CODECARBON_HEADER);
  int64_t clock = 0, launcher_start = 0, launcher_end = 0, emissions_end = 0, runs_end = 0;
  int64_t flushes_end = 0;
  int index = 0;
  for (size_t ci = 0; ci < N_DEMO_CONFIGS; ci++) {
    const struct config *cfg = &DEMO_CONFIGS[ci];
    for (int rep = 0; rep < cfg->repetitions; rep++, index++) {
      int64_t stamp;
      if (rep == 0 && cfg->start[0])
        stamp = us_from_civil(cfg->start[0], cfg->start[1], cfg->start[2], cfg->start[3],
                              cfg->start[4], cfg->start[5]);
      else
        stamp = next_stamp(clock, &session);
      plan_init(&plan, index, cfg, cfg->quirks[rep]);
      plan_timeline(&plan, stamp, seed);
      write_run_files(s, &plan, seed, 0);
      put_runs_row(&runs, &plan, seed);
      if (cfg->launcher) {
        if (!launcher_start) launcher_start = stamp - rng_us(&session, 12.0, 20.0);
        put_launcher_row(&launcher, &plan, seed);
        launcher_end = plan.gpu_end_us + US_PER_S;
      }
      if (plan.quirks & Q_CODECARBON) {
        put_codecarbon_row(&emissions, &plan, seed);
        emissions_end = plan.cpu_end_us;
      }
      if (plan.quirks & Q_CODECARBON_FLUSH) {
        put_codecarbon_flushes(&flushes, &plan, seed);
        flushes_end = plan.epoch_end_us[plan.n_epochs - 1] + US_PER_S;
      }
      clock = plan.gpu_end_us;
      if (clock > runs_end) runs_end = clock;
    }
  }
  char path[MAX_PATH_LEN];
  sink_put_file(s, "data/metrics/other/codecarbon/emissions.csv", &emissions, emissions_end);
  sink_put_file(s, "data/metrics/other/codecarbon/periodic/emissions.csv", &flushes, flushes_end);
  sink_put_file(s, "data/metrics/runs.csv", &runs, runs_end + 3600 * US_PER_S);
  struct text name = {0, 0, 0};
  put_str(&name, "out/oom-experiments_");
  put_time(&name, launcher_start - launcher_start % US_PER_S, TIME_STAMP);
  put_str(&name, ".csv");
  put_char(&name, '\0');
  snprintf(path, sizeof path, "%s", name.bytes);
  sink_put_file(s, path, &launcher, launcher_end);
  write_inference_study(s, seed);
  text_free(&name);
  text_free(&runs);
  text_free(&launcher);
  text_free(&emissions);
  text_free(&flushes);
}

/* ------------------------------------------------------------------------ */
/* Benchmarks                                                                */

/* N_RUNS runs of SECONDS GPU samples each, cycling through the demo's
 * configurations; few quirks: a normalized header where the configuration has
 * one, an [N/A] in every 50th run, a torn last line in every 100th. */
static void write_bench_tree(struct sink *s, uint64_t seed, int n_runs, int seconds) {
  const struct config *eligible[N_DEMO_CONFIGS];
  int n_eligible = 0;
  for (size_t i = 0; i < N_DEMO_CONFIGS; i++)
    if (!DEMO_CONFIGS[i].two_level && !(DEMO_CONFIGS[i].quirks[0] & Q_CRASH))
      eligible[n_eligible++] = &DEMO_CONFIGS[i];
  struct rng session = rng_stream(seed, 0, STREAM_SESSION);
  int64_t stamp = us_from_civil(2024, 1, 8, 9, 0, 0);
  struct run_plan plan;
  for (int i = 0; i < n_runs; i++) {
    unsigned quirks = 0;
    if (i % 50 == 7) quirks |= Q_UNAVAILABLE;
    if (i % 100 == 42) quirks |= Q_TORN_TAIL;
    plan_init(&plan, i, eligible[i % n_eligible], quirks);
    plan.gpu_rows = seconds;
    plan_timeline(&plan, stamp, seed);
    write_run_files(s, &plan, seed, 1);
    stamp = next_stamp(plan.gpu_end_us, &session);
  }
}

/* Writes O's bytes to F (FILENAME in messages) and empties O. */
static void write_out(FILE *f, struct text *o, const char *filename) {
  if (o->len && fwrite(o->bytes, 1, o->len, f) != o->len) die("cannot write %s: %s", filename, strerror(errno));
  o->len = 0;
}

/* HOURS of ~10 ms wattmetre-read frames for SOCKETS sockets: every sixth
 * socket from the first feeds a GPU server that trains for 55 minutes of each
 * hour (epochs of 37 s with a 2 s dip) and idles otherwise, every sixth from
 * the fifth a server at a steady 182 W, the rest nothing. */
static void write_bench_wattmeter(const char *filename, uint64_t seed, double hours,
                                  int sockets) {
  FILE *f = fopen(filename, "wb");
  if (!f) die("cannot create %s: %s", filename, strerror(errno));
  struct rng r = rng_stream(seed, 0, STREAM_WATTMETER);
  struct wattmeter w;
  memset(&w, 0, sizeof w);
  w.sockets = sockets;
  w.volts[0] = 231.0;
  struct text o = {0, 0, 0};
  int64_t start = us_from_civil(2023, 12, 20, 0, 0, 0);
  put_wattmeter_banner(&o, start - 210000, sockets);
  put_wattmeter_header(&o, sockets);
  int64_t frames = (int64_t)(hours * 360000.0 + 0.5);
  int64_t t = start;
  for (int64_t i = 0; i < frames; i++, t += 9600 + rng_below(&r, 801)) {
    if (i == 0 || rng_below(&r, 100) < 40) {
      w.volts[0] = clamp(w.volts[0] + 0.3 * rng_gauss(&r), 227.0, 235.0);
      for (int k = 0; k < sockets; k++) {
        double watts = 0.0;
        if (k % 6 == 0) {
          int64_t in_hour = ((t - start) / 1000 + (int64_t)k * 600000) % 3600000; /* ms */
          int training = in_hour >= 80000 && in_hour < 3380000;
          int dip = training && (in_hour - 80000) % 37000 < 2000;
          double level = !training ? 148.0 : in_hour < 100000 ? 215.0 : dip ? 305.0 : 472.0;
          watts = level * (1.0 + 0.012 * rng_gauss(&r));
        } else if (k % 6 == 4) {
          watts = 182.4 + 1.6 * rng_gauss(&r);
        }
        wattmeter_set(&w, k, watts, &r);
      }
    }
    put_wattmeter_frame(&o, &w, t, rng_below(&r, 1000), rng_below(&r, 150000) == 0);
    if (o.len >= FLUSH_BYTES) write_out(f, &o, filename);
  }
  write_out(f, &o, filename);
  if (fclose(f) != 0) die("cannot write %s: %s", filename, strerror(errno));
  text_free(&o);
  text_free(&w.frame);
}

/* ROWS lines of `nvidia-smi --query-gpu=timestamp,index,name,pci.bus_id,
 * temperature.gpu,utilization.gpu,memory.used,power.draw --format=csv -lms 100`
 * on a machine of two GPUs (a line per GPU and sample, so ROWS / 2 samples):
 * GPU 0 trains (epochs of 40 s with a 3 s dip), GPU 1 idles; the power of
 * every 10,007th line, from line 5,000 of the samples, is [N/A]. */
static void write_bench_nvidia_smi(const char *filename, uint64_t seed, uint64_t rows) {
  FILE *f = fopen(filename, "wb");
  if (!f) die("cannot create %s: %s", filename, strerror(errno));
  struct rng r = rng_stream(seed, 0, STREAM_NVIDIA_SMI_BENCH);
  struct text o = {0, 0, 0};
  put_str(&o, "timestamp, index, name, pci.bus_id, temperature.gpu, utilization.gpu [%], "
              "memory.used [MiB], power.draw [W]\n");
  static const char *const bus[] = {"00000000:3B:00.0", "00000000:AF:00.0"};
  int64_t start = us_from_civil(2023, 12, 18, 20, 52, 7) + 470000;
  double temp[2] = {41.0, 33.0};
  int64_t t = start;
  for (uint64_t i = 0; i < rows; i++) {
    int gpu = (int)(i % 2);
    if (gpu == 0 && i) t += 100000 + 600 + rng_below(&r, 1800);
    int64_t in_epoch = ((t - start) / 1000) % 40000; /* ms */
    int training = gpu == 0 && (t - start) > 15 * US_PER_S && in_epoch >= 3000;
    double watts = training ? 231.0 * (1.0 + 0.03 * rng_gauss(&r)) : 24.5 + 0.6 * rng_gauss(&r);
    temp[gpu] = clamp(temp[gpu] + ((training ? 78.0 : 34.0) - temp[gpu]) / 600.0, 25.0, 90.0);
    put_time(&o, t + gpu * (int64_t)rng_below(&r, 2500), TIME_NVSMI);
    put_str(&o, gpu ? ", 1, " : ", 0, ");
    put_str(&o, "Tesla V100-SXM2-16GB, ");
    put_str(&o, bus[gpu]);
    put_str(&o, ", ");
    put_uint(&o, (uint64_t)(temp[gpu] + 0.5));
    put_str(&o, ", ");
    put_uint(&o, (uint64_t)(training ? 93 + rng_below(&r, 8) : 0));
    put_str(&o, " %, ");
    put_uint(&o, (uint64_t)(training ? 14811 + rng_below(&r, 40) : 3));
    put_str(&o, " MiB, ");
    if (i % 10007 == 5000) {
      put_str(&o, "[N/A]");
    } else {
      put_fixed(&o, watts, 2);
      put_str(&o, " W");
    }
    put_char(&o, '\n');
    if (o.len >= FLUSH_BYTES) write_out(f, &o, filename);
  }
  write_out(f, &o, filename);
  if (fclose(f) != 0) die("cannot write %s: %s", filename, strerror(errno));
  text_free(&o);
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */

static void usage(FILE *out) {
  fputs("usage: gen-sample --zip FILE [--seed N]\n"
        "       gen-sample --dir DIR [--seed N]\n"
        "       gen-sample --dir DIR --runs N --seconds S [--seed N]\n"
        "       gen-sample --wattmeter FILE --hours H [--sockets K] [--seed N]\n"
        "       gen-sample --nvidia-smi FILE --rows N [--seed N]\n"
        "\n"
        "Writes deterministic, realistic raw energy-measurement data for wattdb.\n"
        "  --zip FILE        the demo sample (about 27 training runs and logs of\n"
        "                    codecarbon, perf, a wattmeter, nvidia-smi) as a zip\n"
        "  --dir DIR         the same demo sample as a directory tree under DIR\n"
        "  --runs N          with --dir and --seconds: a benchmark tree of N runs\n"
        "  --seconds S       ... of S GPU samples at 1 Hz each (gpu, cpu, epoch files)\n"
        "  --wattmeter FILE  a benchmark wattmetre-read log of ~10 ms frames\n"
        "  --hours H         ... covering H hours (24: 8.64 million frames)\n"
        "  --sockets K       ... for K sockets, a multiple of 6 (default 6)\n"
        "  --nvidia-smi FILE a benchmark nvidia-smi --query-gpu log, two GPUs\n"
        "  --rows N          ... of N lines (one per GPU and 100 ms sample)\n"
        "  --seed N          seed of the random numbers (default 2022)\n"
        "The same arguments always produce the same bytes.\n",
        out);
}

static _Noreturn void bad_usage(const char *what, const char *arg) {
  fprintf(stderr, PROGRAM ": %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
  usage(stderr);
  exit(2);
}

static uint64_t parse_count(const char *option, const char *text, uint64_t lo, uint64_t hi) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi) {
    char what[96];
    snprintf(what, sizeof what, "%s needs an integer from %llu to %llu", option,
             (unsigned long long)lo, (unsigned long long)hi);
    bad_usage(what, text);
  }
  return v;
}

struct options {
  const char *zip, *dir, *wattmeter, *nvidia_smi;
  uint64_t seed, rows;
  int runs, seconds, sockets;
  double hours;
};

static void parse_options(int argc, char **argv, struct options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->seed = 2022;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    }
    if (i + 1 >= argc) bad_usage("unknown option or missing value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--zip")) opt->zip = v;
    else if (!strcmp(a, "--dir")) opt->dir = v;
    else if (!strcmp(a, "--wattmeter")) opt->wattmeter = v;
    else if (!strcmp(a, "--nvidia-smi")) opt->nvidia_smi = v;
    else if (!strcmp(a, "--rows")) opt->rows = parse_count(a, v, 1, UINT64_C(1) << 40);
    else if (!strcmp(a, "--seed")) opt->seed = parse_count(a, v, 0, UINT64_MAX);
    else if (!strcmp(a, "--runs")) opt->runs = (int)parse_count(a, v, 1, 1000000);
    else if (!strcmp(a, "--seconds")) opt->seconds = (int)parse_count(a, v, 30, 864000);
    else if (!strcmp(a, "--sockets")) opt->sockets = (int)parse_count(a, v, 6, MAX_SOCKETS);
    else if (!strcmp(a, "--hours")) {
      char *end;
      opt->hours = strtod(v, &end);
      if (end == v || *end || !(opt->hours > 0.0) || opt->hours > 24.0 * 366)
        bad_usage("--hours needs a number of hours above 0, at most 8784", v);
    } else bad_usage("unknown option", a);
  }
  int modes = (opt->zip != NULL) + (opt->dir != NULL) + (opt->wattmeter != NULL) +
              (opt->nvidia_smi != NULL);
  if (modes != 1) bad_usage("give exactly one of --zip, --dir, --wattmeter, --nvidia-smi", NULL);
  if ((opt->rows != 0) != (opt->nvidia_smi != NULL)) bad_usage("--nvidia-smi and --rows go together", NULL);
  if ((opt->runs || opt->seconds) && (!opt->dir || !opt->runs || !opt->seconds))
    bad_usage("--runs and --seconds go together, with --dir", NULL);
  if ((opt->hours > 0.0 || opt->sockets) && !opt->wattmeter)
    bad_usage("--hours and --sockets go with --wattmeter", NULL);
  if (opt->wattmeter && !(opt->hours > 0.0)) bad_usage("--wattmeter needs --hours", NULL);
  if (!opt->sockets) opt->sockets = 6;
  if (opt->sockets % 6) bad_usage("--sockets must be a multiple of 6 (wattmetre-read --nb)", NULL);
}

int main(int argc, char **argv) {
  struct options opt;
  parse_options(argc, argv, &opt);
  if (opt.wattmeter) {
    write_bench_wattmeter(opt.wattmeter, opt.seed, opt.hours, opt.sockets);
    return 0;
  }
  if (opt.nvidia_smi) {
    write_bench_nvidia_smi(opt.nvidia_smi, opt.seed, opt.rows);
    return 0;
  }
  static struct sink sink;
  if (opt.zip) {
    sink_open_zip(&sink, opt.zip);
  } else {
    sink.kind = SINK_DIR;
    sink.root = opt.dir;
    char probe[MAX_PATH_LEN * 2];
    snprintf(probe, sizeof probe, "%s/", opt.dir);
    make_parent_dirs(probe);
  }
  if (opt.runs) write_bench_tree(&sink, opt.seed, opt.runs, opt.seconds);
  else write_demo(&sink, opt.seed);
  sink_close(&sink);
  return 0;
}
