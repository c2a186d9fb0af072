/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-columns.h: the columns of the pairs table (PlPairsPanel), over a model of
 * PlPairRow: a number with the failing row's warning (its reason as the tooltip), then
 * the clean and corrupted prompts and answers, editable in place.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void pl_pair_columns_add (GtkColumnView *view);

G_END_DECLS
