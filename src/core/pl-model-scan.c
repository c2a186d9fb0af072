/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-scan.c: model folders of any name in $PATCHLENS_MODELS and Patchlens' own
 * models folder, added to the store's list of family names.
 */
#include "config.h"

#include "pl-model-scan.h"

#include <glib/gstdio.h>
#include <string.h>

static gboolean
has_file (const char *dir,
          const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
listed (GPtrArray  *found,
        const char *path)
{
  for (guint i = 0; i < found->len; i++)
    if (strcmp (((PlModelEntry *) found->pdata[i])->path, path) == 0)
      return TRUE;
  return FALSE;
}

static guint64
folder_size (const char *dir,
             gboolean   *complete)
{
  static const char *files[] = { "config.json", "model.safetensors", "vocab.json",
                                 "merges.txt" };
  guint64 size = 0;

  *complete = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      GStatBuf st;

      if (g_stat (path, &st) == 0)
        size += (guint64) st.st_size;
      else
        *complete = FALSE;
    }
  return size;
}

/* Adds each model folder directly inside parent. */
static void
scan_parent (GPtrArray  *found,
             const char *parent,
             const char *source)
{
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  g_autoptr(GPtrArray) here = g_ptr_array_new ();
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (parent, name, NULL);
      PlModelEntry *e;

      if (!g_file_test (path, G_FILE_TEST_IS_DIR) || !has_file (path, "config.json") ||
          !has_file (path, "model.safetensors") || listed (found, path))
        continue;
      e = g_new0 (PlModelEntry, 1);
      e->name = g_strdup (name);
      e->path = g_steal_pointer (&path);
      e->source = g_strdup (source);
      e->size = folder_size (e->path, &e->complete);
      g_ptr_array_add (here, e);
    }
  /* A stable order for the menu. */
  for (guint i = 0; i < here->len; i++)
    for (guint j = i + 1; j < here->len; j++)
      if (g_utf8_collate (((PlModelEntry *) here->pdata[j])->name,
                          ((PlModelEntry *) here->pdata[i])->name) < 0)
        {
          gpointer t = here->pdata[i];
          here->pdata[i] = here->pdata[j];
          here->pdata[j] = t;
        }
  for (guint i = 0; i < here->len; i++)
    g_ptr_array_add (found, here->pdata[i]);
}

GPtrArray *
pl_model_scan_all (void)
{
  GPtrArray *found = pl_model_store_list ();
  const char *env = g_getenv ("PATCHLENS_MODELS");
  g_autofree char *user = pl_model_store_user_dir ("gpt2");
  g_autofree char *user_parent = g_path_get_dirname (user);

  if (env != NULL && *env)
    {
      g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          scan_parent (found, dirs[i], "PATCHLENS_MODELS");
    }
  scan_parent (found, user_parent, "patchlens");
  return found;
}
