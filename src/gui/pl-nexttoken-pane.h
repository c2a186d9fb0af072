/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-nexttoken-pane.h: the right-hand pane: the next tokens of the clean run, of the
 * corrupted run, and of one patched run (a heatmap cell), one table shown at a time;
 * how many (k) and Copy.
 *
 *   pl_nexttoken_pane_set_unpatched (pane, clean_top, corrupted_top);
 *   pl_nexttoken_pane_show_cell (pane, model, result, layer, pos);  // computes on a worker
 *   pl_nexttoken_pane_reset_cell (pane);                            // a new sweep or file
 *   g_object_bind_property (doc, "top-k", pane, "k", G_BINDING_BIDIRECTIONAL | ...);
 *
 * A change of "k" recomputes the shown cell; the window follows notify::k for the
 * unpatched tables. Copy puts the shown table on the clipboard and says so through the
 * "win.toast" action.
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-model-loader.h"
#include "pl-sweep-job.h"
#include "pl-topk-table.h"

G_BEGIN_DECLS

#define PL_TYPE_NEXTTOKEN_PANE (pl_nexttoken_pane_get_type ())
G_DECLARE_FINAL_TYPE (PlNexttokenPane, pl_nexttoken_pane, PL, NEXTTOKEN_PANE, GtkWidget)

int           pl_nexttoken_pane_get_k         (PlNexttokenPane *self);
void          pl_nexttoken_pane_set_unpatched (PlNexttokenPane *self,
                                               const PlTopK    *clean,
                                               const PlTopK    *corrupted);
const PlTopK *pl_nexttoken_pane_get_unpatched (PlNexttokenPane *self,
                                               gboolean         corrupted);
/* Shows the patched run of (layer, pos) of result; model NULL: the result came from a
 * file (no model states to compute from), result NULL: the sweep still runs. */
void          pl_nexttoken_pane_show_cell     (PlNexttokenPane *self,
                                               PlLoadedModel   *model,
                                               PlSharedResult  *result,
                                               int              layer,
                                               int              pos);
/* No cell selected: drops a running computation and says how to pick one. */
void          pl_nexttoken_pane_reset_cell    (PlNexttokenPane *self);

/* For tests: "clean", "corrupted" or "cell"; the shown page's name. */
PlTopkTable  *pl_nexttoken_pane_get_table     (PlNexttokenPane *self,
                                               const char      *name);
const char   *pl_nexttoken_pane_get_page      (PlNexttokenPane *self);
const char   *pl_nexttoken_pane_get_cell_placeholder (PlNexttokenPane *self);

G_END_DECLS
