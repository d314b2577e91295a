/* ingest/textset.c: the text set of textset.h (FNV-1a hashes, linear probing
 * in a table twice the set's size, the texts one after another in an arena). */
#include "ingest/textset.h"

#include <string.h>

static uint32_t fnv1a(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

_Static_assert(TEXTSET_BYTES <= UINT16_MAX + 1, "text offsets are 16-bit");
_Static_assert(TEXTSET_MAX_LEN <= UINT8_MAX, "text lengths are 8-bit");
_Static_assert(TEXTSET_MAX < UINT16_MAX, "slots hold 1 + an index in 16 bits");

enum { SLOTS = sizeof ((struct textset *)0)->slot / sizeof *((struct textset *)0)->slot };

int textset_number(struct textset *set, const char *text, size_t len, int *added) {
  *added = 0;
  if (len > TEXTSET_MAX_LEN) return 0;
  uint32_t h = fnv1a(text, len);
  size_t i = h % SLOTS;
  for (; set->slot[i]; i = (i + 1) % SLOTS) {
    int k = set->slot[i] - 1;
    if (set->text[k].hash == h && set->text[k].len == len &&
        memcmp(set->arena + set->text[k].off, text, len) == 0)
      return k + 1;
  }
  if (set->n == TEXTSET_MAX || set->used + len > TEXTSET_BYTES) return 0;
  int k = set->n++;
  set->text[k].hash = h;
  set->text[k].off = (uint16_t)set->used;
  set->text[k].len = (uint8_t)len;
  memcpy(set->arena + set->used, text, len);
  set->used += len;
  set->slot[i] = (uint16_t)(k + 1);
  *added = 1;
  return k + 1;
}
