/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-full-disk.c: nothing lost on a full disk. Each kind of file Patchlens saves (a
 * result as JSON and CSV, an experiment, a figure as PNG, SVG and PDF) is saved once,
 * then the disk is filled and the save is tried again over it: it must fail with
 * PL_ERROR_IO naming the path, leave the previous file intact byte for byte and leave
 * no temporary file behind; with the space back, the same save succeeds.
 *
 * The disk is a 1 MiB tmpfs (room for an SVG and its replacement) mounted in a mount
 * namespace of the test's own (so it vanishes with the process, whatever happens). That
 * needs root (or CAP_SYS_ADMIN); without it every case is skipped, and says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-experiment.h"
#include "pl-heatmap.h"
#include "pl-result-fixture.h"
#include "pl-result-io.h"

static char *disk;          /* the tmpfs mount point */
static char *skip_reason;   /* set when the tmpfs could not be mounted */

/* A tmpfs of 1 MiB on a fresh folder, in a private mount namespace. */
static void
mount_small_disk (void)
{
  g_autoptr(GError) error = NULL;

  disk = g_dir_make_tmp ("pl-full-disk-XXXXXX", &error);
  g_assert_no_error (error);
  if (unshare (CLONE_NEWNS) != 0 ||
      mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("tmpfs", disk, "tmpfs", 0, "size=1m") != 0)
    skip_reason = g_strdup_printf ("cannot mount a small tmpfs here (%s); run as root to "
                                   "test saving on a full disk", g_strerror (errno));
}

static void
empty_disk (void)
{
  g_autoptr(GDir) d = g_dir_open (disk, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (disk, name, NULL);
      g_assert_cmpint (g_unlink (p), ==, 0);
    }
}

/* Writes a filler file until the disk has no byte left; returns its path. */
static char *
fill_disk (void)
{
  char *path = g_build_filename (disk, "filler", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  static const char block[4096];
  gsize chunk = sizeof block;

  g_assert_cmpint (fd, >=, 0);
  while (chunk > 0)
    {
      if (write (fd, block, chunk) < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          chunk /= 2;   /* down to single bytes, so not one is left */
        }
    }
  g_assert_cmpint (close (fd), ==, 0);
  return path;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The names in the disk's folder, sorted, joined by spaces. */
static char *
list_disk (void)
{
  g_autoptr(GDir) d = g_dir_open (disk, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* ---- the savers, one per kind of file ---- */

typedef gboolean (*SaveFunc) (const char *path, int attempt, GError **error);

static PlSweepResult *
result (int n_layers)
{
  return pl_fixture_result (n_layers, MICHELLE_CLEAN, MICHELLE_CORRUPT, " Jones", " Smith");
}

static gboolean
save_json (const char *path, int attempt, GError **error)
{
  g_autoptr(PlSweepResult) r = result (2 + attempt);
  return pl_result_save_json (r, path, error);
}

static gboolean
save_csv (const char *path, int attempt, GError **error)
{
  g_autoptr(PlSweepResult) r = result (2 + attempt);
  return pl_result_save_csv (r, path, error);
}

static gboolean
save_experiment (const char *path, int attempt, GError **error)
{
  g_autoptr(PlExperiment) e = pl_experiment_new ();

  e->top_k = 10 + attempt;
  e->result = result (2 + attempt);
  return pl_experiment_save (e, path, error);
}

static gboolean
save_figure (const char *path, int attempt, GError **error)
{
  g_autoptr(PlSweepResult) r = result (2 + attempt);
  g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_result (r);
  PlFigureFormat format;

  g_assert_true (pl_figure_format_from_path (path, &format));
  return pl_heatmap_export (hm, format, path, 1.0, error);
}

/* ---- the test ---- */

typedef struct {
  const char *name;
  SaveFunc    save;
} Case;

static void
test_full_disk (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *path = NULL, *filler = NULL, *listing = NULL, *expected = NULL;
  g_autofree char *before = NULL, *after = NULL;
  gsize n_before, n_after;
  g_autoptr(GError) error = NULL;

  if (skip_reason)
    {
      g_test_skip (skip_reason);
      return;
    }
  empty_disk ();
  path = g_build_filename (disk, c->name, NULL);
  c->save (path, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, &n_before, NULL));
  g_assert_cmpuint (n_before, >, 0);

  filler = fill_disk ();
  g_assert_false (c->save (path, 1, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_test_message ("%s on a full disk: %s", c->name, error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* The old file, byte for byte, and no temporary file left beside it. */
  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_cmpmem (after, n_after, before, n_before);
  listing = list_disk ();
  expected = g_strdup_printf ("%s filler", c->name);   /* the cases' names sort first */
  g_assert_cmpstr (listing, ==, expected);

  /* With room again the same save goes through and replaces the file. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  g_assert_true (c->save (path, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_free);
  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_false (n_after == n_before && memcmp (after, before, n_after) == 0);
}

static const Case cases[] = {
  { "a-result.json", save_json },
  { "a-result.csv", save_csv },
  { "an-experiment.patchlens", save_experiment },
  { "a-figure.png", save_figure },
  { "a-figure.svg", save_figure },
  { "a-figure.pdf", save_figure },
};

int
main (int argc, char **argv)
{
  int ret;

  /* Before g_test_init and any thread: a mount namespace is per process. */
  mount_small_disk ();
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/Patchlens/FullDisk/%s", cases[i].name);
      g_test_add_data_func (name, &cases[i], test_full_disk);
    }
  ret = g_test_run ();
  if (skip_reason == NULL)
    {
      empty_disk ();
      umount (disk);
    }
  g_rmdir (disk);
  g_free (disk);
  g_free (skip_reason);
  return ret;
}
