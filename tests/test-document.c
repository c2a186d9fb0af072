/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-document.c: PlDocument without GTK: notifications only on real changes, the
 * dirty flag (edits, saving, loading), the stale flag (edits after a result, and undoing
 * them; another model), saving three times to the same file, and a saved stale result that reopens
 * stale with its own inputs.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "pl-document.h"
#include "pl-result-fixture.h"
#include "pl-set-fixture.h"

static char *tmp_dir;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              int        *count)
{
  (*count)++;
}

static PlShared *
michelle_result (void)
{
  return pl_shared_new (pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                           " Jones", " Smith"),
                        (GDestroyNotify) pl_sweep_result_free);
}

static void
set_michelle (PlDocument *doc)
{
  pl_document_set_texts (doc, MICHELLE_CLEAN, MICHELLE_CORRUPT, " Jones", " Smith");
}

static void
test_notify (void)
{
  PlDocument *doc = pl_document_new ();
  int n_clean = 0, n_dirty = 0;

  g_signal_connect (doc, "notify::clean", G_CALLBACK (count_notify), &n_clean);
  g_signal_connect (doc, "notify::dirty", G_CALLBACK (count_notify), &n_dirty);
  g_assert_false (pl_document_is_dirty (doc));
  g_assert_cmpstr (pl_document_get_text (doc, PL_TEXT_CLEAN), ==, "");
  g_object_set (doc, "clean", "a", NULL);
  g_object_set (doc, "clean", "a", NULL);   /* no change: no notify */
  g_assert_cmpint (n_clean, ==, 1);
  g_assert_cmpint (n_dirty, ==, 1);
  g_assert_true (pl_document_is_dirty (doc));
  /* The model reference is not an edit: the start-up model sets it. */
  g_object_unref (doc);
  doc = pl_document_new ();
  pl_document_set_model (doc, "gpt2");
  g_assert_false (pl_document_is_dirty (doc));
  pl_document_set_top_k (doc, 7);
  g_assert_true (pl_document_is_dirty (doc));
  g_assert_finalize_object (doc);
}

static void
test_stale (void)
{
  PlDocument *doc = pl_document_new ();
  int n_stale = 0;

  g_signal_connect (doc, "notify::stale", G_CALLBACK (count_notify), &n_stale);
  set_michelle (doc);
  pl_document_set_result (doc, michelle_result ());
  g_assert_false (pl_document_is_stale (doc));
  g_assert_nonnull (pl_document_get_result (doc));
  /* A new prompt: the result belongs to the old one. */
  pl_document_set_text (doc, PL_TEXT_CLEAN, "Michelle Jones was a top-notch student. She");
  g_assert_true (pl_document_is_stale (doc));
  /* Back to what made it: fresh again. */
  pl_document_set_text (doc, PL_TEXT_CLEAN, MICHELLE_CLEAN);
  g_assert_false (pl_document_is_stale (doc));
  pl_document_set_site (doc, PL_SITE_MLP_OUT);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_site (doc, PL_SITE_RESID_POST);
  pl_document_set_metric (doc, PL_METRIC_PROB_DIFF);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_metric (doc, PL_METRIC_LOGIT_DIFF);
  pl_document_set_text (doc, PL_TEXT_CORRUPTED_ANSWER, " Brown");
  g_assert_true (pl_document_is_stale (doc));
  g_assert_cmpint (n_stale, ==, 7);
  /* k does not change the matrix. */
  pl_document_set_text (doc, PL_TEXT_CORRUPTED_ANSWER, " Smith");
  pl_document_set_top_k (doc, 3);
  g_assert_false (pl_document_is_stale (doc));
  pl_document_set_result (doc, NULL);
  g_assert_null (pl_document_get_result (doc));
  g_assert_finalize_object (doc);
}

/* Another model loaded after the sweep: its numbers are the other model's. */
static void
test_stale_model (void)
{
  PlDocument *doc = pl_document_new ();

  pl_document_set_model (doc, "gpt2");
  set_michelle (doc);
  pl_document_set_result (doc, michelle_result ());
  g_assert_false (pl_document_is_stale (doc));
  pl_document_set_model (doc, "gpt2-medium");
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_model (doc, "gpt2");
  g_assert_false (pl_document_is_stale (doc));
  g_assert_finalize_object (doc);
}

/* The direction always makes a result stale; the granularity only for a head site. */
static void
test_stale_direction (void)
{
  PlDocument *doc = pl_document_new ();
  int n_direction = 0, n_by_pos = 0;

  g_signal_connect (doc, "notify::direction", G_CALLBACK (count_notify), &n_direction);
  g_signal_connect (doc, "notify::by-position", G_CALLBACK (count_notify), &n_by_pos);
  set_michelle (doc);
  pl_document_set_result (doc, michelle_result ());
  g_assert_false (pl_document_is_stale (doc));
  g_object_set (doc, "direction", (guint) PL_DIRECTION_NOISE, NULL);
  g_object_set (doc, "direction", (guint) PL_DIRECTION_NOISE, NULL);   /* no change */
  g_assert_cmpint (n_direction, ==, 1);
  g_assert_cmpint (pl_document_get_direction (doc), ==, PL_DIRECTION_NOISE);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_direction (doc, PL_DIRECTION_DENOISE);
  g_assert_false (pl_document_is_stale (doc));
  /* A block-site result has one shape: by position does not change it. */
  g_object_set (doc, "by-position", TRUE, NULL);
  g_assert_cmpint (n_by_pos, ==, 1);
  g_assert_true (pl_document_get_by_position (doc));
  g_assert_false (pl_document_is_stale (doc));
  g_assert_finalize_object (doc);
}

/* A head-site result made at all positions is stale once by position is chosen. */
static void
test_stale_by_position (void)
{
  PlDocument *doc = pl_document_new ();
  PlSweepResult *r = pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT, " Jones",
                                        " Smith");

  r->site = PL_SITE_HEAD_OUT;
  set_michelle (doc);
  pl_document_set_site (doc, PL_SITE_HEAD_OUT);
  pl_document_set_result (doc, pl_shared_new (r, (GDestroyNotify) pl_sweep_result_free));
  g_assert_false (pl_document_is_stale (doc));
  pl_document_set_by_position (doc, TRUE);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_by_position (doc, FALSE);
  g_assert_false (pl_document_is_stale (doc));
  g_assert_finalize_object (doc);
}

/* Direction and granularity go through the file and come back; an old file without
 * them opens as denoise at all positions. */
static void
test_save_direction (void)
{
  PlDocument *doc = pl_document_new ();
  PlDocument *back = pl_document_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "direction.patchlens", NULL);
  g_autoptr(GError) error = NULL;
  PlExperiment *e;

  set_michelle (doc);
  pl_document_set_site (doc, PL_SITE_HEAD_Q);
  pl_document_set_direction (doc, PL_DIRECTION_NOISE);
  pl_document_set_by_position (doc, TRUE);
  g_assert_true (pl_document_save (doc, path, &error));
  g_assert_no_error (error);
  e = pl_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->direction, ==, PL_DIRECTION_NOISE);
  g_assert_true (e->by_position);
  pl_document_load (back, e, path);
  g_assert_cmpint (pl_document_get_site (back), ==, PL_SITE_HEAD_Q);
  g_assert_cmpint (pl_document_get_direction (back), ==, PL_DIRECTION_NOISE);
  g_assert_true (pl_document_get_by_position (back));
  g_assert_false (pl_document_is_dirty (back));
  /* An old file: no direction, no by_position. */
  g_assert_true (g_file_set_contents (path,
      "{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"a\", "
      "\"corrupted\": \"b\", \"clean_answer\": \" x\", \"corrupted_answer\": \" y\", "
      "\"site\": \"resid_post\", \"metric\": \"logit-diff\"}", -1, &error));
  e = pl_experiment_load (path, &error);
  g_assert_no_error (error);
  pl_document_load (back, e, path);
  g_assert_cmpint (pl_document_get_direction (back), ==, PL_DIRECTION_DENOISE);
  g_assert_false (pl_document_get_by_position (back));
  g_remove (path);
  g_assert_finalize_object (doc);
  g_assert_finalize_object (back);
}

/* Save, Save, Save to the path the document came from: the same file each time (the
 * path survives being saved to itself), and nothing else appears in the folder. */
static void
test_save_three_times (void)
{
  PlDocument *doc = pl_document_new ();
  g_autofree char *dir = g_build_filename (tmp_dir, "three", NULL);
  g_autofree char *path = g_build_filename (dir, "michelle.patchlens", NULL);
  g_autoptr(GError) error = NULL;
  GDir *d;
  int n = 0;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  set_michelle (doc);
  g_assert_null (pl_document_dup_basename (doc));
  g_assert_true (pl_document_save (doc, path, &error));
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *base = NULL;
      g_autoptr(PlExperiment) e = NULL;
      g_autofree char *clean = g_strdup_printf ("Michelle Jones was a top-notch student %d.", i);

      pl_document_set_text (doc, PL_TEXT_CLEAN, clean);
      g_assert_true (pl_document_is_dirty (doc));
      g_assert_true (pl_document_save (doc, pl_document_get_path (doc), &error));
      g_assert_no_error (error);
      g_assert_false (pl_document_is_dirty (doc));
      g_assert_cmpstr (pl_document_get_path (doc), ==, path);
      base = pl_document_dup_basename (doc);
      g_assert_cmpstr (base, ==, "michelle.patchlens");
      e = pl_experiment_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (e->clean, ==, clean);
    }
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    n++;
  g_dir_close (d);
  g_assert_cmpint (n, ==, 1);
  g_remove (path);
  g_rmdir (dir);
  g_assert_finalize_object (doc);
}

/* A result saved after the prompts changed keeps its own inputs and reopens stale. */
static void
test_save_stale (void)
{
  PlDocument *doc = pl_document_new ();
  PlDocument *back = pl_document_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "stale.patchlens", NULL);
  g_autoptr(GError) error = NULL;
  PlExperiment *e;
  PlSweepResult *r;

  set_michelle (doc);
  pl_document_set_result (doc, michelle_result ());
  pl_document_set_text (doc, PL_TEXT_CLEAN, "Michelle Jones was a very top-notch student. Michelle");
  g_assert_true (pl_document_is_stale (doc));
  g_assert_true (pl_document_save (doc, path, &error));
  e = pl_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e->result);
  g_assert_cmpstr (e->result->inputs->clean.text, ==, MICHELLE_CLEAN);
  g_assert_cmpint (e->result->n_positions, ==, e->result->inputs->clean.n_tokens);
  pl_document_load (back, e, path);
  g_assert_true (pl_document_is_stale (back));
  g_assert_false (pl_document_is_dirty (back));
  r = pl_document_get_result (back);
  g_assert_cmpint (r->n_positions, ==, 11);
  g_assert_cmpstr (pl_document_get_text (back, PL_TEXT_CLEAN), ==,
                   "Michelle Jones was a very top-notch student. Michelle");
  g_remove (path);
  g_assert_finalize_object (doc);
  g_assert_finalize_object (back);
}

/* A failed save changes nothing: not the path, not the dirty flag. */
static void
test_save_fails (void)
{
  PlDocument *doc = pl_document_new ();
  g_autoptr(GError) error = NULL;

  set_michelle (doc);
  g_assert_false (pl_document_save (doc, "/nonexistent-dir/x.patchlens", &error));
  g_assert_nonnull (error);
  g_assert_null (pl_document_get_path (doc));
  g_assert_true (pl_document_is_dirty (doc));
  g_assert_finalize_object (doc);
}

/* ---- sets of pairs ---- */

static PlShared *
set_result (void)
{
  return pl_shared_new (pl_fixture_set_result (), (GDestroyNotify) pl_set_result_free);
}

/* The mode and the set are edits (dirty, notified once); in the Pairs mode "stale" is
 * about the set's result: the set, site or metric that made it, or another model. */
static void
test_pairs (void)
{
  PlDocument *doc = pl_document_new ();
  int n_mode = 0, n_pairs = 0;
  g_autofree char *edited = NULL;

  g_signal_connect (doc, "notify::mode", G_CALLBACK (count_notify), &n_mode);
  g_signal_connect (doc, "notify::pairs", G_CALLBACK (count_notify), &n_pairs);
  pl_document_set_model (doc, "gpt2");
  g_assert_cmpint (pl_document_get_mode (doc), ==, PL_DOCUMENT_SINGLE);
  g_assert_cmpstr (pl_document_get_pairs (doc), ==, "");
  pl_document_set_mode (doc, PL_DOCUMENT_PAIRS);
  pl_document_set_mode (doc, PL_DOCUMENT_PAIRS);
  g_assert_cmpint (n_mode, ==, 1);
  g_assert_true (pl_document_is_dirty (doc));
  pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);
  pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);
  g_assert_cmpint (n_pairs, ==, 1);

  pl_document_set_set_result (doc, set_result ());
  g_assert_nonnull (pl_document_get_set_result (doc));
  g_assert_false (pl_document_is_stale (doc));
  /* One answer edited: the result is the old set's; back: fresh again. */
  edited = pl_fixture_replace (PL_FIXTURE_SET_JSONL, "\" Brown\"", "\" Davis\"");
  pl_document_set_pairs (doc, edited);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);
  g_assert_false (pl_document_is_stale (doc));
  /* The single pair's texts are not the set. */
  pl_document_set_text (doc, PL_TEXT_CLEAN, "Another prompt");
  g_assert_false (pl_document_is_stale (doc));
  pl_document_set_metric (doc, PL_METRIC_PROB_DIFF);
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_metric (doc, PL_METRIC_LOGIT_DIFF);
  pl_document_set_model (doc, "gpt2-medium");
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_model (doc, "gpt2");
  g_assert_false (pl_document_is_stale (doc));
  /* A line that is not a pair makes no key a result has. */
  pl_document_set_pairs (doc, "not json\n");
  g_assert_true (pl_document_is_stale (doc));
  pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);
  /* Back in the single mode, "stale" is the single result's again: there is none. */
  pl_document_set_metric (doc, PL_METRIC_PROB_DIFF);
  pl_document_set_mode (doc, PL_DOCUMENT_SINGLE);
  g_assert_false (pl_document_is_stale (doc));
  g_assert_finalize_object (doc);
}

/* Saved and opened: the mode, the set and its result, clean and not stale. */
static void
test_pairs_save (void)
{
  PlDocument *doc = pl_document_new ();
  PlDocument *again = pl_document_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "set.patchlens", NULL);
  g_autoptr(GError) error = NULL;
  PlExperiment *e;

  pl_document_set_mode (doc, PL_DOCUMENT_PAIRS);
  pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);
  pl_document_set_set_result (doc, set_result ());
  g_assert_true (pl_document_save (doc, path, &error));
  g_assert_no_error (error);
  g_assert_false (pl_document_is_dirty (doc));
  e = pl_experiment_load (path, &error);
  g_assert_no_error (error);
  pl_document_load (again, e, path);
  g_assert_cmpint (pl_document_get_mode (again), ==, PL_DOCUMENT_PAIRS);
  g_assert_cmpstr (pl_document_get_pairs (again), ==, PL_FIXTURE_SET_JSONL);
  g_assert_nonnull (pl_document_get_set_result (again));
  g_assert_cmpint (pl_document_get_set_result (again)->n_pairs, ==, 2);
  g_assert_false (pl_document_is_stale (again));
  g_assert_false (pl_document_is_dirty (again));
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_finalize_object (doc);
  g_assert_finalize_object (again);
}

int
main (int argc, char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("pl-document-XXXXXX", NULL);
  g_test_add_func ("/Patchlens/Document/notify", test_notify);
  g_test_add_func ("/Patchlens/Document/stale", test_stale);
  g_test_add_func ("/Patchlens/Document/stale-model", test_stale_model);
  g_test_add_func ("/Patchlens/Document/stale-direction", test_stale_direction);
  g_test_add_func ("/Patchlens/Document/stale-by-position", test_stale_by_position);
  g_test_add_func ("/Patchlens/Document/save-direction", test_save_direction);
  g_test_add_func ("/Patchlens/Document/save-three-times", test_save_three_times);
  g_test_add_func ("/Patchlens/Document/save-stale", test_save_stale);
  g_test_add_func ("/Patchlens/Document/save-fails", test_save_fails);
  g_test_add_func ("/Patchlens/Document/pairs", test_pairs);
  g_test_add_func ("/Patchlens/Document/pairs-save", test_pairs_save);
  rc = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return rc;
}
