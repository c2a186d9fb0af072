/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-heads.c: attention heads and patching directions in the app (issue 10),
 * through its real actions and widgets on a generated model (3 layers, 2 heads):
 *   sweep           the indirect-object example selects head_out; the site menu
 *                   (panel.site), the direction and granularity drop-downs, Run: the
 *                   live and the finished figures are layer × head (or (layer, head) ×
 *                   position) and every cell equals pl_sweep_run's for the same options;
 *                   the hover line and the Patched table name the head
 *   attention       Enter on a head cell opens its attention pattern: Clean and
 *                   Corrupted equal the core's, Patched equals pl_attention_pattern_patched
 *                   (head_q) or says it is unchanged (head_out); a double click opens too
 *   export          the pattern to PNG, SVG, PDF, CSV and JSON through the chooser seam
 *   save-open       a head-site experiment saved and opened again: same site, direction,
 *                   granularity and cells, not stale
 *   stale           changing the direction (or the granularity) marks the result stale
 * Runs under xvfb-run.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pl-attention-dialog.h"
#include "pl-attention-pattern.h"
#include "pl-gui-test-util.h"
#include "pl-heatmap-private.h"
#include "pl-heatmap-view-private.h"
#include "pl-test-util.h"
#include "pl-uninstalled.h"

#define N_LAYERS 3
#define N_HEADS 2
#define IOI_PRESET 3
#define IOI_TOKENS 14

static char *tmp_dir;
static char *model_dir;
static char *chosen;      /* what the stand-in file chooser answers */

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
  chosen = name ? g_build_filename (tmp_dir, name, NULL) : NULL;
}

static PlDocument *
doc_of (PlWindow *win)
{
  return pl_window_get_document (win);
}

/* A window with the model; denoising whatever the last test left in the settings. */
static PlWindow *
window_with_model (void)
{
  PlWindow *win = pl_window_new (NULL);

  pl_window_set_chooser (win, choose, NULL);
  gtk_window_present (GTK_WINDOW (win));
  /* Not an edit: the settings' defaults, as a new window takes them. */
  pl_document_set_sweep_defaults (doc_of (win), PL_DIRECTION_DENOISE, FALSE);
  return pl_gui_test_with_model (win, model_dir);
}

static gboolean not_busy (PlWindow *w) { return pl_gui_test_not_busy (w); }

static PlHeatmap *
shown_figure (PlWindow *win)
{
  return pl_heatmap_view_get_heatmap (pl_heatmap_pane_get_view (win->heatmap_pane));
}

/* The site through the site menu's action, as its radio items do. */
static void
choose_site (PlWindow   *win,
             const char *site)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win->prompts_panel), "panel.site",
                                             "s", site));
}

/* Runs the sweep and checks the live figure has the finished one's shape. */
static void
sweep (PlWindow *win,
       int       n_rows,
       int       n_cols)
{
  pl_gui_test_run (win);
  g_assert_cmpint (pl_heatmap_get_n_rows (shown_figure (win)), ==, n_rows);
  g_assert_cmpint (pl_heatmap_get_n_cols (shown_figure (win)), ==, n_cols);
  pl_gui_test_wait_for (not_busy, win);
  g_assert_nonnull (pl_document_get_result (doc_of (win)));
  g_assert_cmpint (pl_heatmap_get_n_rows (shown_figure (win)), ==, n_rows);
  g_assert_cmpint (pl_heatmap_get_n_cols (shown_figure (win)), ==, n_cols);
}

/* The core's sweep for the document's options. */
static PlSweepResult *
core_sweep (PlWindow *win)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  PlSweepResult *r;

  opt.site = pl_document_get_site (doc_of (win));
  opt.metric = pl_document_get_metric (doc_of (win));
  opt.direction = pl_document_get_direction (doc_of (win));
  opt.by_position = pl_document_get_by_position (doc_of (win));
  r = pl_sweep_run (pl_loaded_model_get (win->model),
                    pl_prompts_panel_get_inputs (win->prompts_panel), &opt, NULL, NULL, NULL,
                    &error);
  g_assert_no_error (error);
  return r;
}

/* Every cell the pane shows equals the core's (by position: row l H + h, column p). */
static void
assert_cells_equal_core (PlWindow *win)
{
  g_autoptr(PlSweepResult) core = core_sweep (win);
  PlSweepResult *r = pl_document_get_result (doc_of (win));
  int L = core->n_layers, H = core->n_heads, T = core->n_positions;

  g_assert_cmpint (r->site, ==, core->site);
  g_assert_cmpint (r->direction, ==, core->direction);
  g_assert_cmpint (r->by_position, ==, core->by_position);
  g_assert_cmpint (H, ==, N_HEADS);
  g_assert_cmpuint (pl_sweep_result_n_cells (r), ==, pl_sweep_result_n_cells (core));
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++)
      for (int p = 0; p < (core->by_position ? T : 1); p++)
        {
          float want = core->by_position ? core->matrix[((gsize) l * T + p) * H + h]
                                         : core->matrix[l * H + h];
          float got = core->by_position
                      ? pl_heatmap_pane_get_value (win->heatmap_pane, l * H + h, p)
                      : pl_heatmap_pane_get_value (win->heatmap_pane, l, h);

          g_assert_true (isfinite (want));
          g_assert_cmpfloat_with_epsilon (got, want, 1e-5);
        }
}

static PlAttentionDialog *
find_attention_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (PL_IS_ATTENTION_DIALOG (w))
        return PL_ATTENTION_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_ready (gpointer data)
{
  PlAttentionDialog *d = find_attention_dialog ();

  return d != NULL && pl_attention_dialog_is_ready (d);
}

static PlAttentionDialog *
wait_for_dialog (void)
{
  pl_gui_test_wait_until (dialog_ready, NULL, "the attention dialog's patterns");
  return find_attention_dialog ();
}

/* A key pressed in the dialog's pattern view, as its key controller sees it. */
static gboolean
press_dialog_key (PlAttentionDialog *d,
                  guint              keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (
      GTK_WIDGET (pl_attention_dialog_get_view (d)));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        g_signal_emit_by_name (c, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
    }
  return handled;
}

static void
close_dialog (PlAttentionDialog *d)
{
  gpointer weak = d;

  g_object_add_weak_pointer (G_OBJECT (d), &weak);
  gtk_window_destroy (GTK_WINDOW (d));
  pl_gui_test_wait_for_finalize (&weak, "the attention dialog");
}

/* Selects (row, col) with the arrow keys from the top-left cell, then Enter. */
static void
enter_on_cell (PlWindow *win,
               int       row,
               int       col)
{
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Down));   /* selects (0, 0) */
  for (int i = 0; i < row; i++)
    g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Down));
  for (int i = 0; i < col; i++)
    g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Right));
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Return));
}

static void
assert_pattern_equal (const float *got,
                      const float *want,
                      int          T)
{
  g_assert_nonnull (got);
  g_assert_nonnull (want);
  for (int i = 0; i < T * T; i++)
    g_assert_cmpfloat (got[i], ==, want[i]);
}

/* ---- sweep ---- */

static void
test_sweep (void)
{
  PlWindow *win = window_with_model ();
  GtkDropDown *direction = pl_prompts_panel_get_direction_dropdown (win->prompts_panel);
  GtkDropDown *granularity = pl_prompts_panel_get_granularity_dropdown (win->prompts_panel);
  GtkWidget *site_button = GTK_WIDGET (pl_prompts_panel_get_site_button (win->prompts_panel));
  PlHeatmap *hm;

  /* A block site: one granularity, the control is insensitive. */
  choose_site (win, "resid_post");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (granularity)));
  /* The indirect-object example selects head_out at all positions. */
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  g_assert_cmpint (pl_document_get_site (doc_of (win)), ==, PL_SITE_HEAD_OUT);
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (site_button)), ==,
                   "Head output (z)");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (granularity)));
  g_assert_nonnull (strstr (pl_prompts_panel_get_direction_text (win->prompts_panel),
                            "sufficient"));
  sweep (win, N_LAYERS, N_HEADS);
  assert_cells_equal_core (win);
  hm = shown_figure (win);
  g_assert_cmpstr (hm->col_labels[1], ==, "H1");
  g_assert_cmpstr (hm->col_title, ==, "Head");
  /* Keyboard: the hover line names the head. */
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Down));
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Right));
  g_assert_nonnull (strstr (pl_heatmap_pane_get_hover_text (win->heatmap_pane),
                            "Layer 0 · head H1 (all positions)"));
  /* A click: the Patched table is that head's patched run. */
  pl_gui_test_click_cell (win, 2, 1);
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
  {
    PlTopkTable *t = pl_nexttoken_pane_get_table (win->nexttoken_pane, "cell");
    const PlTopK *got = pl_topk_table_get_topk (t);
    g_autoptr(PlTopK) want = pl_sweep_cell_topk (pl_loaded_model_get (win->model),
                                                 pl_document_get_result (doc_of (win)), 2, 1,
                                                 got->n);

    g_assert_cmpint (got->entries[0].id, ==, want->entries[0].id);
    g_assert_cmpfloat (got->entries[0].prob, ==, want->entries[0].prob);
  }

  /* Noising, query site: through the menu's action and the drop-down. */
  choose_site (win, "head_q");
  gtk_drop_down_set_selected (direction, PL_DIRECTION_NOISE);
  g_assert_cmpint (pl_document_get_direction (doc_of (win)), ==, PL_DIRECTION_NOISE);
  g_assert_nonnull (strstr (pl_prompts_panel_get_direction_text (win->prompts_panel),
                            "necessary"));
  sweep (win, N_LAYERS, N_HEADS);
  assert_cells_equal_core (win);
  g_assert_nonnull (strstr (shown_figure (win)->title, "noising"));

  /* By position: the layer × head grid of one position, chosen above the figure. */
  gtk_drop_down_set_selected (granularity, 1);
  g_assert_true (pl_document_get_by_position (doc_of (win)));
  sweep (win, N_LAYERS, N_HEADS);
  assert_cells_equal_core (win);
  {
    GtkDropDown *positions = pl_heatmap_pane_get_position_dropdown (win->heatmap_pane);
    PlSweepResult *r = pl_document_get_result (doc_of (win));

    g_assert_true (gtk_widget_is_visible (GTK_WIDGET (positions)));
    g_assert_cmpint (pl_heatmap_pane_get_position (win->heatmap_pane), ==, 9);   /* differs */
    gtk_drop_down_set_selected (positions, 12);
    g_assert_cmpint (pl_heatmap_pane_get_position (win->heatmap_pane), ==, 12);
    hm = shown_figure (win);
    g_assert_cmpint (pl_heatmap_get_n_cols (hm), ==, N_HEADS);
    g_assert_nonnull (strstr (hm->title, "position 12"));
    for (int l = 0; l < N_LAYERS; l++)
      for (int h = 0; h < N_HEADS; h++)
        g_assert_cmpfloat (hm->values[l * N_HEADS + h], ==,
                           r->matrix[((gsize) l * IOI_TOKENS + 12) * N_HEADS + h]);
    /* A click on (layer 2, head 1): the Patched table is that cell's run at position 12. */
    pl_gui_test_click_cell (win, 2, 1);
    pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
    {
      const PlTopK *got = pl_topk_table_get_topk (pl_nexttoken_pane_get_table (
          win->nexttoken_pane, "cell"));
      g_autoptr(PlTopK) want = pl_sweep_cell_topk (pl_loaded_model_get (win->model), r,
                                                   2 * N_HEADS + 1, 12, got->n);

      g_assert_cmpfloat (got->entries[0].prob, ==, want->entries[0].prob);
    }
  }
  /* Back to a block site: no position bar. */
  choose_site (win, "resid_post");
  sweep (win, N_LAYERS, IOI_TOKENS);
  g_assert_false (gtk_widget_is_visible (
      GTK_WIDGET (pl_heatmap_pane_get_position_dropdown (win->heatmap_pane))));
  pl_gui_test_close_window (win);
}

/* ---- attention ---- */

static void
test_attention (void)
{
  PlWindow *win = window_with_model ();
  PlModel *model;
  const PlInputs *in;
  PlAttentionDialog *d;
  int T;

  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  sweep (win, N_LAYERS, N_HEADS);
  model = pl_loaded_model_get (win->model);
  in = pl_prompts_panel_get_inputs (win->prompts_panel);
  /* Enter on layer 1, head 1. */
  g_assert_null (find_attention_dialog ());
  enter_on_cell (win, 1, 1);
  d = wait_for_dialog ();
  g_assert_cmpint (pl_attention_dialog_get_layer (d), ==, 1);
  g_assert_cmpint (pl_attention_dialog_get_head (d), ==, 1);
  {
    g_autofree float *clean = pl_attention_pattern (model, in->clean.ids, IOI_TOKENS, 1, 1,
                                                    NULL, NULL);
    g_autofree float *corrupted = pl_attention_pattern (model, in->corrupted.ids, IOI_TOKENS,
                                                        1, 1, NULL, NULL);

    assert_pattern_equal (pl_attention_dialog_get_pattern (d, PL_ATTENTION_CLEAN, &T),
                          clean, IOI_TOKENS);
    g_assert_cmpint (T, ==, IOI_TOKENS);
    /* The pattern's own keys: Down selects (0, 0), Down again (1, 0); the line says it. */
    {
      g_autofree char *want = g_strdup_printf ("Position 1 “␣Mary” attends to position 0 “When”: %.4f",
                                               clean[IOI_TOKENS]);
      for (int i = 0; i < 2; i++)
        g_assert_true (press_dialog_key (d, GDK_KEY_Down));
      g_assert_cmpstr (pl_attention_dialog_get_hover_text (d), ==, want);
    }
    g_assert_cmpint (pl_heatmap_get_n_rows (pl_heatmap_view_get_heatmap (
        pl_attention_dialog_get_view (d))), ==, IOI_TOKENS);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "attention.run", "s",
                                               "corrupted"));
    assert_pattern_equal (pl_attention_dialog_get_pattern (d, PL_ATTENTION_CORRUPTED, NULL),
                          corrupted, IOI_TOKENS);
  }
  /* head_out acts after the pattern: said, not drawn twice. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "attention.run", "s", "patched"));
  g_assert_cmpint (pl_attention_dialog_get_run (d), ==, PL_ATTENTION_PATCHED);
  g_assert_null (pl_attention_dialog_get_pattern (d, PL_ATTENTION_PATCHED, NULL));
  g_assert_nonnull (strstr (pl_attention_dialog_get_caption (d), "acts after its pattern"));
  g_assert_null (pl_heatmap_view_get_heatmap (pl_attention_dialog_get_view (d)));
  close_dialog (d);

  /* head_q: the patched run's pattern is the core's, opened by a double click. */
  choose_site (win, "head_q");
  sweep (win, N_LAYERS, N_HEADS);
  {
    double x, y;
    g_autofree float *patched = pl_attention_pattern_patched (model, in->clean.ids,
        in->corrupted.ids, IOI_TOKENS, 2, 0, PL_SITE_HEAD_Q, PL_DIRECTION_DENOISE, -1, NULL,
        NULL);
    g_autofree float *corrupted = pl_attention_pattern (model, in->corrupted.ids, IOI_TOKENS,
                                                        2, 0, NULL, NULL);
    gboolean differs = FALSE;

    pl_gui_test_cell_center (win, 2, 0, &x, &y);
    g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_DRAG),
                           "drag-begin", x, y);
    g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_CLICK),
                           "released", 2, x, y);
    d = wait_for_dialog ();
    g_assert_cmpint (pl_attention_dialog_get_layer (d), ==, 2);
    g_assert_cmpint (pl_attention_dialog_get_head (d), ==, 0);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "attention.run", "s",
                                               "patched"));
    assert_pattern_equal (pl_attention_dialog_get_pattern (d, PL_ATTENTION_PATCHED, NULL),
                          patched, IOI_TOKENS);
    for (int i = 0; i < IOI_TOKENS * IOI_TOKENS; i++)
      differs |= patched[i] != corrupted[i];
    g_assert_true (differs);   /* the patch changes it, or this would prove nothing */
    g_assert_nonnull (pl_heatmap_view_get_heatmap (pl_attention_dialog_get_view (d)));
    g_assert_nonnull (strstr (pl_attention_dialog_get_caption (d), "queries"));
  }
  close_dialog (d);

  /* By position: Enter on a head of the shown position patches it at that position. */
  gtk_drop_down_set_selected (pl_prompts_panel_get_granularity_dropdown (win->prompts_panel), 1);
  sweep (win, N_LAYERS, N_HEADS);
  enter_on_cell (win, 1, 0);
  d = wait_for_dialog ();
  g_assert_cmpint (pl_attention_dialog_get_layer (d), ==, 1);
  g_assert_cmpint (pl_attention_dialog_get_head (d), ==, 0);
  {
    int pos = pl_heatmap_pane_get_position (win->heatmap_pane);
    g_autofree float *patched = pl_attention_pattern_patched (model, in->clean.ids,
        in->corrupted.ids, IOI_TOKENS, 1, 0, PL_SITE_HEAD_Q, PL_DIRECTION_DENOISE, pos, NULL,
        NULL);

    g_assert_cmpint (pos, ==, 9);
    assert_pattern_equal (pl_attention_dialog_get_pattern (d, PL_ATTENTION_PATCHED, NULL),
                          patched, IOI_TOKENS);
  }
  close_dialog (d);
  pl_gui_test_close_window (win);
}

/* ---- export ---- */

static void
assert_file_starts (const char *name,
                    const char *magic,
                    gsize       at)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, at + strlen (magic));
  g_assert_true (memcmp (data + at, magic, strlen (magic)) == 0);
}

static void
test_export (void)
{
  PlWindow *win = window_with_model ();
  PlAttentionDialog *d;
  const char *names[] = { "att.png", "att.svg", "att.pdf", "att.csv", "att.json" };

  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  sweep (win, N_LAYERS, N_HEADS);
  enter_on_cell (win, 0, 1);
  d = wait_for_dialog ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      set_chosen (names[i]);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), i < 3
                                                 ? "attention.export-figure"
                                                 : "attention.export-data", NULL));
    }
  assert_file_starts ("att.png", "PNG", 1);
  assert_file_starts ("att.svg", "<?xml", 0);
  assert_file_starts ("att.pdf", "%PDF", 0);
  assert_file_starts ("att.csv", "destination,source", 0);
  {
    g_autofree char *path = g_build_filename (tmp_dir, "att.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *o;

    g_assert_true (json_parser_load_from_file (parser, path, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (o, "run"), ==, "clean");
    g_assert_cmpint (json_object_get_int_member (o, "layer"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (o, "head"), ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "pattern")), ==,
                      IOI_TOKENS);
  }
  /* The patched run of head_out has nothing of its own to export: an error, no file. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "attention.run", "s", "patched"));
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (tmp_dir, "none.png", NULL);

    g_assert_false (pl_attention_dialog_export_figure_to (d, path, 1.0, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  close_dialog (d);
  /* The window's own exports of a head result. */
  {
    g_autofree char *path = g_build_filename (tmp_dir, "heads.csv", NULL);
    g_autofree char *pdf = g_build_filename (tmp_dir, "heads.pdf", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (pl_window_export_figure_to (win, pdf, 1.0, &error));
    g_assert_no_error (error);
    assert_file_starts ("heads.pdf", "%PDF", 0);
    g_assert_true (pl_window_export_data_to (win, path, &error));
    g_assert_no_error (error);
  }
  set_chosen (NULL);
  pl_gui_test_close_window (win);
}

/* ---- save and open ---- */

static void
test_save_open (void)
{
  PlWindow *win = window_with_model ();
  PlWindow *win2;
  g_autofree char *path = g_build_filename (tmp_dir, "heads.patchlens", NULL);
  g_autofree float *cells = g_new (float, N_LAYERS * N_HEADS);

  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  choose_site (win, "head_k");
  gtk_drop_down_set_selected (pl_prompts_panel_get_direction_dropdown (win->prompts_panel),
                              PL_DIRECTION_NOISE);
  sweep (win, N_LAYERS, N_HEADS);
  for (int i = 0; i < N_LAYERS * N_HEADS; i++)
    cells[i] = pl_heatmap_pane_get_value (win->heatmap_pane, i / N_HEADS, i % N_HEADS);
  set_chosen ("heads.patchlens");
  pl_gui_test_activate (win, "save-as");
  g_assert_false (pl_document_is_dirty (doc_of (win)));
  pl_gui_test_close_window (win);

  win2 = window_with_model ();
  pl_gui_test_activate (win2, "open");
  pl_gui_test_wait_for (not_busy, win2);
  g_assert_cmpstr (pl_document_get_path (doc_of (win2)), ==, path);
  g_assert_cmpint (pl_document_get_site (doc_of (win2)), ==, PL_SITE_HEAD_K);
  g_assert_cmpint (pl_document_get_direction (doc_of (win2)), ==, PL_DIRECTION_NOISE);
  g_assert_false (pl_document_get_by_position (doc_of (win2)));
  g_assert_false (pl_document_is_stale (doc_of (win2)));
  g_assert_false (pl_heatmap_pane_get_stale (win2->heatmap_pane));
  g_assert_cmpint (pl_heatmap_get_n_cols (shown_figure (win2)), ==, N_HEADS);
  for (int i = 0; i < N_LAYERS * N_HEADS; i++)
    g_assert_cmpfloat (pl_heatmap_pane_get_value (win2->heatmap_pane, i / N_HEADS,
                                                  i % N_HEADS), ==, cells[i]);
  /* The panel shows what was opened. */
  g_assert_cmpstr (gtk_menu_button_get_label (pl_prompts_panel_get_site_button (
                       win2->prompts_panel)), ==, "Head key");
  g_assert_cmpuint (gtk_drop_down_get_selected (pl_prompts_panel_get_direction_dropdown (
                        win2->prompts_panel)), ==, PL_DIRECTION_NOISE);
  set_chosen (NULL);
  pl_gui_test_close_window (win2);
  g_remove (path);
}

/* ---- stale ---- */

static void
test_stale (void)
{
  PlWindow *win = window_with_model ();
  GtkDropDown *direction = pl_prompts_panel_get_direction_dropdown (win->prompts_panel);
  GtkDropDown *granularity = pl_prompts_panel_get_granularity_dropdown (win->prompts_panel);

  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  sweep (win, N_LAYERS, N_HEADS);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  gtk_drop_down_set_selected (direction, PL_DIRECTION_NOISE);
  g_assert_true (pl_document_is_stale (doc_of (win)));
  g_assert_true (pl_heatmap_pane_get_stale (win->heatmap_pane));
  gtk_drop_down_set_selected (direction, PL_DIRECTION_DENOISE);
  g_assert_false (pl_heatmap_pane_get_stale (win->heatmap_pane));
  gtk_drop_down_set_selected (granularity, 1);
  g_assert_true (pl_heatmap_pane_get_stale (win->heatmap_pane));
  pl_gui_test_close_window (win);
}

/* ---- the README's figures (not a test) ----
 *
 * With PL_SCREENSHOT_DIR and PL_HEADS_SHOT_MODEL (a model folder) set, also photographs
 * the indirect-object example's layer × head heatmap (heads.png) and one head's
 * attention pattern (attention.png). */

static void
take_screenshots (void)
{
  PlWindow *win = pl_window_new (NULL);
  PlAttentionDialog *d;

  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 880);
  gtk_window_present (GTK_WINDOW (win));
  pl_document_set_sweep_defaults (doc_of (win), PL_DIRECTION_DENOISE, FALSE);
  pl_gui_test_with_model (win, g_getenv ("PL_HEADS_SHOT_MODEL"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset",
                                  g_variant_new_uint32 (IOI_PRESET));
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  pl_gui_test_click_cell (win, 9, 6);
  pl_gui_test_wait_for (pl_gui_test_has_cell_topk, win);
  {
    /* The panel scrolled to its Patching controls (site, granularity, direction). */
    GtkWidget *scrolled = gtk_widget_get_first_child (GTK_WIDGET (win->prompts_panel));
    GtkAdjustment *adj;

    g_assert_true (GTK_IS_SCROLLED_WINDOW (scrolled));
    adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    pl_gui_test_spin (200);
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  }
  pl_gui_test_screenshot (win, "heads.png");
  g_assert_true (pl_gui_test_press_key (win, GDK_KEY_Return));   /* the selected cell */
  d = wait_for_dialog ();
  gtk_window_set_default_size (GTK_WINDOW (d), 900, 760);
  pl_gui_test_spin (300);
  pl_heatmap_view_leave (pl_attention_dialog_get_view (d));   /* Xvfb's idle pointer */
  for (int i = 0; i < 10; i++)   /* select (9, 1): "␣John" attending to "␣Mary" */
    press_dialog_key (d, GDK_KEY_Down);
  press_dialog_key (d, GDK_KEY_Right);
  pl_gui_test_screenshot_widget (GTK_WIDGET (d), "attention.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "attention.run", "s", "patched"));
  pl_gui_test_screenshot_widget (GTK_WIDGET (d), "attention-patched-head-out.png");
  close_dialog (d);
  /* By position: (layer, head) rows against the positions. */
  gtk_drop_down_set_selected (pl_prompts_panel_get_granularity_dropdown (win->prompts_panel), 1);
  pl_gui_test_run (win);
  pl_gui_test_wait_for (not_busy, win);
  pl_gui_test_screenshot (win, "heads-by-position.png");
  pl_gui_test_close_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "heads");
  model_dir = g_build_filename (tmp_dir, "gpt2-heads", NULL);
  pl_gui_test_gen_model (model_dir, "3", "--seed", "77", NULL);

  g_test_add_func ("/Patchlens/Heads/sweep", test_sweep);
  g_test_add_func ("/Patchlens/Heads/attention", test_attention);
  g_test_add_func ("/Patchlens/Heads/export", test_export);
  g_test_add_func ("/Patchlens/Heads/save-open", test_save_open);
  g_test_add_func ("/Patchlens/Heads/stale", test_stale);
  /* Not a test: registered only when asked for (docs/heads.png, docs/attention.png;
   * LANGUAGE=es LANG=C.UTF-8 for the Spanish UI from the build folder, as main.c). */
  if (g_getenv ("PL_SCREENSHOT_DIR") && g_getenv ("PL_HEADS_SHOT_MODEL"))
    {
      setlocale (LC_ALL, "");   /* gtk_test_init keeps "C", where LANGUAGE is ignored */
      bindtextdomain (GETTEXT_PACKAGE, pl_locale_dir ());
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
      g_test_add_func ("/Patchlens/Heads/screenshots", take_screenshots);
    }
  ret = g_test_run ();
  g_free (model_dir);
  g_free (chosen);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
