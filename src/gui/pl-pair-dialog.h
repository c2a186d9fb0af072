/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-dialog.h: one row of the Pairs table in a dialog, for prompts too long to read
 * in the table's cells: both prompts in wrapping text views with their tokens and
 * counts, the answers, the name, and the table's own message for the pair as typed.
 *
 *   PlPairDialog *d = pl_pair_dialog_new (GTK_WINDOW (root), panel, row);
 *   gtk_window_present (GTK_WINDOW (d));
 *
 * Save writes the texts to the row through the panel (pl_pairs_panel_save_draft: one
 * update, as an edit in a cell); Cancel, Escape or closing the window change nothing.
 */
#pragma once

#include <adwaita.h>

#include "pl-pair-row.h"
#include "pl-pairs-panel.h"

G_BEGIN_DECLS

#define PL_TYPE_PAIR_DIALOG (pl_pair_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PlPairDialog, pl_pair_dialog, PL, PAIR_DIALOG, AdwWindow)

/* row is one of panel's rows; the dialog keeps both alive while it is open. */
PlPairDialog *pl_pair_dialog_new        (GtkWindow    *parent,
                                         PlPairsPanel *panel,
                                         PlPairRow    *row);
/* For tests: the message under the fields (the table's, or that the pair passes). */
const char   *pl_pair_dialog_get_status (PlPairDialog *self);

G_END_DECLS
