/* ingest/archive_api.c: libarchive loaded at run time (see archive_api.h). */
#include "ingest/archive_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#ifndef WATTDB_LIBARCHIVE
#define WATTDB_LIBARCHIVE "libarchive.so.13" /* the Makefile passes the soname it links against */
#endif

int archive_api_load(struct archive_api *api, char *why, size_t size) {
  memset(api, 0, sizeof *api);
  /* RTLD_NODELETE: unloading would run ICU's and libstdc++'s destructors at
   * every archive, and the next archive would load them again. */
  api->lib = dlopen(WATTDB_LIBARCHIVE, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!api->lib) {
    snprintf(why, size, "%s (install the libarchive13 package)", dlerror());
    return -1;
  }
  /* dlsym's object pointer into a function pointer, as POSIX permits */
#define LOAD(field, symbol)                                                  \
  do {                                                                       \
    *(void **)&api->field = dlsym(api->lib, #symbol);                        \
    if (!api->field) {                                                       \
      snprintf(why, size, "%s has no %s: %s", WATTDB_LIBARCHIVE, #symbol, dlerror()); \
      archive_api_unload(api);                                               \
      return -1;                                                             \
    }                                                                        \
  } while (0)
  LOAD(read_new, archive_read_new);
  LOAD(read_support_filter_all, archive_read_support_filter_all);
  LOAD(read_support_format_all, archive_read_support_format_all);
  LOAD(read_open_filename, archive_read_open_filename);
  LOAD(read_next_header, archive_read_next_header);
  LOAD(read_data_block, archive_read_data_block);
  LOAD(read_free, archive_read_free);
  LOAD(error_string, archive_error_string);
  LOAD(entry_pathname, archive_entry_pathname);
  LOAD(entry_pathname_utf8, archive_entry_pathname_utf8);
  LOAD(entry_filetype, archive_entry_filetype);
  LOAD(entry_size_is_set, archive_entry_size_is_set);
  LOAD(entry_size, archive_entry_size);
  LOAD(entry_mtime, archive_entry_mtime);
#undef LOAD
  return 0;
}

void archive_api_unload(struct archive_api *api) {
  if (api->lib) dlclose(api->lib);
  memset(api, 0, sizeof *api);
}
