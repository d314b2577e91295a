/* common/wm_series.c: a wattmeter log's sockets integrated frame by frame
 * (wm_series.h), with SQLite's arithmetic and comparison of numbers. */
#include "common/wm_series.h"

#include "common/msg.h"

void wm_series_start(struct wm_state *s, size_t from, size_t to) {
  for (size_t j = from; j < to; j++) {
    s->series[j] = (struct wm_series){0};
    trapezoid_start(&s->series[j].z, s->att[(j / 6) % s->natt].max_gap, 0);
  }
}

/* Makes room in S for bank B (< S->maxbank), starting the new series. */
static void add_banks(struct wm_state *s, int64_t b) {
  size_t per = s->natt * 6, from = (size_t)s->nbank * per, to = (size_t)(b + 1) * per;
  s->series = xrealloc(s->series, (unsigned long)(to * sizeof *s->series));
  wm_series_start(s, from, to);
  s->nbank = b + 1;
}

void wm_state_start(struct wm_state *s) {
  int64_t maxs = 0;
  for (size_t a = 0; a < s->natt; a++)
    if (s->att[a].sockets > maxs) maxs = s->att[a].sockets;
  s->maxbank = maxs / 6 + (maxs % 6 != 0); /* the banks with socket 6 * bank + 1 <= sockets */
  s->nbank = 0;
  s->has_bridged = s->has_unbridged = 0;
}

void wm_feed(struct wm_state *s, int64_t b, struct wm_num ts, const double p[6], unsigned has) {
  if (b >= s->nbank) add_banks(s, b);
  for (size_t a = 0; a < s->natt; a++) {
    const struct wm_att *at = &s->att[a];
    struct wm_num t = wm_num_add(ts, at->off);
    if (wm_num_cmp(t, at->ws) < 0 || wm_num_cmp(t, at->we) > 0) continue;
    double tr = wm_num_real(t);
    struct wm_series *x = &s->series[((size_t)b * s->natt + a) * 6];
    for (int k = 0; k < 6; k++) {
      if (!(has >> k & 1) || 6 * b + k + 1 > at->sockets) continue;
      if (!x[k].z.n) x[k].first = x[k].last = t;
      else {
        if (wm_num_cmp(t, x[k].last) > 0) x[k].last = t; /* the usual case: time goes on */
        else if (wm_num_cmp(t, x[k].first) < 0) x[k].first = t;
        if (s->track) {
          double dt = tr - x[k].z.prev_t; /* as trapezoid_next */
          if (dt <= x[k].z.max_gap) {
            if (!s->has_bridged || dt > s->bridged) s->bridged = dt, s->has_bridged = 1;
          } else if (!s->has_unbridged || dt < s->unbridged) {
            s->unbridged = dt, s->has_unbridged = 1;
          }
        }
      }
      trapezoid_next(&x[k].z, NULL, tr, p[k], 0, NULL); /* trapezoid_add, inline */
    }
  }
}
