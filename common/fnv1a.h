/* common/fnv1a.h: the 64-bit FNV-1a hash of a NUL-terminated text, for the
 * hash tables of names and paths and the digest of an SQL text. Not a digest
 * of content: that is SHA-256 (nettle). */
#ifndef WATTDB_FNV1A_H
#define WATTDB_FNV1A_H

#include <stdint.h>

static inline uint64_t fnv1a64(const char *text) {
  uint64_t h = 14695981039346656037u;
  for (; *text; text++) h = (h ^ (unsigned char)*text) * 1099511628211u;
  return h;
}

#endif
