/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-document.h: what the user is working on, with no GTK: the four texts, site,
 * metric, k, the model reference, the last result (which carries the inputs that made
 * it), the file it came from, whether it has unsaved changes ("dirty") and whether the
 * result shown belongs to other inputs ("stale"). The window and its panels bind to its
 * properties (each notifies only on a real change) instead of reading each other's
 * widgets.
 *
 *   g_autoptr(PlDocument) doc = pl_document_new ();
 *   g_object_bind_property (doc, "clean", entry, "text", G_BINDING_BIDIRECTIONAL | ...);
 *   pl_document_set_result (doc, pl_shared_new (result, (GDestroyNotify) pl_sweep_result_free));
 *   pl_document_set_clean (doc, "Another prompt");   // now "stale" and "dirty"
 *   pl_document_save (doc, "a.patchlens", &error);   // "dirty" FALSE, "path" set
 *   pl_document_load (doc, experiment, "a.patchlens");
 *
 * A result is stale when any of the texts, the site, the metric, the direction or (head
 * sites) the granularity differ from the ones
 * in result->inputs, or when another model is loaded than the one the document named
 * when the result came (a sweep, or the file). Saving writes the current inputs and the result with its own
 * inputs (the result's JSON carries them), so a file never pairs a result with prompts
 * that did not make it; opening such a file shows the result as stale again.
 *
 * The model reference is a family name ("gpt2") when the model came from the store, a
 * folder otherwise. It is saved, but changing it alone does not make the document dirty:
 * loading the start-up model is not an edit.
 *
 * Sets of pairs: the document also holds a mode (one pair, or a set), the set as JSON
 * Lines text (pl-pair-set.h's format) and the set's result (a PlShared of PlSetResult).
 * In the Pairs mode "stale" is about the set's result: the set, site, metric or model
 * differ from the ones that made it. Editing the set makes the document dirty.
 *
 * To add a field (head sites, a direction…): a property, a slot in the setters' table
 * and, if a sweep depends on it, a line in pl_document_is_stale.
 */
#pragma once

#include <glib-object.h>

#include "pl-experiment.h"
#include "pl-shared.h"

G_BEGIN_DECLS

#define PL_TYPE_DOCUMENT (pl_document_get_type ())
G_DECLARE_FINAL_TYPE (PlDocument, pl_document, PL, DOCUMENT, GObject)

/* The four texts, for the generic accessors. */
typedef enum {
  PL_TEXT_CLEAN,
  PL_TEXT_CORRUPTED,
  PL_TEXT_CLEAN_ANSWER,
  PL_TEXT_CORRUPTED_ANSWER,
} PlText;
#define PL_N_TEXTS 4

PlDocument    *pl_document_new          (void);
/* A new experiment's site, metric and k (the last ones used): not an edit. */
void           pl_document_set_defaults (PlDocument  *self,
                                         PlSite       site,
                                         PlMetric     metric,
                                         int          k);

const char    *pl_document_get_text     (PlDocument  *self,
                                         PlText       which);   /* never NULL */
void           pl_document_set_text     (PlDocument  *self,
                                         PlText       which,
                                         const char  *text);    /* NULL is "" */
/* All four at once, one "dirty"/"stale" update (examples, undo). */
void           pl_document_set_texts    (PlDocument  *self,
                                         const char  *clean,
                                         const char  *corrupted,
                                         const char  *clean_answer,
                                         const char  *corrupted_answer);
PlSite         pl_document_get_site     (PlDocument  *self);
void           pl_document_set_site     (PlDocument  *self,
                                         PlSite       site);
PlMetric       pl_document_get_metric   (PlDocument  *self);
void           pl_document_set_metric   (PlDocument  *self,
                                         PlMetric     metric);
int            pl_document_get_top_k    (PlDocument  *self);
void           pl_document_set_top_k    (PlDocument  *self,
                                         int          k);
/* The sweep's direction and, for head sites, its granularity ("direction",
 * "by-position"): both make a result stale when they differ from the result's. */
PlDirection    pl_document_get_direction (PlDocument *self);
void           pl_document_set_direction (PlDocument *self,
                                          PlDirection direction);
gboolean       pl_document_get_by_position (PlDocument *self);
void           pl_document_set_by_position (PlDocument *self,
                                            gboolean    by_position);
/* The last direction and granularity used, for a new experiment: not an edit. */
void           pl_document_set_sweep_defaults (PlDocument *self,
                                               PlDirection direction,
                                               gboolean    by_position);
const char    *pl_document_get_model    (PlDocument  *self);   /* may be NULL */
void           pl_document_set_model    (PlDocument  *self,
                                         const char  *reference);

/* The result: a PlShared holding a PlSweepResult (worker threads keep their own refs).
 * set takes the caller's ref; NULL clears. */
void           pl_document_set_result   (PlDocument  *self,
                                         PlShared    *result);
PlShared      *pl_document_get_shared_result (PlDocument *self);   /* borrowed */
PlSweepResult *pl_document_get_result   (PlDocument  *self);   /* borrowed, may be NULL */
gboolean       pl_document_is_stale     (PlDocument  *self);

const char    *pl_document_get_path     (PlDocument  *self);   /* NULL: never saved */
gboolean       pl_document_is_dirty     (PlDocument  *self);
/* The file's base name, or NULL when it was never saved (the window says "Unsaved"). */
char          *pl_document_dup_basename (PlDocument  *self);

/* Writes the experiment to path (atomically); on success path becomes the document's
 * file and it is clean. On failure nothing changes. */
gboolean       pl_document_save         (PlDocument  *self,
                                         const char  *path,
                                         GError     **error);
/* Replaces everything with e (taken; its result moves into the document). path may be
 * NULL. The document is clean afterwards. */
void           pl_document_load         (PlDocument  *self,
                                         PlExperiment *e,
                                         const char  *path);
/* The document as an experiment; its result is borrowed: set e->result = NULL before
 * freeing e. */
PlExperiment  *pl_document_to_experiment (PlDocument *self);

/* ---- sets of pairs ---- */

typedef enum {
  PL_DOCUMENT_SINGLE,   /* one clean/corrupted pair: the texts above */
  PL_DOCUMENT_PAIRS,    /* a set of pairs: pl_document_get_pairs */
} PlDocumentMode;

PlDocumentMode pl_document_get_mode     (PlDocument  *self);
void           pl_document_set_mode     (PlDocument  *self,
                                         PlDocumentMode mode);
/* The set as JSON Lines, one pair a line; never NULL. */
const char    *pl_document_get_pairs    (PlDocument  *self);
void           pl_document_set_pairs    (PlDocument  *self,
                                         const char  *jsonl);   /* NULL is "" */
/* A PlShared holding a PlSetResult; set takes the caller's ref, NULL clears. */
void           pl_document_set_set_result (PlDocument *self,
                                           PlShared   *result);
PlShared      *pl_document_get_shared_set_result (PlDocument *self);   /* borrowed */
PlSetResult   *pl_document_get_set_result (PlDocument *self);   /* borrowed, may be NULL */

G_END_DECLS
