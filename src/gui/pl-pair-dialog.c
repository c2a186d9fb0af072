/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-dialog.c: PlPairDialog: its fields to a draft PlPairRow, checked by the table
 * (pl_pairs_panel_check_draft) as it is typed and written by it on Save.
 */
#include "config.h"

#include "pl-pair-dialog.h"

#include <glib/gi18n.h>

#include "pl-inputs.h"
#include "pl-token-strip.h"

struct _PlPairDialog {
  AdwWindow     parent_instance;

  GtkTextView  *clean_view;
  GtkTextView  *corrupted_view;
  PlTokenStrip *clean_strip;
  PlTokenStrip *corrupted_strip;
  GtkEntry     *clean_answer_entry;
  GtkEntry     *corrupted_answer_entry;
  GtkEntry     *name_entry;
  GtkImage     *status_icon;
  GtkLabel     *status_label;

  PlPairsPanel *panel;
  PlPairRow    *row;     /* the row edited: untouched until Save */
};

G_DEFINE_FINAL_TYPE (PlPairDialog, pl_pair_dialog, ADW_TYPE_WINDOW)

static char *
view_text (GtkTextView *view)
{
  GtkTextBuffer *b = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (b, &start, &end);
  return gtk_text_buffer_get_text (b, &start, &end, FALSE);
}

static const char *
entry_text (GtkEntry *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

/* The fields as a row. An empty name is no name, as a row read from a file without one. */
static PlPairRow *
make_draft (PlPairDialog *self)
{
  g_autofree char *clean = view_text (self->clean_view);
  g_autofree char *corrupted = view_text (self->corrupted_view);
  const char *name = entry_text (self->name_entry);

  return pl_pair_row_new (clean, corrupted, entry_text (self->clean_answer_entry),
                          entry_text (self->corrupted_answer_entry), *name ? name : NULL);
}

/* ---- the tokens ---- */

/* Both prompts' tokens, those at which they differ highlighted, as the single pair's
 * prompts panel shows them. A prompt that does not tokenize (too long for the model)
 * shows none: the status line says why. */
static void
show_tokens (PlPairDialog *self,
             PlPairRow    *draft)
{
  int n_ctx = 0;
  PlTokenizer *tok = pl_pairs_panel_get_tokenizer (self->panel, &n_ctx);
  PlPrompt a = { 0 }, b = { 0 };
  gboolean ok_a, ok_b;
  g_autofree gboolean *da = NULL, *db = NULL;

  pl_token_strip_clear (self->clean_strip);
  pl_token_strip_clear (self->corrupted_strip);
  if (tok == NULL)
    return;
  ok_a = pl_prompt_init (&a, tok, pl_pair_row_get_clean (draft), "clean", n_ctx, NULL);
  ok_b = pl_prompt_init (&b, tok, pl_pair_row_get_corrupted (draft), "corrupted", n_ctx, NULL);
  da = g_new0 (gboolean, MAX (a.n_tokens, 1));
  db = g_new0 (gboolean, MAX (b.n_tokens, 1));
  if (ok_a && ok_b)
    pl_prompt_mark_differences (&a, &b, da, db);
  if (ok_a)
    pl_token_strip_set_tokens (self->clean_strip, a.ids, (const char * const *) a.pieces,
                               a.n_tokens, ok_b ? da : NULL);
  if (ok_b)
    pl_token_strip_set_tokens (self->corrupted_strip, b.ids, (const char * const *) b.pieces,
                               b.n_tokens, ok_a ? db : NULL);
  pl_prompt_clear (&a);
  pl_prompt_clear (&b);
}

/* ---- the check ---- */

static void
show_status (PlPairDialog *self,
             PlPairRow    *draft)
{
  g_autofree char *error = pl_pairs_panel_check_draft (self->panel, self->row, draft);
  GtkWidget *label = GTK_WIDGET (self->status_label);

  gtk_image_set_from_icon_name (self->status_icon, error ? "dialog-warning-symbolic"
                                                         : "emblem-ok-symbolic");
  gtk_label_set_text (self->status_label, error ? error : _("The pair passes the table’s checks."));
  gtk_widget_remove_css_class (label, error ? "success" : "error");
  gtk_widget_add_css_class (label, error ? "error" : "success");
}

static void
on_changed (PlPairDialog *self)
{
  g_autoptr(PlPairRow) draft = make_draft (self);

  show_tokens (self, draft);
  show_status (self, draft);
}

const char *
pl_pair_dialog_get_status (PlPairDialog *self)
{
  return gtk_label_get_text (self->status_label);
}

/* Save is never refused, even while the pair fails: the table takes any text in its
 * cells and marks the row, so the dialog does as a cell does (and a half-done edit of
 * a long prompt is not lost). The status line has already said what is wrong. */
static void
save (GtkWidget  *widget,
      const char *name,
      GVariant   *param)
{
  PlPairDialog *self = PL_PAIR_DIALOG (widget);
  g_autoptr(PlPairRow) draft = make_draft (self);

  pl_pairs_panel_save_draft (self->panel, self->row, draft);
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- GObject ---- */

static void
pl_pair_dialog_dispose (GObject *object)
{
  PlPairDialog *self = PL_PAIR_DIALOG (object);

  g_clear_object (&self->panel);
  g_clear_object (&self->row);
  G_OBJECT_CLASS (pl_pair_dialog_parent_class)->dispose (object);
}

static void
pl_pair_dialog_class_init (PlPairDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pl_pair_dialog_dispose;
  g_type_ensure (PL_TYPE_TOKEN_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-pair-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, clean_view);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, corrupted_view);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, clean_strip);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, corrupted_strip);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, clean_answer_entry);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, corrupted_answer_entry);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, status_icon);
  gtk_widget_class_bind_template_child (widget_class, PlPairDialog, status_label);
  gtk_widget_class_install_action (widget_class, "pair.save", NULL, save);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

/* Ctrl+Return saves from anywhere. A prompt's Return is a new line (prompts may hold
 * them) and a text view takes Ctrl+Return as one too, so the shortcut is caught before
 * the focused view sees it. */
static void
add_save_shortcut (PlPairDialog *self)
{
  GtkEventController *c = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (c, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (c),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                        gtk_named_action_new ("pair.save")));
  gtk_widget_add_controller (GTK_WIDGET (self), c);
}

static void
pl_pair_dialog_init (PlPairDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_save_shortcut (self);
}

/* The row's texts into the fields, then the fields watched (so filling them checks once). */
static void
fill_fields (PlPairDialog *self)
{
  const char *name = pl_pair_row_get_name (self->row);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->clean_view),
                            pl_pair_row_get_clean (self->row), -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->corrupted_view),
                            pl_pair_row_get_corrupted (self->row), -1);
  gtk_editable_set_text (GTK_EDITABLE (self->clean_answer_entry),
                         pl_pair_row_get_clean_answer (self->row));
  gtk_editable_set_text (GTK_EDITABLE (self->corrupted_answer_entry),
                         pl_pair_row_get_corrupted_answer (self->row));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name ? name : "");
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->clean_view), "changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->corrupted_view), "changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->clean_answer_entry, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->corrupted_answer_entry, "changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (on_changed), self);
  on_changed (self);
}

PlPairDialog *
pl_pair_dialog_new (GtkWindow    *parent,
                    PlPairsPanel *panel,
                    PlPairRow    *row)
{
  PlPairDialog *self = g_object_new (PL_TYPE_PAIR_DIALOG, "transient-for", parent, NULL);
  GListModel *rows = pl_pairs_panel_get_rows (panel);
  guint i;

  self->panel = g_object_ref (panel);
  self->row = g_object_ref (row);
  if (g_list_store_find (G_LIST_STORE (rows), row, &i))
    {
      /* Translators: the title of the dialog editing the pair in row %u of the table */
      g_autofree char *title = g_strdup_printf (_("Pair %u"), i + 1);
      gtk_window_set_title (GTK_WINDOW (self), title);
    }
  fill_fields (self);
  /* The prompt first, where the dialog's use is (the .ui's focus-widget is lost when the
   * window is shown: GTK focuses the first focusable widget, the Cancel button). */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->clean_view));
  return self;
}
