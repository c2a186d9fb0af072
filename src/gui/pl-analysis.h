/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis.h: the logit lens or the direct logit attribution of the document's
 * clean and corrupted prompts, as the app's views show them: the inputs are read and
 * validated on the main thread, the model work runs on a worker.
 *
 *   PlAnalysis *a = pl_analysis_new (PL_ANALYSIS_LENS, model, doc);   // validates
 *   pl_analysis_run_async (a, cancellable, on_done, self);            // takes a
 *   ...
 *   PlAnalysis *a = pl_analysis_run_finish (res, &error);
 *   if (a->lens[PL_SIDE_CLEAN]) ... else a->error[PL_SIDE_CLEAN]->message
 *   pl_analysis_matches (a, model, doc);   // still the inputs typed?
 *
 * Each side (the clean prompt, the corrupted prompt) has either a result or an error a
 * user can act on: the prompts panel's messages (an empty prompt, one over the model's
 * context, an answer that is not one token). The answers are A = the clean answer and
 * B = the corrupted answer, so the lens's difference and the attribution explain
 * logit(corrupted answer) − logit(clean answer), the patching heatmap's logit-diff.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pl-attribution.h"
#include "pl-document.h"
#include "pl-figure.h"
#include "pl-inputs.h"
#include "pl-lens.h"
#include "pl-model-loader.h"

G_BEGIN_DECLS

typedef enum {
  PL_ANALYSIS_LENS,
  PL_ANALYSIS_ATTRIBUTION,
} PlAnalysisKind;

typedef enum {
  PL_SIDE_CLEAN,
  PL_SIDE_CORRUPTED,
} PlSide;
#define PL_N_SIDES 2

typedef struct {
  PlAnalysisKind  kind;
  PlLoadedModel  *model;
  char           *model_name;
  char           *texts[PL_N_TEXTS];   /* the document's texts it was made from */
  char           *answers[3];          /* A (clean), B (corrupted) as typed, NULL */
  gint32          answer_ids[2];
  PlPrompt        prompt[PL_N_SIDES];
  GError         *error[PL_N_SIDES];   /* why a side has no result */
  PlLens         *lens[PL_N_SIDES];    /* PL_ANALYSIS_LENS */
  PlAttribution  *at[PL_N_SIDES];      /* PL_ANALYSIS_ATTRIBUTION */
} PlAnalysis;

/* Reads doc's four texts and validates them for model's tokenizer and context. */
PlAnalysis *pl_analysis_new        (PlAnalysisKind  kind,
                                    PlLoadedModel  *model,
                                    PlDocument     *doc);
void        pl_analysis_free       (PlAnalysis     *a);
/* TRUE when a was made by model from doc's current texts. */
gboolean    pl_analysis_matches    (const PlAnalysis *a,
                                    PlLoadedModel    *model,
                                    PlDocument       *doc);
PlTokenizer *pl_analysis_tokenizer (const PlAnalysis *a);

/* Runs the sides that validated on a worker thread; takes a. */
void        pl_analysis_run_async  (PlAnalysis          *a,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
PlAnalysis *pl_analysis_run_finish (GAsyncResult        *res,
                                    GError             **error);

/* The exports' checks and writing, shared by the views: the figure format of path
 * (.png .svg .pdf), and writing json or csv to path by its extension. Errors name the
 * file. */
gboolean    pl_analysis_figure_format (const char     *path,
                                       PlFigureFormat *format,
                                       GError        **error);
gboolean    pl_analysis_write_data    (const char     *path,
                                       JsonNode       *json,
                                       const char     *csv,
                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlAnalysis, pl_analysis_free)

G_END_DECLS
