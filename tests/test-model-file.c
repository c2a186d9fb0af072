/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-model-file.c: the weights file changing under a model (fault injection).
 *
 * A loaded model owns its weights, so truncating or overwriting model.safetensors after
 * the load must change nothing (bitwise the same logits). While the load is running it
 * must end either in a clear error naming the file or in a model equal to one whole
 * version of the file, never a mix of two and never a signal. Files that are not
 * regular (a FIFO, a device) are refused at once, without blocking.
 *
 * Two valid models A and B of the same shapes (different seeds) are generated in the
 * hub's layout; "overwrite" writes B's bytes over A's in place (same inode).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-model.h"
#include "pl-test-util.h"

#define N_RUNS 20
static const gint32 ids[] = { 48736, 5437, 373, 257, 1353, 12, 1662, 354, 3710, 13, 16738 };

typedef struct {
  char   *dir;        /* the model under attack */
  char   *path;       /* dir/model.safetensors */
  GBytes *a, *b;      /* two versions of the file */
  float  *logits_a;   /* (V) reference logits of each version, from a quiet load */
  float  *logits_b;
  int     V;
} Fixture;

static float *
logits_of (const char *dir, int *V)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) m = pl_model_load (dir, &error);
  float *logits;

  g_assert_no_error (error);
  *V = pl_model_config (m)->vocab_size;
  logits = g_new (float, *V);
  g_assert_true (pl_model_last_logits (m, ids, G_N_ELEMENTS (ids), logits, &error));
  return logits;
}

static void
fixture_init (Fixture *f)
{
  g_autofree char *a = pl_test_make_model ("a", "--layers", "2", "--embd", "64", "--heads",
                                           "4", "--seed", "3", "--layout", "hub", NULL);
  g_autofree char *b = pl_test_make_model ("b", "--layers", "2", "--embd", "64", "--heads",
                                           "4", "--seed", "4", "--layout", "hub", NULL);
  g_autofree char *pa = g_build_filename (a, "model.safetensors", NULL);
  g_autofree char *pb = g_build_filename (b, "model.safetensors", NULL);
  g_autofree char *cmd = NULL;
  g_autoptr(GError) error = NULL;
  gchar *contents;
  gsize n;

  f->dir = g_build_filename (pl_test_tmpdir (), "victim", NULL);
  f->path = g_build_filename (f->dir, "model.safetensors", NULL);
  g_assert_true (g_file_get_contents (pa, &contents, &n, &error));
  f->a = g_bytes_new_take (contents, n);
  g_assert_true (g_file_get_contents (pb, &contents, &n, &error));
  f->b = g_bytes_new_take (contents, n);
  g_assert_cmpuint (g_bytes_get_size (f->a), ==, g_bytes_get_size (f->b));
  if (!g_file_test (f->dir, G_FILE_TEST_IS_DIR))
    {
      cmd = g_strdup_printf ("cp -r '%s' '%s'", a, f->dir);
      g_assert_cmpint (system (cmd), ==, 0);
    }
  f->logits_a = logits_of (a, &f->V);
  f->logits_b = logits_of (b, &f->V);
  g_assert_true (memcmp (f->logits_a, f->logits_b, sizeof (float) * f->V) != 0);
}

static void
fixture_clear (Fixture *f)
{
  g_free (f->dir);
  g_free (f->path);
  g_bytes_unref (f->a);
  g_bytes_unref (f->b);
  g_free (f->logits_a);
  g_free (f->logits_b);
}

/* After the load: truncate, overwrite with B, delete; A's logits every time. */
static void
test_changed_after_load (void)
{
  Fixture f;

  fixture_init (&f);
  for (int run = 0; run < N_RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlModel) m = NULL;
      g_autofree float *logits = g_new (float, f.V);
      gsize size = g_bytes_get_size (f.a);

      pl_test_write_in_place (f.path, f.a, 1 << 20);
      m = pl_model_load (f.dir, &error);
      g_assert_no_error (error);
      switch (run % 4)
        {
        case 0: g_assert_no_errno (truncate (f.path, 0)); break;
        case 1: g_assert_no_errno (truncate (f.path, g_test_rand_int_range (1, size))); break;
        case 2: pl_test_write_in_place (f.path, f.b, 1 << 20); break;
        default: g_assert_no_errno (g_unlink (f.path)); break;
        }
      g_assert_true (pl_model_last_logits (m, ids, G_N_ELEMENTS (ids), logits, &error));
      g_assert_cmpmem (logits, sizeof (float) * f.V, f.logits_a, sizeof (float) * f.V);
    }
  pl_test_write_in_place (f.path, f.a, 1 << 20);
  fixture_clear (&f);
}

typedef struct {
  Fixture *f;
  int      op;
  int      delay_us;
} Attack;

static gpointer
attack (gpointer data)
{
  Attack *at = data;
  gsize size = g_bytes_get_size (at->f->a);

  g_usleep (at->delay_us);
  if (at->op == 0)
    g_assert_no_errno (truncate (at->f->path, size / 2));
  else if (at->op == 1)
    g_assert_no_errno (truncate (at->f->path, g_test_rand_int_range (0, size)));
  else
    pl_test_write_in_place (at->f->path, at->f->b, 64 << 10);   /* slowly, in small writes */
  return NULL;
}

/* During the load: an error naming the file, or exactly version A or B. */
static void
test_changed_during_load (void)
{
  Fixture f;
  int n_errors = 0, n_a = 0, n_b = 0;

  fixture_init (&f);
  for (int run = 0; run < N_RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlModel) m = NULL;
      Attack at = { &f, run % 3, g_test_rand_int_range (0, 3000) };
      GThread *t;

      pl_test_write_in_place (f.path, f.a, 1 << 20);
      t = g_thread_new ("attack", attack, &at);
      m = pl_model_load (f.dir, &error);
      g_thread_join (t);
      if (m == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == PL_ERROR);
          g_assert_nonnull (strstr (error->message, "model.safetensors"));
          g_test_message ("run %d: %s", run, error->message);
          n_errors++;
        }
      else
        {
          g_autofree float *logits = g_new (float, f.V);

          g_assert_true (pl_model_last_logits (m, ids, G_N_ELEMENTS (ids), logits, NULL));
          if (memcmp (logits, f.logits_a, sizeof (float) * f.V) == 0)
            n_a++;
          else if (memcmp (logits, f.logits_b, sizeof (float) * f.V) == 0)
            n_b++;
          else
            g_error ("run %d: a model that is neither version of the file", run);
        }
    }
  g_test_message ("%d runs: %d clear errors, %d loaded version A, %d version B", N_RUNS,
                  n_errors, n_a, n_b);
  pl_test_write_in_place (f.path, f.a, 1 << 20);
  fixture_clear (&f);
}

/* A FIFO or a device named model.safetensors is refused at once. */
static void
test_not_regular (void)
{
  g_autofree char *a = pl_test_make_model ("a", "--layers", "2", "--embd", "64", "--heads",
                                           "4", "--seed", "3", "--layout", "hub", NULL);
  g_autofree char *dir = g_build_filename (pl_test_tmpdir (), "special", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s' && cp -r '%s' '%s' && rm '%s'",
                                          dir, a, dir, weights);
  const struct { const char *kind, *needle; } cases[] = {
    { "fifo", "FIFO" }, { "/dev/zero", "character device" }, { "dir", "folder" },
  };

  g_assert_cmpint (system (cmd), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_remove (weights);
      if (g_str_equal (cases[i].kind, "fifo"))
        g_assert_no_errno (mkfifo (weights, 0600));
      else if (g_str_equal (cases[i].kind, "dir"))
        g_assert_no_errno (g_mkdir (weights, 0700));
      else
        g_assert_no_errno (symlink (cases[i].kind, weights));
      g_assert_null (pl_model_load (dir, &error));
      g_assert_error (error, PL_ERROR, PL_ERROR_IO);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      g_assert_nonnull (strstr (error->message, "not a regular file"));
    }
  g_remove (weights);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/ModelFile/changed-after-load", test_changed_after_load);
  g_test_add_func ("/Patchlens/ModelFile/changed-during-load", test_changed_during_load);
  g_test_add_func ("/Patchlens/ModelFile/not-regular", test_not_regular);
  return g_test_run ();
}
