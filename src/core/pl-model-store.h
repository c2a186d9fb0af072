/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-store.h: finding GPT-2 models on this machine.
 *
 *   g_autofree char *dir = pl_model_store_resolve ("gpt2", &error);
 *   g_autoptr(GPtrArray) found = pl_model_store_list ();   // of PlModelEntry
 *
 * A name (gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2) resolves, in order, in
 *   1. $PATCHLENS_MODELS/NAME
 *   2. $XDG_DATA_HOME/patchlens/models/NAME (g_get_user_data_dir())
 *   3. the Hugging Face cache: $HF_HUB_CACHE, else $HF_HOME/hub, else
 *      ~/.cache/huggingface/hub; models--ORG--NAME for the hub repository ORG/NAME
 *      (pl_model_store_hub_repo: openai-community/NAME, distilbert/distilgpt2), then
 *      models--NAME, snapshots/<revision>/ (refs/main's revision first, else the
 *      newest), symlinks followed.
 * A folder counts when it holds config.json and model.safetensors.
 *
 * Names and paths, one rule: a path has a slash (./gpt2, /data/gpt2, models/x) or is .
 * or ..; it names a folder, and nothing is looked up. A bare word is a name: a known
 * name is looked up as above, except that a folder of that name in the current folder
 * is taken when it holds a model; an unknown bare word is taken as a folder if one
 * exists (the loader then says what it lacks).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char    *name;       /* "gpt2" */
  char    *path;       /* the folder */
  char    *source;     /* "PATCHLENS_MODELS", "patchlens", "huggingface-cache" */
  guint64  size;       /* bytes of the four files present */
  gboolean complete;   /* config.json, model.safetensors, vocab.json, merges.txt */
} PlModelEntry;

/* The names Patchlens knows how to download, NULL-terminated. */
const char *const *pl_model_store_known_names (void);
gboolean      pl_model_store_is_known_name (const char *name);

/* The hub repository of a known name, "openai-community/gpt2" or
 * "distilbert/distilgpt2"; any other name is taken as openai-community's. */
char         *pl_model_store_hub_repo      (const char *name);

/* The places searched, in order, for messages ("searched: ..."). Free with g_strfreev. */
char        **pl_model_store_search_paths  (const char *name);
/* Patchlens' own download folder for name: $XDG_DATA_HOME/patchlens/models/NAME. */
char         *pl_model_store_user_dir      (const char *name);

/* A folder or a name to a model folder; PL_ERROR_NOT_FOUND lists where it looked. */
char         *pl_model_store_resolve       (const char *name_or_dir,
                                            GError    **error);
/* Every model found in all places (known names only), as PlModelEntry. */
GPtrArray    *pl_model_store_list          (void);
void          pl_model_entry_free          (PlModelEntry *e);

G_END_DECLS
