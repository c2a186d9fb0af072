/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-replay.c: a main() for the normal build that feeds every file of the given
 * corpus folders (or files) to LLVMFuzzerTestOneInput, one TAP line per file, so that
 * `meson test` replays the seed corpora without clang or libFuzzer. A target that
 * crashes or aborts fails the test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_ptr_array_sort passes pointers to the elements. */
static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Adds path, or the files of the folder path, in name order. */
static gboolean
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return TRUE;
    }
  dir = g_dir_open (path, 0, NULL);
  if (!dir)
    return FALSE;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (files, g_strdup (names->pdata[i]));
  return TRUE;
}

/* Runs one input from an exactly sized heap copy, so that AddressSanitizer (when the
 * build has it) sees any read past its end. */
static gboolean
replay (const char *path)
{
  g_autofree char *contents = NULL;
  g_autofree guint8 *copy = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &contents, &size, NULL))
    return FALSE;
  copy = g_malloc (MAX (size, 1));
  memcpy (copy, contents, size);
  LLVMFuzzerTestOneInput (copy, size);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint failed = 0;

  for (int i = 1; i < argc; i++)
    if (!collect (argv[i], files))
      {
        printf ("Bail out! cannot read %s\n", argv[i]);
        return 1;
      }
  if (files->len == 0)
    {
      printf ("Bail out! no corpus files given (usage: %s DIR|FILE...)\n", argv[0]);
      return 1;
    }
  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      /* A crash ends the process here, and the test fails with it. */
      gboolean ok = replay (files->pdata[i]);

      printf ("%s %u - %s\n", ok ? "ok" : "not ok", i + 1, (char *) files->pdata[i]);
      fflush (stdout);
      failed += !ok;
    }
  printf ("# %u passed, %u failed\n", files->len - failed, failed);
  return failed ? 1 : 0;
}
