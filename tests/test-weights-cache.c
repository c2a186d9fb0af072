/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-weights-cache.c: Patchlens' aligned copy of the weights (pl-weights-cache.h).
 *
 * The numbers from the copy must be bitwise those read from the source (and so those
 * the numpy reference checks elsewhere); the copy is made once and reused; a source that
 * changes gets a new copy and never the old one's numbers; a copy truncated or written
 * while in use turns results into an error, never SIGBUS nor garbage; a damaged or
 * foreign copy is replaced; without a usable cache folder the source is read as before.
 *
 * Copies are made only of sources whose change time is three seconds old, so tests
 * that want one wait that long (settle).
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-model.h"
#include "pl-test-util.h"
#include "pl-weights-cache.h"

static const gint32 ids[] = { 48736, 5437, 373, 257, 1353, 12, 1662, 354, 3710, 13, 16738 };

typedef struct {
  char   *cache;      /* XDG_CACHE_HOME for this test */
  char   *dir;        /* a model folder of our own: its files change */
  char   *path;       /* dir/model.safetensors */
  GBytes *a, *b;      /* two versions of the weights, same shapes */
  float  *logits_a, *logits_b;
  int     V;
} Fixture;

static GBytes *
read_bytes (const char *dir)
{
  g_autofree char *p = g_build_filename (dir, "model.safetensors", NULL);
  char *contents;
  gsize n;

  g_assert_true (g_file_get_contents (p, &contents, &n, NULL));
  return g_bytes_new_take (contents, n);
}

/* Waits until a file changed now may be copied. */
static void
settle (void)
{
  g_usleep (3100 * 1000);
}

static float *
logits_of (PlModel *m, int *V)
{
  g_autoptr(GError) error = NULL;
  float *logits;

  *V = pl_model_config (m)->vocab_size;
  logits = g_new (float, *V);
  g_assert_true (pl_model_last_logits (m, ids, G_N_ELEMENTS (ids), logits, &error));
  g_assert_no_error (error);
  return logits;
}

static PlModel *
load (const char *dir)
{
  g_autoptr(GError) error = NULL;
  PlModel *m = pl_model_load (dir, &error);

  g_assert_no_error (error);
  return m;
}

/* The source read without any cache: the reference for every comparison. */
static float *
uncached_logits (const char *dir, int *V)
{
  g_autoptr(PlModel) m = NULL;

  g_setenv ("PATCHLENS_WEIGHTS_CACHE", "0", TRUE);
  m = load (dir);
  g_unsetenv ("PATCHLENS_WEIGHTS_CACHE");
  g_assert_false (pl_model_uses_cache (m));
  return logits_of (m, V);
}

static void
fixture_init (Fixture *f, const char *name)
{
  g_autofree char *a = pl_test_make_model ("wc-a", "--layers", "2", "--embd", "64",
                                           "--heads", "4", "--seed", "3", "--layout", "hub",
                                           "--mask-buffers", NULL);
  g_autofree char *b = pl_test_make_model ("wc-b", "--layers", "2", "--embd", "64",
                                           "--heads", "4", "--seed", "4", "--layout", "hub",
                                           "--mask-buffers", NULL);
  g_autofree char *cmd = NULL;

  f->cache = g_build_filename (pl_test_tmpdir (), name, "cache", NULL);
  f->dir = g_build_filename (pl_test_tmpdir (), name, "model", NULL);
  f->path = g_build_filename (f->dir, "model.safetensors", NULL);
  g_assert_no_errno (g_mkdir_with_parents (f->dir, 0755));
  cmd = g_strdup_printf ("cp '%s'/*.json '%s'/*.txt '%s'", a, a, f->dir);
  g_assert_cmpint (system (cmd), ==, 0);
  f->a = read_bytes (a);
  f->b = read_bytes (b);
  pl_test_write_in_place (f->path, f->a, 1 << 20);
  g_setenv ("XDG_CACHE_HOME", f->cache, TRUE);
  f->logits_a = uncached_logits (a, &f->V);
  f->logits_b = uncached_logits (b, &f->V);
  g_assert_true (memcmp (f->logits_a, f->logits_b, sizeof (float) * f->V) != 0);
}

static void
fixture_clear (Fixture *f)
{
  g_free (f->cache);
  g_free (f->dir);
  g_free (f->path);
  g_bytes_unref (f->a);
  g_bytes_unref (f->b);
  g_free (f->logits_a);
  g_free (f->logits_b);
}

/* The copies in the cache folder, as paths (not their .id files). */
static GPtrArray *
copies (void)
{
  g_autofree char *dir = pl_weights_cache_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (out, g_build_filename (dir, name, NULL));
  return out;
}

static void
assert_logits (PlModel *m, const float *want, int V)
{
  int v;
  g_autofree float *got = logits_of (m, &v);

  g_assert_cmpint (v, ==, V);
  g_assert_cmpmem (got, sizeof (float) * V, want, sizeof (float) * V);
}

/* Made once (read-only, aligned), then mapped by every load; bitwise the source's. */
static void
test_made_then_reused (void)
{
  Fixture f;
  g_autoptr(GPtrArray) first = NULL, second = NULL;
  GStatBuf st1, st2;

  fixture_init (&f, "reused");
  {
    g_autoptr(PlModel) young = load (f.dir);   /* just written: not copied yet */
    g_assert_false (pl_model_uses_cache (young));
    assert_logits (young, f.logits_a, f.V);
  }
  settle ();
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_true (pl_model_uses_cache (m));
    assert_logits (m, f.logits_a, f.V);
  }
  first = copies ();
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_no_errno (g_stat (first->pdata[0], &st1));
  g_assert_cmpint (st1.st_mode & 0777, ==, 0444);
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_true (pl_model_uses_cache (m));
    assert_logits (m, f.logits_a, f.V);
  }
  second = copies ();
  g_assert_cmpuint (second->len, ==, 1);
  g_assert_no_errno (g_stat (second->pdata[0], &st2));
  g_assert_cmpuint (st1.st_ino, ==, st2.st_ino);   /* reused, not made again */
  fixture_clear (&f);
}

/* The source overwritten in place (same size): B's numbers, from a new copy of B. */
static void
test_source_changed (void)
{
  Fixture f;
  g_autoptr(GPtrArray) after = NULL;

  fixture_init (&f, "changed");
  settle ();
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_true (pl_model_uses_cache (m));
    pl_test_write_in_place (f.path, f.b, 1 << 20);   /* while A's copy is in use: A stays A */
    assert_logits (m, f.logits_a, f.V);
  }
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_false (pl_model_uses_cache (m));   /* changed just now: read */
    assert_logits (m, f.logits_b, f.V);
  }
  settle ();
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_true (pl_model_uses_cache (m));
    assert_logits (m, f.logits_b, f.V);
  }
  after = copies ();
  g_assert_cmpuint (after->len, ==, 1);   /* B's copy replaced A's */
  fixture_clear (&f);
}

/* The copy truncated, or written, while a model uses it: an error, not SIGBUS. */
static void
test_copy_damaged_in_use (void)
{
  Fixture f;

  fixture_init (&f, "damaged");
  settle ();
  for (int how = 0; how < 2; how++)
    {
      g_autoptr(PlModel) m = load (f.dir);
      g_autoptr(GPtrArray) c = copies ();
      g_autoptr(GError) error = NULL;
      g_autofree float *logits = g_new (float, f.V);

      g_assert_true (pl_model_uses_cache (m));
      g_assert_no_errno (g_chmod (c->pdata[0], 0644));
      if (how == 0)
        g_assert_no_errno (truncate (c->pdata[0], 100));
      else
        {
          int fd = open (c->pdata[0], O_WRONLY);
          g_assert_no_errno (pwrite (fd, "garbage!", 8, 4096) == 8 ? 0 : -1);
          close (fd);
        }
      g_assert_false (pl_model_last_logits (m, ids, G_N_ELEMENTS (ids), logits, &error));
      g_assert_error (error, PL_ERROR, PL_ERROR_IO);
      g_assert_nonnull (strstr (error->message, "aligned copy"));
      g_assert_nonnull (strstr (error->message, "load the model again"));
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      g_assert_false (pl_model_check_intact (m, &error));   /* and stays so */
      g_assert_error (error, PL_ERROR, PL_ERROR_IO);
    }
  {
    /* The next load replaces the damaged copy and is right. */
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_true (pl_model_uses_cache (m));
    assert_logits (m, f.logits_a, f.V);
  }
  fixture_clear (&f);
}

/* A copy that is garbage, or a valid file of another model, is not used. */
static void
test_foreign_copy_replaced (void)
{
  Fixture f;

  fixture_init (&f, "foreign");
  settle ();
  for (int how = 0; how < 2; how++)
    {
      g_autoptr(GPtrArray) c = NULL;

      {
        g_autoptr(PlModel) m = load (f.dir);
        g_assert_true (pl_model_uses_cache (m));
      }
      c = copies ();
      g_assert_no_errno (g_unlink (c->pdata[0]));
      if (how == 0)
        {
          g_autofree char *idp = g_strconcat (c->pdata[0], ".id", NULL);

          g_assert_true (g_file_set_contents (c->pdata[0], "\x10\0\0\0\0\0\0\0{\"a\":",
                                              14, NULL));
          g_assert_no_errno (g_unlink (idp));
          g_assert_no_errno (mkfifo (idp, 0644));   /* would block a plain read */
        }
      else
        pl_test_write_in_place (c->pdata[0], f.b, 1 << 20);   /* not a copy of A */
      {
        g_autoptr(PlModel) m = load (f.dir);
        g_assert_true (pl_model_uses_cache (m));
        assert_logits (m, f.logits_a, f.V);
      }
    }
  fixture_clear (&f);
}

/* Off, or no folder to write in: the source is read, same numbers. */
static void
test_no_cache (void)
{
  Fixture f;
  g_autofree char *file = NULL;

  fixture_init (&f, "none");
  settle ();
  g_setenv ("PATCHLENS_WEIGHTS_CACHE", "off", TRUE);
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_false (pl_model_uses_cache (m));
    assert_logits (m, f.logits_a, f.V);
  }
  g_unsetenv ("PATCHLENS_WEIGHTS_CACHE");
  g_assert_false (g_file_test (f.cache, G_FILE_TEST_EXISTS));
  file = g_build_filename (pl_test_tmpdir (), "none", "a-file", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_setenv ("XDG_CACHE_HOME", file, TRUE);   /* a file where the folder should be */
  {
    g_autoptr(PlModel) m = load (f.dir);
    g_assert_false (pl_model_uses_cache (m));
    assert_logits (m, f.logits_a, f.V);
  }
  fixture_clear (&f);
}

/* At most PL_WEIGHTS_CACHE_KEEP copies besides the newest. */
static void
test_eviction (void)
{
  Fixture f;
  g_autoptr(GPtrArray) c = NULL;
  int n = PL_WEIGHTS_CACHE_KEEP + 3;

  fixture_init (&f, "evict");
  for (int i = 0; i < n; i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s-%d", f.dir, i);
      g_autofree char *cmd = g_strdup_printf ("cp -r '%s' '%s'", f.dir, dir);

      g_assert_cmpint (system (cmd), ==, 0);
    }
  settle ();
  for (int i = 0; i < n; i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s-%d", f.dir, i);
      g_autoptr(PlModel) m = load (dir);

      g_assert_true (pl_model_uses_cache (m));
      assert_logits (m, f.logits_a, f.V);
    }
  c = copies ();
  g_assert_cmpuint (c->len, ==, PL_WEIGHTS_CACHE_KEEP + 1);
  fixture_clear (&f);
}

/* F16 weights are converted on the way in: no copy. */
static void
test_f16_not_copied (void)
{
  g_autofree char *dir = pl_test_make_model ("wc-f16", "--layers", "1", "--embd", "32",
                                             "--heads", "2", "--dtype", "F16", NULL);
  g_autofree char *cache = g_build_filename (pl_test_tmpdir (), "f16-cache", NULL);

  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  settle ();
  {
    g_autoptr(PlModel) m = load (dir);
    g_assert_false (pl_model_uses_cache (m));
  }
  g_assert_false (g_file_test (cache, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/weights-cache/made-then-reused", test_made_then_reused);
  g_test_add_func ("/weights-cache/source-changed", test_source_changed);
  g_test_add_func ("/weights-cache/copy-damaged-in-use", test_copy_damaged_in_use);
  g_test_add_func ("/weights-cache/foreign-copy-replaced", test_foreign_copy_replaced);
  g_test_add_func ("/weights-cache/no-cache", test_no_cache);
  g_test_add_func ("/weights-cache/eviction", test_eviction);
  g_test_add_func ("/weights-cache/f16-not-copied", test_f16_not_copied);
  return g_test_run ();
}
