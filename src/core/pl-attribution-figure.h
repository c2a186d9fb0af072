/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution-figure.h: the direct-logit-attribution figure: a layer × head heatmap
 * of the heads' direct effects, and beside it bars for the other components (the
 * embeddings, each layer's attention bias and MLP, ln_f's bias) with the heads' sum and
 * the total, which is the model's logit difference.
 *
 *   g_autoptr(PlAttributionFigure) fig = pl_attribution_figure_new (at, " Jones",
 *                                                                   " Smith", "gpt2");
 *   pl_attribution_figure_export (fig, PL_FIGURE_PDF, "dla.pdf", 1.0, &error);
 *
 * One drawing for the screen and every export, as pl-heatmap.h.
 */
#pragma once

#include "pl-attribution.h"
#include "pl-heatmap.h"

G_BEGIN_DECLS

typedef struct _PlAttributionFigure PlAttributionFigure;

/* answer_a, answer_b: the answers as typed (the figure explains logit(B) − logit(A)). */
PlAttributionFigure *pl_attribution_figure_new      (const PlAttribution *at,
                                                     const char          *answer_a,
                                                     const char          *answer_b,
                                                     const char          *model_name);
void                 pl_attribution_figure_free     (PlAttributionFigure *fig);
void                 pl_attribution_figure_get_size (PlAttributionFigure *fig,
                                                     double              *width,
                                                     double              *height);
/* The heads' heatmap, drawn at the figure's origin: its hit test finds the head under
 * a point of the figure. Owned by fig. */
PlHeatmap           *pl_attribution_figure_get_heatmap (PlAttributionFigure *fig);
/* Text colour (the app passes its theme's; exports use black). */
void                 pl_attribution_figure_set_foreground (PlAttributionFigure *fig,
                                                           double r, double g, double b);
void                 pl_attribution_figure_draw     (PlAttributionFigure *fig,
                                                     cairo_t             *cr);
gboolean             pl_attribution_figure_export   (PlAttributionFigure *fig,
                                                     PlFigureFormat       format,
                                                     const char          *path,
                                                     double               scale,
                                                     GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlAttributionFigure, pl_attribution_figure_free)

G_END_DECLS
