/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention-dialog.h: where one attention head of a head-site result looks: its
 * T × T pattern as a heatmap (destination rows, source columns, the tokens on both axes)
 * on the clean prompt, the corrupted prompt, or the sweep's patched run, computed on a
 * worker thread, exportable as PNG/SVG/PDF and CSV/JSON.
 *
 *   PlAttentionDialog *d = pl_attention_dialog_new (win, model, shared_result, layer,
 *                                                   head, position);   // -1: all
 *   gtk_window_present (GTK_WINDOW (d));
 *
 * The patched run is the sweep's: the corrupted prompt with the head's site taken from
 * the clean run (denoising) or the clean prompt with it from the corrupted run (noising).
 * Its pattern differs only for head_q, head_k and head_pattern; for head_out and head_v
 * the dialog says the pattern is the unpatched run's rather than draw a duplicate.
 *
 * Actions (on the dialog): "attention.run" (s: "clean", "corrupted", "patched"),
 * "attention.export-figure", "attention.export-data"; the file dialogs go through the
 * window's chooser seam (purposes "export-attention-figure", "export-attention-data").
 */
#pragma once

#include <adwaita.h>

#include "pl-heatmap-view.h"
#include "pl-model-loader.h"
#include "pl-shared.h"
#include "pl-window.h"

G_BEGIN_DECLS

typedef enum {
  PL_ATTENTION_CLEAN,
  PL_ATTENTION_CORRUPTED,
  PL_ATTENTION_PATCHED,
} PlAttentionRun;
#define PL_N_ATTENTION_RUNS 3

#define PL_TYPE_ATTENTION_DIALOG (pl_attention_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PlAttentionDialog, pl_attention_dialog, PL, ATTENTION_DIALOG,
                      AdwWindow)

/* result: a PlShared of a head-site PlSweepResult (a ref is taken); position is the
 * by-position cell's, -1 for a head patched at every position. */
PlAttentionDialog *pl_attention_dialog_new   (PlWindow       *window,
                                              PlLoadedModel  *model,
                                              PlShared       *result,
                                              int             layer,
                                              int             head,
                                              int             position);

/* The computed pattern (T, T) of run, or NULL while computing or when it is not
 * available (the patched run of head_out/head_v). */
const float   *pl_attention_dialog_get_pattern (PlAttentionDialog *self,
                                                PlAttentionRun     run,
                                                int               *T);
gboolean       pl_attention_dialog_is_ready    (PlAttentionDialog *self);   /* computed */
PlAttentionRun pl_attention_dialog_get_run     (PlAttentionDialog *self);   /* shown */
int            pl_attention_dialog_get_layer   (PlAttentionDialog *self);
int            pl_attention_dialog_get_head    (PlAttentionDialog *self);
/* What the dialog says under its switch (what is shown, or why the patched run is not). */
const char    *pl_attention_dialog_get_caption (PlAttentionDialog *self);
PlHeatmapView *pl_attention_dialog_get_view    (PlAttentionDialog *self);
/* The line under the pattern: the hovered or selected cell's probability. */
const char    *pl_attention_dialog_get_hover_text (PlAttentionDialog *self);

/* The shown run's pattern as a figure (.png .svg .pdf) or data (.csv .json). */
gboolean       pl_attention_dialog_export_figure_to (PlAttentionDialog *self,
                                                     const char        *path,
                                                     double             scale,
                                                     GError           **error);
gboolean       pl_attention_dialog_export_data_to   (PlAttentionDialog *self,
                                                     const char        *path,
                                                     GError           **error);

G_END_DECLS
