/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-runner.h: keeps a view's PlAnalysis in step with the document and the
 * model: a change of the texts or the model marks the shown result stale and, while
 * the view is on screen (mapped), recomputes it on a worker a moment after the user
 * stops typing (debounced); a newer change cancels the run in flight. The view embeds
 * one and redraws in its update callback.
 *
 *   pl_analysis_runner_init (&self->runner, PL_ANALYSIS_LENS, GTK_WIDGET (self), update);
 *   pl_analysis_runner_set_document (&self->runner, doc);
 *   pl_analysis_runner_set_model (&self->runner, model);
 *   if (pl_analysis_runner_is_current (&self->runner)) show (self->runner.shown);
 *   pl_analysis_runner_clear (&self->runner);    // in dispose
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-analysis.h"

G_BEGIN_DECLS

typedef struct {
  PlAnalysisKind kind;
  GtkWidget     *view;          /* computes only while it is mapped */
  void         (*update) (GtkWidget *view);   /* shown, stale or busy changed */
  PlDocument    *doc;           /* ref */
  PlLoadedModel *model;         /* ref; NULL: none loaded */
  PlAnalysis    *shown;         /* the last result (NULL: none yet); may be stale */
  GCancellable  *cancellable;   /* the run in flight, NULL when none */
  guint          timeout;       /* the debounce */
  guint          serial;        /* counts the results: which one a view drew */
} PlAnalysisRunner;

void     pl_analysis_runner_init         (PlAnalysisRunner *r,
                                          PlAnalysisKind    kind,
                                          GtkWidget        *view,
                                          void            (*update) (GtkWidget *view));
void     pl_analysis_runner_clear        (PlAnalysisRunner *r);
void     pl_analysis_runner_set_document (PlAnalysisRunner *r,
                                          PlDocument       *doc);
void     pl_analysis_runner_set_model    (PlAnalysisRunner *r,
                                          PlLoadedModel    *model);
/* A run is scheduled or in flight. */
gboolean pl_analysis_runner_is_busy      (PlAnalysisRunner *r);
/* shown was made from the document's texts by the current model. */
gboolean pl_analysis_runner_is_current   (PlAnalysisRunner *r);

G_END_DECLS
