/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-lens.c: the Logit Lens and Attribution pages in a real window:
 *   pages           the header's switcher shows each page; nothing is computed for a
 *                   page that is not shown
 *   lens-core       the lens shown equals pl_lens_run's for the same text (the core is
 *                   checked against numpy), its last row is the model's own output, the
 *                   hover line names a cell's numbers; the Corrupted switch
 *   attribution     the components add up to the model's logit difference (1e-4)
 *   recompute       editing the prompt marks the lens stale and computes it again;
 *                   so does loading another model; the colour choice redraws
 *   errors          over the context, a two-token answer, equal answers: the message,
 *                   never a number
 *   export          each page to PNG, SVG, PDF, CSV, JSON through the chooser seam; the
 *                   JSON equals the CLI's; an unwritable path is an error dialog
 *   close-mid-run   closing the window while the lens computes
 *   zoom            win.zoom-in/-out/-fit act on the page shown (the lens view, the
 *                   attribution figure), never the Patching pane's
 *   readable        on a narrow window the lens opens at its readable minimum zoom
 *                   (9 pt cell text at ≥ 8 px), wider than the page
 *   presentation    win.presentation scales the lens page's fonts and the attribution
 *   attribution-keys  the arrows move the selected head and the hover line names it
 * Runs under xvfb-run; with PL_SCREENSHOT_DIR set it writes lens.png there.
 */
#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pl-analysis-io.h"
#include "pl-gui-test-util.h"
#include "pl-heatmap.h"
#include "pl-heatmap-view.h"
#include "pl-heatmap-view-private.h"
#include "pl-test-util.h"
#include "pl-topk.h"

#define MICHELLE_CLEAN     "Michelle Jones was a top-notch student. Michelle"
#define MICHELLE_CORRUPTED "Michelle Smith was a top-notch student. Michelle"

static char *tmp_dir;     /* per run, removed at the end */
static char *model_dir;   /* a 3-layer random GPT-2 */
static char *model2_dir;  /* another, 2 layers: loading it recomputes the pages */

/* ---- helpers ---- */

static PlWindow *
window_with_model (void)
{
  PlWindow *win = pl_window_new (NULL);

  gtk_window_present (GTK_WINDOW (win));
  return pl_gui_test_with_model (win, model_dir);
}

/* The header's switcher button for page n (0 Patching, 1 Logit Lens, 2 Attribution):
 * the n-th toggle button of a mapped AdwViewSwitcher. */
static GtkWidget *
find_switcher (GtkWidget *w)
{
  if (g_str_equal (G_OBJECT_TYPE_NAME (w), "AdwViewSwitcher") && gtk_widget_get_mapped (w))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_switcher (c);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_toggles (GtkWidget *w, GPtrArray *out)
{
  if (GTK_IS_TOGGLE_BUTTON (w))
    {
      g_ptr_array_add (out, w);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect_toggles (c, out);
}

/* Clicks page n's button in the header, as the user does. */
static void
show_page (PlWindow *win, int n)
{
  static const char *names[] = { "patching", "lens", "attribution" };
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkWidget *switcher;

  pl_gui_test_spin (50);   /* laid out: the header's switcher is mapped */
  switcher = find_switcher (GTK_WIDGET (win));
  g_assert_nonnull (switcher);
  collect_toggles (switcher, buttons);
  g_assert_cmpuint (buttons->len, ==, 3);
  g_signal_emit_by_name (buttons->pdata[n], "clicked");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (win->view_stack), ==, names[n]);
}

static void
click (GtkToggleButton *button)
{
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (gtk_toggle_button_get_active (button));
}

static gboolean
lens_ready (PlWindow *win)
{
  return !pl_lens_view_is_busy (win->lens_view) &&
         (pl_lens_view_get_lens (win->lens_view) != NULL ||
          pl_lens_view_get_status (win->lens_view) != NULL);
}

static gboolean
lens_shown (PlWindow *win)
{
  return lens_ready (win) && pl_lens_view_get_lens (win->lens_view) != NULL;
}

static gboolean
attribution_ready (PlWindow *win)
{
  return !pl_attribution_view_is_busy (win->attribution_view) &&
         (pl_attribution_view_get_attribution (win->attribution_view) != NULL ||
          pl_attribution_view_get_status (win->attribution_view) != NULL);
}

static PlModel *
model_of (PlWindow *win)
{
  return pl_loaded_model_get (win->model);
}

static void
prompt_init (PlPrompt *p, PlWindow *win, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_prompt_init (p, pl_model_tokenizer (model_of (win)), text, "text",
                                 0, &error));
}

static void
answer_ids (PlWindow *win, gint32 ids[2])
{
  g_assert_true (pl_answer_check (pl_model_tokenizer (model_of (win)), " Jones", "A",
                                  &ids[0], NULL));
  g_assert_true (pl_answer_check (pl_model_tokenizer (model_of (win)), " Smith", "B",
                                  &ids[1], NULL));
}

/* The lens shown equals the core's for text, cell by cell. */
static void
assert_lens_is_core (PlWindow *win, const PlLens *shown, const char *text)
{
  g_autoptr(GError) error = NULL;
  PlPrompt p;
  gint32 ids[2];

  prompt_init (&p, win, text);
  answer_ids (win, ids);
  g_autoptr(PlLens) core = pl_lens_run (model_of (win), p.ids, p.n_tokens, ids, 2, NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (shown->n_positions, ==, p.n_tokens);
  g_assert_cmpint (shown->n_layers, ==, core->n_layers);
  g_assert_cmpint (shown->n_answers, ==, 2);
  for (int i = 0; i < (core->n_layers + 1) * core->n_positions; i++)
    {
      g_assert_cmpint (shown->top_id[i], ==, core->top_id[i]);
      g_assert_cmpfloat_with_epsilon (shown->top_prob[i], core->top_prob[i], 1e-6);
    }
  for (int i = 0; i < 2 * (core->n_layers + 1) * core->n_positions; i++)
    {
      g_assert_cmpfloat_with_epsilon (shown->answer_logit[i], core->answer_logit[i], 1e-5);
      g_assert_cmpfloat_with_epsilon (shown->answer_prob[i], core->answer_prob[i], 1e-6);
    }
  pl_prompt_clear (&p);
}

/* Row L at the last position is the model's own next-token prediction. */
static void
assert_last_row_is_output (PlWindow *win, const PlLens *lens)
{
  PlModel *m = model_of (win);
  int V = pl_model_config (m)->vocab_size, T = lens->n_positions, L = lens->n_layers;
  g_autofree float *logits = g_new (float, V);
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_model_last_logits (m, lens->ids, T, logits, &error));
  g_autoptr(PlTopK) top = pl_topk_from_logits (logits, V, 1, pl_model_tokenizer (m));
  g_assert_cmpint (lens->top_id[L * T + T - 1], ==, top->entries[0].id);
  g_assert_cmpfloat_with_epsilon (lens->top_prob[L * T + T - 1], top->entries[0].prob, 1e-9);
  for (int a = 0; a < 2; a++)
    g_assert_cmpfloat (lens->answer_logit[pl_lens_answer_index (lens, a, L, T - 1)], ==,
                       logits[lens->answer_ids[a]]);
}

/* ---- pages ---- */

static void
test_pages (void)
{
  PlWindow *win = window_with_model ();

  pl_gui_test_set_michelle (win);
  pl_gui_test_spin (400);   /* past the debounce */
  /* Not on screen: nothing computed. */
  g_assert_false (pl_lens_view_is_busy (win->lens_view));
  g_assert_null (pl_lens_view_get_lens (win->lens_view));
  g_assert_null (pl_attribution_view_get_attribution (win->attribution_view));
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  g_assert_nonnull (pl_attribution_view_get_attribution (win->attribution_view));
  show_page (win, 0);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (win->heatmap_pane)) ||
                 gtk_widget_get_mapped (GTK_WIDGET (win->center_stack)));
  pl_gui_test_close_window (win);
}

/* ---- the lens equals the core's ---- */

static void
test_lens_core (void)
{
  PlWindow *win = window_with_model ();
  GtkWidget *view;
  GtkEventController *keys = NULL;
  const PlLens *lens;
  gboolean handled = FALSE;
  g_autofree char *top = NULL, *shown = NULL, *prob = NULL;

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  lens = pl_lens_view_get_lens (win->lens_view);
  assert_lens_is_core (win, lens, MICHELLE_CLEAN);
  assert_last_row_is_output (win, lens);
  pl_gui_test_screenshot (win, "lens.png");

  /* The keyboard selects the top-left cell; the hover line gives its numbers. */
  view = pl_lens_view_get_heatmap_view (win->lens_view);
  for (guint i = 0; i < g_list_model_get_n_items (gtk_widget_observe_controllers (view)); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (gtk_widget_observe_controllers (view), i);
      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        keys = GTK_EVENT_CONTROLLER (c);
    }
  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
  g_assert_true (handled);
  top = pl_tokenizer_piece (pl_model_tokenizer (model_of (win)), lens->top_id[0]);
  shown = pl_heatmap_display_token (top);
  prob = g_strdup_printf ("%.4f", lens->top_prob[0]);
  g_assert_nonnull (strstr (pl_lens_view_get_hover_text (win->lens_view), shown));
  g_assert_nonnull (strstr (pl_lens_view_get_hover_text (win->lens_view), prob));
  g_assert_nonnull (strstr (pl_lens_view_get_hover_text (win->lens_view), "Entering layer 0"));

  /* The corrupted prompt's lens. */
  click (pl_lens_view_get_side_button (win->lens_view, PL_SIDE_CORRUPTED));
  lens = pl_lens_view_get_lens (win->lens_view);
  g_assert_nonnull (lens);
  assert_lens_is_core (win, lens, MICHELLE_CORRUPTED);
  pl_gui_test_close_window (win);
}

/* ---- zoom, readable default, presentation, keyboard ---- */

#define LENS_READABLE_ZOOM 0.9   /* pl-lens-view.c's floor: 9 pt text at >= 8 px */

static PlHeatmapView *
lens_heatmap_view (PlWindow *win)
{
  return PL_HEATMAP_VIEW (pl_lens_view_get_heatmap_view (win->lens_view));
}

static gboolean
press (GtkWidget *widget, guint keyval)
{
  GtkEventController *keys = NULL;
  gboolean handled = FALSE;
  GListModel *controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        keys = GTK_EVENT_CONTROLLER (c);
    }
  g_object_unref (controllers);
  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
  return handled;
}

static void
test_zoom (void)
{
  PlWindow *win = window_with_model ();
  PlHeatmapView *pane_view = pl_heatmap_pane_get_view (win->heatmap_pane);
  double lens_zoom, pane_zoom, at_zoom;

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  pl_gui_test_spin (100);   /* laid out and fitted */
  lens_zoom = pl_heatmap_view_get_zoom (lens_heatmap_view (win));
  pane_zoom = pl_heatmap_view_get_zoom (pane_view);
  pl_gui_test_activate (win, "zoom-in");
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (lens_heatmap_view (win)),
                                  lens_zoom * 1.25, 1e-9);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (pane_view), ==, pane_zoom);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "zoom-out"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-out", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (win), "zoom-out", NULL);
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (lens_heatmap_view (win)),
                                  lens_zoom / 1.25, 1e-9);
  pl_gui_test_activate (win, "zoom-fit");
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (lens_heatmap_view (win)),
                                  lens_zoom, 1e-9);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (pane_view), ==, pane_zoom);

  /* The Attribution page zooms its own figure. */
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  pl_gui_test_spin (100);
  at_zoom = pl_attribution_view_get_zoom (win->attribution_view);
  pl_gui_test_activate (win, "zoom-in");
  pl_gui_test_spin (50);
  g_assert_cmpfloat_with_epsilon (pl_attribution_view_get_zoom (win->attribution_view),
                                  at_zoom * 1.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (lens_heatmap_view (win)),
                                  lens_zoom, 1e-9);
  pl_gui_test_activate (win, "zoom-fit");
  pl_gui_test_spin (50);
  g_assert_cmpfloat_with_epsilon (pl_attribution_view_get_zoom (win->attribution_view),
                                  at_zoom, 1e-9);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (pane_view), ==, pane_zoom);
  pl_gui_test_close_window (win);
}

/* A narrow window: fitted, the figure would be drawn below the floor; it opens at it,
 * wider than the page, its row labels' side on screen (dragging pans it: the heatmap
 * view's own tests). */
static void
test_readable (void)
{
  PlWindow *win = window_with_model ();
  PlHeatmapView *view = lens_heatmap_view (win);
  double fw, fh, zoom, x0, y0, gx, gy, gw, gh, x1, y1;
  GtkAdjustment *hadj;
  int w;

  gtk_window_set_default_size (GTK_WINDOW (win), 800, 600);
  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  pl_gui_test_spin (200);
  zoom = pl_heatmap_view_get_zoom (view);
  w = gtk_widget_get_width (GTK_WIDGET (view));
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (view), &fw, &fh);
  g_test_message ("view %d px wide, figure %.0f x %.0f pt, zoom %.3f", w, fw, fh, zoom);
  g_assert_cmpfloat (zoom, >=, LENS_READABLE_ZOOM);
  g_assert_cmpfloat (fw * LENS_READABLE_ZOOM, >, w);   /* the floor, not the fit, decided */
  pl_heatmap_view_figure_to_widget (view, 0, 0, &x0, &y0);
  g_assert_cmpfloat (x0, ==, 0.0);   /* the row labels' side is on screen */
  /* The keys walk to the last position, off the page: the figure pans to show it. */
  g_assert_true (press (GTK_WIDGET (view), GDK_KEY_Down));
  g_assert_true (press (GTK_WIDGET (view), GDK_KEY_End));
  g_assert_nonnull (strstr (pl_lens_view_get_hover_text (win->lens_view), "position 10"));
  pl_heatmap_get_grid_rect (pl_heatmap_view_get_heatmap (view), &gx, &gy, &gw, &gh);
  pl_heatmap_view_figure_to_widget (view, gx + gw * 10 / 11, gy, &x0, &y0);
  pl_heatmap_view_figure_to_widget (view, gx + gw, gy, &x1, &y1);
  g_assert_cmpfloat (x0, >=, 0.0);
  g_assert_cmpfloat (x1, <=, w + 1e-9);

  /* The attribution's head grid has the same 9 pt labels and the same floor. */
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  pl_gui_test_spin (200);
  g_test_message ("attribution zoom %.3f",
                  pl_attribution_view_get_zoom (win->attribution_view));
  g_assert_cmpfloat (pl_attribution_view_get_zoom (win->attribution_view), >=,
                     LENS_READABLE_ZOOM);
  /* Zoomed in, the last head is past the page's right edge: the keys scroll to it. */
  for (int i = 0; i < 4; i++)
    pl_gui_test_activate (win, "zoom-in");
  pl_gui_test_spin (200);
  hadj = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (
      gtk_widget_get_ancestor (pl_attribution_view_get_figure_area (win->attribution_view),
                               GTK_TYPE_SCROLLED_WINDOW)));
  g_assert_cmpfloat (gtk_adjustment_get_value (hadj), ==, 0.0);
  g_assert_true (press (pl_attribution_view_get_figure_area (win->attribution_view),
                        GDK_KEY_Down));
  g_assert_true (press (pl_attribution_view_get_figure_area (win->attribution_view),
                        GDK_KEY_End));
  g_test_message ("scrolled to %.0f of %.0f (page %.0f)", gtk_adjustment_get_value (hadj),
                  gtk_adjustment_get_upper (hadj), gtk_adjustment_get_page_size (hadj));
  g_assert_cmpfloat (gtk_adjustment_get_value (hadj), >, 0.0);
  pl_gui_test_close_window (win);
}

static void
test_presentation (void)
{
  PlWindow *win = window_with_model ();
  double w0, h0, w1, h1;

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (lens_heatmap_view (win)), &w0, &h0);
  pl_gui_test_activate (win, "presentation");
  pl_gui_test_spin (100);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (lens_heatmap_view (win)), &w1, &h1);
  g_test_message ("lens figure %.0f x %.0f pt, presented %.0f x %.0f", w0, h0, w1, h1);
  /* Every text 1.6 times larger: the token-filled cells and the labels grow. */
  g_assert_cmpfloat (w1, >, 1.4 * w0);
  g_assert_cmpfloat (h1, >, h0);
  g_assert_cmpfloat (pl_attribution_view_get_font_scale (win->attribution_view), ==, 1.6);
  /* The attribution, laid out at one font size by the core, is drawn larger whole. */
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  pl_gui_test_spin (200);
  g_test_message ("attribution zoom presented %.3f",
                  pl_attribution_view_get_zoom (win->attribution_view));
  g_assert_cmpfloat (pl_attribution_view_get_zoom (win->attribution_view), >=,
                     1.6 * LENS_READABLE_ZOOM - 1e-9);
  show_page (win, 1);
  /* A lens computed while presenting is drawn at the large size too. */
  click (pl_lens_view_get_side_button (win->lens_view, PL_SIDE_CORRUPTED));
  pl_gui_test_wait_for (lens_shown, win);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (lens_heatmap_view (win)), &w1, &h1);
  g_assert_cmpfloat (w1, >, 1.4 * w0);
  pl_gui_test_activate (win, "presentation");
  pl_gui_test_spin (100);
  click (pl_lens_view_get_side_button (win->lens_view, PL_SIDE_CLEAN));
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (lens_heatmap_view (win)), &w1, &h1);
  g_assert_cmpfloat_with_epsilon (w1, w0, 1e-6);
  g_assert_cmpfloat (pl_attribution_view_get_font_scale (win->attribution_view), ==, 1.0);
  pl_gui_test_close_window (win);
}

static void
assert_hover_names_head (PlWindow *win, const PlAttribution *at, int layer, int head)
{
  g_autofree char *want = g_strdup_printf ("Head %d.%d: %+.4f", layer, head,
                                           at->heads[layer * at->n_heads + head]);

  g_assert_cmpstr (strstr (pl_attribution_view_get_hover_text (win->attribution_view), want),
                   ==, pl_attribution_view_get_hover_text (win->attribution_view));
}

static void
test_attribution_keys (void)
{
  PlWindow *win = window_with_model ();
  GtkWidget *area = pl_attribution_view_get_figure_area (win->attribution_view);
  const PlAttribution *at;

  pl_gui_test_set_michelle (win);
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  at = pl_attribution_view_get_attribution (win->attribution_view);
  g_assert_nonnull (at);
  pl_gui_test_spin (50);
  g_assert_true (gtk_widget_get_focusable (area));
  g_assert_true (gtk_widget_grab_focus (area));
  g_assert_true (press (area, GDK_KEY_Down));   /* the first press: the top-left head */
  assert_hover_names_head (win, at, 0, 0);
  g_assert_true (press (area, GDK_KEY_Right));
  assert_hover_names_head (win, at, 0, 1);
  g_assert_true (press (area, GDK_KEY_Down));
  assert_hover_names_head (win, at, 1, 1);
  g_assert_true (press (area, GDK_KEY_End));
  assert_hover_names_head (win, at, 1, at->n_heads - 1);
  g_assert_true (press (area, GDK_KEY_Right));   /* held at the edge */
  assert_hover_names_head (win, at, 1, at->n_heads - 1);
  g_assert_true (press (area, GDK_KEY_Up));
  g_assert_true (press (area, GDK_KEY_Up));
  g_assert_true (press (area, GDK_KEY_Home));
  assert_hover_names_head (win, at, 0, 0);
  g_assert_false (press (area, GDK_KEY_a));
  pl_gui_test_close_window (win);
}

/* ---- the attribution's sum check ---- */

static void
test_attribution (void)
{
  PlWindow *win = window_with_model ();
  PlModel *m;
  const PlAttribution *at;
  g_autofree float *logits = NULL;
  g_autofree char *diff = NULL;
  gint32 ids[2];
  PlPrompt p;

  pl_gui_test_set_michelle (win);
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  at = pl_attribution_view_get_attribution (win->attribution_view);
  g_assert_nonnull (at);
  m = model_of (win);
  prompt_init (&p, win, MICHELLE_CLEAN);
  answer_ids (win, ids);
  logits = g_new (float, pl_model_config (m)->vocab_size);
  g_assert_true (pl_model_last_logits (m, p.ids, p.n_tokens, logits, NULL));
  g_assert_cmpint (at->answer_a, ==, ids[0]);
  g_assert_cmpint (at->answer_b, ==, ids[1]);
  g_assert_cmpfloat_with_epsilon (at->logit_diff, logits[ids[1]] - logits[ids[0]], 1e-5);
  g_assert_cmpfloat_with_epsilon (pl_attribution_total (at), at->logit_diff, 1e-4);
  diff = g_strdup_printf ("%+.4f", at->logit_diff);
  g_assert_nonnull (strstr (pl_attribution_view_get_summary (win->attribution_view), diff));
  pl_prompt_clear (&p);
  pl_gui_test_screenshot (win, "attribution.png");
  pl_gui_test_close_window (win);
}

/* ---- editing recomputes ---- */

static void
test_recompute (void)
{
  PlWindow *win = window_with_model ();
  const char *edited = "Michelle Jones was a student. Michelle";

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), edited);
  /* At once: the old lens is no longer offered as the current one. */
  g_assert_null (pl_lens_view_get_lens (win->lens_view));
  g_assert_true (pl_lens_view_is_busy (win->lens_view));
  /* The old figure stays, dimmed, until the new one comes. */
  g_assert_cmpfloat (gtk_widget_get_opacity (pl_lens_view_get_heatmap_view (win->lens_view)),
                     <, 1.0);
  pl_gui_test_wait_for (lens_shown, win);
  assert_lens_is_core (win, pl_lens_view_get_lens (win->lens_view), edited);
  g_assert_cmpfloat (gtk_widget_get_opacity (pl_lens_view_get_heatmap_view (win->lens_view)),
                     ==, 1.0);

  /* Another model: the lens is its. */
  pl_gui_test_with_model (win, model2_dir);
  pl_gui_test_wait_for (lens_shown, win);
  g_assert_cmpint (pl_lens_view_get_lens (win->lens_view)->n_layers, ==, 2);
  assert_lens_is_core (win, pl_lens_view_get_lens (win->lens_view), edited);

  /* What the colour shows: a new figure, the same numbers. */
  {
    PlHeatmapView *view = PL_HEATMAP_VIEW (pl_lens_view_get_heatmap_view (win->lens_view));
    PlHeatmap *before = pl_heatmap_view_get_heatmap (view);

    gtk_drop_down_set_selected (pl_lens_view_get_color_dropdown (win->lens_view),
                                PL_LENS_COLOR_CLEAN_PROB);
    g_assert_true (pl_heatmap_view_get_heatmap (view) != before);
    g_assert_nonnull (pl_lens_view_get_lens (win->lens_view));
  }
  pl_gui_test_close_window (win);
}

/* ---- closing the window while a page computes ---- */

static void
test_close_mid_run (void)
{
  PlWindow *win = window_with_model ();

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  g_assert_true (pl_lens_view_is_busy (win->lens_view));
  pl_gui_test_close_window (win);   /* the late result is dropped, nothing leaks */
  pl_gui_test_spin (300);
}

/* ---- inputs that make no lens ---- */

static void
assert_lens_error (PlWindow *win, const char *fragment)
{
  pl_gui_test_wait_for (lens_ready, win);
  g_assert_null (pl_lens_view_get_lens (win->lens_view));
  g_assert_nonnull (pl_lens_view_get_status (win->lens_view));
  if (strstr (pl_lens_view_get_status (win->lens_view), fragment) == NULL)
    g_error ("status “%s” lacks “%s”", pl_lens_view_get_status (win->lens_view), fragment);
}

static void
test_errors (void)
{
  PlWindow *win = window_with_model ();
  g_autoptr(GString) long_text = g_string_new ("Michelle");

  for (int i = 0; i < 70; i++)   /* the model reads 64 positions */
    g_string_append (long_text, " Jones");
  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);

  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), long_text->str);
  assert_lens_error (win, "at most 64");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), MICHELLE_CLEAN);
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), "Jonesy");
  assert_lens_error (win, "tokens");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), " Jones");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), "");
  assert_lens_error (win, "empty");
  /* The other side is still fine. */
  click (pl_lens_view_get_side_button (win->lens_view, PL_SIDE_CORRUPTED));
  g_assert_nonnull (pl_lens_view_get_lens (win->lens_view));

  /* Equal answers make no attribution. */
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), MICHELLE_CLEAN);
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED_ANSWER), " Jones");
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  g_assert_null (pl_attribution_view_get_attribution (win->attribution_view));
  g_assert_nonnull (strstr (pl_attribution_view_get_status (win->attribution_view),
                            "same token"));
  pl_gui_test_close_window (win);
}

/* ---- exports ---- */

static char *
chooser (PlWindow *win, const char *purpose, gpointer data)
{
  return g_strdup (data);
}

static void
export_through (PlWindow *win, const char *action, const char *path)
{
  pl_window_set_chooser (win, chooser, (gpointer) path);
  pl_gui_test_activate (win, action);
  pl_window_set_chooser (win, NULL, NULL);
  g_assert_cmpint (pl_gui_test_count_dialogs (win), ==, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

static char *
read_text (const char *path)
{
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

/* The CLI's JSON for the Michelle clean prompt. */
static JsonNode *
cli_json (const char *command, const char *out)
{
  const char *cli = g_getenv ("PL_CLI");
  const char *argv[] = { cli, command, "--model", model_dir, "--answer", " Jones",
                         "--answer", " Smith", "--json", out, MICHELLE_CLEAN, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (cli);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autofree char *text = read_text (out);
  return json_from_string (text, NULL);
}

/* a and b hold the same keys, strings and integers, and numbers equal within fp32
 * rounding: the app's worker may share the thread pool with the top-k task, and a
 * product split otherwise rounds in another order than the CLI's. */
static void
assert_json_close (JsonNode *a, JsonNode *b, const char *where)
{
  g_assert_cmpint (json_node_get_node_type (a), ==, json_node_get_node_type (b));
  if (JSON_NODE_HOLDS_OBJECT (a))
    {
      JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
      g_autoptr(GList) keys = json_object_get_members (oa);

      g_assert_cmpuint (json_object_get_size (oa), ==, json_object_get_size (ob));
      for (GList *k = keys; k; k = k->next)
        {
          g_assert_true (json_object_has_member (ob, k->data));
          assert_json_close (json_object_get_member (oa, k->data),
                             json_object_get_member (ob, k->data), k->data);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *aa = json_node_get_array (a), *ab = json_node_get_array (b);

      g_assert_cmpuint (json_array_get_length (aa), ==, json_array_get_length (ab));
      for (guint i = 0; i < json_array_get_length (aa); i++)
        assert_json_close (json_array_get_element (aa, i), json_array_get_element (ab, i),
                           where);
    }
  else if (json_node_get_value_type (a) == G_TYPE_DOUBLE)
    {
      double x = json_node_get_double (a), y = json_node_get_double (b);

      if (fabs (x - y) > 1e-5 * MAX (1.0, fabs (y)))
        g_error ("“%s”: the app wrote %.9g, the CLI %.9g", where, x, y);
    }
  else
    g_assert_true (json_node_equal (a, b));
}

static void
export_page (PlWindow *win, const char *name, const char *command, const char *csv_head)
{
  static const char *exts[] = { "png", "svg", "pdf", "csv", "json" };
  char *path[5] = { NULL };
  g_autofree char *cli_out = g_strdup_printf ("%s/cli-%s.json", tmp_dir, name);

  for (int i = 0; i < 5; i++)
    {
      path[i] = g_strdup_printf ("%s/%s.%s", tmp_dir, name, exts[i]);
      export_through (win, i < 3 ? "export-figure" : "export-data", path[i]);
    }
  {
    g_autofree char *png = read_text (path[0]), *svg = read_text (path[1]);
    g_autofree char *pdf = read_text (path[2]), *csv = read_text (path[3]);
    g_autofree char *json = read_text (path[4]);
    g_autoptr(JsonNode) node = json_from_string (json, NULL);
    g_autoptr(JsonNode) cli = cli_json (command, cli_out);

    g_assert_true (memcmp (png, "\x89PNG", 4) == 0);
    g_assert_nonnull (strstr (svg, "<svg"));
    g_assert_true (g_str_has_prefix (pdf, "%PDF"));
    g_assert_true (g_str_has_prefix (csv, csv_head));
    g_assert_nonnull (node);
    g_assert_nonnull (cli);
    assert_json_close (node, cli, name);
  }
  for (int i = 0; i < 5; i++)
    g_free (path[i]);
}

static void
test_export (void)
{
  PlWindow *win = window_with_model ();
  AdwMessageDialog *dialog;
  g_autoptr(GError) error = NULL;

  pl_gui_test_set_michelle (win);
  show_page (win, 1);
  pl_gui_test_wait_for (lens_shown, win);
  export_page (win, "lens", "lens", "layer,position,");
  show_page (win, 2);
  pl_gui_test_wait_for (attribution_ready, win);
  export_page (win, "attribution", "attribute", "component,");

  /* An unwritable place: the error dialog, as for every export. */
  pl_window_set_chooser (win, chooser, "/nonexistent-patchlens/dla.png");
  pl_gui_test_activate (win, "export-figure");
  pl_window_set_chooser (win, NULL, NULL);
  dialog = pl_gui_test_find_dialog (win);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "nonexistent-patchlens"));
  pl_gui_test_respond (dialog, "close");
  g_assert_false (pl_window_export_data_to (win, "/nonexistent-patchlens/dla.json", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  pl_gui_test_close_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Model searches and recent files stay inside tmp_dir. */
  tmp_dir = pl_gui_test_init_private (&argc, &argv, "lens");
  model_dir = g_build_filename (tmp_dir, "gpt2-seed7", NULL);
  pl_gui_test_gen_model (model_dir, "3", "--seed", "7", NULL);
  model2_dir = g_build_filename (tmp_dir, "gpt2-seed8", NULL);
  pl_gui_test_gen_model (model2_dir, "2", "--seed", "8", NULL);

  g_test_add_func ("/Patchlens/Lens/pages", test_pages);
  g_test_add_func ("/Patchlens/Lens/lens-core", test_lens_core);
  g_test_add_func ("/Patchlens/Lens/attribution", test_attribution);
  g_test_add_func ("/Patchlens/Lens/recompute", test_recompute);
  g_test_add_func ("/Patchlens/Lens/errors", test_errors);
  g_test_add_func ("/Patchlens/Lens/export", test_export);
  g_test_add_func ("/Patchlens/Lens/close-mid-run", test_close_mid_run);
  g_test_add_func ("/Patchlens/Lens/zoom", test_zoom);
  g_test_add_func ("/Patchlens/Lens/readable", test_readable);
  g_test_add_func ("/Patchlens/Lens/presentation", test_presentation);
  g_test_add_func ("/Patchlens/Lens/attribution-keys", test_attribution_keys);
  ret = g_test_run ();
  g_free (model_dir);
  g_free (model2_dir);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
