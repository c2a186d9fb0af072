/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-heatmap.c: the heatmap pane driven through its own gestures and keys, one
 * test per finding of issue 8 about it:
 *   drag-selects-nothing 5  a drag pans and selects no cell
 *   keyboard             9  focus, arrows, Enter, the accessible description
 *   live-layout          10, 11  the live figure is laid out as the finished one; one
 *                        name per position in the hover line, the figure and the CSV
 *   live-scale           10 the live colour scale spans the unpatched runs from the start
 *   time-left            10 no time estimate from the first cells alone
 *   presentation-width   13 leaving presentation mode restores the prompts' width
 * Runs under xvfb-run.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pl-gui-test-util.h"
#include "pl-heatmap-private.h"
#include "pl-heatmap-view-private.h"
#include "pl-test-util.h"

static char *tmp_dir;     /* per run, removed at the end */
static char *model_dir;   /* a 3-layer random GPT-2 in $PATCHLENS_MODELS, any name */


/* ---- helpers ---- */

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

static gboolean not_busy (PlWindow *w) { return pl_gui_test_not_busy (w); }



static char *
read_text (const char *path)
{
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

/* ---- 5: a drag pans and selects nothing ---- */

static void
test_drag_selects_nothing (void)
{
  PlWindow *win = window_with_model ();
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  double x, y;
  int col;

  pl_gui_test_sweep_michelle (win);
  pl_heatmap_view_zoom_in (view);   /* room to pan */
  pl_gui_test_cell_center (win, 1, 1, &x, &y);
  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_DRAG), "drag-begin", x, y);
  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_DRAG), "drag-update", 40.0, 30.0);
  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_CLICK), "released", 1,
                         x + 40, y + 30);
  g_assert_cmpint (pl_heatmap_view_get_selected (view, &col), ==, -1);
  g_assert_cmpstr (pl_nexttoken_pane_get_page (win->nexttoken_pane), !=, "cell");
  /* A click that stays put selects. */
  pl_gui_test_click_cell (win, 1, 2);
  g_assert_cmpint (pl_heatmap_view_get_selected (view, &col), ==, 1);
  g_assert_cmpint (col, ==, 2);
  g_assert_cmpstr (pl_nexttoken_pane_get_page (win->nexttoken_pane), ==, "cell");
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
  pl_gui_test_close_window (win);
}

/* ---- 9: the heatmap from the keyboard ---- */

static void
test_keyboard (void)
{
  PlWindow *win = window_with_model ();
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  const char *hover;
  int col;

  pl_gui_test_sweep_michelle (win);
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (view)));
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (view)));
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Right));   /* the first key selects (0, 0) */
  g_assert_cmpint (pl_heatmap_view_get_selected (view, &col), ==, 0);
  g_assert_cmpint (col, ==, 0);
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Right));
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Down));
  g_assert_cmpint (pl_heatmap_view_get_selected (view, &col), ==, 1);
  g_assert_cmpint (col, ==, 1);
  hover = pl_heatmap_pane_get_hover_text (win->heatmap_pane);
  g_assert_true (g_str_has_prefix (hover, "Layer 1 · position 1 “␣Jones/␣Smith” · logit-diff = "));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       hover);
  /* Past the edge it stays. */
  for (int i = 0; i < 20; i++)
    pl_gui_test_press_key (win, GDK_KEY_Down);
  g_assert_cmpint (pl_heatmap_view_get_selected (view, NULL), ==, 2);
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Return));
  g_assert_cmpstr (pl_nexttoken_pane_get_page (win->nexttoken_pane), ==, "cell");
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
  pl_gui_test_close_window (win);
}

/* ---- 10, 11: the live figure and the names of positions ---- */

/* The live figure's colour limits at its first progress. */
typedef struct {
  PlWindow *win;
  double    vmin, vmax;   /* NAN until the first progress */
  double    ends[2];      /* the job's unpatched metric, clean and corrupted */
  gboolean  has_ends;
} LiveScale;

static void
on_live_progress (PlSweepJob *job,
                  LiveScale  *s)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (s->win->heatmap_pane));

  if (!isnan (s->vmax))
    return;
  s->vmin = pl_heatmap_ensure_layout (hm)->vmin;
  s->vmax = pl_heatmap_ensure_layout (hm)->vmax;
  s->has_ends = pl_sweep_job_get_ends (job, &s->ends[0], &s->ends[1]);
}

/* For each metric: the ends the job computes before the sweep are the sweep's own
 * unpatched values (which the numpy reference checks), and the live figure's scale
 * spans them from its first progress on. */
static void
test_live_scale (void)
{
  PlWindow *win = window_with_model ();

  pl_gui_test_set_michelle (win);
  for (PlMetric m = 0; m < PL_N_METRICS; m++)
    {
      LiveScale s = { win, NAN, NAN, { NAN, NAN }, FALSE };
      PlSweepResult *r;

      pl_document_set_metric (pl_window_get_document (win), m);
      pl_gui_test_run (win);
      g_signal_connect (win->job, "progress", G_CALLBACK (on_live_progress), &s);
      pl_gui_test_wait_for (not_busy, win);
      r = pl_document_get_result (pl_window_get_document (win));
      g_assert_true (s.has_ends);
      g_assert_cmpfloat_with_epsilon (s.ends[0], r->clean_value, 1e-4);
      g_assert_cmpfloat_with_epsilon (s.ends[1], r->corrupted_value, 1e-4);
      g_assert_cmpfloat (s.vmax, >=, MAX (r->clean_value, r->corrupted_value) - 1e-6);
      g_assert_cmpfloat (s.vmin, <=, MIN (r->clean_value, r->corrupted_value) + 1e-6);
    }
  pl_gui_test_close_window (win);
}

static void
test_live_layout (void)
{
  PlWindow *win = window_with_model ();
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  double lw, lh, fw, fh;
  g_autofree char *csv_path = g_build_filename (tmp_dir, "names.csv", NULL);
  g_autofree char *csv = NULL;
  g_autoptr(GError) error = NULL;


  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (view), &lw, &lh);
  pl_gui_test_wait_for (not_busy, win);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (view), &fw, &fh);
  g_assert_cmpfloat (lw, ==, fw);
  g_assert_cmpfloat (lh, ==, fh);
  /* Position 1 is " Jones" in one prompt and " Smith" in the other: named both ways
   * in the hover line (test_keyboard) and in the data. */
  g_assert_true (pl_window_export_data_to (win, csv_path, &error));
  g_assert_no_error (error);
  csv = read_text (csv_path);
  g_assert_nonnull (strstr (csv, "\r\n0,1,\" Jones/ Smith\","));
  pl_gui_test_close_window (win);
}

/* The time left: none from the first cells, whose batch carries the unpatched runs and
 * the kernels' start-up (a 3 s sweep was once said to need 12 s). */
static void
test_time_left (void)
{
  g_autofree char *early = pl_run_bar_describe (3, 33, 1.2);
  g_autofree char *late = pl_run_bar_describe (30, 33, 2.7);
  g_autofree char *mid = pl_run_bar_describe (11, 33, 1.0);

  g_assert_cmpstr (early, ==, "3 / 33 cells · estimating the time left");
  g_assert_cmpstr (late, ==, "30 / 33 cells · less than a second left");
  g_assert_cmpstr (mid, ==, "11 / 33 cells · 2 seconds left");
}

/* ---- 13: presentation mode ---- */

static void
test_presentation_width (void)
{
  PlWindow *win = window_with_model ();
  int before;

  pl_gui_test_sweep_michelle (win);
  pl_gui_test_spin (200);
  before = gtk_paned_get_position (win->outer_paned);
  g_action_group_activate_action (G_ACTION_GROUP (win), "presentation", NULL);
  pl_gui_test_spin (300);
  g_action_group_activate_action (G_ACTION_GROUP (win), "presentation", NULL);
  pl_gui_test_spin (300);
  g_assert_cmpint (gtk_paned_get_position (win->outer_paned), ==, before);
  pl_gui_test_close_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "heatmap");
  model_dir = g_build_filename (tmp_dir, "gpt2-seed1234", NULL);
  pl_gui_test_gen_model (model_dir, "3", "--seed", "1234", NULL);

  g_test_add_func ("/Patchlens/Heatmap/drag-selects-nothing", test_drag_selects_nothing);
  g_test_add_func ("/Patchlens/Heatmap/keyboard", test_keyboard);
  g_test_add_func ("/Patchlens/Heatmap/live-layout", test_live_layout);
  g_test_add_func ("/Patchlens/Heatmap/live-scale", test_live_scale);
  g_test_add_func ("/Patchlens/Heatmap/time-left", test_time_left);
  g_test_add_func ("/Patchlens/Heatmap/presentation-width", test_presentation_width);
  ret = g_test_run ();
  g_free (model_dir);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
