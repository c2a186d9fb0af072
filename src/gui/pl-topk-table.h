/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-topk-table.h: a run's top-k next tokens as a GtkColumnView (rank, id, token,
 * probability, logit), with copies as Markdown and CSV for reports.
 *
 *   pl_topk_table_set_topk (table, topk);   // copies; NULL shows the placeholder
 *   g_autofree char *md = pl_topk_table_to_markdown (table);
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-topk.h"

G_BEGIN_DECLS

#define PL_TYPE_TOPK_TABLE (pl_topk_table_get_type ())
G_DECLARE_FINAL_TYPE (PlTopkTable, pl_topk_table, PL, TOPK_TABLE, GtkWidget)

GtkWidget    *pl_topk_table_new         (void);
void          pl_topk_table_set_topk    (PlTopkTable  *self,
                                         const PlTopK *top);
const PlTopK *pl_topk_table_get_topk    (PlTopkTable  *self);   /* NULL when empty */
/* The line above the table ("Clean run: next token after “ Michelle”"). */
void          pl_topk_table_set_caption (PlTopkTable  *self,
                                         const char   *caption);
/* Shown instead of the table while there is no top-k. */
void          pl_topk_table_set_placeholder (PlTopkTable *self,
                                             const char  *text);
/* NULL when empty. */
char         *pl_topk_table_to_markdown (PlTopkTable  *self);
char         *pl_topk_table_to_csv      (PlTopkTable  *self);

G_END_DECLS
