/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-heatmap-view.c: PlHeatmapView's zoom, fit, pan clamping, hit testing through
 * the transform, signals and drawing, in a real window (run under xvfb-run).
 */
#include <gtk/gtk.h>
#include <math.h>

#include "pl-heatmap-private.h"
#include "pl-heatmap-view.h"
#include "pl-heatmap-view-private.h"
#include "pl-result-fixture.h"

#define N_ROWS 12
#define N_COLS 7
#define WIN_W  640
#define WIN_H  420

typedef struct {
  GtkWidget     *window;
  PlHeatmapView *view;
  int            n_hovered, hover_row, hover_col;
  int            n_activated, act_row, act_col;
  int            n_zoom_notify;
} Fixture;

/* A (N_ROWS, N_COLS) figure with values from -3 to 3 and one cell not computed yet. */
static PlHeatmap *
make_heatmap (void)
{
  PlHeatmap *hm = pl_heatmap_new (N_ROWS, N_COLS);
  static const char *const tokens[N_COLS] = { "When", " Mary", " and", " John", " went",
                                              " to", " the" };

  for (int r = 0; r < N_ROWS; r++)
    for (int c = 0; c < N_COLS; c++)
      pl_heatmap_set_value (hm, r, c, (float) (r - c) / 3.0f);
  pl_heatmap_set_value (hm, N_ROWS - 1, N_COLS - 1, NAN);
  for (int c = 0; c < N_COLS; c++)
    pl_heatmap_set_col_label (hm, c, tokens[c]);
  pl_heatmap_set_title (hm, "resid_post patching: test");
  pl_heatmap_set_value_label (hm, "logit diff");
  return hm;
}

static void
on_hovered (PlHeatmapView *view, int row, int col, Fixture *f)
{
  f->n_hovered++;
  f->hover_row = row;
  f->hover_col = col;
}

static void
on_activated (PlHeatmapView *view, int row, int col, Fixture *f)
{
  f->n_activated++;
  f->act_row = row;
  f->act_col = col;
}

static void
on_zoom_notify (GObject *view, GParamSpec *pspec, Fixture *f)
{
  f->n_zoom_notify++;
}

/* How long the first allocation may take before the test fails: far beyond what it
 * needs even under AddressSanitizer on a loaded machine, so that only a hang fails. */
#define WAIT_SECONDS 60

static gboolean
on_timeout (gpointer data)
{
  g_error ("the heatmap view was never allocated a size (waited %d s)", WAIT_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
wait_for_allocation (GtkWidget *widget)
{
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, NULL);

  while (gtk_widget_get_width (widget) <= 0 || gtk_widget_get_height (widget) <= 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), WIN_W, WIN_H);
  f->view = PL_HEATMAP_VIEW (pl_heatmap_view_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  g_signal_connect (f->view, "cell-hovered", G_CALLBACK (on_hovered), f);
  g_signal_connect (f->view, "cell-activated", G_CALLBACK (on_activated), f);
  g_signal_connect (f->view, "notify::zoom", G_CALLBACK (on_zoom_notify), f);
  gtk_window_present (GTK_WINDOW (f->window));
  wait_for_allocation (GTK_WIDGET (f->view));
  if (data != NULL)
    pl_heatmap_view_set_heatmap (f->view, make_heatmap ());
  f->n_hovered = f->n_zoom_notify = 0;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  GObject *view = G_OBJECT (f->view);

  g_object_ref (view);
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (view);   /* and with it the heatmap, under ASan */
}

static void
widget_size (Fixture *f, int *w, int *h)
{
  *w = gtk_widget_get_width (GTK_WIDGET (f->view));
  *h = gtk_widget_get_height (GTK_WIDGET (f->view));
}

/* Whole figure inside the widget, touching it on one axis. */
static void
assert_fitted (Fixture *f)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (f->view);
  double fw, fh, x0, y0, x1, y1;
  int w, h;

  widget_size (f, &w, &h);
  pl_heatmap_get_size (hm, &fw, &fh);
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (f->view),
                                  MIN (w / fw, h / fh), 1e-9);
  pl_heatmap_view_figure_to_widget (f->view, 0, 0, &x0, &y0);
  pl_heatmap_view_figure_to_widget (f->view, fw, fh, &x1, &y1);
  g_assert_cmpfloat (x0, >=, -1e-6);
  g_assert_cmpfloat (y0, >=, -1e-6);
  g_assert_cmpfloat (x1, <=, w + 1e-6);
  g_assert_cmpfloat (y1, <=, h + 1e-6);
  g_assert_true (fabs (x1 - x0 - w) < 1e-6 || fabs (y1 - y0 - h) < 1e-6);
}

/* The widget position of the centre of cell (row, col). */
static void
cell_centre (Fixture *f, int row, int col, double *x, double *y)
{
  double gx, gy, gw, gh;

  pl_heatmap_get_grid_rect (pl_heatmap_view_get_heatmap (f->view), &gx, &gy, &gw, &gh);
  pl_heatmap_view_figure_to_widget (f->view,
                                    gx + (col + 0.5) * gw / N_COLS,
                                    gy + (row + 0.5) * gh / N_ROWS, x, y);
}

static void
test_fit (Fixture *f, gconstpointer data)
{
  assert_fitted (f);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (f->view), >, 0.0);
}

static void
test_zoom (Fixture *f, gconstpointer data)
{
  double z0 = pl_heatmap_view_get_zoom (f->view), z;

  pl_heatmap_view_zoom_in (f->view);
  g_object_get (f->view, "zoom", &z, NULL);
  g_assert_cmpfloat_with_epsilon (z, z0 * 1.25, 1e-9);
  g_assert_cmpint (f->n_zoom_notify, ==, 1);

  pl_heatmap_view_zoom_out (f->view);
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (f->view), z0, 1e-9);
  g_assert_cmpint (f->n_zoom_notify, ==, 2);

  pl_heatmap_view_zoom_in (f->view);
  pl_heatmap_view_zoom_in (f->view);
  pl_heatmap_view_zoom_fit (f->view);
  assert_fitted (f);
  g_assert_cmpint (f->n_zoom_notify, ==, 5);

  /* Zoom stays within bounds however often one presses. */
  for (int i = 0; i < 100; i++)
    pl_heatmap_view_zoom_out (f->view);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (f->view), >=, MIN (z0, 1.0) * 0.5 - 1e-9);
  for (int i = 0; i < 100; i++)
    pl_heatmap_view_zoom_in (f->view);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (f->view), <=, MAX (z0, 1.0) * 16.0 + 1e-9);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (f->view), >, z0 * 4.0);
}

/* In fit mode a resize refits; once the user has zoomed, it keeps the zoom. */
static void
test_resize (Fixture *f, gconstpointer data)
{
  GtkAllocation small = { 0, 0, 320, 480 };
  double z;

  gtk_widget_size_allocate (GTK_WIDGET (f->view), &small, -1);
  assert_fitted (f);

  pl_heatmap_view_zoom_in (f->view);
  z = pl_heatmap_view_get_zoom (f->view);
  small.width = 400;
  gtk_widget_size_allocate (GTK_WIDGET (f->view), &small, -1);
  g_assert_cmpfloat_with_epsilon (pl_heatmap_view_get_zoom (f->view), z, 1e-9);
}

static void
test_hit_test (Fixture *f, gconstpointer data)
{
  static const int cells[][2] = { { 0, 0 }, { 3, 4 }, { N_ROWS - 1, N_COLS - 1 } };
  double gx, gy, gw, gh, x, y;
  int row, col;

  for (int zoomed = 0; zoomed < 2; zoomed++)
    for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
      {
        if (zoomed)
          {
            /* Zoom onto the cell, then pan a little: the transform must follow. */
            pl_heatmap_view_zoom_fit (f->view);
            pl_heatmap_view_zoom_in (f->view);
            pl_heatmap_view_zoom_in (f->view);
            cell_centre (f, cells[i][0], cells[i][1], &x, &y);
            pl_heatmap_view_pan_by (f->view, WIN_W / 2.0 - x, WIN_H / 2.0 - y);
          }
        cell_centre (f, cells[i][0], cells[i][1], &x, &y);
        g_assert_true (pl_heatmap_view_cell_at (f->view, x, y, &row, &col));
        g_assert_cmpint (row, ==, cells[i][0]);
        g_assert_cmpint (col, ==, cells[i][1]);
      }

  /* Just outside the grid's top-left corner is no cell. */
  pl_heatmap_view_zoom_fit (f->view);
  pl_heatmap_get_grid_rect (pl_heatmap_view_get_heatmap (f->view), &gx, &gy, &gw, &gh);
  pl_heatmap_view_figure_to_widget (f->view, gx - 1.0, gy - 1.0, &x, &y);
  g_assert_false (pl_heatmap_view_cell_at (f->view, x, y, &row, &col));
  g_assert_cmpint (row, ==, -1);
  g_assert_cmpint (col, ==, -1);
}

/* However far one drags, the zoomed figure still covers the widget. */
static void
test_pan_clamped (Fixture *f, gconstpointer data)
{
  double fw, fh, x, y;
  int w, h;

  widget_size (f, &w, &h);
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (f->view), &fw, &fh);
  for (int i = 0; i < 4; i++)
    pl_heatmap_view_zoom_in (f->view);

  pl_heatmap_view_pan_by (f->view, 1e6, 1e6);
  pl_heatmap_view_figure_to_widget (f->view, 0, 0, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, 0.0, 1e-6);

  pl_heatmap_view_pan_by (f->view, -1e6, -1e6);
  pl_heatmap_view_figure_to_widget (f->view, fw, fh, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, w, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, h, 1e-6);

  /* Zoomed out below fit, the figure is centred and cannot move. */
  for (int i = 0; i < 20; i++)
    pl_heatmap_view_zoom_out (f->view);
  pl_heatmap_view_pan_by (f->view, 500, -500);
  pl_heatmap_view_figure_to_widget (f->view, fw / 2, fh / 2, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, w / 2.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, h / 2.0, 1e-6);
}

static void
test_signals (Fixture *f, gconstpointer data)
{
  double x, y, gx, gy, gw, gh;

  cell_centre (f, 2, 5, &x, &y);
  pl_heatmap_view_hover_at (f->view, x, y);
  g_assert_cmpint (f->n_hovered, ==, 1);
  g_assert_cmpint (f->hover_row, ==, 2);
  g_assert_cmpint (f->hover_col, ==, 5);
  pl_heatmap_view_hover_at (f->view, x + 0.5, y);   /* same cell: no new signal */
  g_assert_cmpint (f->n_hovered, ==, 1);

  pl_heatmap_view_leave (f->view);
  g_assert_cmpint (f->n_hovered, ==, 2);
  g_assert_cmpint (f->hover_row, ==, -1);
  g_assert_cmpint (f->hover_col, ==, -1);

  cell_centre (f, 7, 1, &x, &y);
  pl_heatmap_view_activate_at (f->view, x, y);
  g_assert_cmpint (f->n_activated, ==, 1);
  g_assert_cmpint (f->act_row, ==, 7);
  g_assert_cmpint (f->act_col, ==, 1);

  /* A click off the grid activates nothing. */
  pl_heatmap_get_grid_rect (pl_heatmap_view_get_heatmap (f->view), &gx, &gy, &gw, &gh);
  pl_heatmap_view_figure_to_widget (f->view, gx - 1.0, gy - 1.0, &x, &y);
  pl_heatmap_view_activate_at (f->view, x, y);
  g_assert_cmpint (f->n_activated, ==, 1);

  /* A new heatmap clears the hover. */
  cell_centre (f, 0, 0, &x, &y);
  pl_heatmap_view_hover_at (f->view, x, y);
  g_assert_cmpint (f->n_hovered, ==, 3);
  pl_heatmap_view_set_heatmap (f->view, make_heatmap ());
  g_assert_cmpint (f->n_hovered, ==, 4);
  g_assert_cmpint (f->hover_row, ==, -1);
}

/* Renders the view's snapshot to pixels: the figure must paint something, with the
 * hover outline and live values, and without touching memory it should not. */
static void
test_draw (Fixture *f, gconstpointer data)
{
  float matrix[N_ROWS * N_COLS];   /* (N_ROWS, N_COLS) */
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  cairo_surface_t *surface;
  cairo_t *cr;
  double x, y;
  int w, h, painted = 0;

  for (int i = 0; i < N_ROWS * N_COLS; i++)
    matrix[i] = i % 3 == 0 ? NAN : (float) i / 10.0f;
  pl_heatmap_view_update_values (f->view, matrix);
  pl_heatmap_view_set_colormap (f->view, PL_COLORMAP_VIRIDIS);
  cell_centre (f, 1, 1, &x, &y);
  pl_heatmap_view_hover_at (f->view, x, y);

  widget_size (f, &w, &h);
  /* The vfunc itself, so the test does not depend on when GTK schedules a frame. */
  GTK_WIDGET_GET_CLASS (f->view)->snapshot (GTK_WIDGET (f->view), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  for (int j = 0; j < h; j++)
    {
      const guint32 *px = (const guint32 *) (cairo_image_surface_get_data (surface) +
                                             j * cairo_image_surface_get_stride (surface));
      for (int i = 0; i < w; i++)
        painted += (px[i] >> 24) != 0;
    }
  g_assert_cmpint (painted, >, w * h / 10);
  cairo_surface_destroy (surface);
  gsk_render_node_unref (node);
}

/* Bigger fonts make a bigger figure, so the fitted zoom shrinks; kept for new heatmaps. */
static void
test_font_scale (Fixture *f, gconstpointer data)
{
  double z0 = pl_heatmap_view_get_zoom (f->view), fw0, fh0, fw, fh;

  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (f->view), &fw0, &fh0);
  pl_heatmap_view_set_font_scale (f->view, 1.6);
  g_assert_cmpfloat (pl_heatmap_view_get_zoom (f->view), <, z0);
  assert_fitted (f);

  pl_heatmap_view_set_heatmap (f->view, make_heatmap ());
  pl_heatmap_get_size (pl_heatmap_view_get_heatmap (f->view), &fw, &fh);
  g_assert_cmpfloat (fw * fh, >, fw0 * fh0);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  int row = 0, col = 0;

  g_assert_null (pl_heatmap_view_get_heatmap (f->view));
  g_assert_false (pl_heatmap_view_cell_at (f->view, 10, 10, &row, &col));
  g_assert_cmpint (row, ==, -1);
  pl_heatmap_view_zoom_in (f->view);
  pl_heatmap_view_zoom_fit (f->view);
  pl_heatmap_view_hover_at (f->view, 10, 10);
  pl_heatmap_view_activate_at (f->view, 10, 10);
  g_assert_cmpint (f->n_hovered, ==, 0);
  g_assert_cmpint (f->n_activated, ==, 0);

  pl_heatmap_view_set_heatmap (f->view, make_heatmap ());
  g_assert_nonnull (pl_heatmap_view_get_heatmap (f->view));
  pl_heatmap_view_set_heatmap (f->view, NULL);
  g_assert_null (pl_heatmap_view_get_heatmap (f->view));
}


/* A 131-token prompt: fitted to the height at a readable size, not to the width as a
 * sliver; the user pans along the positions. */
static void
test_long_prompt (Fixture *f, gconstpointer data)
{
  PlHeatmap *hm = pl_heatmap_new (N_ROWS, 131);
  double fw, fh, zoom;
  int w = gtk_widget_get_width (GTK_WIDGET (f->view));
  int h = gtk_widget_get_height (GTK_WIDGET (f->view));

  for (int c = 0; c < 131; c++)
    pl_heatmap_set_col_label (hm, c, " token");
  pl_heatmap_view_set_heatmap (f->view, hm);
  pl_heatmap_get_size (hm, &fw, &fh);
  zoom = pl_heatmap_view_get_zoom (f->view);
  g_test_message ("view %d x %d, figure %.0f x %.0f, zoom %.3f", w, h, fw, fh, zoom);
  g_assert_cmpfloat (w / fw, <, 0.6);        /* fitted to the width: unreadable */
  g_assert_cmpfloat (zoom, >=, MIN (0.6, h / fh) - 1e-9);
  g_assert_cmpfloat (fw * zoom, >, w);        /* wider than the view: it pans */
}

/* Tick labels at the colour bar's right, in figure order. */
static int
count_colorbar_ticks (PlHeatmap *hm)
{
  Figure *fig = pl_heatmap_ensure_layout (hm);
  int n = 0;

  for (guint i = 0; i < fig->labels->len; i++)
    {
      Label *l = &g_array_index (fig->labels, Label, i);

      if (l->font == FONT_TICK && l->ax > fig->cbx + fig->cbw)
        n++;
    }
  return n;
}

/* Two to four layers still get a scale (once only a "0"), the colour bar names the
 * answers with ␣ as the axis does, and its limits cover the unpatched runs. */
static void
test_colorbar_ticks (Fixture *f, gconstpointer data)
{
  for (int n_layers = 1; n_layers <= 4; n_layers++)
    {
      g_autoptr(PlSweepResult) r = pl_fixture_result (n_layers, MICHELLE_CLEAN,
                                                      MICHELLE_CORRUPT, " Jones", " Smith");
      PlHeatmap *hm = pl_heatmap_new_from_result (r);

      g_assert_cmpint (count_colorbar_ticks (hm), >=, 3);
      /* The scale spans the unpatched runs' metric, the ends of what patching does. */
      g_assert_cmpfloat (pl_heatmap_ensure_layout (hm)->vmax, >=,
                         MAX (fabs (r->clean_value), fabs (r->corrupted_value)));
      g_assert_cmpstr (hm->value_label, ==, "logit(␣Smith) − logit(␣Jones)");
      pl_heatmap_free (hm);
    }
}

int
main (int argc, char **argv)
{
  /* Cairo, like the other GUI tests: the drawing case renders nodes with cairo itself,
   * and the GL renderer's Mesa threads, torn down while LeakSanitizer checks at exit,
   * crashed its tracer in about one run in ten ("Tracer caught signal 11"). */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, func, with_heatmap) \
  g_test_add ("/Patchlens/HeatmapView/" path, Fixture, with_heatmap ? "" : NULL, \
              fixture_setup, func, fixture_teardown)
  ADD ("fit", test_fit, TRUE);
  ADD ("zoom", test_zoom, TRUE);
  ADD ("resize", test_resize, TRUE);
  ADD ("hit-test", test_hit_test, TRUE);
  ADD ("pan-clamped", test_pan_clamped, TRUE);
  ADD ("signals", test_signals, TRUE);
  ADD ("draw", test_draw, TRUE);
  ADD ("font-scale", test_font_scale, TRUE);
  ADD ("empty", test_empty, FALSE);
  ADD ("long-prompt", test_long_prompt, FALSE);
  ADD ("colorbar-ticks", test_colorbar_ticks, FALSE);
#undef ADD

  return g_test_run ();
}
