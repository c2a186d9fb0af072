/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-template-dialog.c: PlTemplateDialog: its fields to pl-template.c's calls, in the
 * order and with the splitting of `patchlens-cli pairs` (cli-pairs.c).
 */
#include "config.h"

#include "pl-template-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pl-error.h"
#include "pl-template.h"

struct _PlTemplateDialog {
  AdwWindow      parent_instance;

  GtkEntry      *template_entry;
  GtkTextView   *slots_view;
  GtkTextView   *corrupt_view;
  GtkEntry      *answers_entry;
  GtkSpinButton *limit_spin;
  GtkSpinButton *seed_spin;
  GtkLabel      *status_label;
  GtkButton     *fill_button;

  PlTokenizer   *tok;   /* borrowed */
};

G_DEFINE_FINAL_TYPE (PlTemplateDialog, pl_template_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_PAIRS_MADE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The non-blank lines of a text view. */
static GStrv
view_lines (GtkTextView *view)
{
  GtkTextBuffer *b = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();

  gtk_text_buffer_get_bounds (b, &start, &end);
  text = gtk_text_buffer_get_text (b, &start, &end, FALSE);
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *trim = g_strstrip (g_strdup (lines[i]));
      if (trim[0] != '\0')
        g_strv_builder_add (kept, lines[i]);
    }
  return g_strv_builder_end (kept);
}

/* "NAME=rest", as the CLI splits it: the name, and rest after the first '='. */
static gboolean
split_assignment (const char *line,
                  char      **name,
                  const char **rest,
                  const char *form,
                  GError    **error)
{
  const char *eq = strchr (line, '=');

  if (eq == NULL || eq == line)
    {
      /* Translators: the line the user typed, then the form it needs */
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("“%s” needs the form %s"), line, form);
      return FALSE;
    }
  *name = g_strndup (line, eq - line);
  *rest = eq + 1;
  return TRUE;
}

static gboolean
add_slots (PlTemplateDialog *self,
           PlTemplate       *t,
           GError          **error)
{
  g_auto(GStrv) lines = view_lines (self->slots_view);

  if (lines[0] == NULL)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("Give each slot its fillers, one slot a line: NAME=value1,value2,…"));
      return FALSE;
    }
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_auto(GStrv) values = NULL;
      const char *rest;

      if (!split_assignment (lines[i], &name, &rest, "NAME=value1,value2,…", error))
        return FALSE;
      values = g_strsplit (rest, ",", -1);
      if (!pl_template_add_slot (t, name, (const char *const *) values, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_corruptions (PlTemplateDialog *self,
                 PlTemplate       *t,
                 GError          **error)
{
  g_auto(GStrv) lines = view_lines (self->corrupt_view);

  if (lines[0] == NULL)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("Say how the corrupted prompt differs: A=B swaps slots A and B, "
                             "S=value puts value in slot S."));
      return FALSE;
    }
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *slot = NULL;
      const char *rest;

      if (!split_assignment (lines[i], &slot, &rest, "SLOT=OTHER_SLOT / SLOT=value", error)
          || !pl_template_add_corruption (t, slot, rest, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_answers (PlTemplateDialog *self,
             PlTemplate       *t,
             GError          **error)
{
  g_auto(GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->answers_entry)),
                                    ",", -1);

  if (g_strv_length (parts) != 2 || *parts[0] == '\0' || *parts[1] == '\0')
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("The answers need the form CLEAN_SLOT,CORRUPTED_SLOT."));
      return FALSE;
    }
  return pl_template_set_answers (t, parts[0], parts[1], error);
}

char *
pl_template_dialog_expand (PlTemplateDialog *self,
                           GError          **error)
{
  g_autoptr(PlTemplate) t = NULL;
  g_autoptr(GPtrArray) pairs = NULL;
  GString *jsonl;

  if (self->tok == NULL)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("The GPT-2 tokenizer files were not found."));
      return NULL;
    }
  t = pl_template_new (gtk_editable_get_text (GTK_EDITABLE (self->template_entry)), error);
  if (t == NULL || !add_slots (self, t, error) || !add_corruptions (self, t, error)
      || !set_answers (self, t, error))
    return NULL;
  pairs = pl_template_expand (t, self->tok, gtk_spin_button_get_value_as_int (self->limit_spin),
                              (guint32) gtk_spin_button_get_value (self->seed_spin), error);
  if (pairs == NULL)
    return NULL;
  jsonl = g_string_new (NULL);
  for (guint i = 0; i < pairs->len; i++)
    {
      g_autofree char *line = pl_template_pair_to_json (pairs->pdata[i]);
      g_string_append_printf (jsonl, "%s\n", line);
    }
  return g_string_free (jsonl, FALSE);
}

const char *
pl_template_dialog_get_status (PlTemplateDialog *self)
{
  return gtk_label_get_text (self->status_label);
}

static void
on_fill (PlTemplateDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *jsonl = pl_template_dialog_expand (self, &error);

  if (jsonl == NULL)
    {
      gtk_label_set_text (self->status_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
      return;
    }
  gtk_label_set_text (self->status_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  g_signal_emit (self, signals[SIGNAL_PAIRS_MADE], 0, jsonl);
  gtk_window_close (GTK_WINDOW (self));
}

static void
pl_template_dialog_class_init (PlTemplateDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* The pairs made, as JSON Lines. */
  signals[SIGNAL_PAIRS_MADE] = g_signal_new ("pairs-made", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-template-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, template_entry);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, slots_view);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, corrupt_view);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, answers_entry);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, limit_spin);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, PlTemplateDialog, fill_button);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pl_template_dialog_init (PlTemplateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The IOI example of `patchlens-cli pairs --help`, to edit rather than to type. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->slots_view),
                            "A=Mary,John,Tom,James\nB=Mary,John,Tom,James\n"
                            "place=store,garden,park", -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->corrupt_view), "A=B", -1);
  g_signal_connect_swapped (self->fill_button, "clicked", G_CALLBACK (on_fill), self);
}

PlTemplateDialog *
pl_template_dialog_new (GtkWindow   *parent,
                        PlTokenizer *tok)
{
  PlTemplateDialog *self = g_object_new (PL_TYPE_TEMPLATE_DIALOG, "transient-for", parent,
                                         NULL);

  self->tok = tok;
  return self;
}
