/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-topk-table.c: GtkColumnView over a GtkStringList of row indices into a PlTopK copy
 * (no row GObject needed: the list only says how many rows there are).
 */
#include "config.h"

#include "pl-topk-table.h"

#include <glib/gi18n.h>

#include "pl-token-strip.h"

struct _PlTopkTable {
  GtkWidget       parent_instance;

  GtkLabel       *caption;
  GtkStack       *stack;
  GtkLabel       *placeholder;
  GtkColumnView  *view;
  GtkStringList  *rows;    /* "0", "1", …: indices into top->entries */
  PlTopK         *top;
};

G_DEFINE_FINAL_TYPE (PlTopkTable, pl_topk_table, GTK_TYPE_WIDGET)

typedef enum { COL_RANK, COL_ID, COL_TOKEN, COL_PROB, COL_LOGIT } Column;

static void
pl_topk_table_dispose (GObject *object)
{
  PlTopkTable *self = PL_TOPK_TABLE (object);

  g_clear_pointer (&self->top, pl_topk_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_TOPK_TABLE);
  G_OBJECT_CLASS (pl_topk_table_parent_class)->dispose (object);
}

static void
pl_topk_table_class_init (PlTopkTableClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_topk_table_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
      "/org/patchlens/Patchlens/pl-topk-table.ui");
  gtk_widget_class_bind_template_child (widget_class, PlTopkTable, caption);
  gtk_widget_class_bind_template_child (widget_class, PlTopkTable, stack);
  gtk_widget_class_bind_template_child (widget_class, PlTopkTable, placeholder);
  gtk_widget_class_bind_template_child (widget_class, PlTopkTable, view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "topktable");
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  Column col = GPOINTER_TO_INT (data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), col == COL_TOKEN ? 0.0f : 1.0f);
  if (col != COL_TOKEN)
    gtk_widget_add_css_class (label, "numeric");
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static char *
cell_text (const PlTopEntry *e,
           Column            col)
{
  switch (col)
    {
    case COL_RANK:  return g_strdup_printf ("%d", e->rank);
    case COL_ID:    return g_strdup_printf ("%d", e->id);
    case COL_TOKEN: return pl_token_display (e->token ? e->token : "");
    case COL_PROB:  return g_strdup_printf ("%.4f", e->prob);
    case COL_LOGIT: return g_strdup_printf ("%.3f", e->logit);
    default:        return NULL;
    }
}

/* Binds by looking the row's index up in the current PlTopK: the table's factory is
 * only ever bound while self->top holds at least that many entries. */
static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  data)
{
  PlTopkTable *self = g_object_get_data (G_OBJECT (factory), "table");
  guint pos = gtk_list_item_get_position (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_autofree char *text = NULL;

  if (self->top == NULL || pos >= (guint) self->top->n)
    {
      gtk_label_set_text (label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), NULL);
      return;
    }
  text = cell_text (&self->top->entries[pos], GPOINTER_TO_INT (data));
  gtk_label_set_text (label, text);
  /* The pane is narrow, so long tokens are ellipsized: the tooltip shows them whole. */
  if (GPOINTER_TO_INT (data) == COL_TOKEN)
    gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
}

static void
add_column (PlTopkTable *self,
            const char  *title,
            Column       col)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "table", self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (col));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (col));
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, col == COL_TOKEN);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->view, column);
  g_object_unref (column);
}

static void
pl_topk_table_init (PlTopkTable *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);

  self->rows = gtk_string_list_new (NULL);
  selection = gtk_no_selection_new (G_LIST_MODEL (self->rows));   /* takes rows */
  gtk_column_view_set_model (self->view, GTK_SELECTION_MODEL (selection));
  /* Translators: column headers of the top-k tables */
  add_column (self, C_("column", "#"), COL_RANK);
  add_column (self, C_("column", "ID"), COL_ID);
  add_column (self, C_("column", "Token"), COL_TOKEN);
  add_column (self, C_("column", "Prob."), COL_PROB);
  add_column (self, C_("column", "Logit"), COL_LOGIT);
}

GtkWidget *
pl_topk_table_new (void)
{
  return g_object_new (PL_TYPE_TOPK_TABLE, NULL);
}

void
pl_topk_table_set_topk (PlTopkTable  *self,
                        const PlTopK *top)
{
  guint old = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  /* Empty the list first so no row is ever bound against a shorter PlTopK. */
  gtk_string_list_splice (self->rows, 0, old, NULL);
  g_clear_pointer (&self->top, pl_topk_free);
  if (top != NULL)
    self->top = pl_topk_copy (top);
  for (int i = 0; self->top != NULL && i < self->top->n; i++)
    g_ptr_array_add (names, g_strdup_printf ("%d", i));
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->rows, 0, 0, (const char * const *) names->pdata);
  gtk_stack_set_visible_child_name (self->stack,
                                    self->top != NULL && self->top->n > 0 ? "table"
                                                                          : "placeholder");
}

const PlTopK *
pl_topk_table_get_topk (PlTopkTable *self)
{
  return self->top;
}

void
pl_topk_table_set_caption (PlTopkTable *self,
                           const char  *caption)
{
  gtk_label_set_text (self->caption, caption ? caption : "");
  gtk_widget_set_visible (GTK_WIDGET (self->caption), caption != NULL && *caption);
}

void
pl_topk_table_set_placeholder (PlTopkTable *self,
                               const char  *text)
{
  gtk_label_set_text (self->placeholder, text);
}

/* Markdown: a pipe table; "|" in tokens escaped, spaces made visible (␣) since leading
 * spaces would vanish in a rendered table. */
char *
pl_topk_table_to_markdown (PlTopkTable *self)
{
  GString *s;

  if (self->top == NULL)
    return NULL;
  s = g_string_new ("| Rank | ID | Token | Probability | Logit |\n"
                    "|---:|---:|:---|---:|---:|\n");
  for (int i = 0; i < self->top->n; i++)
    {
      const PlTopEntry *e = &self->top->entries[i];
      g_autofree char *shown = pl_token_display (e->token ? e->token : "");
      g_autoptr(GString) tok = g_string_new (shown);

      g_string_replace (tok, "|", "\\|", 0);
      g_string_append_printf (s, "| %d | %d | `%s` | %.4f | %.3f |\n",
                              e->rank, e->id, tok->str, e->prob, e->logit);
    }
  return g_string_free (s, FALSE);
}

/* CSV (RFC 4180): the token exactly as decoded, quoted, quotes doubled. */
char *
pl_topk_table_to_csv (PlTopkTable *self)
{
  GString *s;

  if (self->top == NULL)
    return NULL;
  s = g_string_new ("rank,id,token,probability,logit\r\n");
  for (int i = 0; i < self->top->n; i++)
    {
      const PlTopEntry *e = &self->top->entries[i];
      g_autoptr(GString) tok = g_string_new (e->token ? e->token : "");

      g_string_replace (tok, "\"", "\"\"", 0);
      g_string_append_printf (s, "%d,%d,\"%s\",%.6f,%.4f\r\n",
                              e->rank, e->id, tok->str, e->prob, e->logit);
    }
  return g_string_free (s, FALSE);
}
