/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-button.c: PlModelButton: the model's name in the header bar, its details
 * and the models on this computer in the popover.
 */
#include "config.h"

#include "pl-model-button.h"

#include <glib/gi18n.h>

#include "pl-model-scan.h"

struct _PlModelButton {
  GtkWidget      parent_instance;

  GtkMenuButton *model_button;
  GtkSpinner    *model_spinner;
  GtkLabel      *model_button_label;
  GtkLabel      *model_name_label;
  GtkLabel      *model_size_label;
  GtkLabel      *model_path_label;
  GtkListBox    *models_list;
};

G_DEFINE_FINAL_TYPE (PlModelButton, pl_model_button, GTK_TYPE_WIDGET)

enum { SIGNAL_MODEL_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

void
pl_model_button_set_model (PlModelButton *self,
                           PlModel       *m,
                           gboolean       loading)
{
  if (m != NULL)
    {
      const PlConfig *cfg = pl_model_config (m);
      g_autofree char *size = g_format_size (pl_model_file_size (m));
      g_autofree char *info = NULL;

      /* Translators: model size line: parameters (millions), layers, heads, width, file size */
      info = g_strdup_printf (_("%.0f M parameters · %d layers · %d heads · %d wide · %s"),
                              pl_model_n_params (m) / 1e6, cfg->n_layer, cfg->n_head,
                              cfg->n_embd, size);
      gtk_label_set_text (self->model_button_label, pl_model_name (m));
      gtk_label_set_text (self->model_name_label, pl_model_name (m));
      gtk_label_set_text (self->model_size_label, info);
      gtk_label_set_text (self->model_path_label, pl_model_path (m));
    }
  else
    {
      gtk_label_set_text (self->model_button_label, loading ? _("Loading…") : _("No Model"));
      gtk_label_set_text (self->model_name_label, _("No model loaded"));
      gtk_label_set_text (self->model_size_label, "");
      gtk_label_set_text (self->model_path_label, "");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->model_spinner), loading);
  gtk_spinner_set_spinning (self->model_spinner, loading);
}

/* ---- the models on this computer ---- */

static GtkWidget *
model_row_new (const PlModelEntry *e)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *label = gtk_label_new (e->name);
  g_autofree char *size = g_format_size (e->size);
  g_autofree char *tip = g_strdup_printf ("%s · %s", e->path, size);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 4);
  gtk_widget_set_margin_bottom (label, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_widget_set_tooltip_text (row, tip);
  /* A family name loads from the store by name; any other folder by its path. */
  g_object_set_data_full (G_OBJECT (row), "reference",
                          g_strdup (pl_model_store_is_known_name (e->name) ? e->name : e->path),
                          g_free);
  return row;
}

void
pl_model_button_refresh (PlModelButton *self)
{
  g_autoptr(GPtrArray) found = pl_model_scan_all ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->models_list))))
    gtk_list_box_remove (self->models_list, child);
  for (guint i = 0; i < found->len; i++)
    gtk_list_box_append (self->models_list, model_row_new (found->pdata[i]));
  gtk_widget_set_visible (GTK_WIDGET (self->models_list), found->len > 0);
}

static void
on_row_activated (GtkListBox    *box,
                  GtkListBoxRow *row,
                  PlModelButton *self)
{
  g_autofree char *reference = g_strdup (g_object_get_data (G_OBJECT (row), "reference"));

  gtk_menu_button_popdown (self->model_button);
  g_signal_emit (self, signals[SIGNAL_MODEL_CHOSEN], 0, reference);
}

/* ---- for tests ---- */

const char *
pl_model_button_get_label (PlModelButton *self)
{
  return gtk_label_get_text (self->model_button_label);
}

const char *
pl_model_button_get_path (PlModelButton *self)
{
  return gtk_label_get_text (self->model_path_label);
}

GtkListBox *
pl_model_button_get_list (PlModelButton *self)
{
  return self->models_list;
}

/* ---- GObject ---- */

static void
pl_model_button_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_MODEL_BUTTON);
  G_OBJECT_CLASS (pl_model_button_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlModelButton, name)

static void
pl_model_button_class_init (PlModelButtonClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_model_button_dispose;
  signals[SIGNAL_MODEL_CHOSEN] = g_signal_new ("model-chosen", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-model-button.ui");
  BIND (model_button); BIND (model_spinner); BIND (model_button_label);
  BIND (model_name_label); BIND (model_size_label); BIND (model_path_label);
  BIND (models_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_model_button_init (PlModelButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->models_list, "row-activated", G_CALLBACK (on_row_activated), self);
  /* The folders may change while the app runs (a download, a copy). */
  g_signal_connect_swapped (gtk_menu_button_get_popover (self->model_button), "show",
                            G_CALLBACK (pl_model_button_refresh), self);
}
