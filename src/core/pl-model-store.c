/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-store.c: where GPT-2 models live on this machine, and which one a name means.
 *
 * Environment variables are read on every call (never cached, unlike
 * g_get_user_data_dir ()), so a test or a user who changes them sees the change.
 */
#include "pl-model-store.h"
#include "pl-error.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *const known_names[] = {
  "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2", NULL
};

/* The files of a model, in the order a download fetches them. */
static const char *const model_files[] = {
  "config.json", "vocab.json", "merges.txt", "model.safetensors", NULL
};

/* One place a name may live. */
typedef enum {
  PLACE_PATCHLENS_MODELS,
  PLACE_USER_DIR,
  PLACE_HF_CACHE,   /* a Hugging Face repo folder, models--...; the model is in a snapshot */
} PlaceKind;

typedef struct {
  PlaceKind  kind;
  char      *path;
} Place;

static const char *const place_sources[] = {
  [PLACE_PATCHLENS_MODELS] = "PATCHLENS_MODELS",
  [PLACE_USER_DIR]         = "patchlens",
  [PLACE_HF_CACHE]         = "huggingface-cache",
};

const char *const *
pl_model_store_known_names (void)
{
  return known_names;
}

gboolean
pl_model_store_is_known_name (const char *name)
{
  return name != NULL && g_strv_contains (known_names, name);
}

char *
pl_model_store_hub_repo (const char *name)
{
  /* distilgpt2 was published by Hugging Face's distillation team, not by OpenAI. */
  if (g_strcmp0 (name, "distilgpt2") == 0)
    return g_strdup ("distilbert/distilgpt2");
  return g_strconcat ("openai-community/", name, NULL);
}

/* An environment variable, or NULL when unset or empty. */
static const char *
env_nonempty (const char *var)
{
  const char *v = g_getenv (var);
  return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* $HOME at call time; g_get_home_dir () caches its first answer. */
static const char *
home_dir (void)
{
  const char *home = env_nonempty ("HOME");
  return home != NULL ? home : g_get_home_dir ();
}

char *
pl_model_store_user_dir (const char *name)
{
  const char *xdg = env_nonempty ("XDG_DATA_HOME");
  if (xdg != NULL)
    return g_build_filename (xdg, "patchlens", "models", name, NULL);
  return g_build_filename (home_dir (), ".local", "share", "patchlens", "models", name,
                           NULL);
}

/* The Hugging Face hub cache, as huggingface_hub finds it: $HF_HUB_CACHE, else
 * $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
static char *
hf_hub_cache (void)
{
  const char *v;

  if ((v = env_nonempty ("HF_HUB_CACHE")) != NULL)
    return g_strdup (v);
  if ((v = env_nonempty ("HF_HOME")) != NULL)
    return g_build_filename (v, "hub", NULL);
  if ((v = env_nonempty ("XDG_CACHE_HOME")) != NULL)
    return g_build_filename (v, "huggingface", "hub", NULL);
  return g_build_filename (home_dir (), ".cache", "huggingface", "hub", NULL);
}

static void
place_clear (gpointer p)
{
  g_free (((Place *) p)->path);
}

static void
add_place (GArray *places, PlaceKind kind, char *path)
{
  Place p = { kind, path };
  g_array_append_val (places, p);
}

/* Every place name may live, in order of precedence, as an array of Place. */
static GArray *
places_for (const char *name)
{
  GArray *places = g_array_new (FALSE, FALSE, sizeof (Place));
  const char *env = env_nonempty ("PATCHLENS_MODELS");
  g_autofree char *hub = hf_hub_cache ();
  g_autofree char *repo = pl_model_store_hub_repo (name);
  g_auto(GStrv) parts = g_strsplit (repo, "/", 2);
  /* The cache names a repository org/name as models--org--name. */
  g_autofree char *community = g_strconcat ("models--", parts[0], "--", parts[1], NULL);
  g_autofree char *legacy = g_strconcat ("models--", name, NULL);

  g_array_set_clear_func (places, place_clear);
  if (env != NULL)
    {
      /* Like PATH, it may hold several folders. */
      g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          add_place (places, PLACE_PATCHLENS_MODELS,
                     g_build_filename (dirs[i], name, NULL));
    }
  add_place (places, PLACE_USER_DIR, pl_model_store_user_dir (name));
  add_place (places, PLACE_HF_CACHE, g_build_filename (hub, community, NULL));
  add_place (places, PLACE_HF_CACHE, g_build_filename (hub, legacy, NULL));
  return places;
}

char **
pl_model_store_search_paths (const char *name)
{
  g_autoptr(GArray) places = places_for (name);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < places->len; i++)
    g_strv_builder_add (b, g_array_index (places, Place, i).path);
  return g_strv_builder_end (b);
}

static gboolean
has_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  /* g_file_test follows symlinks: a dangling link into blobs/ does not count. */
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* A folder counts as a model when it holds config.json and model.safetensors
 * (the tokenizer files may come from Patchlens' own data). */
static gboolean
is_model_dir (const char *dir)
{
  return has_file (dir, "config.json") && has_file (dir, "model.safetensors");
}

/* The revision refs/main points at, or NULL. */
static char *
hf_main_revision (const char *repo)
{
  g_autofree char *ref = g_build_filename (repo, "refs", "main", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (ref, &text, NULL, NULL))
    return NULL;
  g_strstrip (text);
  /* A revision is a commit hash; refuse anything that could climb out of snapshots/. */
  if (text[0] == '\0' || strchr (text, '/') != NULL || strcmp (text, "..") == 0)
    return NULL;
  return g_steal_pointer (&text);
}

typedef struct {
  char   *path;
  gint64  mtime;
} Snapshot;

static int
snapshot_newer_first (gconstpointer a, gconstpointer b)
{
  const Snapshot *x = a, *y = b;
  return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

static void
snapshot_clear (gpointer p)
{
  g_free (((Snapshot *) p)->path);
}

/* The snapshot folders of a repo: refs/main's first, then the others newest first. */
static GArray *
hf_snapshots (const char *repo)
{
  GArray *snaps = g_array_new (FALSE, FALSE, sizeof (Snapshot));
  g_autofree char *dir = g_build_filename (repo, "snapshots", NULL);
  g_autofree char *main_rev = hf_main_revision (repo);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  g_array_set_clear_func (snaps, snapshot_clear);
  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      Snapshot s = { g_build_filename (dir, entry, NULL), 0 };
      GStatBuf st;

      if (g_stat (s.path, &st) != 0 || !S_ISDIR (st.st_mode))
        {
          g_free (s.path);
          continue;
        }
      /* refs/main's revision sorts before every mtime. */
      s.mtime = (main_rev != NULL && strcmp (entry, main_rev) == 0) ? G_MAXINT64
                                                                     : (gint64) st.st_mtime;
      g_array_append_val (snaps, s);
    }
  g_array_sort (snaps, snapshot_newer_first);
  return snaps;
}

/* The folder a place offers: the place itself, or for a Hugging Face repo the first
 * snapshot that counts as a model (else the first snapshot, so an incomplete one can be
 * reported). NULL when there is nothing there. */
static char *
place_folder (const Place *place)
{
  g_autoptr(GArray) snaps = NULL;

  if (place->kind != PLACE_HF_CACHE)
    return g_file_test (place->path, G_FILE_TEST_IS_DIR) ? g_strdup (place->path) : NULL;

  snaps = hf_snapshots (place->path);
  if (snaps->len == 0)
    return NULL;
  for (guint i = 0; i < snaps->len; i++)
    if (is_model_dir (g_array_index (snaps, Snapshot, i).path))
      return g_strdup (g_array_index (snaps, Snapshot, i).path);
  return g_strdup (g_array_index (snaps, Snapshot, 0).path);
}

/* Why a folder does not count, for the "searched:" list. */
static const char *
missing_reason (const char *folder)
{
  if (folder == NULL)
    return "nothing there";
  if (!has_file (folder, "config.json"))
    return "no config.json";
  if (has_file (folder, "pytorch_model.bin"))
    return "only pytorch_model.bin: .bin checkpoints are not supported; fetch the "
           "repository's model.safetensors";
  if (has_file (folder, "model.safetensors.index.json"))
    return "a sharded checkpoint: not supported; Patchlens needs one model.safetensors";
  return "no model.safetensors: an unfinished download?";
}

static char *
not_found_message (const char *name, GArray *places)
{
  GString *msg = g_string_new (NULL);

  g_string_append_printf (msg, "Model '%s' not found. Searched:", name);
  for (guint i = 0; i < places->len; i++)
    {
      const Place *p = &g_array_index (places, Place, i);
      g_autofree char *folder = place_folder (p);
      g_string_append_printf (msg, "\n  %s (%s)", p->path, missing_reason (folder));
    }
  g_string_append_printf (msg, "\nDownload it with 'patchlens-cli download %s', or give "
                          "the folder that holds config.json and model.safetensors.",
                          name);
  return g_string_free (msg, FALSE);
}

/* A path has a slash (or is . or ..); anything else is a name. */
static gboolean
is_path (const char *s)
{
  return strchr (s, G_DIR_SEPARATOR) != NULL || strcmp (s, ".") == 0
         || strcmp (s, "..") == 0;
}

static char *
resolve_path (const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_strdup (path);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    g_set_error (error, PL_ERROR, PL_ERROR_NOT_FOUND,
                 "'%s' is a file, not a model folder: give the folder that holds "
                 "config.json and model.safetensors", path);
  else
    g_set_error (error, PL_ERROR, PL_ERROR_NOT_FOUND, "There is no folder '%s'", path);
  return NULL;
}

char *
pl_model_store_resolve (const char *name_or_dir,
                        GError    **error)
{
  g_autoptr(GArray) places = NULL;
  g_autofree char *msg = NULL;

  if (name_or_dir == NULL || name_or_dir[0] == '\0')
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           "No model given: give a folder or a name (gpt2, gpt2-medium, "
                           "gpt2-large, gpt2-xl, distilgpt2)");
      return NULL;
    }
  if (is_path (name_or_dir))
    return resolve_path (name_or_dir, error);
  /* A bare name: a folder of that name here only when it holds a model (or when the
   * name is no store name, so the loader can say what the folder lacks). */
  if (g_file_test (name_or_dir, G_FILE_TEST_IS_DIR)
      && (is_model_dir (name_or_dir) || !pl_model_store_is_known_name (name_or_dir)))
    return g_strdup (name_or_dir);
  if (!pl_model_store_is_known_name (name_or_dir))
    {
      g_autofree char *names = g_strjoinv (", ", (char **) known_names);
      g_set_error (error, PL_ERROR, PL_ERROR_NOT_FOUND,
                   "'%s' is neither a known model name (%s) nor a folder here; write a "
                   "folder as a path, such as ./%s or /path/to/%s", name_or_dir, names,
                   name_or_dir, name_or_dir);
      return NULL;
    }

  places = places_for (name_or_dir);
  for (guint i = 0; i < places->len; i++)
    {
      g_autofree char *folder = place_folder (&g_array_index (places, Place, i));
      if (folder != NULL && is_model_dir (folder))
        return g_steal_pointer (&folder);
    }
  msg = not_found_message (name_or_dir, places);
  if (g_file_test (name_or_dir, G_FILE_TEST_IS_DIR))
    {
      /* Say why the folder of the same name here was not taken. */
      char *more = g_strdup_printf ("%s\n(The folder ./%s here holds no config.json and "
                                    "model.safetensors, so the name was looked up.)", msg,
                                    name_or_dir);
      g_free (msg);
      msg = more;
    }
  g_set_error_literal (error, PL_ERROR, PL_ERROR_NOT_FOUND, msg);
  return NULL;
}

static PlModelEntry *
entry_new (const char *name, const Place *place, char *folder)
{
  PlModelEntry *e = g_new0 (PlModelEntry, 1);

  e->name = g_strdup (name);
  e->path = folder;
  e->source = g_strdup (place_sources[place->kind]);
  e->complete = TRUE;
  for (guint i = 0; model_files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (folder, model_files[i], NULL);
      GStatBuf st;

      /* g_stat follows the cache's symlinks to the blobs. */
      if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode))
        e->size += (guint64) st.st_size;
      else
        e->complete = FALSE;
    }
  return e;
}

static gboolean
list_has_path (GPtrArray *found, const char *path)
{
  for (guint i = 0; i < found->len; i++)
    if (strcmp (((PlModelEntry *) g_ptr_array_index (found, i))->path, path) == 0)
      return TRUE;
  return FALSE;
}

GPtrArray *
pl_model_store_list (void)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_entry_free);

  for (guint n = 0; known_names[n] != NULL; n++)
    {
      g_autoptr(GArray) places = places_for (known_names[n]);

      for (guint i = 0; i < places->len; i++)
        {
          const Place *p = &g_array_index (places, Place, i);
          char *folder = place_folder (p);

          /* The same folder may be reached twice (PATCHLENS_MODELS = the user dir). */
          if (folder == NULL || list_has_path (found, folder))
            g_free (folder);
          else
            g_ptr_array_add (found, entry_new (known_names[n], p, folder));
        }
    }
  return found;
}

void
pl_model_entry_free (PlModelEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->name);
  g_free (e->path);
  g_free (e->source);
  g_free (e);
}
