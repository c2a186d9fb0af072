/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-document.c: the user's work in the window, driven as a user drives it (the
 * window's actions, typing into entries, the heatmap's gestures and keys): one test per
 * finding of issue 8 (the heatmap's, 5 9 10 11 13, are in test-gui-heatmap.c).
 *   save-after-open      1  Save three times after Open rewrites the same file only
 *   close-asks, quit     2  closing or quitting with unsaved work or a sweep asks
 *   stale                3  an edit after a sweep marks the result; a save never mixes
 *   patched-recovers     4  the Patched pane leaves "Computing…" after a new sweep/file
 *   example-undo         6  an example's Undo brings the typed prompts back
 *   models-menu          7  the model popover lists a model folder of any name
 *   open-off-thread      14 a FIFO or a huge file cannot freeze the window
 *   model-reference      15 experiments name a store model by family; a failed load
 *                        keeps the start-up model
 *   spanish              8  the Spanish UI from the build folder (last: it changes locale)
 * File choosers cannot be driven: pl_window_set_chooser answers for them, behind the
 * same actions. Runs under xvfb-run.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "pl-application.h"
#include "pl-gui-test-util.h"
#include "pl-heatmap-view-private.h"
#include "pl-test-util.h"
#include "pl-uninstalled.h"

static char *tmp_dir;     /* per run, removed at the end */
static char *model_dir;   /* a 3-layer random GPT-2 in $PATCHLENS_MODELS, any name */
static char *chosen;      /* what the stand-in file chooser answers */

#define MICHELLE "Michelle Jones was a top-notch student. Michelle"

/* ---- helpers ---- */

static char *
choose (PlWindow   *win,
        const char *purpose,
        gpointer    data)
{
  return g_strdup (chosen);
}

static PlWindow *
new_window (void)
{
  PlWindow *win = pl_window_new (NULL);

  pl_window_set_chooser (win, choose, NULL);
  gtk_window_present (GTK_WINDOW (win));
  return win;
}

static PlWindow *
window_with_model (void)
{
  return pl_gui_test_with_model (new_window (), model_dir);
}

static gboolean not_busy (PlWindow *w) { return pl_gui_test_not_busy (w); }

static PlDocument *
doc_of (PlWindow *win)
{
  return pl_window_get_document (win);
}


static void
set_chosen (const char *name)
{
  g_free (chosen);
  chosen = name ? g_build_filename (tmp_dir, name, NULL) : NULL;
}

static char *
read_text (const char *path)
{
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

static int
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;

  while (g_dir_read_name (d))
    n++;
  return n;
}

/* ---- 1: Save after Open ---- */

static void
test_save_after_open (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "saves", NULL);
  g_autofree char *path = g_build_filename (dir, "michelle.patchlens", NULL);
  PlWindow *win = new_window ();
  PlWindow *win2;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  pl_gui_test_set_michelle (win);
  g_assert_true (pl_document_is_dirty (doc_of (win)));
  set_chosen ("saves/michelle.patchlens");
  pl_gui_test_activate (win, "save-as");
  g_assert_false (pl_document_is_dirty (doc_of (win)));
  pl_gui_test_close_window (win);

  win2 = new_window ();
  pl_gui_test_activate (win2, "open");
  pl_gui_test_wait_for (not_busy, win2);
  g_assert_cmpstr (pl_document_get_path (doc_of (win2)), ==, path);
  set_chosen (NULL);   /* Save must not ask: the file is known */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *clean = g_strdup_printf ("Michelle Jones was a top-notch student %d.", i);
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", clean);
      g_autofree char *data = NULL;
      const char *subtitle;

      pl_gui_test_set_text (pl_gui_test_entry (win2, PL_TEXT_CLEAN), clean);
      g_assert_true (pl_document_is_dirty (doc_of (win2)));
      pl_gui_test_activate (win2, "save");
      g_assert_false (pl_document_is_dirty (doc_of (win2)));
      data = read_text (path);
      g_assert_nonnull (strstr (data, quoted));
      subtitle = adw_window_title_get_subtitle (win2->window_title);
      g_assert_true (g_utf8_validate (subtitle, -1, NULL));
      g_assert_cmpstr (subtitle, ==, "michelle.patchlens");
      g_assert_cmpint (count_files (dir), ==, 1);
    }
  pl_gui_test_close_window (win2);
}

/* ---- 2: the unsaved question ---- */

static void
test_close_asks (void)
{
  PlWindow *win = new_window ();
  gpointer weak = win;
  AdwMessageDialog *dialog;
  g_autofree char *path = g_build_filename (tmp_dir, "closing.patchlens", NULL);

  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  /* Nothing typed: closes without a question (and is not finalized yet: the test
   * holds the window through gtk_window_present's toplevel list only). */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), "Edited");
  gtk_widget_activate_action (GTK_WIDGET (win), "window.close", NULL);   /* Ctrl+W */
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  gtk_widget_activate_action (GTK_WIDGET (win), "window.close", NULL);   /* again */
  g_assert_cmpint (pl_gui_test_count_dialogs (win), ==, 1);   /* the same question */
  g_assert_true (adw_message_dialog_has_response (dialog, "save"));
  g_assert_true (adw_message_dialog_has_response (dialog, "discard"));
  pl_gui_test_respond (dialog, "cancel");
  g_assert_nonnull (weak);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));
  g_assert_cmpstr (pl_document_get_text (doc_of (win), PL_TEXT_CLEAN), ==, "Edited");

  /* Save: asks where (never saved), writes, closes. */
  gtk_window_close (GTK_WINDOW (win));   /* the title bar's close button */
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  set_chosen ("closing.patchlens");
  pl_gui_test_respond (dialog, "save");
  pl_gui_test_wait_for_finalize (&weak, "the saved window's close");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Discard closes without saving. */
  win = new_window ();
  weak = win;
  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), "Lost on purpose");
  gtk_window_close (GTK_WINDOW (win));
  pl_gui_test_respond (pl_gui_test_find_dialog (win), "discard");
  pl_gui_test_wait_for_finalize (&weak, "the discarded window's close");
}

/* A running sweep asks too, even with nothing unsaved; app.quit asks as Ctrl+W does. */
static void
test_quit_asks (void)
{
  g_autoptr(PlApplication) app = pl_application_new ();
  PlWindow *win;
  gpointer weak;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  win = pl_window_new (GTK_APPLICATION (app));
  pl_window_set_chooser (win, choose, NULL);
  weak = win;
  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_model (win, model_dir);
  pl_gui_test_wait_for (pl_gui_test_not_loading, win);
  pl_gui_test_sweep_michelle (win);
  set_chosen ("quit.patchlens");
  pl_gui_test_activate (win, "save-as");
  g_assert_false (pl_document_is_dirty (doc_of (win)));

  pl_gui_test_run (win);
  g_assert_cmpint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);   /* Ctrl+Q */
  g_assert_nonnull (pl_gui_test_find_dialog (win));
  g_assert_false (adw_message_dialog_has_response (pl_gui_test_find_dialog (win), "save"));
  pl_gui_test_respond (pl_gui_test_find_dialog (win), "cancel");
  g_assert_true (pl_window_is_sweeping (win));
  pl_gui_test_wait_for (not_busy, win);
  /* Finished and saved? The result is unsaved work now. */
  g_assert_true (pl_document_is_dirty (doc_of (win)));
  gtk_window_close (GTK_WINDOW (win));
  g_assert_nonnull (pl_gui_test_find_dialog (win));
  pl_gui_test_respond (pl_gui_test_find_dialog (win), "discard");
  pl_gui_test_wait_for_finalize (&weak, "the quit window's close");
}

/* ---- 3: stale results ---- */

static void
test_stale (void)
{
  PlWindow *win = window_with_model ();
  PlWindow *win2;
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  g_autofree char *path = g_build_filename (tmp_dir, "stale.patchlens", NULL);
  g_autoptr(PlExperiment) e = NULL;
  g_autoptr(GError) error = NULL;
  const char *other = "Michelle Jones was a top-notch student. She";

  pl_gui_test_sweep_michelle (win);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), other);
  g_assert_true (pl_heatmap_pane_get_stale (win->heatmap_pane));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (view), "stale-heatmap"));
  pl_gui_test_screenshot (win, "stale.png");
  /* Saved now: the new prompts, and the result with the prompts that made it. */
  set_chosen ("stale.patchlens");
  pl_gui_test_activate (win, "save-as");
  e = pl_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->clean, ==, other);
  g_assert_cmpstr (e->result->inputs->clean.text, ==, MICHELLE);
  g_assert_cmpint (e->result->n_positions, ==, e->result->inputs->clean.n_tokens);
  /* Reopened, it is marked again. */
  win2 = new_window ();
  pl_gui_test_activate (win2, "open");
  pl_gui_test_wait_for (not_busy, win2);
  g_assert_true (pl_heatmap_pane_get_stale (win2->heatmap_pane));
  pl_gui_test_close_window (win2);
  /* Typed back to what made it: no mark. An example: marked. */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), MICHELLE);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset", g_variant_new_uint32 (1));
  g_assert_true (pl_heatmap_pane_get_stale (win->heatmap_pane));
  /* Run again: a fresh result, no mark. */
  pl_gui_test_run (win);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  pl_gui_test_wait_for (not_busy, win);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (view), "stale-heatmap"));
  pl_gui_test_close_window (win);
}

/* ---- 4: the Patched pane after a new sweep or a file ---- */

static void
test_patched_recovers (void)
{
  PlWindow *win = window_with_model ();
  g_autofree char *path = g_build_filename (tmp_dir, "patched.patchlens", NULL);
  const char *placeholder;

  pl_gui_test_sweep_michelle (win);
  pl_gui_test_click_cell (win, 1, 1);   /* then at once a new sweep, as a user may */
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  placeholder = pl_nexttoken_pane_get_cell_placeholder (win->nexttoken_pane);
  g_assert_cmpstr (placeholder, !=, "Computing…");
  g_assert_null (strstr (placeholder, "Computing"));
  pl_gui_test_click_cell (win, 2, 3);
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);

  /* The same after opening a file while a cell is being computed. */
  set_chosen ("patched.patchlens");
  pl_gui_test_activate (win, "save-as");
  pl_gui_test_click_cell (win, 0, 0);
  pl_gui_test_activate (win, "open");
  pl_gui_test_wait_for (not_busy, win);
  g_assert_null (strstr (pl_nexttoken_pane_get_cell_placeholder (win->nexttoken_pane),
                         "Computing"));
  g_assert_null (pl_topk_table_get_topk (pl_nexttoken_pane_get_table (win->nexttoken_pane,
                                                                      "cell")));
  pl_gui_test_close_window (win);
}

/* ---- 6: examples can be undone ---- */

static void
test_example_undo (void)
{
  PlWindow *win = new_window ();
  guint n = 0;
  const PlPreset *presets = pl_presets (&n);

  g_assert_cmpint (g_menu_model_get_n_items (G_MENU_MODEL (win->presets_section)), ==, (int) n);
  /* Into an empty window an example just fills in. */
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset", g_variant_new_uint32 (0));
  g_assert_cmpstr (pl_document_get_text (doc_of (win), PL_TEXT_CLEAN), ==, presets[0].clean);
  g_assert_nonnull (pl_prompts_panel_get_inputs (win->prompts_panel));
  /* Over typed prompts: replaced, and the toast's Undo (win.undo-example) restores. */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), "My own clean prompt");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), " own");
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset", g_variant_new_uint32 (2));
  g_assert_cmpstr (gtk_editable_get_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED)), ==,
                   presets[2].corrupted);
  g_action_group_activate_action (G_ACTION_GROUP (win), "undo-example", NULL);
  g_assert_cmpstr (gtk_editable_get_text (pl_gui_test_entry (win, PL_TEXT_CLEAN)), ==,
                   "My own clean prompt");
  g_assert_cmpstr (gtk_editable_get_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER)), ==,
                   " own");
  g_assert_cmpstr (gtk_editable_get_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED)), ==,
                   presets[0].corrupted);
  pl_gui_test_close_window (win);
}

/* ---- 7: the model menu ---- */

static void
test_models_menu (void)
{
  PlWindow *win = new_window ();
  GtkListBoxRow *row = NULL;
  g_autofree char *base = g_path_get_basename (model_dir);

  GtkListBox *list = pl_model_button_get_list (win->model_button);

  pl_model_button_refresh (win->model_button);   /* as opening the popover does */
  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)); i++)
    if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (gtk_list_box_row_get_child (row))), base) == 0)
      break;
  g_assert_nonnull (row);
  g_signal_emit_by_name (list, "row-activated", row);   /* a click on it */
  pl_gui_test_wait_for (pl_gui_test_not_loading, win);
  g_assert_true (pl_window_has_model (win));
  /* Not a family name: the experiment names its folder. */
  g_assert_cmpstr (pl_document_get_model (doc_of (win)), ==, model_dir);
  pl_gui_test_close_window (win);
}

/* ---- 14: opening off the main thread ---- */

static void
expect_open_error (PlWindow   *win,
                   const char *name,
                   const char *message)
{
  AdwMessageDialog *dialog;

  set_chosen (name);
  pl_gui_test_activate (win, "open");
  /* Returned at once; the worker reads. */
  g_assert_true (pl_window_is_opening (win));
  pl_gui_test_wait_for (not_busy, win);
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), message));
  pl_gui_test_respond (dialog, "close");
}

static void
test_open_off_thread (void)
{
  PlWindow *win = new_window ();
  g_autofree char *fifo = g_build_filename (tmp_dir, "fifo.patchlens", NULL);
  g_autofree char *huge = g_build_filename (tmp_dir, "huge.patchlens", NULL);
  FILE *f;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  expect_open_error (win, "fifo.patchlens", "not a regular file");
  f = fopen (huge, "w");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, 100 * 1024 * 1024, SEEK_SET), ==, 0);   /* sparse */
  fputc ('}', f);
  fclose (f);
  expect_open_error (win, "huge.patchlens", "an experiment is at most");
  /* Head-site experiments open since the app draws heads: test-gui-heads.c. */
  g_assert_cmpstr (pl_document_get_path (doc_of (win)), ==, NULL);
  pl_gui_test_close_window (win);
  g_remove (huge);
  g_remove (fifo);
}

/* ---- 15: the model an experiment names ---- */

static void
test_model_reference (void)
{
  g_autofree char *store = g_build_filename (tmp_dir, "gpt2", NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "elsewhere.patchlens", NULL);
  g_autoptr(PlExperiment) e = NULL;
  g_autoptr(GError) error = NULL;
  PlWindow *win;

  /* "gpt2" in the store ($PATCHLENS_MODELS): saved by name, not by its folder. */
  g_assert_cmpint (symlink (model_dir, store), ==, 0);
  win = new_window ();
  pl_window_load_model (win, "gpt2");
  pl_gui_test_wait_for (not_busy, win);
  g_assert_cmpstr (pl_document_get_model (doc_of (win)), ==, "gpt2");
  pl_gui_test_set_michelle (win);
  set_chosen ("byname.patchlens");
  pl_gui_test_activate (win, "save-as");
  {
    g_autofree char *saved = g_build_filename (tmp_dir, "byname.patchlens", NULL);
    g_autoptr(PlExperiment) s = pl_experiment_load (saved, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (s->model, ==, "gpt2");
  }
  pl_gui_test_close_window (win);

  /* An experiment from another machine names a folder missing here; opened while the
   * start-up model still loads, it must not cost that model. */
  e = pl_experiment_new ();
  e->model = g_strdup ("/nonexistent/elsewhere/gpt2");
  g_free (e->clean);
  e->clean = g_strdup (MICHELLE);
  g_assert_true (pl_experiment_save (e, path, &error));
  win = new_window ();
  pl_window_load_startup_model (win);   /* last-model: "gpt2" */
  set_chosen ("elsewhere.patchlens");
  pl_gui_test_activate (win, "open");
  pl_gui_test_wait_for (not_busy, win);
  g_assert_true (pl_window_has_model (win));
  g_assert_cmpstr (pl_document_get_model (doc_of (win)), ==, "gpt2");
  g_assert_nonnull (pl_gui_test_find_dialog (win));   /* "Could Not Load the Model" */
  pl_gui_test_respond (pl_gui_test_find_dialog (win), "close");
  g_assert_cmpstr (pl_document_get_text (doc_of (win), PL_TEXT_CLEAN), ==, MICHELLE);
  pl_gui_test_close_window (win);
  g_remove (store);
}

/* ---- 8: Spanish from the build folder ---- */

static void
test_spanish (void)
{
  PlWindow *win;
  GtkWidget *empty;

  /* What main.c does, in a program that runs from the build folder. */
  g_assert_true (pl_running_uninstalled ());
  bindtextdomain (GETTEXT_PACKAGE, pl_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "es", TRUE);
  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
  win = new_window ();
  empty = gtk_stack_get_child_by_name (win->center_stack, "empty");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (empty)), ==,
                   "Aún no hay ningún barrido");
  pl_gui_test_screenshot (win, "spanish.png");
  pl_gui_test_close_window (win);
  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "C");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "doc");
  model_dir = g_build_filename (tmp_dir, "gpt2-seed1234", NULL);
  pl_gui_test_gen_model (model_dir, "3", "--seed", "1234", NULL);

  g_test_add_func ("/Patchlens/Document/save-after-open", test_save_after_open);
  g_test_add_func ("/Patchlens/Document/close-asks", test_close_asks);
  g_test_add_func ("/Patchlens/Document/quit-asks", test_quit_asks);
  g_test_add_func ("/Patchlens/Document/stale", test_stale);
  g_test_add_func ("/Patchlens/Document/patched-recovers", test_patched_recovers);
  g_test_add_func ("/Patchlens/Document/example-undo", test_example_undo);
  g_test_add_func ("/Patchlens/Document/models-menu", test_models_menu);
  g_test_add_func ("/Patchlens/Document/open-off-thread", test_open_off_thread);
  g_test_add_func ("/Patchlens/Document/model-reference", test_model_reference);
  g_test_add_func ("/Patchlens/Document/spanish", test_spanish);
  ret = g_test_run ();
  g_free (chosen);
  g_free (model_dir);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
