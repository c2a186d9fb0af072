/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pairs-panel.h: the Pairs mode's table: one row a prompt pair (PlPairRow), edited
 * in place, with each row checked as it changes and the failing rows marked with the
 * reason. Its rows are the document's set ("pairs", JSON Lines) and follow it.
 *
 *   pl_pairs_panel_set_document (panel, doc);
 *   pl_pairs_panel_set_tokenizer (panel, tok, n_ctx);
 *   g_signal_connect (panel, "changed", G_CALLBACK (on_changed), self);
 *   const PlPairSet *set = pl_pairs_panel_get_set (panel);   // NULL while a row fails
 *   const char *why = pl_pairs_panel_get_problem (panel);    // and why
 *
 * Rows are checked by the core (pl-pair-set.h), so their messages are the CLI's: each
 * row on its own (token counts, one-token answers, the context), then against the
 * first good row (every pair has the same token count).
 *
 * Signal: "changed": after each check (the set may now be valid, or not).
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-document.h"
#include "pl-pair-row.h"
#include "pl-pair-set.h"

G_BEGIN_DECLS

#define PL_TYPE_PAIRS_PANEL (pl_pairs_panel_get_type ())
G_DECLARE_FINAL_TYPE (PlPairsPanel, pl_pairs_panel, PL, PAIRS_PANEL, GtkWidget)

void             pl_pairs_panel_set_document  (PlPairsPanel *self,
                                               PlDocument   *doc);
/* tok is borrowed and must outlive its use (until the next call); n_ctx <= 0: no limit. */
void             pl_pairs_panel_set_tokenizer (PlPairsPanel *self,
                                               PlTokenizer  *tok,
                                               int           n_ctx);
const PlPairSet *pl_pairs_panel_get_set       (PlPairsPanel *self);
const char      *pl_pairs_panel_get_problem   (PlPairsPanel *self);   /* NULL when valid */

/* Appends a row: a copy of the last one (to edit a filler), or, in an empty table, the
 * single pair's texts; selects it. */
void             pl_pairs_panel_add_row       (PlPairsPanel *self);
void             pl_pairs_panel_remove_selected (PlPairsPanel *self);
/* Appends the pairs in text: JSON Lines, or tab-separated lines "clean, corrupted,
 * clean answer, corrupted answer". Nothing is added when a line is neither: the error
 * names it. */
gboolean         pl_pairs_panel_append_text   (PlPairsPanel *self,
                                               const char   *text,
                                               GError      **error);
/* Selects and shows row i (an outlier picked in the heatmap's list). */
void             pl_pairs_panel_select        (PlPairsPanel *self,
                                               guint         i);

/* For the row dialog (pl-pair-dialog.h, opened by the action pairs.edit-row on the
 * selected row, a row's activation or Alt+Return): the tokenizer and context; what the
 * table would say of row if it held draft's texts (NULL: it would pass), with the same
 * checks and words as its own rows; draft's texts written into row as one edit. */
PlTokenizer     *pl_pairs_panel_get_tokenizer (PlPairsPanel *self,
                                               int          *n_ctx);
char            *pl_pairs_panel_check_draft   (PlPairsPanel *self,
                                               PlPairRow    *row,
                                               PlPairRow    *draft);
void             pl_pairs_panel_save_draft    (PlPairsPanel *self,
                                               PlPairRow    *row,
                                               PlPairRow    *draft);

/* For tests: the rows (PlPairRow) and the status line under the table. */
GListModel      *pl_pairs_panel_get_rows      (PlPairsPanel *self);
const char      *pl_pairs_panel_get_status_text (PlPairsPanel *self);

/* Text to rows, shared with opening a .jsonl file: a new list of PlPairRow, or NULL with
 * an error naming the line (file names the text in it). */
GPtrArray       *pl_pair_rows_parse           (const char   *text,
                                               const char   *file,
                                               GError      **error);

G_END_DECLS
