/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-model-store.c: finding models in temporary folders that stand in for
 * $PATCHLENS_MODELS, $XDG_DATA_HOME and a Hugging Face cache (with its refs/, snapshots/
 * and blobs/ symlinks), and the order in which those places win.
 */
#include "pl-error.h"
#include "pl-model-store.h"
#include "pl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Every test runs in a fresh root with only the variables it sets. */
typedef struct {
  char *root;
} Fixture;

static const char *const env_vars[] = {
  "PATCHLENS_MODELS", "XDG_DATA_HOME", "XDG_CACHE_HOME", "HF_HUB_CACHE", "HF_HOME", NULL
};

static char *
path (Fixture *f, const char *rel)
{
  return g_build_filename (f->root, rel, NULL);
}

static void
write_file (const char *file, const char *text)
{
  g_autofree char *dir = g_path_get_dirname (file);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (file, text, -1, &error);
  g_assert_no_error (error);
}

/* A model folder: config.json and model.safetensors, plus the tokenizer when complete. */
static void
make_model (const char *dir, gboolean complete)
{
  const char *names[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt" };

  for (guint i = 0; i < (complete ? 4u : 2u); i++)
    {
      g_autofree char *file = g_build_filename (dir, names[i], NULL);
      write_file (file, "0123456789");   /* 10 bytes each */
    }
}

/* The Hugging Face cache layout: blobs/<hash> and snapshots/<rev>/FILE -> ../../blobs/<hash>. */
static void
make_hf_repo (const char *repo, const char *rev, gboolean set_main, gboolean complete)
{
  const char *names[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt" };

  for (guint i = 0; i < (complete ? 4u : 1u); i++)
    {
      g_autofree char *hash = g_strdup_printf ("%s-blob%u", rev, i);
      g_autofree char *blob = g_build_filename (repo, "blobs", hash, NULL);
      g_autofree char *link = g_build_filename (repo, "snapshots", rev, names[i], NULL);
      g_autofree char *target = g_build_filename ("..", "..", "blobs", hash, NULL);
      g_autofree char *link_dir = g_path_get_dirname (link);

      write_file (blob, "hf-blob-bytes");   /* 13 bytes each */
      g_assert_cmpint (g_mkdir_with_parents (link_dir, 0755), ==, 0);
      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  if (set_main)
    {
      g_autofree char *ref = g_build_filename (repo, "refs", "main", NULL);
      write_file (ref, rev);
    }
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree char *home = NULL;
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("pl-store-XXXXXX", &error);
  g_assert_no_error (error);
  home = path (f, "home");
  g_assert_cmpint (g_mkdir_with_parents (home, 0755), ==, 0);
  g_setenv ("HOME", home, TRUE);
  for (guint i = 0; env_vars[i] != NULL; i++)
    g_unsetenv (env_vars[i]);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  pl_test_remove_tree (f->root);
  g_free (f->root);
}

static char *
resolve_ok (const char *name)
{
  g_autoptr(GError) error = NULL;
  char *dir = pl_model_store_resolve (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

static void
test_known_names (void)
{
  const char *const *names = pl_model_store_known_names ();

  g_assert_cmpuint (g_strv_length ((char **) names), ==, 5);
  g_assert_cmpstr (names[0], ==, "gpt2");
  g_assert_true (pl_model_store_is_known_name ("distilgpt2"));
  g_assert_true (pl_model_store_is_known_name ("gpt2-xl"));
  g_assert_false (pl_model_store_is_known_name ("gpt9"));
  g_assert_false (pl_model_store_is_known_name (NULL));
}

static void
test_patchlens_models (Fixture *f, gconstpointer data)
{
  g_autofree char *models = path (f, "models");
  g_autofree char *gpt2 = path (f, "models/gpt2");
  g_autofree char *dir = NULL;
  g_auto(GStrv) searched = NULL;

  make_model (gpt2, TRUE);
  g_setenv ("PATCHLENS_MODELS", models, TRUE);
  dir = resolve_ok ("gpt2");
  g_assert_cmpstr (dir, ==, gpt2);
  searched = pl_model_store_search_paths ("gpt2");
  g_assert_cmpstr (searched[0], ==, gpt2);
}

static void
test_xdg_data_home (Fixture *f, gconstpointer data)
{
  g_autofree char *xdg = path (f, "data");
  g_autofree char *want = path (f, "data/patchlens/models/gpt2-medium");
  g_autofree char *fallback = path (f, "home/.local/share/patchlens/models/gpt2");
  g_autofree char *user_dir = NULL, *user_dir2 = NULL, *dir = NULL;

  /* Without XDG_DATA_HOME, the user folder is under $HOME, read at call time. */
  user_dir = pl_model_store_user_dir ("gpt2");
  g_assert_cmpstr (user_dir, ==, fallback);

  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  user_dir2 = pl_model_store_user_dir ("gpt2-medium");
  g_assert_cmpstr (user_dir2, ==, want);
  make_model (want, FALSE);
  dir = resolve_ok ("gpt2-medium");
  g_assert_cmpstr (dir, ==, want);
}

static void
test_hf_cache_layout (Fixture *f, gconstpointer data)
{
  g_autofree char *hub = path (f, "hub");
  g_autofree char *repo = path (f, "hub/models--openai-community--gpt2");
  g_autofree char *main_snap = path (f, "hub/models--openai-community--gpt2/snapshots/"
                                        "aaaa1111");
  g_autofree char *legacy = path (f, "hub/models--distilgpt2");
  g_autofree char *legacy_snap = path (f, "hub/models--distilgpt2/snapshots/cccc3333");
  g_autofree char *dir = NULL, *dir2 = NULL;
  g_autofree char *config = NULL;
  g_autofree char *text = NULL;

  g_setenv ("HF_HUB_CACHE", hub, TRUE);
  /* refs/main names aaaa1111; bbbb2222 is another, incomplete revision. */
  make_hf_repo (repo, "aaaa1111", TRUE, TRUE);
  make_hf_repo (repo, "bbbb2222", FALSE, FALSE);
  dir = resolve_ok ("gpt2");
  g_assert_cmpstr (dir, ==, main_snap);
  /* Symlinks into blobs/ are followed. */
  config = g_build_filename (dir, "config.json", NULL);
  g_assert_true (g_file_get_contents (config, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "hf-blob-bytes");

  /* The older layout, without the organisation, and without refs/main. */
  make_hf_repo (legacy, "cccc3333", FALSE, TRUE);
  dir2 = resolve_ok ("distilgpt2");
  g_assert_cmpstr (dir2, ==, legacy_snap);
}

/* A snapshot whose model.safetensors points at a missing blob (an unfinished HF
 * download) does not count; another complete snapshot does. */
static void
test_hf_dangling_blob (Fixture *f, gconstpointer data)
{
  g_autofree char *hub = path (f, "hub");
  g_autofree char *repo = path (f, "hub/models--openai-community--gpt2-large");
  g_autofree char *blob = path (f, "hub/models--openai-community--gpt2-large/blobs/"
                                   "main1-blob1");
  g_autofree char *other = path (f, "hub/models--openai-community--gpt2-large/snapshots/"
                                    "old2");
  g_autofree char *dir = NULL;

  g_setenv ("HF_HUB_CACHE", hub, TRUE);
  make_hf_repo (repo, "main1", TRUE, TRUE);
  make_hf_repo (repo, "old2", FALSE, TRUE);
  g_assert_cmpint (g_unlink (blob), ==, 0);
  dir = resolve_ok ("gpt2-large");
  g_assert_cmpstr (dir, ==, other);
}

static void
test_hf_env_precedence (Fixture *f, gconstpointer data)
{
  g_autofree char *hub_cache = path (f, "hubcache");
  g_autofree char *hf_home = path (f, "hfhome");
  g_autofree char *a = path (f, "hubcache/models--openai-community--gpt2");
  g_autofree char *b = path (f, "hfhome/hub/models--openai-community--gpt2");
  g_autofree char *c = path (f, "home/.cache/huggingface/hub/models--openai-community--gpt2");
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL;

  make_hf_repo (a, "r1", TRUE, TRUE);
  make_hf_repo (b, "r2", TRUE, TRUE);
  make_hf_repo (c, "r3", TRUE, TRUE);
  g_setenv ("HF_HUB_CACHE", hub_cache, TRUE);
  g_setenv ("HF_HOME", hf_home, TRUE);
  d1 = resolve_ok ("gpt2");
  g_assert_true (g_str_has_prefix (d1, a));
  g_assert_true (g_str_has_suffix (d1, "/snapshots/r1"));

  g_unsetenv ("HF_HUB_CACHE");
  d2 = resolve_ok ("gpt2");
  g_assert_true (g_str_has_prefix (d2, b));

  g_unsetenv ("HF_HOME");
  d3 = resolve_ok ("gpt2");
  g_assert_true (g_str_has_prefix (d3, c));
}

static void
test_place_precedence (Fixture *f, gconstpointer data)
{
  g_autofree char *models = path (f, "models");
  g_autofree char *env_dir = path (f, "models/gpt2");
  g_autofree char *user_dir = path (f, "home/.local/share/patchlens/models/gpt2");
  g_autofree char *community = path (f, "home/.cache/huggingface/hub/"
                                        "models--openai-community--gpt2");
  g_autofree char *legacy = path (f, "home/.cache/huggingface/hub/models--gpt2");
  g_autofree char *config = g_build_filename (env_dir, "config.json", NULL);
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL;
  g_auto(GStrv) searched = NULL;

  g_setenv ("PATCHLENS_MODELS", models, TRUE);
  searched = pl_model_store_search_paths ("gpt2");
  g_assert_cmpuint (g_strv_length (searched), ==, 4);
  g_assert_cmpstr (searched[0], ==, env_dir);
  g_assert_cmpstr (searched[1], ==, user_dir);
  g_assert_cmpstr (searched[2], ==, community);
  g_assert_cmpstr (searched[3], ==, legacy);

  make_model (env_dir, TRUE);
  make_model (user_dir, TRUE);
  make_hf_repo (community, "r1", TRUE, TRUE);
  make_hf_repo (legacy, "r2", TRUE, TRUE);
  d1 = resolve_ok ("gpt2");
  g_assert_cmpstr (d1, ==, env_dir);

  /* A place without model.safetensors (an unfinished download) is passed over. */
  g_assert_cmpint (g_unlink (config), ==, 0);
  d2 = resolve_ok ("gpt2");
  g_assert_cmpstr (d2, ==, user_dir);

  pl_test_remove_tree (user_dir);
  d3 = resolve_ok ("gpt2");
  g_assert_true (g_str_has_prefix (d3, community));

  pl_test_remove_tree (community);
  d4 = resolve_ok ("gpt2");
  g_assert_true (g_str_has_prefix (d4, legacy));
}

/* distilgpt2 is distilbert/distilgpt2 on the hub, cached as models--distilbert--... */
static void
test_distilbert_repo (Fixture *f, gconstpointer data)
{
  g_autofree char *hub = path (f, "hub");
  g_autofree char *repo = path (f, "hub/models--distilbert--distilgpt2");
  g_autofree char *snap = path (f, "hub/models--distilbert--distilgpt2/snapshots/dddd");
  g_autofree char *distil = pl_model_store_hub_repo ("distilgpt2");
  g_autofree char *gpt2 = pl_model_store_hub_repo ("gpt2");
  g_autofree char *dir = NULL;

  g_assert_cmpstr (distil, ==, "distilbert/distilgpt2");
  g_assert_cmpstr (gpt2, ==, "openai-community/gpt2");
  g_setenv ("HF_HUB_CACHE", hub, TRUE);
  make_hf_repo (repo, "dddd", TRUE, TRUE);
  dir = resolve_ok ("distilgpt2");
  g_assert_cmpstr (dir, ==, snap);
}

/* A path has a slash; a bare name is a store name, or the folder of that name here
 * only when it holds a model. */
static void
test_name_or_path (Fixture *f, gconstpointer data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *work = path (f, "work");
  g_autofree char *here = path (f, "work/gpt2");
  g_autofree char *store = path (f, "store");
  g_autofree char *stored = path (f, "store/gpt2");
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (here, 0755), ==, 0);
  make_model (stored, TRUE);
  g_setenv ("PATCHLENS_MODELS", store, TRUE);
  g_assert_cmpint (chdir (work), ==, 0);
  a = resolve_ok ("gpt2");          /* ./gpt2 is empty: the store's */
  g_assert_cmpstr (a, ==, stored);
  b = resolve_ok ("./gpt2");        /* a path: that folder, whatever it holds */
  g_assert_cmpstr (b, ==, "./gpt2");
  make_model (here, TRUE);
  c = resolve_ok ("gpt2");          /* now it holds a model: taken */
  g_assert_cmpstr (c, ==, "gpt2");
  g_assert_null (pl_model_store_resolve ("./missing", &error));
  g_assert_nonnull (strstr (error->message, "no folder"));
  g_clear_error (&error);
  g_assert_null (pl_model_store_resolve ("unknown-word", &error));
  g_assert_nonnull (strstr (error->message, "./unknown-word"));
  g_assert_cmpint (chdir (cwd), ==, 0);
}

static void
test_folder_given (Fixture *f, gconstpointer data)
{
  g_autofree char *anywhere = path (f, "some/where/my-model");
  g_autofree char *file = path (f, "some/where/my-model/config.json");
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  char *none;

  make_model (anywhere, TRUE);
  dir = resolve_ok (anywhere);
  g_assert_cmpstr (dir, ==, anywhere);

  none = pl_model_store_resolve (file, &error);
  g_assert_null (none);
  g_assert_error (error, PL_ERROR, PL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, "not a model folder"));
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autofree char *models = path (f, "models");
  g_autofree char *half = path (f, "models/gpt2-xl");
  g_autofree char *half_weights = path (f, "models/gpt2-xl/model.safetensors");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) searched = NULL;
  char *none;

  none = pl_model_store_resolve ("gpt9", &error);
  g_assert_null (none);
  g_assert_error (error, PL_ERROR, PL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'gpt9'"));
  g_assert_nonnull (strstr (error->message, "gpt2-medium"));   /* lists the known names */
  g_clear_error (&error);

  none = pl_model_store_resolve ("", &error);
  g_assert_null (none);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A known name found nowhere: the message lists every searched place, and says why
   * an unfinished folder did not count. */
  g_setenv ("PATCHLENS_MODELS", models, TRUE);
  make_model (half, FALSE);
  g_assert_cmpint (g_unlink (half_weights), ==, 0);
  none = pl_model_store_resolve ("gpt2-xl", &error);
  g_assert_null (none);
  g_assert_error (error, PL_ERROR, PL_ERROR_NOT_FOUND);
  searched = pl_model_store_search_paths ("gpt2-xl");
  for (guint i = 0; searched[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, searched[i]));
  g_assert_nonnull (strstr (error->message, "no model.safetensors"));
  g_assert_nonnull (strstr (error->message, "patchlens-cli download gpt2-xl"));
}

static PlModelEntry *
find_entry (GPtrArray *found, const char *name, const char *source)
{
  for (guint i = 0; i < found->len; i++)
    {
      PlModelEntry *e = g_ptr_array_index (found, i);
      if (strcmp (e->name, name) == 0 && strcmp (e->source, source) == 0)
        return e;
    }
  return NULL;
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autofree char *models = path (f, "models");
  g_autofree char *whole = path (f, "models/gpt2");
  g_autofree char *half = path (f, "home/.local/share/patchlens/models/gpt2-medium");
  g_autofree char *hub = path (f, "hub");
  g_autofree char *repo = path (f, "hub/models--openai-community--gpt2-large");
  g_autoptr(GPtrArray) empty = NULL;
  g_autoptr(GPtrArray) found = NULL;
  PlModelEntry *e;

  empty = pl_model_store_list ();
  g_assert_cmpuint (empty->len, ==, 0);

  g_setenv ("PATCHLENS_MODELS", models, TRUE);
  g_setenv ("HF_HUB_CACHE", hub, TRUE);
  make_model (whole, TRUE);
  make_model (half, FALSE);
  make_hf_repo (repo, "r1", TRUE, TRUE);
  found = pl_model_store_list ();
  g_assert_cmpuint (found->len, ==, 3);

  e = find_entry (found, "gpt2", "PATCHLENS_MODELS");
  g_assert_nonnull (e);
  g_assert_cmpstr (e->path, ==, whole);
  g_assert_true (e->complete);
  g_assert_cmpuint (e->size, ==, 40);

  e = find_entry (found, "gpt2-medium", "patchlens");
  g_assert_nonnull (e);
  g_assert_false (e->complete);   /* no vocab.json, merges.txt */
  g_assert_cmpuint (e->size, ==, 20);

  e = find_entry (found, "gpt2-large", "huggingface-cache");
  g_assert_nonnull (e);
  g_assert_true (e->complete);
  g_assert_cmpuint (e->size, ==, 4 * 13);   /* the blobs' sizes, through the symlinks */
  g_assert_true (g_str_has_suffix (e->path, "/snapshots/r1"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(p, fn) g_test_add ("/Patchlens/ModelStore/" p, Fixture, NULL, setup, fn, teardown)
  g_test_add_func ("/Patchlens/ModelStore/known-names", test_known_names);
  ADD ("patchlens-models", test_patchlens_models);
  ADD ("xdg-data-home", test_xdg_data_home);
  ADD ("hf-cache-layout", test_hf_cache_layout);
  ADD ("hf-dangling-blob", test_hf_dangling_blob);
  ADD ("hf-env-precedence", test_hf_env_precedence);
  ADD ("place-precedence", test_place_precedence);
  ADD ("folder-given", test_folder_given);
  ADD ("distilbert-repo", test_distilbert_repo);
  ADD ("name-or-path", test_name_or_path);
  ADD ("not-found", test_not_found);
  ADD ("list", test_list);
#undef ADD
  return g_test_run ();
}
