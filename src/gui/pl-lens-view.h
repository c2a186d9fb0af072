/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens-view.h: the Logit Lens page: a layer boundary × position grid of the clean or
 * the corrupted prompt, each cell its top next token, coloured by the answers' logit
 * difference or one answer's probability (the core's figure, pl-lens-figure.h), with a
 * hover line and the page's exports.
 *
 *   pl_lens_view_set_document (view, doc);   // texts and answers; recomputes on change
 *   pl_lens_view_set_model (view, model);    // NULL: none loaded
 *   pl_lens_view_export_figure (view, "lens.pdf", 1.0, &error);
 *
 * Computed on a worker while the page is on screen (pl-analysis-runner.h); a result
 * for other texts is shown dimmed under "Updating…", an input that makes none (empty,
 * too long, an answer of two tokens) as a status page with the panel's message.
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-analysis.h"

G_BEGIN_DECLS

#define PL_TYPE_LENS_VIEW (pl_lens_view_get_type ())
G_DECLARE_FINAL_TYPE (PlLensView, pl_lens_view, PL, LENS_VIEW, GtkWidget)

/* What the cells' colour shows. */
typedef enum {
  PL_LENS_COLOR_LOGIT_DIFF,          /* logit(corrupted answer) − logit(clean answer) */
  PL_LENS_COLOR_CLEAN_PROB,          /* p(clean answer) */
  PL_LENS_COLOR_CORRUPTED_PROB,      /* p(corrupted answer) */
} PlLensColor;

void          pl_lens_view_set_document  (PlLensView    *self,
                                          PlDocument    *doc);
void          pl_lens_view_set_model     (PlLensView    *self,
                                          PlLoadedModel *model);

/* .png, .svg or .pdf: the figure shown (in export colours); .csv or .json: the data
 * (the CLI's `lens --answer CLEAN --answer CORRUPTED` format). Fails when nothing
 * current is shown. */
gboolean      pl_lens_view_export_figure (PlLensView    *self,
                                          const char    *path,
                                          double         scale,
                                          GError       **error);
gboolean      pl_lens_view_export_data   (PlLensView    *self,
                                          const char    *path,
                                          GError       **error);

/* What the user sees, for tests: the lens shown (NULL unless a current result is on
 * screen), whether a run is pending, the status page's text when it is shown (else
 * NULL), the hover line, and the side and colour switches. */
const PlLens *pl_lens_view_get_lens      (PlLensView    *self);
gboolean      pl_lens_view_is_busy       (PlLensView    *self);
const char   *pl_lens_view_get_status    (PlLensView    *self);
const char   *pl_lens_view_get_hover_text (PlLensView   *self);
GtkToggleButton *pl_lens_view_get_side_button (PlLensView *self,
                                               PlSide      side);
GtkDropDown  *pl_lens_view_get_color_dropdown (PlLensView *self);
GtkWidget    *pl_lens_view_get_heatmap_view (PlLensView  *self);

G_END_DECLS
