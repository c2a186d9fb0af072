/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui.c: the desktop app's window driven as a user drives it: typing into the
 * entries, the window's actions (win.run, win.cancel, win.presentation…), clicks on the
 * heatmap: validation and token chips, loading a tiny generated model, top-k tables, a
 * sweep to the end, cancelling one, closing the window mid-sweep, exports, presentation
 * mode. Files, the unsaved question, stale results and the findings of issue 8 are in
 * test-gui-document.c. Runs under xvfb-run (see tests/meson.build).
 *
 * With PL_SCREENSHOT_DIR set, it also writes PNG screenshots of the window there.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pl-gui-test-util.h"
#include "pl-test-util.h"

static char *tmp_dir;     /* per run, removed at the end */
static char *model_dir;   /* a 3-layer random GPT-2 */

/* ---- helpers ---- */

#define PROMPTS(w) ((w)->prompts_panel)
#define TABLE(w, name) pl_nexttoken_pane_get_table ((w)->nexttoken_pane, name)

static gboolean not_running (PlWindow *w) { return !pl_window_is_sweeping (w); }
static gboolean has_topk (PlWindow *w)
{
  return pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, FALSE) != NULL &&
         pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, TRUE) != NULL;
}
/* Both unpatched tables show the top 5 (after the spin button went from 20 to 5). */
static gboolean has_top5 (PlWindow *w)
{
  return has_topk (w) && pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, FALSE)->n == 5 &&
         pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, TRUE)->n == 5;
}

static PlWindow *
new_window (void)
{
  PlWindow *win = pl_window_new (NULL);

  gtk_window_present (GTK_WINDOW (win));
  return win;
}

static PlWindow *
window_with_model (void)
{
  return pl_gui_test_with_model (new_window (), model_dir);
}

static PlSweepResult *
result_of (PlWindow *win)
{
  return pl_document_get_result (pl_window_get_document (win));
}

static char *
read_file (const char *path,
           gsize      *len)
{
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return data;
}

/* ---- tests ---- */

static void
test_validation (void)
{
  PlWindow *win = new_window ();
  PlTokenStrip *clean_strip = pl_prompts_panel_get_strip (PROMPTS (win), FALSE);
  PlTokenStrip *corrupted_strip = pl_prompts_panel_get_strip (PROMPTS (win), TRUE);
  GtkWidget *validation = pl_prompts_panel_get_validation (PROMPTS (win));
  GtkLabel *clean_status = pl_prompts_panel_get_answer_status (PROMPTS (win), FALSE);
  g_autofree char *hover = NULL;
  const char *text;

  pl_gui_test_set_michelle (win);
  g_assert_cmpint (pl_token_strip_get_n_tokens (clean_strip), ==, 11);
  g_assert_cmpint (pl_token_strip_get_n_tokens (corrupted_strip), ==, 11);
  /* " Jones" vs " Smith" is the only difference. */
  g_assert_cmpint (pl_token_strip_get_n_highlighted (clean_strip), ==, 1);
  g_assert_cmpint (pl_token_strip_get_n_highlighted (corrupted_strip), ==, 1);
  g_assert_cmpstr (pl_token_strip_get_piece (clean_strip, 1), ==, " Jones");
  g_assert_true (pl_token_strip_get_differs (clean_strip, 1));
  g_assert_false (pl_token_strip_get_differs (clean_strip, 2));
  hover = pl_token_strip_describe (clean_strip, 1);
  g_assert_cmpstr (hover, ==, "Position 1 · id 5437 · “␣Jones”");
  text = pl_prompts_panel_get_validation_text (PROMPTS (win));
  g_assert_nonnull (strstr (text, "11 tokens"));
  g_assert_true (gtk_widget_has_css_class (validation, "ok"));
  g_assert_nonnull (pl_prompts_panel_get_inputs (PROMPTS (win)));
  g_assert_cmpint (pl_prompts_panel_get_inputs (PROMPTS (win))->clean_answer_id, ==, 5437);
  /* What was typed is the document's. */
  g_assert_cmpstr (pl_document_get_text (pl_window_get_document (win), PL_TEXT_CORRUPTED_ANSWER),
                   ==, " Smith");

  /* One token more in the corrupted prompt. */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED),
                        "Michelle Smith-Jones was a top-notch student. Michelle");
  text = pl_prompts_panel_get_validation_text (PROMPTS (win));
  g_assert_nonnull (strstr (text, "corrupted prompt is 2 tokens longer"));
  g_assert_true (gtk_widget_has_css_class (validation, "error"));
  g_assert_null (pl_prompts_panel_get_inputs (PROMPTS (win)));

  /* The leading-space pitfall, explained in place: "Jones" is a token of its own
   * (25784), not the " Jones" (5437) the model predicts after a word... */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED),
                        "Michelle Smith was a top-notch student. Michelle");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), "Jones");
  text = gtk_label_get_text (clean_status);
  g_assert_nonnull (strstr (text, "25784"));
  g_assert_nonnull (strstr (text, "“␣Jones” (id 5437)"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (clean_status), "answer-warning"));
  /* ... and "Berlin" is two tokens where " Berlin" is one. */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), "Berlin");
  text = gtk_label_get_text (clean_status);
  g_assert_nonnull (strstr (text, "2 tokens"));
  g_assert_nonnull (strstr (text, "leading space"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (clean_status), "answer-error"));
  g_assert_null (pl_prompts_panel_get_inputs (PROMPTS (win)));
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), " Jones");
  g_assert_nonnull (strstr (gtk_label_get_text (clean_status), "one token"));
  g_assert_nonnull (pl_prompts_panel_get_inputs (PROMPTS (win)));
  /* Fast enough to run on every keystroke: the best of five, since one validation
   * slowed by a loaded machine is no regression. */
  {
    double best = pl_prompts_panel_get_tokenize_ms (PROMPTS (win));

    for (int i = 0; i < 4; i++)
      {
        pl_prompts_panel_validate (PROMPTS (win));
        best = MIN (best, pl_prompts_panel_get_tokenize_ms (PROMPTS (win)));
      }
    g_test_message ("validation of two 11-token prompts took %.2f ms (best of 5)", best);
    g_assert_cmpfloat (best, <, 50.0);
  }
  /* The differing pair is offered as the answers. */
  g_assert_nonnull (gtk_widget_get_first_child (pl_prompts_panel_get_suggestions (PROMPTS (win))));
  pl_gui_test_close_window (win);
}

static void
test_model_and_topk (void)
{
  PlWindow *win = window_with_model ();

  g_assert_cmpstr (pl_model_button_get_path (win->model_button), ==, model_dir);
  g_assert_cmpstr (pl_model_button_get_label (win->model_button), !=, "No Model");
  pl_gui_test_set_michelle (win);
  pl_gui_test_wait_for (has_topk, win);
  g_assert_cmpint (pl_nexttoken_pane_get_unpatched (win->nexttoken_pane, FALSE)->n, ==, 20);
  /* The tables follow the spin button once its debounce and worker are done. */
  g_object_set (win->nexttoken_pane, "k", 5, NULL);
  g_assert_cmpint (pl_document_get_top_k (pl_window_get_document (win)), ==, 5);
  pl_gui_test_wait_for (has_top5, win);
  {
    g_autofree char *md = pl_topk_table_to_markdown (TABLE (win, "clean"));
    g_autofree char *csv = pl_topk_table_to_csv (TABLE (win, "clean"));
    g_assert_true (g_str_has_prefix (md, "| Rank | ID | Token | Probability | Logit |"));
    g_assert_true (g_str_has_prefix (csv, "rank,id,token,probability,logit\r\n"));
    g_auto(GStrv) lines = g_strsplit (csv, "\r\n", -1);
    g_assert_cmpint (g_strv_length (lines), ==, 7);   /* header, 5 rows, "" */
  }
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run"));
  pl_gui_test_close_window (win);
}

static void
test_sweep (void)
{
  PlWindow *win = window_with_model ();
  PlSweepResult *r;

  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  g_assert_true (pl_run_bar_is_running (win->run_bar));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "heatmap");
  pl_gui_test_wait_for (not_running, win);
  r = result_of (win);
  g_assert_nonnull (r);
  g_assert_cmpint (r->n_layers, ==, 3);
  g_assert_cmpint (r->n_positions, ==, 11);
  for (int i = 0; i < r->n_layers * r->n_positions; i++)
    {
      g_assert_true (isfinite (r->matrix[i]));
      g_assert_cmpfloat (pl_heatmap_pane_get_value (win->heatmap_pane, i / 11, i % 11), ==,
                         r->matrix[i]);
    }
  g_assert_nonnull (pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (win->heatmap_pane)));
  g_assert_false (pl_run_bar_is_running (win->run_bar));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "export-figure"));
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));

  /* Clicking a cell shows that patched run's top-k. */
  pl_gui_test_click_cell (win, 1, 1);
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
  g_assert_cmpint (pl_topk_table_get_topk (TABLE (win, "cell"))->n, ==,
                   pl_nexttoken_pane_get_k (win->nexttoken_pane));
  g_assert_cmpstr (pl_nexttoken_pane_get_page (win->nexttoken_pane), ==, "cell");
  pl_gui_test_screenshot (win, "sweep.png");
  pl_gui_test_close_window (win);
}
/* What a job emitted, counted by handlers of the test's own (not the window's). */
typedef struct {
  PlWindow *win;            /* cancelled at the first "progress" when set */
  GThread  *main_thread;
  int       n_progress, n_finished;
  int       n_elsewhere;    /* emissions on another thread than main_thread (atomic) */
  int       n_late;         /* emissions after the cancel */
  gboolean  cancelled;
} Emissions;

static void
count_emission (Emissions *e,
                int       *counter)
{
  if (g_thread_self () != e->main_thread)
    g_atomic_int_inc (&e->n_elsewhere);
  g_atomic_int_inc (counter);
  if (e->cancelled)
    e->n_late++;
}

static void
on_progress_emitted (PlSweepJob *job,
                     Emissions  *e)
{
  count_emission (e, &e->n_progress);
  if (e->win != NULL && !e->cancelled)
    {
      /* Cancel from the first "progress": the worker is provably mid-sweep or done
       * with a "finished" still queued; either way the job must drop what follows. */
      e->cancelled = TRUE;
      g_action_group_activate_action (G_ACTION_GROUP (e->win), "cancel", NULL);
    }
}

static void
on_finished_emitted (PlSweepJob *job,
                     Emissions  *e)
{
  count_emission (e, &e->n_finished);
}

static gboolean
has_progress (gpointer data)
{
  return g_atomic_int_get (&((Emissions *) data)->n_progress) > 0;
}

/* Connects e's counters to the window's running job and returns a weak pointer to it. */
static void
watch_job (PlWindow  *win,
           Emissions *e,
           gpointer  *weak_job)
{
  g_assert_nonnull (win->job);
  e->main_thread = g_thread_self ();
  g_signal_connect (win->job, "progress", G_CALLBACK (on_progress_emitted), e);
  g_signal_connect (win->job, "finished", G_CALLBACK (on_finished_emitted), e);
  *weak_job = win->job;
  g_object_add_weak_pointer (G_OBJECT (win->job), weak_job);
}

static void
test_cancel (void)
{
  PlWindow *win = window_with_model ();
  Emissions e = { .win = win };
  gpointer job;

  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  watch_job (win, &e, &job);
  pl_gui_test_wait_until (has_progress, &e, "the sweep's first progress");
  g_assert_true (e.cancelled);
  g_assert_false (pl_window_is_sweeping (win));
  g_assert_false (pl_run_bar_is_running (win->run_bar));
  /* Whatever the worker still delivers, the cancelled job drops: once it is gone,
   * there was no "finished", no progress after the cancel, and no result. */
  pl_gui_test_wait_for_finalize (&job, "the cancelled job's end");
  g_assert_cmpint (e.n_finished, ==, 0);
  g_assert_cmpint (e.n_late, ==, 0);
  g_assert_null (result_of (win));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "cancel"));
  /* A new run after a cancel works. */
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_running, win);
  g_assert_nonnull (result_of (win));
  g_assert_cmpint (result_of (win)->n_layers, ==, 3);
  pl_gui_test_close_window (win);
}

static void
test_close_mid_sweep (void)
{
  PlWindow *win = window_with_model ();
  Emissions e = { 0 };
  gpointer job;

  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  watch_job (win, &e, &job);
  pl_gui_test_close_window (win);   /* the window is finalized while its worker may still run */
  /* The worker ends; its late results go nowhere. */
  pl_gui_test_wait_for_finalize (&job, "the closed window's job's end");
  g_assert_cmpint (e.n_finished, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&e.n_elsewhere), ==, 0);
}

/* The jobs' signals come from the main thread, also when it is not iterating the main
 * context while the worker reports (GLib's g_main_context_invoke would then run the
 * emission on the worker itself, touching widgets off the main thread, even during
 * the window's dispose: the "GTK_IS_PROGRESS_BAR (pbar)" criticals once seen after
 * the close-mid-sweep case). */
static void
test_signals_on_main_thread (void)
{
  PlWindow *win = window_with_model ();
  Emissions e = { 0 };
  gpointer job;

  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  watch_job (win, &e, &job);
  /* Busy outside the main loop for up to a second, as a long handler would be. */
  for (int i = 0; i < 100 && g_atomic_int_get (&e.n_finished) == 0; i++)
    g_usleep (10 * 1000);
  g_assert_cmpint (g_atomic_int_get (&e.n_elsewhere), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&e.n_finished), ==, 0);
  pl_gui_test_wait_for (not_running, win);
  g_assert_cmpint (e.n_finished, ==, 1);
  g_assert_cmpint (e.n_progress, >=, 1);
  g_assert_cmpint (g_atomic_int_get (&e.n_elsewhere), ==, 0);
  g_assert_nonnull (result_of (win));
  pl_gui_test_close_window (win);
  pl_gui_test_wait_for_finalize (&job, "the finished job's release");
}

/* Width and height from a PNG's IHDR. */
static void
png_size (const char *data,
          int        *w,
          int        *h)
{
  const guchar *d = (const guchar *) data;

  *w = (d[16] << 24) | (d[17] << 16) | (d[18] << 8) | d[19];
  *h = (d[20] << 24) | (d[21] << 16) | (d[22] << 8) | d[23];
}

static void
test_export (void)
{
  PlWindow *win = window_with_model ();
  g_autofree char *png1 = g_build_filename (tmp_dir, "fig1.png", NULL);
  g_autofree char *png2 = g_build_filename (tmp_dir, "fig2.png", NULL);
  g_autofree char *svg = g_build_filename (tmp_dir, "fig.svg", NULL);
  g_autofree char *pdf = g_build_filename (tmp_dir, "fig.pdf", NULL);
  g_autofree char *csv = g_build_filename (tmp_dir, "data.csv", NULL);
  g_autofree char *json = g_build_filename (tmp_dir, "data.json", NULL);
  g_autofree char *bad = g_build_filename (tmp_dir, "fig.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *d1 = NULL, *d2 = NULL, *ds = NULL, *dp = NULL, *dc = NULL, *dj = NULL;
  gsize len;
  int w1, h1, w2, h2;

  /* Nothing to export before a sweep. */
  g_assert_false (pl_window_export_figure_to (win, png1, 1.0, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_running, win);
  g_assert_true (pl_window_export_figure_to (win, png1, 1.0, &error));
  g_assert_no_error (error);
  g_assert_true (pl_window_export_figure_to (win, png2, 2.0, &error));
  g_assert_true (pl_window_export_figure_to (win, svg, 1.0, &error));
  g_assert_true (pl_window_export_figure_to (win, pdf, 1.0, &error));
  g_assert_no_error (error);
  d1 = read_file (png1, &len);
  g_assert_true (len > 24 && memcmp (d1, "\x89PNG", 4) == 0);
  d2 = read_file (png2, &len);
  png_size (d1, &w1, &h1);
  png_size (d2, &w2, &h2);
  g_assert_cmpint (abs (w2 - 2 * w1), <=, 2);
  g_assert_cmpint (abs (h2 - 2 * h1), <=, 2);
  ds = read_file (svg, &len);
  g_assert_nonnull (strstr (ds, "<svg"));
  dp = read_file (pdf, &len);
  g_assert_true (g_str_has_prefix (dp, "%PDF"));

  g_assert_true (pl_window_export_data_to (win, csv, &error));
  g_assert_true (pl_window_export_data_to (win, json, &error));
  g_assert_no_error (error);
  dc = read_file (csv, &len);
  g_assert_true (g_str_has_prefix (dc, "layer,position,token,value"));
  dj = read_file (json, &len);
  g_assert_nonnull (strstr (dj, "\"patchlens-sweep\""));

  g_assert_false (pl_window_export_figure_to (win, bad, 1.0, &error));
  g_assert_nonnull (strstr (error->message, "fig.txt"));
  pl_gui_test_close_window (win);
}

static void
test_presentation (void)
{
  PlWindow *win = new_window ();
  g_autoptr(GVariant) state = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (win), "presentation", NULL);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "presentation"));
  state = g_action_group_get_action_state (G_ACTION_GROUP (win), "presentation");
  g_assert_true (g_variant_get_boolean (state));
  g_action_group_activate_action (G_ACTION_GROUP (win), "presentation", NULL);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (win), "presentation"));
  pl_gui_test_close_window (win);
}

/* F9 hides the next-token pane; the choice outlives the window, but presentation
 * mode's hiding does not count as one. */
static void
test_topk_pane_remembered (void)
{
  PlWindow *win = new_window ();
  PlWindow *win2 = NULL;

  g_assert_true (gtk_revealer_get_reveal_child (win->topk_revealer));
  g_action_group_change_action_state (G_ACTION_GROUP (win), "show-topk",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (gtk_revealer_get_reveal_child (win->topk_revealer));
  pl_gui_test_close_window (win);

  win2 = new_window ();
  g_assert_false (gtk_revealer_get_reveal_child (win2->topk_revealer));
  g_action_group_change_action_state (G_ACTION_GROUP (win2), "show-topk",
                                      g_variant_new_boolean (TRUE));
  g_action_group_activate_action (G_ACTION_GROUP (win2), "presentation", NULL);
  g_assert_false (gtk_revealer_get_reveal_child (win2->topk_revealer));
  pl_gui_test_close_window (win2);

  win = new_window ();
  g_assert_true (gtk_revealer_get_reveal_child (win->topk_revealer));
  pl_gui_test_close_window (win);
}

static void
test_no_model (void)
{
  PlWindow *win = new_window ();

  /* The search paths point at empty folders: the status page says how to get one. */
  pl_window_load_startup_model (win);
  pl_gui_test_wait_for (pl_gui_test_not_loading, win);
  g_assert_false (pl_window_has_model (win));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  g_assert_nonnull (strstr (gtk_label_get_text (win->searched_label), tmp_dir));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run"));
  /* Typing still works with the shipped tokenizer. */
  pl_gui_test_set_michelle (win);
  g_assert_nonnull (pl_prompts_panel_get_inputs (PROMPTS (win)));
  pl_gui_test_screenshot (win, "no-model.png");
  pl_gui_test_close_window (win);
}

static void
test_topk_table (void)
{
  GtkWidget *table = g_object_ref_sink (pl_topk_table_new ());
  PlTopEntry entries[2] = { { 1, 5437, (char *) " Jones", 0.5, 3.0f },
                            { 2, 1, (char *) "a\"|b", 0.25, 2.0f } };
  PlTopK top = { entries, 2 };
  g_autofree char *md = NULL, *csv = NULL;

  g_assert_null (pl_topk_table_to_csv (PL_TOPK_TABLE (table)));
  pl_topk_table_set_topk (PL_TOPK_TABLE (table), &top);
  md = pl_topk_table_to_markdown (PL_TOPK_TABLE (table));
  csv = pl_topk_table_to_csv (PL_TOPK_TABLE (table));
  g_assert_nonnull (strstr (md, "| 1 | 5437 | `␣Jones` | 0.5000 | 3.000 |"));
  g_assert_nonnull (strstr (md, "`a\"\\|b`"));
  g_assert_nonnull (strstr (csv, "1,5437,\" Jones\",0.500000,3.0000\r\n"));
  g_assert_nonnull (strstr (csv, "2,1,\"a\"\"|b\","));
  g_assert_finalize_object (table);
}

/* ---- setup ---- */

static void
generate_model (void)
{
  model_dir = g_build_filename (tmp_dir, "tiny-gpt2", NULL);
  pl_gui_test_gen_model (model_dir, "3", "--seed", "1", NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "gui");
  generate_model ();

  g_test_add_func ("/Patchlens/TopkTable/copy", test_topk_table);
  g_test_add_func ("/Patchlens/Window/validation", test_validation);
  g_test_add_func ("/Patchlens/Window/no-model", test_no_model);
  g_test_add_func ("/Patchlens/Window/model-and-topk", test_model_and_topk);
  g_test_add_func ("/Patchlens/Window/sweep", test_sweep);
  g_test_add_func ("/Patchlens/Window/cancel", test_cancel);
  g_test_add_func ("/Patchlens/Window/close-mid-sweep", test_close_mid_sweep);
  g_test_add_func ("/Patchlens/Window/signals-on-main-thread", test_signals_on_main_thread);
  g_test_add_func ("/Patchlens/Window/export", test_export);
  g_test_add_func ("/Patchlens/Window/topk-pane-remembered", test_topk_pane_remembered);
  g_test_add_func ("/Patchlens/Window/presentation", test_presentation);
  ret = g_test_run ();
  pl_test_remove_tree (tmp_dir);
  return ret;
}
