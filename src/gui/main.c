/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * main.c: the desktop app's entry point: translations, the schema when running from the
 * build tree, then PlApplication.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pl-application.h"
#include "pl-blas.h"
#include "pl-uninstalled.h"

/* From the build tree the schema is not installed: use the one compiled into
 * build/data so `build/src/gui/patchlens` works before `meson install`. */
/* Looks in the places GSettings reads, without creating the default schema source
 * (that would fix it before GSETTINGS_SCHEMA_DIR can be set). */
static gboolean
schema_installed (void)
{
  const char *env = g_getenv ("GSETTINGS_SCHEMA_DIR");
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  const char * const *data_dirs = g_get_system_data_dirs ();

  if (env != NULL)
    g_ptr_array_add (dirs, g_strdup (env));
  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "glib-2.0", "schemas", NULL));
  for (int i = 0; data_dirs[i]; i++)
    g_ptr_array_add (dirs, g_build_filename (data_dirs[i], "glib-2.0", "schemas", NULL));
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr(GSettingsSchemaSource) source =
          g_settings_schema_source_new_from_directory (dirs->pdata[i], NULL, FALSE, NULL);
      g_autoptr(GSettingsSchema) schema = NULL;

      if (source != NULL && (schema = g_settings_schema_source_lookup (source, APP_ID, FALSE)))
        return TRUE;
    }
  return FALSE;
}

/* From the build tree the schema is not installed: use the one compiled into
 * build/data so `build/src/gui/patchlens` works before `meson install`. */
static void
use_build_tree_schema_if_needed (void)
{
#ifdef PL_BUILD_SCHEMA_DIR
  g_autofree char *compiled = g_build_filename (PL_BUILD_SCHEMA_DIR, "gschemas.compiled", NULL);

  if (!schema_installed () && g_file_test (compiled, G_FILE_TEST_EXISTS))
    g_setenv ("GSETTINGS_SCHEMA_DIR", PL_BUILD_SCHEMA_DIR, TRUE);
#endif
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PlApplication) app = NULL;

  pl_blas_init (argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, pl_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  use_build_tree_schema_if_needed ();
  g_set_application_name (_("Patchlens"));
  app = pl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
