/* ingest/textset.h: a bounded set of short texts, numbered 1, 2, ... in the
 * order they are first added; for a parser that stores a text a file repeats
 * once and refers to it by its number. Fixed size: no allocation. */
#ifndef WATTDB_INGEST_TEXTSET_H
#define WATTDB_INGEST_TEXTSET_H

#include <stddef.h>
#include <stdint.h>

#define TEXTSET_MAX 1024         /* texts in a set */
#define TEXTSET_BYTES 32768      /* their bytes in all */
#define TEXTSET_MAX_LEN 255      /* longer texts are not kept */

/* All zero bytes is an empty set. */
struct textset {
  int n;                               /* texts in the set */
  size_t used;                         /* bytes of arena used */
  uint16_t slot[2 * TEXTSET_MAX];      /* open addressing: 1 + index into text[], 0 empty */
  struct {
    uint32_t hash;
    uint16_t off;
    uint8_t len;
  } text[TEXTSET_MAX];
  char arena[TEXTSET_BYTES];
};

/* The number (1 ..) of TEXT[0..LEN) in SET. A text not yet in SET is added
 * and *ADDED set to 1 (else 0): the caller stores it under its number. Returns
 * 0 (nothing added) when the text is longer than TEXTSET_MAX_LEN or SET is
 * full: the caller keeps that text where it is. */
int textset_number(struct textset *set, const char *text, size_t len, int *added);

#endif
