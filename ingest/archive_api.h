/* ingest/archive_api.h: the libarchive calls that read archives, loaded with
 * dlopen() when the first archive is met rather than linked: libarchive brings
 * libxml2, ICU and the C++ runtime with it, twelve libraries whose loading
 * would cost every start of wattdb over a millisecond, archive or not (an
 * ingest with nothing new to read takes a few). The pointers have the types of
 * libarchive's own declarations (archive.h), so a call through them is checked
 * as a direct call would be. */
#ifndef WATTDB_INGEST_ARCHIVE_API_H
#define WATTDB_INGEST_ARCHIVE_API_H

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>

struct archive_api {
  void *lib;
  __typeof__(archive_read_new) *read_new;
  __typeof__(archive_read_support_filter_all) *read_support_filter_all;
  __typeof__(archive_read_support_format_all) *read_support_format_all;
  __typeof__(archive_read_open_filename) *read_open_filename;
  __typeof__(archive_read_next_header) *read_next_header;
  __typeof__(archive_read_data_block) *read_data_block;
  __typeof__(archive_read_free) *read_free;
  __typeof__(archive_error_string) *error_string;
  __typeof__(archive_entry_pathname) *entry_pathname;
  __typeof__(archive_entry_pathname_utf8) *entry_pathname_utf8;
  __typeof__(archive_entry_filetype) *entry_filetype;
  __typeof__(archive_entry_size_is_set) *entry_size_is_set;
  __typeof__(archive_entry_size) *entry_size;
  __typeof__(archive_entry_mtime) *entry_mtime;
};

/* Loads libarchive (the soname it was built against) into API. Returns 0, or
 * -1 with the reason in WHY (SIZE bytes). Loading again is cheap: the library
 * stays in the process once loaded. */
int archive_api_load(struct archive_api *api, char *why, size_t size);

void archive_api_unload(struct archive_api *api);

#endif
