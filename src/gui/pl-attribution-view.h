/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution-view.h: the Attribution page: the direct logit attribution of
 * logit(corrupted answer) − logit(clean answer) at the last position of the clean or
 * the corrupted prompt, drawn by the core's figure (pl-attribution-figure.h: the heads'
 * layer × head grid, bars for the embeddings, attention biases, MLPs and ln_f's bias),
 * the model's logit difference and the sum check, a hover line and the exports.
 *
 *   pl_attribution_view_set_document (view, doc);
 *   pl_attribution_view_set_model (view, model);
 *   pl_attribution_view_export_data (view, "dla.json", &error);
 *
 * Computed like the lens page (pl-analysis-runner.h), with the same states. The head
 * grid takes the keyboard focus: the arrows move a selected head and the hover line
 * names it.
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-analysis.h"

G_BEGIN_DECLS

#define PL_TYPE_ATTRIBUTION_VIEW (pl_attribution_view_get_type ())
G_DECLARE_FINAL_TYPE (PlAttributionView, pl_attribution_view, PL, ATTRIBUTION_VIEW, GtkWidget)

void                 pl_attribution_view_set_document  (PlAttributionView *self,
                                                        PlDocument        *doc);
void                 pl_attribution_view_set_model     (PlAttributionView *self,
                                                        PlLoadedModel     *model);
/* .png .svg .pdf: the figure; .csv .json: the data (the CLI's `attribute --answer
 * CLEAN --answer CORRUPTED` format). Fails when nothing current is shown. */
gboolean             pl_attribution_view_export_figure (PlAttributionView *self,
                                                        const char        *path,
                                                        double             scale,
                                                        GError           **error);
gboolean             pl_attribution_view_export_data   (PlAttributionView *self,
                                                        const char        *path,
                                                        GError           **error);

/* Zoom (win.zoom-in, -out, -fit act on the page shown): fitted to the page by default,
 * never below a readable size (the page scrolls then); get_zoom is pixels per figure
 * point as drawn. The font scale (presentation mode, 1.6) grows the whole figure, since
 * the core lays it out at one size. */
void                 pl_attribution_view_zoom_in       (PlAttributionView *self);
void                 pl_attribution_view_zoom_out      (PlAttributionView *self);
void                 pl_attribution_view_zoom_fit      (PlAttributionView *self);
double               pl_attribution_view_get_zoom      (PlAttributionView *self);
void                 pl_attribution_view_set_font_scale (PlAttributionView *self,
                                                         double             scale);
double               pl_attribution_view_get_font_scale (PlAttributionView *self);

/* What the user sees, for tests: the attribution shown (NULL unless current), whether
 * a run is pending, the status page's text when shown (else NULL), the line with the
 * logit difference and the sum check, the hover line, the side switch and the figure. */
const PlAttribution *pl_attribution_view_get_attribution (PlAttributionView *self);
gboolean             pl_attribution_view_is_busy       (PlAttributionView *self);
const char          *pl_attribution_view_get_status    (PlAttributionView *self);
const char          *pl_attribution_view_get_summary   (PlAttributionView *self);
const char          *pl_attribution_view_get_hover_text (PlAttributionView *self);
GtkToggleButton     *pl_attribution_view_get_side_button (PlAttributionView *self,
                                                          PlSide             side);
GtkWidget           *pl_attribution_view_get_figure_area (PlAttributionView *self);

G_END_DECLS
