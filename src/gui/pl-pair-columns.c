/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-columns.c: the pairs table's columns: the row number with a failing row's
 * mark, and the four texts, edited in place and bound both ways to the PlPairRow.
 */
#include "config.h"

#include "pl-pair-columns.h"

#include <glib/gi18n.h>

#include "pl-pair-row.h"

static const char *text_props[] = { "clean", "corrupted", "clean-answer", "corrupted-answer" };

static void
setup_text (GtkSignalListItemFactory *f,
            GtkListItem              *item,
            gpointer                  data)
{
  GtkWidget *label = gtk_editable_label_new ("");

  gtk_editable_set_width_chars (GTK_EDITABLE (label), GPOINTER_TO_INT (data) < 2 ? 24 : 8);
  gtk_list_item_set_child (item, label);
}

/* A failing row's texts are drawn in the error colour, beside its warning icon. */
static void
mark_cell (PlPairRow   *row,
           GParamSpec  *pspec,
           GtkListItem *item)
{
  GtkWidget *label = gtk_list_item_get_child (item);

  if (pl_pair_row_get_error (row) != NULL)
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}

static void
bind_text (GtkSignalListItemFactory *f,
           GtkListItem              *item,
           gpointer                  data)
{
  PlPairRow *row = gtk_list_item_get_item (item);
  GBinding *b = g_object_bind_property (row, text_props[GPOINTER_TO_INT (data)],
                                        gtk_list_item_get_child (item), "text",
                                        G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  g_object_set_data (G_OBJECT (item), "binding", b);
  g_signal_connect (row, "notify::error", G_CALLBACK (mark_cell), item);
  mark_cell (row, NULL, item);
}

static void
unbind_text (GtkSignalListItemFactory *f,
             GtkListItem              *item,
             gpointer                  data)
{
  GBinding *b = g_object_get_data (G_OBJECT (item), "binding");

  if (b != NULL)
    g_binding_unbind (b);
  g_object_set_data (G_OBJECT (item), "binding", NULL);
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), mark_cell, item);
}

static void
show_row_number (GtkListItem *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  g_autofree char *n = g_strdup_printf ("%u", gtk_list_item_get_position (item) + 1);

  if (box != NULL && gtk_list_item_get_item (item) != NULL)
    gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)), n);
}

static void
setup_status (GtkSignalListItemFactory *f,
              GtkListItem              *item,
              gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *image = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *number = gtk_label_new (NULL);

  gtk_widget_add_css_class (image, "error");
  gtk_widget_add_css_class (number, "numeric");
  gtk_widget_add_css_class (number, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (number), 1);
  gtk_label_set_width_chars (GTK_LABEL (number), 2);
  gtk_box_append (GTK_BOX (box), number);
  gtk_box_append (GTK_BOX (box), image);
  gtk_list_item_set_child (item, box);
  /* Rows above removed or added: the number follows the row's place. */
  g_signal_connect (item, "notify::position", G_CALLBACK (show_row_number), NULL);
}

/* The mark of a failing row: the warning icon with the reason as its tooltip. */
static void
show_row_error (PlPairRow   *row,
                GParamSpec  *pspec,
                GtkListItem *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *image = gtk_widget_get_last_child (box);
  const char *error = pl_pair_row_get_error (row);

  gtk_widget_set_opacity (image, error != NULL ? 1.0 : 0.0);
  gtk_widget_set_tooltip_text (box, error);
}

static void
bind_status (GtkSignalListItemFactory *f,
             GtkListItem              *item,
             gpointer                  data)
{
  PlPairRow *row = gtk_list_item_get_item (item);

  show_row_number (item);
  g_signal_connect (row, "notify::error", G_CALLBACK (show_row_error), item);
  show_row_error (row, NULL, item);
}

static void
unbind_status (GtkSignalListItemFactory *f,
               GtkListItem              *item,
               gpointer                  data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), show_row_error, item);
}

static void
add_column (GtkColumnView *view,
            const char    *title,
            int            which,
            gboolean       expand)
{
  GtkListItemFactory *f = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *c;

  if (which < 0)
    {
      g_signal_connect (f, "setup", G_CALLBACK (setup_status), NULL);
      g_signal_connect (f, "bind", G_CALLBACK (bind_status), NULL);
      g_signal_connect (f, "unbind", G_CALLBACK (unbind_status), NULL);
    }
  else
    {
      g_signal_connect (f, "setup", G_CALLBACK (setup_text), GINT_TO_POINTER (which));
      g_signal_connect (f, "bind", G_CALLBACK (bind_text), GINT_TO_POINTER (which));
      g_signal_connect (f, "unbind", G_CALLBACK (unbind_text), GINT_TO_POINTER (which));
    }
  c = gtk_column_view_column_new (title, f);
  gtk_column_view_column_set_resizable (c, which >= 0);
  gtk_column_view_column_set_expand (c, expand);
  gtk_column_view_append_column (view, c);
  g_object_unref (c);
}

void
pl_pair_columns_add (GtkColumnView *view)
{
  add_column (view, NULL, -1, FALSE);
  add_column (view, _("Clean"), 0, TRUE);
  add_column (view, _("Corrupted"), 1, TRUE);
  add_column (view, _("Clean Answer"), 2, FALSE);
  add_column (view, _("Corrupted Answer"), 3, FALSE);
}
