/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-test-util.c: temporary folders and generated models for the C tests.
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>

#include "pl-test-util.h"

static char *tmpdir;

/* A symbolic link is removed, never followed: a test's tree may link outside it. */
void
pl_test_remove_tree (const char *path)
{
  gboolean is_link = g_file_test (path, G_FILE_TEST_IS_SYMLINK);
  GDir *dir = is_link ? NULL : g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      pl_test_remove_tree (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_remove (path);
}

static void
cleanup (void)
{
  if (tmpdir && !g_getenv ("PATCHLENS_KEEP_TMP"))
    pl_test_remove_tree (tmpdir);
}

const char *
pl_test_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      g_autoptr(GError) error = NULL;

      tmpdir = g_dir_make_tmp ("patchlens-test-XXXXXX", &error);
      g_assert_no_error (error);
      atexit (cleanup);
    }
  return tmpdir;
}

static const char *
generator_path (void)
{
  const char *env = g_getenv ("PATCHLENS_GEN_MODEL");

  if (env)
    return env;
  return g_test_get_filename (G_TEST_DIST, "gen-model.py", NULL);
}

char *
pl_test_make_model (const char *name, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *dir = g_build_filename (pl_test_tmpdir (), name, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  va_list ap;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&dir);
  g_ptr_array_add (argv, (gpointer) "/usr/bin/python3");
  g_ptr_array_add (argv, (gpointer) generator_path ());
  g_ptr_array_add (argv, dir);
  va_start (ap, name);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("gen-model.py failed for %s:\n%s%s", name, out, err);
  return g_steal_pointer (&dir);
}

void
pl_test_write_in_place (const char *path, GBytes *bytes, gsize chunk)
{
  int fd = open (path, O_WRONLY | O_CREAT, 0644);
  gsize n, done = 0;
  const guint8 *p = g_bytes_get_data (bytes, &n);

  g_assert_cmpint (fd, >=, 0);
  while (done < n)
    {
      ssize_t w = pwrite (fd, p + done, MIN (chunk, n - done), done);
      g_assert_cmpint (w, >, 0);
      done += w;
    }
  g_assert_no_errno (ftruncate (fd, n));
  close (fd);
}
