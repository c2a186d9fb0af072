/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "pl-data.h"

static gboolean
has_tokenizer (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "encoder.json", NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

const char *
pl_data_dir (void)
{
  static char *dir;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("PATCHLENS_DATA_DIR");
      const char *found = SOURCE_DATADIR;

      if (env != NULL && *env != '\0')
        found = env;
      else if (has_tokenizer (PKGDATADIR))
        found = PKGDATADIR;
      dir = g_strdup (found);
      g_once_init_leave (&once, 1);
    }
  return dir;
}
