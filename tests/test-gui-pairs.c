/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-pairs.c: the Pairs mode (issue 12, the app), driven as a user drives it: the
 * window's actions (mode, open-pairs, load-pairs-set, paste-pairs, pairs-template, run,
 * cancel, show-std, save-as, open), typing into the table's cells, the heatmap's hover
 * and click. The numbers are checked against pl_sweep_set_run for the same set and
 * options (the core is checked against numpy by check-pairs.py), and the exported JSON
 * against the CLI's. File choosers answer through pl_window_set_chooser. Runs under
 * xvfb-run. docs/pairs.png is its save-open case photographed on a larger model:
 *   /usr/bin/python3 tests/gen-model.py --layers 6 --heads 4 --embd 128 /tmp/m6
 *   PL_SCREENSHOT_DIR=$PWD/docs PL_PAIRS_MODEL=/tmp/m6 meson test -C build gui-pairs \
 *     --test-args '-p /Patchlens/Pairs/save-open'   (also pairs-list.png: remove it)
 *   validate-run   a failing row is marked and Run is insensitive; fixed, the sweep's
 *                  mean, std and per-pair values are the core's; hover, click, std,
 *                  the JSON export equals `patchlens-cli sweep --pairs --json`
 *   save-open      an experiment keeps the set, the mode and the result
 *   cancel         cancelling a set's sweep leaves no result
 *   running-mean   during a set's sweep the figure is the core's running mean, titled
 *                  so, with each cell's count on hover; at the end the set's mean
 *   template       the dialog makes what pl-template.c makes; a refused filler says why
 *   paste          tab-separated lines from the clipboard become rows; an example
 *                  from the menu returns to the single pair
 *   open-bad       a file that is not a set loads nothing and says which line
 *   many           10,000 pairs (a set's most) load; an edit re-checks its own row
 *   heads          a set over head_out by position: the shown position's cells
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pl-data.h"
#include "pl-gui-test-util.h"
#include "pl-heatmap-view-private.h"
#include "pl-pair-row.h"
#include "pl-sweep-set-io.h"
#include "pl-template.h"
#include "pl-template-dialog.h"
#include "pl-test-util.h"

static char *tmp_dir;
static char *model_dir;
static char *chosen;

/* "very" makes line 2's corrupted prompt one token longer than its clean one. */
#define BAD_CORRUPTED "Michelle Smith was a very top-notch student. Michelle"
#define GOOD_CORRUPTED "Michelle Smith was a top-notch student. Michelle"

/* ---- helpers ---- */

static char *
choose (PlWindow   *win,
        const char *purpose,
        gpointer    data)
{
  return g_strdup (chosen);
}

static void
set_chosen (const char *name)
{
  g_free (chosen);
  chosen = g_build_filename (tmp_dir, name, NULL);
}

static PlWindow *
window_with_model (void)
{
  PlWindow *win = pl_window_new (NULL);

  pl_window_set_chooser (win, choose, NULL);
  gtk_window_present (GTK_WINDOW (win));
  return pl_gui_test_with_model (win, model_dir);
}

static void
activate_with (PlWindow   *win,
               const char *name,
               GVariant   *param)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), name));
  g_action_group_activate_action (G_ACTION_GROUP (win), name, param);
}

static gboolean not_busy (PlWindow *w) { return pl_gui_test_not_busy (w); }

static gboolean
run_enabled (PlWindow *win)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run");
}

static char *
replace (const char *s,
         const char *what,
         const char *with)
{
  const char *at = strstr (s, what);

  return g_strdup_printf ("%.*s%s%s", (int) (at - s), s, with, at + strlen (what));
}

/* The first three pairs of the shipped names set, line 2 made one token too long. */
static char *
write_small_set (const char *name)
{
  g_autofree char *names = g_build_filename (pl_data_dir (), "pairs", "names.jsonl", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *bad = NULL, *out = NULL;

  g_assert_true (g_file_get_contents (names, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", 4);
  g_assert_nonnull (strstr (lines[1], GOOD_CORRUPTED));
  bad = replace (lines[1], GOOD_CORRUPTED, BAD_CORRUPTED);
  out = g_strdup_printf ("%s\n%s\n%s\n", lines[0], bad, lines[2]);
  g_assert_true (g_file_set_contents (path, out, -1, NULL));
  return path;
}

static void
find_editable_label (GtkWidget  *w,
                     const char *text,
                     GtkWidget **found)
{
  if (*found != NULL)
    return;
  if (GTK_IS_EDITABLE_LABEL (w) && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (w)), text) == 0)
    {
      *found = w;
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    find_editable_label (c, text, found);
}

typedef struct { PlWindow *win; const char *text; GtkWidget *found; } CellSearch;

static gboolean
cell_shown (gpointer data)
{
  CellSearch *s = data;

  find_editable_label (GTK_WIDGET (s->win->pairs_panel), s->text, &s->found);
  return s->found != NULL;
}

/* The sweep the window must have made: the core's, on the set the table holds, with
 * progress (may be NULL) watching it. */
static PlSetResult *
core_result_watched (PlWindow          *win,
                     PlSetProgressFunc  progress,
                     gpointer           data)
{
  PlModel *model = pl_loaded_model_get (win->model);
  PlDocument *doc = pl_window_get_document (win);
  const char *jsonl = pl_document_get_pairs (doc);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlPairSet) set = pl_pair_set_parse (pl_model_tokenizer (model),
                                                pl_model_config (model)->n_positions, jsonl,
                                                strlen (jsonl), "pairs", &error);
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  PlSetResult *r;

  g_assert_no_error (error);
  opt.site = pl_document_get_site (doc);
  opt.metric = pl_document_get_metric (doc);
  opt.top_k = pl_document_get_top_k (doc);
  opt.direction = pl_document_get_direction (doc);
  opt.by_position = pl_site_is_head (opt.site) && pl_document_get_by_position (doc);
  r = pl_sweep_set_run (model, set, &opt, progress, data, NULL, &error);
  g_assert_no_error (error);
  return r;
}

static PlSetResult *
core_result (PlWindow *win)
{
  return core_result_watched (win, NULL, NULL);
}

static void
assert_close (float a,
              float b)
{
  g_assert_cmpfloat_with_epsilon (a, b, 1e-5 * MAX (1.0f, fabsf (b)));
}

static void
assert_same_result (const PlSetResult *a,
                    const PlSetResult *b)
{
  g_assert_cmpint (a->n_pairs, ==, b->n_pairs);
  g_assert_cmpint (a->n_cells, ==, b->n_cells);
  for (int c = 0; c < a->n_cells; c++)
    {
      assert_close (a->mean[c], b->mean[c]);
      assert_close (a->std[c], b->std[c]);
    }
  for (int i = 0; i < a->n_pairs * a->n_cells; i++)
    assert_close (a->matrices[i], b->matrices[i]);
}

/* Two JSON documents are the same: the same members in the same order, the same
 * texts, and numbers equal to float precision (the CLI is another process, whose
 * thread pool may sum in another order); "seconds" is the run's own. */
static void
assert_same_json (JsonNode   *a,
                  JsonNode   *b,
                  const char *where)
{
  g_assert_cmpint (json_node_get_node_type (a), ==, json_node_get_node_type (b));
  if (JSON_NODE_HOLDS_OBJECT (a))
    {
      g_autoptr(GList) ka = json_object_get_members (json_node_get_object (a));
      g_autoptr(GList) kb = json_object_get_members (json_node_get_object (b));

      g_assert_cmpuint (g_list_length (ka), ==, g_list_length (kb));
      for (GList *x = ka, *y = kb; x; x = x->next, y = y->next)
        {
          g_assert_cmpstr (x->data, ==, y->data);
          if (!g_str_equal (x->data, "seconds"))
            assert_same_json (json_object_get_member (json_node_get_object (a), x->data),
                              json_object_get_member (json_node_get_object (b), x->data),
                              x->data);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *xa = json_node_get_array (a), *xb = json_node_get_array (b);

      g_assert_cmpuint (json_array_get_length (xa), ==, json_array_get_length (xb));
      for (guint i = 0; i < json_array_get_length (xa); i++)
        assert_same_json (json_array_get_element (xa, i), json_array_get_element (xb, i), where);
    }
  else if (JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_DOUBLE)
    assert_close (json_node_get_double (a), json_node_get_double (b));
  else if (JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_STRING)
    g_assert_cmpstr (json_node_get_string (a), ==, json_node_get_string (b));
  else if (JSON_NODE_HOLDS_VALUE (a))
    g_assert_cmpint (json_node_get_int (a), ==, json_node_get_int (b));
}

static void
assert_same_json_files (const char *app,
                        const char *cli)
{
  g_autoptr(JsonParser) pa = json_parser_new ();
  g_autoptr(JsonParser) pb = json_parser_new ();

  g_assert_true (json_parser_load_from_file (pa, app, NULL));
  g_assert_true (json_parser_load_from_file (pb, cli, NULL));
  assert_same_json (json_parser_get_root (pa), json_parser_get_root (pb), "root");
}

/* ---- validate, run, look ---- */

static void
check_hover_and_click (PlWindow          *win,
                       const PlSetResult *want)
{
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  int row = 1, col = 3, cell = row * want->summary->n_positions + col;
  double x, y;
  g_autofree char *mean = g_strdup_printf ("%.4f ± %.4f (N = %d)", want->mean[cell],
                                           want->std[cell], want->n_pairs);
  GtkListBox *list;
  float last = INFINITY;

  g_assert_cmpfloat (pl_heatmap_pane_get_value (win->heatmap_pane, row, col), ==,
                     want->mean[cell]);
  pl_gui_test_cell_center (win, row, col, &x, &y);
  pl_heatmap_view_hover_at (view, x, y);
  g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (win->heatmap_pane), mean));

  /* A click lists every pair's own value there, highest first. */
  pl_gui_test_click_cell (win, row, col);
  list = pl_heatmap_pane_get_pair_list (win->heatmap_pane);
  g_assert_nonnull (list);
  for (int i = 0; i < want->n_pairs; i++)
    {
      GtkListBoxRow *r = gtk_list_box_get_row_at_index (list, i);
      GtkWidget *box = gtk_list_box_row_get_child (r);
      guint pair = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (box), "pair"));
      const char *shown = gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (box)));
      float own = want->matrices[(gsize) pair * want->n_cells + cell];
      g_autofree char *text = g_strdup_printf ("%+.4f", own);

      g_assert_cmpstr (shown, ==, text);
      g_assert_cmpfloat (own, <=, last);
      last = own;
    }
  g_assert_null (gtk_list_box_get_row_at_index (list, want->n_pairs));
  /* Picking one selects it in the table. */
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 0));
}

static void
test_validate_run (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  g_autofree char *path = write_small_set ("small.jsonl");
  g_autoptr(PlSetResult) want = NULL;
  CellSearch search = { win, BAD_CORRUPTED, NULL };
  GListModel *rows = pl_pairs_panel_get_rows (win->pairs_panel);
  g_autofree char *cli_json = g_build_filename (tmp_dir, "cli.json", NULL);
  g_autofree char *app_json = g_build_filename (tmp_dir, "app.json", NULL);
  g_autofree char *csv = g_build_filename (tmp_dir, "app.csv", NULL);
  g_autoptr(GError) error = NULL;

  activate_with (win, "mode", g_variant_new_string ("pairs"));
  g_assert_cmpint (pl_document_get_mode (doc), ==, PL_DOCUMENT_PAIRS);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win->pairs_panel)));
  g_assert_false (run_enabled (win));   /* no pairs yet */

  set_chosen ("small.jsonl");
  pl_gui_test_activate (win, "open-pairs");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);
  /* Line 2 fails, with the CLI's message; the others pass; Run waits. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PlPairRow) row = g_list_model_get_item (rows, i);
      if (i == 1)
        g_assert_true (g_str_has_prefix (pl_pair_row_get_error (row),
                                         "line 2: The prompts must have the same number of tokens"));
      else
        g_assert_null (pl_pair_row_get_error (row));
    }
  g_assert_nonnull (strstr (pl_pairs_panel_get_status_text (win->pairs_panel), "line 2"));
  g_assert_false (run_enabled (win));

  /* Fixed in its cell, as a user types. */
  pl_gui_test_wait_until (cell_shown, &search, "the failing cell is shown");
  g_assert_true (gtk_widget_has_css_class (search.found, "error"));
  if (g_getenv ("PL_SCREENSHOT_DIR"))
    pl_gui_test_spin (1500);   /* screenshots only: the next-token tables slide away */
  pl_gui_test_screenshot (win, "pairs-invalid.png");
  gtk_editable_set_text (GTK_EDITABLE (search.found), GOOD_CORRUPTED);
  g_assert_false (gtk_widget_has_css_class (search.found, "error"));
  g_assert_nonnull (strstr (pl_document_get_pairs (doc), GOOD_CORRUPTED));
  g_assert_true (run_enabled (win));

  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  g_assert_nonnull (pl_document_get_set_result (doc));
  g_assert_false (pl_document_is_stale (doc));
  want = core_result (win);
  assert_same_result (pl_document_get_set_result (doc), want);
  check_hover_and_click (win, want);

  /* The std as its own heatmap. */
  activate_with (win, "show-std", NULL);
  g_assert_true (pl_heatmap_pane_get_show_std (win->heatmap_pane));
  for (int c = 0; c < want->n_cells; c++)
    g_assert_cmpfloat (pl_heatmap_pane_get_value (win->heatmap_pane,
                                                  c / want->summary->n_positions,
                                                  c % want->summary->n_positions), ==,
                       want->std[c]);
  activate_with (win, "show-std", NULL);

  /* The exports are the CLI's. */
  g_assert_true (pl_window_export_data_to (win, app_json, &error));
  g_assert_no_error (error);
  g_assert_true (pl_window_export_data_to (win, csv, &error));
  {
    g_autofree char *set_path = g_build_filename (tmp_dir, "fixed.jsonl", NULL);
    const char *argv[] = { g_getenv ("PL_CLI"), "sweep", "--model", model_dir, "--pairs",
                           set_path, "--json", cli_json, NULL };
    g_autofree char *csv_text = NULL;
    int status;

    g_assert_nonnull (argv[0]);
    g_assert_true (g_file_set_contents (set_path, pl_document_get_pairs (doc), -1, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    assert_same_json_files (app_json, cli_json);
    g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
    g_assert_true (g_str_has_prefix (csv_text, "layer,position,token,mean,std\r\n"));
  }
  /* An edit makes the set's result stale. */
  activate_with (win, "remove-pair", NULL);   /* the row picked in the list above */
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 2);
  g_assert_true (pl_document_is_stale (doc));
  g_assert_true (pl_heatmap_pane_get_stale (win->heatmap_pane));
  pl_gui_test_close_window (win);
}

/* ---- save and open ---- */

static void
test_save_open (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  g_autofree char *pairs = NULL;
  PlWindow *again;
  PlDocument *doc2;

  activate_with (win, "load-pairs-set", g_variant_new_string ("names"));
  g_assert_cmpint (pl_document_get_mode (doc), ==, PL_DOCUMENT_PAIRS);
  g_assert_cmpuint (g_list_model_get_n_items (pl_pairs_panel_get_rows (win->pairs_panel)), ==, 20);
  g_assert_true (run_enabled (win));
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  g_assert_nonnull (pl_document_get_set_result (doc));
  pairs = g_strdup (pl_document_get_pairs (doc));
  /* docs/pairs.png (with PL_SCREENSHOT_DIR; PL_PAIRS_MODEL names a larger model): the
   * mean, a hovered cell's mean ± std; then a cell's list of pairs. */
  {
    double x, y;

    pl_gui_test_cell_center (win, 2, 1, &x, &y);
    pl_heatmap_view_hover_at (pl_heatmap_pane_get_view (win->heatmap_pane), x, y);
    g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (win->heatmap_pane), "(N = 20)"));
    pl_gui_test_screenshot (win, "pairs.png");
    pl_gui_test_click_cell (win, 2, 1);
    g_assert_nonnull (pl_heatmap_pane_get_pair_list (win->heatmap_pane));
    pl_gui_test_screenshot (win, "pairs-list.png");
  }

  set_chosen ("set.patchlens");
  pl_gui_test_activate (win, "save-as");
  pl_gui_test_wait_for (not_busy, win);
  g_assert_false (pl_document_is_dirty (doc));

  again = window_with_model ();
  doc2 = pl_window_get_document (again);
  pl_gui_test_activate (again, "open");
  pl_gui_test_wait_for (not_busy, again);
  g_assert_cmpint (pl_document_get_mode (doc2), ==, PL_DOCUMENT_PAIRS);
  g_assert_cmpstr (pl_document_get_pairs (doc2), ==, pairs);
  g_assert_cmpuint (g_list_model_get_n_items (pl_pairs_panel_get_rows (again->pairs_panel)), ==, 20);
  g_assert_nonnull (pl_document_get_set_result (doc2));
  assert_same_result (pl_document_get_set_result (doc2), pl_document_get_set_result (doc));
  for (int i = 0; i < 20; i++)
    g_assert_cmpstr (pl_document_get_set_result (doc2)->pairs[i].clean, ==,
                     pl_document_get_set_result (doc)->pairs[i].clean);
  g_assert_false (pl_document_is_stale (doc2));
  g_assert_false (pl_document_is_dirty (doc2));
  g_assert_true (pl_heatmap_pane_has_figure (again->heatmap_pane));
  g_assert_false (pl_heatmap_pane_get_stale (again->heatmap_pane));
  pl_gui_test_close_window (again);
  pl_gui_test_close_window (win);
}

/* ---- cancel ---- */

/* 1,000 pairs (the names set 50 times), opened: a sweep long enough to be seen
 * running (see test_cancel). */
static void
open_thousand (PlWindow *win)
{
  g_autofree char *names = g_build_filename (pl_data_dir (), "pairs", "names.jsonl", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "thousand.jsonl", NULL);

  g_assert_true (g_file_get_contents (names, &text, NULL, NULL));
  for (int i = 0; i < 50; i++)
    g_string_append (big, text);
  g_assert_true (g_file_set_contents (path, big->str, -1, NULL));
  set_chosen ("thousand.jsonl");
  pl_gui_test_activate (win, "open-pairs");
}

/* Cells done, or the job gone (then the test fails saying so, rather than waiting). */
static gboolean
some_cells_done (PlWindow *win)
{
  int done = 0, total = 0;

  if (win->job == NULL)
    return TRUE;
  pl_sweep_job_get_matrix (win->job, &done, &total, NULL);
  return done > 0;
}

/* A sweep of 1,000 pairs cannot end before its first progress arrives, however
 * loaded the machine. */
static void
test_cancel (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  int done = 0, total = 0;
  PlHeatmap *hm;

  open_thousand (win);
  pl_gui_test_run (win);
  pl_gui_test_wait_for (some_cells_done, win);
  g_assert_nonnull (win->job);   /* still running: it has 33,000 cells */
  /* Progress counts the cells of all the pairs: 1,000 x 3 layers x 11 positions. */
  pl_sweep_job_get_matrix (win->job, &done, &total, NULL);
  g_assert_cmpint (total, ==, 1000 * 3 * 11);
  g_assert_cmpint (done, <, total);
  pl_gui_test_activate (win, "cancel");
  g_assert_false (pl_window_is_sweeping (win));
  g_assert_null (pl_document_get_set_result (doc));
  /* The partial running mean is gone, never left looking like a result. */
  hm = pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (win->heatmap_pane));
  g_assert_true (hm == NULL || strstr (pl_heatmap_get_title (hm), "running") == NULL);
  g_assert_false (pl_heatmap_pane_has_figure (win->heatmap_pane));
  g_assert_true (run_enabled (win));
  pl_gui_test_close_window (win);
}

/* ---- the running mean ---- */

/* The core's running mean at each report, by the set's cells done (reports with the
 * same count hold the same cells). */
typedef struct {
  float *mean;
  int   *count;
} Snapshot;

static void
snapshot_free (gpointer p)
{
  Snapshot *s = p;

  g_free (s->mean);
  g_free (s->count);
  g_free (s);
}

static void
on_core_report (const PlSetProgress *p,
                gpointer             data)
{
  const PlRunningMean *rm = p->running;
  Snapshot *s = g_new (Snapshot, 1);

  if (rm->n_cells == 0)
    {
      g_free (s);
      return;
    }
  s->mean = g_memdup2 (rm->mean, sizeof (float) * rm->n_cells);
  s->count = g_memdup2 (rm->count, sizeof (int) * rm->n_cells);
  g_hash_table_replace (data, GINT_TO_POINTER (p->cells_done), s);
}

typedef struct {
  PlWindow   *win;
  GHashTable *core;       /* cells done -> Snapshot */
  int         n_partial;  /* checked while some cells held fewer pairs than the set */
  gboolean    hovered;
} LiveWatch;

/* A filled cell, hovered: its running mean and count. */
static void
hover_running_cell (LiveWatch *w, const Snapshot *s, int n_pairs, int n_cols, int cell)
{
  g_autofree char *want = g_strdup_printf ("= %.4f (running mean, N = %d of %d pairs)",
                                           s->mean[cell], s->count[cell], n_pairs);
  double x, y;

  pl_gui_test_cell_center (w->win, cell / n_cols, cell % n_cols, &x, &y);
  pl_heatmap_view_hover_at (pl_heatmap_pane_get_view (w->win->heatmap_pane), x, y);
  g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (w->win->heatmap_pane), want));
  w->hovered = TRUE;
}

/* After the window's own handler: the figure shows the core's running mean at the
 * report the job delivered, and its title says so. */
static void
on_live_progress (PlSweepJob *job,
                  LiveWatch  *w)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (w->win->heatmap_pane));
  int done, total, n_pairs, n_cols = 11, filled = -1, partial = 0;
  const int *counts;
  const Snapshot *s;

  pl_sweep_job_get_matrix (job, &done, &total, NULL);
  counts = pl_sweep_job_get_counts (job, &n_pairs);
  s = g_hash_table_lookup (w->core, GINT_TO_POINTER (done));
  if (counts == NULL || s == NULL)
    {
      g_assert_cmpint (done, ==, 0);   /* only before any cell */
      return;
    }
  g_assert_cmpint (n_pairs, ==, 1000);
  g_assert_nonnull (strstr (pl_heatmap_get_title (hm), "running mean of "));
  for (int c = 0; c < 3 * n_cols; c++)
    {
      float v = pl_heatmap_pane_get_value (w->win->heatmap_pane, c / n_cols, c % n_cols);

      g_assert_cmpint (counts[c], ==, s->count[c]);
      if (s->count[c] == 0)
        g_assert_true (isnan (v));   /* drawn as a cell not computed yet */
      else
        assert_close (v, s->mean[c]), filled = c;
      partial |= s->count[c] < n_pairs;
    }
  if (!partial || filled < 0)
    return;
  w->n_partial++;
  if (!w->hovered)
    hover_running_cell (w, s, n_pairs, n_cols, filled);
}

static void
test_running_mean (void)
{
  PlWindow *win = window_with_model ();
  g_autoptr(GHashTable) core = g_hash_table_new_full (NULL, NULL, NULL, snapshot_free);
  LiveWatch w = { win, core, 0, FALSE };
  g_autoptr(PlSetResult) want = NULL;
  PlHeatmap *hm;

  open_thousand (win);
  want = core_result_watched (win, on_core_report, core);
  pl_gui_test_run (win);
  hm = pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (win->heatmap_pane));
  g_assert_nonnull (strstr (pl_heatmap_get_title (hm), "· running mean of 0 of 1000 pairs"));
  g_signal_connect_after (win->job, "progress", G_CALLBACK (on_live_progress), &w);
  pl_gui_test_wait_for (not_busy, win);
  g_assert_cmpint (w.n_partial, >, 0);
  g_assert_true (w.hovered);
  /* At the end: the set's mean, as today's final figure. */
  hm = pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (win->heatmap_pane));
  g_assert_nonnull (strstr (pl_heatmap_get_title (hm), "· mean of 1000 pairs"));
  g_assert_null (strstr (pl_heatmap_get_title (hm), "running"));
  for (int c = 0; c < want->n_cells; c++)
    {
      g_assert_cmpfloat (pl_heatmap_pane_get_value (win->heatmap_pane, c / 11, c % 11), ==,
                         pl_document_get_set_result (pl_window_get_document (win))->mean[c]);
      assert_close (pl_heatmap_pane_get_value (win->heatmap_pane, c / 11, c % 11),
                    want->mean[c]);
    }
  pl_gui_test_close_window (win);
}

/* ---- the template dialog ---- */

static PlTemplateDialog *
find_template_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (PL_IS_TEMPLATE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return PL_TEMPLATE_DIALOG (w);
    }
  return NULL;
}

static char *
core_template (PlTokenizer *tok)
{
  static const char *names[] = { "Mary", "John", "Tom", "James", NULL };
  static const char *places[] = { "store", "garden", "park", NULL };
  g_autoptr(PlTemplate) t = pl_template_new ("When {A} and {B} went to the {place}, {B} "
                                             "gave a drink to", NULL);
  g_autoptr(GPtrArray) pairs = NULL;
  GString *s = g_string_new (NULL);

  g_assert_true (pl_template_add_slot (t, "A", names, NULL));
  g_assert_true (pl_template_add_slot (t, "B", names, NULL));
  g_assert_true (pl_template_add_slot (t, "place", places, NULL));
  g_assert_true (pl_template_add_corruption (t, "A", "B", NULL));
  g_assert_true (pl_template_set_answers (t, "A", "A", NULL));
  pairs = pl_template_expand (t, tok, 24, 0, NULL);
  g_assert_nonnull (pairs);
  for (guint i = 0; i < pairs->len; i++)
    {
      g_autofree char *line = pl_template_pair_to_json (pairs->pdata[i]);
      g_string_append_printf (s, "%s\n", line);   /* what `patchlens-cli pairs` writes */
    }
  return g_string_free (s, FALSE);
}

static void
find_fill_button (GtkWidget  *w,
                  GtkWidget **found)
{
  if (*found != NULL)
    return;
  if (GTK_IS_BUTTON (w) && gtk_button_get_label (GTK_BUTTON (w)) != NULL
      && strstr (gtk_button_get_label (GTK_BUTTON (w)), "Fill") != NULL)
    {
      *found = w;
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    find_fill_button (c, found);
}

static void
find_text_views (GtkWidget *w,
                 GPtrArray *views)
{
  if (GTK_IS_TEXT_VIEW (w))
    g_ptr_array_add (views, w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    find_text_views (c, views);
}

static void
set_view_text (GtkWidget  *root,
               const char *which,
               const char *text)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  find_text_views (root, views);
  g_assert_cmpuint (views->len, ==, 2);   /* fillers, corruptions */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (views->pdata[g_str_equal (which, "slots") ? 0 : 1]),
                            text, -1);
}

static void
test_template (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  PlTemplateDialog *dialog;
  GtkWidget *fill = NULL;
  g_autofree char *want = core_template (pl_model_tokenizer (pl_loaded_model_get (win->model)));

  pl_gui_test_activate (win, "pairs-template");
  dialog = find_template_dialog ();
  g_assert_nonnull (dialog);
  find_fill_button (GTK_WIDGET (dialog), &fill);
  g_assert_nonnull (fill);

  /* A filler of two tokens is refused with the reason; the dialog stays. */
  set_view_text (GTK_WIDGET (dialog), "slots",
                 "A=Mary,John,Tom,Bartholomew\nB=Mary,John,Tom,James\nplace=store,garden,park");
  g_signal_emit_by_name (fill, "clicked");   /* what a click does */
  g_assert_true (find_template_dialog () == dialog);
  g_assert_nonnull (strstr (pl_template_dialog_get_status (dialog), "Bartholomew"));
  pl_gui_test_screenshot ((PlWindow *) dialog, "pairs-template.png");   /* any window */
  g_assert_cmpstr (pl_document_get_pairs (doc), ==, "");

  /* The default example, as the core makes it: 24 of its 36 pairs, seed 0. */
  set_view_text (GTK_WIDGET (dialog), "slots",
                 "A=Mary,John,Tom,James\nB=Mary,John,Tom,James\nplace=store,garden,park");
  g_signal_emit_by_name (fill, "clicked");   /* what a click does */
  g_assert_null (find_template_dialog ());
  g_assert_cmpint (pl_document_get_mode (doc), ==, PL_DOCUMENT_PAIRS);
  g_assert_cmpstr (pl_document_get_pairs (doc), ==, want);
  g_assert_cmpuint (g_list_model_get_n_items (pl_pairs_panel_get_rows (win->pairs_panel)), ==, 24);
  g_assert_true (run_enabled (win));
  pl_gui_test_close_window (win);
}

/* ---- paste ---- */

static gboolean
rows_pasted (gpointer data)
{
  return g_list_model_get_n_items (pl_pairs_panel_get_rows (((PlWindow *) data)->pairs_panel)) == 2;
}

static void
test_paste (void)
{
  PlWindow *win = window_with_model ();

  activate_with (win, "mode", g_variant_new_string ("pairs"));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (win)),
                          "Michelle Jones was a top-notch student. Michelle\t" GOOD_CORRUPTED
                          "\t Jones\t Smith\n"
                          "Michelle Brown was a top-notch student. Michelle\t" GOOD_CORRUPTED
                          "\t Brown\t Smith\n");
  pl_gui_test_activate (win, "paste-pairs");
  pl_gui_test_wait_until (rows_pasted, win, "the pasted rows");
  g_assert_true (run_enabled (win));
  /* An example from the main menu is a single pair: the mode follows it. */
  activate_with (win, "preset", g_variant_new_uint32 (0));
  g_assert_cmpint (pl_document_get_mode (pl_window_get_document (win)), ==, PL_DOCUMENT_SINGLE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->pairs_panel)));
  pl_gui_test_close_window (win);
}

/* ---- a file that is not a set ---- */

/* Nothing of it is loaded; the dialog names the line and what it should be. */
static void
test_open_bad (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  g_autofree char *path = g_build_filename (tmp_dir, "bad.jsonl", NULL);
  AdwMessageDialog *dialog;

  activate_with (win, "mode", g_variant_new_string ("pairs"));
  g_assert_true (g_file_set_contents (path, "{\"clean\": \"a\"}\nnot a pair\n", -1, NULL));
  set_chosen ("bad.jsonl");
  pl_gui_test_activate (win, "open-pairs");
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "bad.jsonl: line 2 is neither a JSON object nor four tab-separated"));
  g_assert_cmpstr (pl_document_get_pairs (doc), ==, "");
  pl_gui_test_respond (dialog, "close");
  set_chosen ("missing.jsonl");
  pl_gui_test_activate (win, "open-pairs");
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "missing.jsonl"));
  pl_gui_test_respond (dialog, "close");
  g_assert_cmpuint (g_list_model_get_n_items (pl_pairs_panel_get_rows (win->pairs_panel)), ==, 0);
  g_assert_false (run_enabled (win));
  pl_gui_test_close_window (win);
}


/* ---- a set at the limit ---- */

/* 10,000 pairs (the most a set may hold) load and pass; an edit re-checks its own row,
 * whose message names its line. */
static void
test_many (void)
{
  PlWindow *win = window_with_model ();
  g_autofree char *names = g_build_filename (pl_data_dir (), "pairs", "names.jsonl", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "many.jsonl", NULL);
  GListModel *rows = pl_pairs_panel_get_rows (win->pairs_panel);
  g_autoptr(PlPairRow) row = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0;

  g_assert_true (g_file_get_contents (names, &text, NULL, NULL));
  for (int i = 0; i < PL_PAIR_SET_MAX_PAIRS / 20; i++)
    g_string_append (big, text);
  g_assert_true (g_file_set_contents (path, big->str, -1, NULL));
  set_chosen ("many.jsonl");
  t0 = g_get_monotonic_time ();
  pl_gui_test_activate (win, "open-pairs");
  g_test_message ("open and check %d pairs: %.3f s", PL_PAIR_SET_MAX_PAIRS,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_nonnull (pl_pairs_panel_get_set (win->pairs_panel));
  g_assert_cmpint (pl_pairs_panel_get_set (win->pairs_panel)->n_pairs, ==, PL_PAIR_SET_MAX_PAIRS);
  g_assert_true (run_enabled (win));

  row = g_list_model_get_item (rows, 5000);
  t0 = g_get_monotonic_time ();
  g_object_set (row, "clean-answer", " Bartholomew", NULL);
  g_test_message ("one edit: %.3f s", (g_get_monotonic_time () - t0) / 1e6);
  g_assert_true (g_str_has_prefix (pl_pair_row_get_error (row), "line 5001: "));
  g_assert_nonnull (strstr (pl_pair_row_get_error (row), "Bartholomew"));
  g_assert_false (run_enabled (win));
  g_object_set (row, "clean-answer", " Jones", NULL);
  g_assert_null (pl_pair_row_get_error (row));
  g_assert_true (run_enabled (win));
  pl_gui_test_close_window (win);
}

/* ---- head sites ---- */

/* A set over head_out by position: the mean, the hover line and the cell's list are
 * those of the shown position's (layer, head), as the core orders its cells. */
static void
test_heads (void)
{
  PlWindow *win = window_with_model ();
  PlDocument *doc = pl_window_get_document (win);
  g_autoptr(PlSetResult) want = NULL;
  PlSetResult *got;
  int row = 2, col = 1, T, H, pos;
  gsize cell;
  double x, y;
  g_autofree char *mean = NULL;
  GtkListBox *list;

  activate_with (win, "load-pairs-set", g_variant_new_string ("names"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win->prompts_panel), "panel.site",
                                             "s", "head_out"));
  gtk_drop_down_set_selected (pl_prompts_panel_get_granularity_dropdown (win->prompts_panel), 1);
  g_assert_true (pl_document_get_by_position (doc));
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  got = pl_document_get_set_result (doc);
  g_assert_nonnull (got);
  g_assert_true (got->summary->by_position);
  want = core_result (win);
  assert_same_result (got, want);

  T = want->summary->n_positions;
  H = want->summary->n_heads;
  pos = pl_heatmap_pane_get_position (win->heatmap_pane);
  g_assert_cmpint (pos, >=, 0);
  cell = ((gsize) row * T + pos) * H + col;
  /* get_value takes the result figure's layout by position: row l H + h, column p. */
  g_assert_cmpfloat (pl_heatmap_pane_get_value (win->heatmap_pane, row * H + col, pos), ==,
                     want->mean[cell]);
  mean = g_strdup_printf ("%.4f ± %.4f (N = %d)", want->mean[cell], want->std[cell],
                          want->n_pairs);
  pl_gui_test_cell_center (win, row, col, &x, &y);
  pl_heatmap_view_hover_at (pl_heatmap_pane_get_view (win->heatmap_pane), x, y);
  g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (win->heatmap_pane), mean));
  g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (win->heatmap_pane), "head H1"));
  pl_gui_test_click_cell (win, row, col);
  list = pl_heatmap_pane_get_pair_list (win->heatmap_pane);
  g_assert_nonnull (list);
  g_assert_nonnull (gtk_list_box_get_row_at_index (list, want->n_pairs - 1));
  /* Another direction: the set's result is stale. */
  gtk_drop_down_set_selected (pl_prompts_panel_get_direction_dropdown (win->prompts_panel), 1);
  g_assert_true (pl_document_is_stale (doc));
  pl_gui_test_close_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "pairs");
  if (g_getenv ("PL_PAIRS_MODEL") != NULL)   /* screenshots only: the counts differ */
    model_dir = g_strdup (g_getenv ("PL_PAIRS_MODEL"));
  else
    {
      model_dir = g_build_filename (tmp_dir, "gpt2-pairs", NULL);
      pl_gui_test_gen_model (model_dir, "3", "--seed", "1234", NULL);
    }

  g_test_add_func ("/Patchlens/Pairs/validate-run", test_validate_run);
  g_test_add_func ("/Patchlens/Pairs/save-open", test_save_open);
  g_test_add_func ("/Patchlens/Pairs/cancel", test_cancel);
  g_test_add_func ("/Patchlens/Pairs/running-mean", test_running_mean);
  g_test_add_func ("/Patchlens/Pairs/template", test_template);
  g_test_add_func ("/Patchlens/Pairs/paste", test_paste);
  g_test_add_func ("/Patchlens/Pairs/many", test_many);
  g_test_add_func ("/Patchlens/Pairs/open-bad", test_open_bad);
  g_test_add_func ("/Patchlens/Pairs/heads", test_heads);
  ret = g_test_run ();
  g_free (chosen);
  g_free (model_dir);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
