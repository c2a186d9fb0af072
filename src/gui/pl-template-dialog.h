/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-template-dialog.h: making a set of pairs from a template, with exactly the
 * semantics of `patchlens-cli pairs` (pl-template.h): a text with {slots}, one line of
 * fillers per slot ("A=Mary,John,Tom"), one corruption a line ("A=B" swaps two slots,
 * "place=garden" puts a text in one), the answers' slots ("A,B"), a limit and a seed.
 *
 *   PlTemplateDialog *d = pl_template_dialog_new (parent, tokenizer);
 *   g_signal_connect (d, "pairs-made", G_CALLBACK (on_pairs), self);   // (const char *jsonl)
 *   gtk_window_present (GTK_WINDOW (d));
 *
 * "Fill the Table" expands the template; a refused filler (not one token where it
 * stands) or any other mistake is shown in the dialog with the core's reason, and the
 * dialog stays open. On success it emits "pairs-made" with the pairs as JSON Lines (the
 * lines the CLI writes) and closes.
 */
#pragma once

#include <adwaita.h>

#include "pl-tokenizer.h"

G_BEGIN_DECLS

#define PL_TYPE_TEMPLATE_DIALOG (pl_template_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PlTemplateDialog, pl_template_dialog, PL, TEMPLATE_DIALOG, AdwWindow)

/* tok is borrowed: it must outlive the dialog (the window's, or the model's). */
PlTemplateDialog *pl_template_dialog_new    (GtkWindow        *parent,
                                             PlTokenizer      *tok);
/* The pairs as JSON Lines, or NULL with the reason; what "Fill the Table" does. */
char             *pl_template_dialog_expand (PlTemplateDialog *self,
                                             GError          **error);
/* The status line under the fields (the reason of the last refusal), for tests. */
const char       *pl_template_dialog_get_status (PlTemplateDialog *self);

G_END_DECLS
