/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-pair-dialog.c: the dialog that edits one pair of the Pairs table
 * (PlPairDialog), driven as a user drives it: the panel's action pairs.edit-row and a
 * row's activation open it on the shipped IOI set; text is typed into its real text
 * views and entries; its Save and Cancel buttons and window.close (Escape) end it.
 *   save          the live token counts and the table's message as typed; Save writes
 *                 the row once, marks it failing and turns Run off, exactly as the
 *                 same edit typed in the row's cell does; fixed, Run is back
 *   cancel        Cancel, Escape and closing change neither the row nor the document
 *   activate      activating a row (a double click) opens the dialog on it;
 *                 with no row selected the action opens nothing
 * Runs under xvfb-run.
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pl-gui-test-util.h"
#include "pl-pair-dialog.h"
#include "pl-pair-row.h"
#include "pl-test-util.h"
#include "pl-token-strip.h"

static char *tmp_dir;
static char *model_dir;

/* Row 2 of ioi.jsonl, and its clean prompt one token longer ("big"). */
#define ROW 1
#define LONGER "While John and James were working at the big store, James gave a ball to"

/* ---- helpers ---- */

static gboolean
run_enabled (PlWindow *win)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run");
}

/* Saves win's document, so that "dirty" then says whether an edit reached it. */
static void
save_document (PlWindow *win)
{
  g_autofree char *path = g_build_filename (tmp_dir, "ioi.patchlens", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_document_save (pl_window_get_document (win), path, &error));
  g_assert_no_error (error);
  g_assert_false (pl_document_is_dirty (pl_window_get_document (win)));
}

/* A window with a model, in the Pairs mode, holding the shipped IOI set, saved. */
static PlWindow *
window_with_ioi (void)
{
  PlWindow *win = pl_gui_test_with_model (pl_window_new (NULL), model_dir);

  gtk_window_present (GTK_WINDOW (win));
  g_action_group_activate_action (G_ACTION_GROUP (win), "load-pairs-set",
                                  g_variant_new_string ("ioi"));
  g_assert_cmpuint (g_list_model_get_n_items (pl_pairs_panel_get_rows (win->pairs_panel)), ==, 24);
  save_document (win);
  g_assert_true (run_enabled (win));
  return win;
}

static PlPairRow *
row_at (PlWindow *win,
        guint     i)
{
  return g_list_model_get_item (pl_pairs_panel_get_rows (win->pairs_panel), i);
}

static PlPairDialog *
find_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (PL_IS_PAIR_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return PL_PAIR_DIALOG (w);
    }
  return NULL;
}

/* The dialog's descendants of type, in the order they are laid out. */
static void
collect (GtkWidget *w,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    g_ptr_array_add (found, w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect (c, type, found);
}

static GtkWidget *
nth (PlPairDialog *d,
     GType         type,
     guint         i)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (GTK_WIDGET (d), type, found);
  g_assert_cmpuint (found->len, >, i);
  return found->pdata[i];
}

static char *
view_text (PlPairDialog *d,
           guint         i)
{
  GtkTextBuffer *b = gtk_text_view_get_buffer (GTK_TEXT_VIEW (nth (d, GTK_TYPE_TEXT_VIEW, i)));
  GtkTextIter s, e;

  gtk_text_buffer_get_bounds (b, &s, &e);
  return gtk_text_buffer_get_text (b, &s, &e, FALSE);
}

/* What typing does to a text view: the buffer's text replaced through the view's buffer. */
static void
type_into_view (PlPairDialog *d,
                guint         i,
                const char   *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (nth (d, GTK_TYPE_TEXT_VIEW, i))),
                            text, -1);
}

static int
tokens_shown (PlPairDialog *d,
              guint         i)
{
  return pl_token_strip_get_n_tokens (PL_TOKEN_STRIP (nth (d, PL_TYPE_TOKEN_STRIP, i)));
}

static void
click (PlPairDialog *d,
       const char   *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (GTK_WIDGET (d), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      {
        g_assert_true (gtk_widget_is_sensitive (buttons->pdata[i]));
        g_signal_emit_by_name (buttons->pdata[i], "clicked");
        return;
      }
  g_assert_not_reached ();
}

static gboolean dialog_gone (gpointer data) { return find_dialog () == NULL; }

/* The dialog on row i, opened as the Edit button does. */
static PlPairDialog *
open_dialog (PlWindow *win,
             guint     i)
{
  pl_pairs_panel_select (win->pairs_panel, i);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win->pairs_panel), "pairs.edit-row", NULL));
  g_assert_nonnull (find_dialog ());
  return find_dialog ();
}

static void
count_notify (GObject    *doc,
              GParamSpec *pspec,
              int        *n)
{
  (*n)++;
}

/* ---- save ---- */

/* The message the table gives row i when its clean prompt is typed in its cell. */
static char *
in_place_message (PlWindow   *win,
                  guint       i,
                  const char *clean)
{
  g_autoptr(PlPairRow) row = row_at (win, i);
  g_autofree char *old = g_strdup (pl_pair_row_get_clean (row));
  char *message;

  g_object_set (row, "clean", clean, NULL);   /* what the cell's binding does */
  message = g_strdup (pl_pair_row_get_error (row));
  g_object_set (row, "clean", old, NULL);
  g_assert_null (pl_pair_row_get_error (row));
  return message;
}

static void
test_save (void)
{
  PlWindow *win = window_with_ioi ();
  PlDocument *doc = pl_window_get_document (win);
  g_autoptr(PlPairRow) row = row_at (win, ROW);
  int n = pl_pairs_panel_get_set (win->pairs_panel)->n_tokens, notified = 0;
  g_autofree char *want = in_place_message (win, ROW, LONGER);
  g_autofree char *first = NULL;
  PlPairDialog *d;

  g_assert_nonnull (want);
  g_assert_true (g_str_has_prefix (want, "line 2: "));
  save_document (win);   /* the in-place edit and its undoing made it dirty */
  g_assert_true (run_enabled (win));
  d = open_dialog (win, ROW);
  first = view_text (d, 0);
  g_assert_cmpstr (first, ==, pl_pair_row_get_clean (row));
  g_assert_cmpint (tokens_shown (d, 0), ==, n);
  g_assert_cmpint (tokens_shown (d, 1), ==, n);
  /* The names swapped: " John", " James" and the last name differ, as in the prompts panel. */
  g_assert_cmpint (pl_token_strip_get_n_highlighted (PL_TOKEN_STRIP (nth (d, PL_TYPE_TOKEN_STRIP, 0))), ==, 3);
  g_assert_cmpstr (pl_pair_dialog_get_status (d), ==, "The pair passes the table’s checks.");

  /* Typed: the count and the table's own message follow; the row waits for Save. */
  type_into_view (d, 0, LONGER);
  g_assert_cmpint (tokens_shown (d, 0), ==, n + 1);
  g_assert_cmpint (tokens_shown (d, 1), ==, n);
  g_assert_cmpstr (pl_pair_dialog_get_status (d), ==, want);
  g_assert_cmpstr (pl_pair_row_get_clean (row), ==, first);
  g_assert_null (pl_pair_row_get_error (row));
  g_assert_false (pl_document_is_dirty (doc));
  g_assert_true (run_enabled (win));

  /* Saved although it fails, as a cell takes it: marked as the in-place edit marks it. */
  g_signal_connect (doc, "notify::pairs", G_CALLBACK (count_notify), &notified);
  click (d, "_Save");
  pl_gui_test_wait_until (dialog_gone, NULL, "the dialog closes");
  g_assert_cmpint (notified, ==, 1);
  g_assert_cmpstr (pl_pair_row_get_clean (row), ==, LONGER);
  g_assert_cmpstr (pl_pair_row_get_error (row), ==, want);
  g_assert_nonnull (strstr (pl_pairs_panel_get_status_text (win->pairs_panel), want));
  g_assert_nonnull (strstr (pl_document_get_pairs (doc), LONGER));
  g_assert_true (pl_document_is_dirty (doc));
  g_assert_false (run_enabled (win));

  /* Fixed in the dialog, through an answer entry too: Run is back. */
  d = open_dialog (win, ROW);
  type_into_view (d, 0, first);
  gtk_editable_set_text (GTK_EDITABLE (nth (d, GTK_TYPE_ENTRY, 0)), " Mary");
  g_assert_cmpstr (pl_pair_dialog_get_status (d), ==, "The pair passes the table’s checks.");
  click (d, "_Save");
  pl_gui_test_wait_until (dialog_gone, NULL, "the dialog closes");
  g_assert_cmpint (notified, ==, 2);
  g_assert_cmpstr (pl_pair_row_get_clean_answer (row), ==, " Mary");
  g_assert_null (pl_pair_row_get_error (row));
  g_assert_true (run_enabled (win));
  g_signal_handlers_disconnect_by_func (doc, count_notify, &notified);
  pl_gui_test_close_window (win);
}

/* ---- cancel ---- */

/* Types a failing edit into every field, then ends the dialog with how. */
static void
edit_and_end (PlWindow   *win,
              const char *how)
{
  PlPairDialog *d = open_dialog (win, ROW);

  type_into_view (d, 0, LONGER);
  type_into_view (d, 1, "Something else entirely");
  for (guint i = 0; i < 3; i++)
    gtk_editable_set_text (GTK_EDITABLE (nth (d, GTK_TYPE_ENTRY, i)), " x");
  g_assert_cmpstr (pl_pair_dialog_get_status (d), !=, "The pair passes the table’s checks.");
  if (g_str_equal (how, "cancel"))
    click (d, "_Cancel");
  else if (g_str_equal (how, "escape"))   /* Escape's binding */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "window.close", NULL));
  else
    gtk_window_close (GTK_WINDOW (d));   /* the window manager's close */
  pl_gui_test_wait_until (dialog_gone, NULL, "the dialog closes");
}

static void
test_cancel (void)
{
  static const char *hows[] = { "cancel", "escape", "close" };
  PlWindow *win = window_with_ioi ();
  PlDocument *doc = pl_window_get_document (win);
  g_autoptr(PlPairRow) row = row_at (win, ROW);
  g_autofree char *before = pl_pair_row_to_json (row);
  g_autofree char *pairs = g_strdup (pl_document_get_pairs (doc));
  int notified = 0;

  g_signal_connect (doc, "notify::pairs", G_CALLBACK (count_notify), &notified);
  for (guint k = 0; k < G_N_ELEMENTS (hows); k++)
    {
      g_autofree char *after = NULL;

      edit_and_end (win, hows[k]);
      after = pl_pair_row_to_json (row);
      g_assert_cmpstr (after, ==, before);
      g_assert_null (pl_pair_row_get_error (row));
      g_assert_cmpstr (pl_document_get_pairs (doc), ==, pairs);
      g_assert_cmpint (notified, ==, 0);
      g_assert_false (pl_document_is_dirty (doc));
      g_assert_true (run_enabled (win));
    }
  g_signal_handlers_disconnect_by_func (doc, count_notify, &notified);
  pl_gui_test_close_window (win);
}

/* ---- activate ---- */

static GtkColumnView *
column_view (PlWindow *win)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (GTK_WIDGET (win->pairs_panel), GTK_TYPE_COLUMN_VIEW, found);
  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

static void
test_activate (void)
{
  PlWindow *win = window_with_ioi ();
  g_autoptr(PlPairRow) row = row_at (win, 5);
  g_autofree char *text = NULL;
  PlPairDialog *d;

  /* Nothing selected (a set just loaded): the action has nothing to edit. */
  gtk_widget_activate_action (GTK_WIDGET (win->pairs_panel), "pairs.edit-row", NULL);
  g_assert_null (find_dialog ());
  /* GtkColumnView emits "activate" on a double click on a row. */
  g_signal_emit_by_name (column_view (win), "activate", 5);
  d = find_dialog ();
  g_assert_nonnull (d);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (d)), ==, "Pair 6");
  /* The clean prompt has the focus, not the first button. */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (d)) == nth (d, GTK_TYPE_TEXT_VIEW, 0));
  text = view_text (d, 1);
  g_assert_cmpstr (text, ==, pl_pair_row_get_corrupted (row));
  pl_gui_test_screenshot_widget (GTK_WIDGET (d), "pair-dialog.png");
  click (d, "_Cancel");
  pl_gui_test_wait_until (dialog_gone, NULL, "the dialog closes");
  pl_gui_test_close_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  tmp_dir = pl_gui_test_init_private (&argc, &argv, "pair-dialog");
  model_dir = g_build_filename (tmp_dir, "gpt2-pair-dialog", NULL);
  pl_gui_test_gen_model (model_dir, "2", "--seed", "7", NULL);

  g_test_add_func ("/Patchlens/PairDialog/save", test_save);
  g_test_add_func ("/Patchlens/PairDialog/cancel", test_cancel);
  g_test_add_func ("/Patchlens/PairDialog/activate", test_activate);
  ret = g_test_run ();
  g_free (model_dir);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
