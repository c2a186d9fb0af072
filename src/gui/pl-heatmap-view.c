/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-view.c: PlHeatmapView draws the core library's cairo figure through a pan
 * and zoom transform, and turns pointer input into zoom, pan, hover and selection.
 *
 * The transform: widget = pan + zoom * figure, with figure coordinates the ones
 * pl_heatmap_draw uses ([0, w] x [0, h] points at scale 1).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pl-heatmap-view.h"
#include "pl-heatmap-view-private.h"

#define ZOOM_STEP        1.25   /* one press of + or − */
#define SCROLL_ZOOM_BASE 1.15   /* per wheel notch of Ctrl+scroll */
#define SCROLL_PAN_STEP  40.0   /* pixels per wheel notch */
#define MIN_WIDTH        300
#define MIN_HEIGHT       200
#define READABLE_ZOOM    0.6   /* below this, tick labels are too small to read */
#define DRAG_THRESHOLD   4.0   /* pixels a press may move and still be a click */

struct _PlHeatmapView
{
  GtkWidget   parent_instance;

  PlHeatmap  *hm;               /* owned; NULL when empty */

  double      zoom;             /* widget pixels per figure point */
  double      pan_x, pan_y;     /* widget position of the figure's origin */
  gboolean    fit;              /* refit on every resize until the user zooms or pans */
  double      min_fit_zoom;     /* fitting never goes below it (0: no floor) */

  int         hover_row, hover_col;   /* -1, -1 when the pointer is on no cell */
  gboolean    has_pointer;
  double      pointer_x, pointer_y;

  double      drag_pan_x, drag_pan_y; /* pan when the drag began */
  gboolean    dragged;                /* this press moved: its release is no click */
  int         sel_row, sel_col;       /* the selected cell (click, arrows); -1: none */
  double      pinch_zoom;             /* zoom when the pinch began */

  /* Applied to every heatmap shown, but only once the app has asked for them, so a
   * heatmap set up by the caller keeps its own settings otherwise. */
  double      font_scale;
  gboolean    font_scale_set;
  PlColormap  cmap;
  gboolean    cmap_set;
};

G_DEFINE_FINAL_TYPE (PlHeatmapView, pl_heatmap_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_ZOOM, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { CELL_HOVERED, CELL_ACTIVATED, CELL_OPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- transform ---- */

static void
figure_size (PlHeatmapView *self, double *fw, double *fh)
{
  *fw = *fh = 0.0;
  if (self->hm != NULL)
    pl_heatmap_get_size (self->hm, fw, fh);
}

/* The zoom that shows the whole figure; 1 when there is nothing to fit. */
static double
fit_zoom (PlHeatmapView *self)
{
  double fw, fh;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  figure_size (self, &fw, &fh);
  if (fw <= 0.0 || fh <= 0.0 || w <= 0 || h <= 0)
    return 1.0;
  /* A long prompt (a hundred positions and more) fitted to the width is a sliver with
   * labels too small to read: fit the height instead, down to a readable size, and let
   * the user pan along the positions. */
  if (MIN (w / fw, h / fh) < READABLE_ZOOM)
    return MAX (MIN (h / fh, READABLE_ZOOM), self->min_fit_zoom);
  return MAX (MIN (w / fw, h / fh), self->min_fit_zoom);
}

static double
clamp_zoom (PlHeatmapView *self, double zoom)
{
  double fz = fit_zoom (self);

  return CLAMP (zoom, MIN (fz, 1.0) * 0.5, MAX (fz, 1.0) * 16.0);
}

/* One axis: a figure narrower than the widget is centred; a wider one must cover the
 * widget, so it can never be dragged out of sight. */
static double
clamp_pan_axis (double pan, double extent, int size)
{
  if (extent <= size)
    return (size - extent) / 2.0;
  return CLAMP (pan, size - extent, 0.0);
}

static void
clamp_pan (PlHeatmapView *self)
{
  double fw, fh;

  figure_size (self, &fw, &fh);
  self->pan_x = clamp_pan_axis (self->pan_x, fw * self->zoom,
                                gtk_widget_get_width (GTK_WIDGET (self)));
  self->pan_y = clamp_pan_axis (self->pan_y, fh * self->zoom,
                                gtk_widget_get_height (GTK_WIDGET (self)));
}

static void
set_zoom_value (PlHeatmapView *self, double zoom)
{
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* Zooms so that the figure point under widget (px, py) stays there. */
static void
zoom_around (PlHeatmapView *self, double zoom, double px, double py)
{
  double fx = (px - self->pan_x) / self->zoom;
  double fy = (py - self->pan_y) / self->zoom;

  zoom = clamp_zoom (self, zoom);
  self->fit = FALSE;
  self->pan_x = px - fx * zoom;
  self->pan_y = py - fy * zoom;
  set_zoom_value (self, zoom);
  clamp_pan (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_around_centre (PlHeatmapView *self, double zoom)
{
  zoom_around (self, zoom,
               gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
               gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

/* After anything that may change the figure's size or the widget's. */
static void
relayout (PlHeatmapView *self)
{
  if (self->fit)
    set_zoom_value (self, fit_zoom (self));
  else
    set_zoom_value (self, clamp_zoom (self, self->zoom));
  clamp_pan (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pl_heatmap_view_figure_to_widget (PlHeatmapView *self,
                                  double fx, double fy, double *x, double *y)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  *x = self->pan_x + fx * self->zoom;
  *y = self->pan_y + fy * self->zoom;
}

gboolean
pl_heatmap_view_cell_at (PlHeatmapView *self,
                         double x, double y, int *row, int *col)
{
  g_return_val_if_fail (PL_IS_HEATMAP_VIEW (self), FALSE);
  *row = *col = -1;
  if (self->hm == NULL || self->zoom <= 0.0)
    return FALSE;
  return pl_heatmap_hit_test (self->hm, (x - self->pan_x) / self->zoom,
                              (y - self->pan_y) / self->zoom, row, col);
}

/* ---- selection ---- */

static void
select_cell (PlHeatmapView *self, int row, int col)
{
  self->sel_row = row;
  self->sel_col = col;
  if (self->hm != NULL)
    pl_heatmap_set_selection (self->hm, row, col);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Pans the least that brings cell (row, col) wholly on screen (when it fits), so the
 * keyboard's selection is never off the page of a figure larger than the view. */
static void
pan_to_cell (PlHeatmapView *self, int row, int col)
{
  double gx, gy, gw, gh, x, y, cw, ch;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  pl_heatmap_get_grid_rect (self->hm, &gx, &gy, &gw, &gh);
  cw = gw / pl_heatmap_get_n_cols (self->hm) * self->zoom;
  ch = gh / pl_heatmap_get_n_rows (self->hm) * self->zoom;
  x = self->pan_x + (gx + col * gw / pl_heatmap_get_n_cols (self->hm)) * self->zoom;
  y = self->pan_y + (gy + row * gh / pl_heatmap_get_n_rows (self->hm)) * self->zoom;
  if (x < 0 || cw > w)
    self->pan_x -= x;
  else if (x + cw > w)
    self->pan_x -= x + cw - w;
  if (y < 0 || ch > h)
    self->pan_y -= y;
  else if (y + ch > h)
    self->pan_y -= y + ch - h;
  clamp_pan (self);
}

/* Arrows move the selection (the first press selects the top-left cell) and show it as
 * the hovered cell, so the hover line and the accessible description name it; Enter or
 * Space activates it, as a click does. */
static gboolean
on_key_pressed (GtkEventControllerKey *key, guint keyval, guint keycode,
                GdkModifierType state, PlHeatmapView *self)
{
  int n_rows, n_cols, row = self->sel_row, col = self->sel_col;

  if (self->hm == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  n_rows = pl_heatmap_get_n_rows (self->hm);
  n_cols = pl_heatmap_get_n_cols (self->hm);
  switch (keyval)
    {
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_space:
      if (row < 0)
        return FALSE;
      g_signal_emit (self, signals[CELL_ACTIVATED], 0, row, col);
      g_signal_emit (self, signals[CELL_OPENED], 0, row, col);
      return TRUE;
    case GDK_KEY_Left: case GDK_KEY_KP_Left:   col--; break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: col++; break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:       row--; break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:   row++; break;
    case GDK_KEY_Home:                         col = 0; break;
    case GDK_KEY_End:                          col = n_cols - 1; break;
    default:
      return FALSE;
    }
  if (self->sel_row < 0)
    row = col = 0;
  select_cell (self, CLAMP (row, 0, n_rows - 1), CLAMP (col, 0, n_cols - 1));
  pan_to_cell (self, self->sel_row, self->sel_col);
  self->hover_row = self->sel_row;
  self->hover_col = self->sel_col;
  g_signal_emit (self, signals[CELL_HOVERED], 0, self->sel_row, self->sel_col);
  return TRUE;
}

int
pl_heatmap_view_get_selected (PlHeatmapView *self, int *col)
{
  if (col != NULL)
    *col = self->sel_col;
  return self->sel_row;
}

/* ---- drawing ---- */

static void
get_foreground (PlHeatmapView *self, GdkRGBA *rgba)
{
  /* gtk_widget_get_color is GTK 4.10; in 4.8 the style context is the way. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), rgba);
G_GNUC_END_IGNORE_DEPRECATIONS
}

/* The hovered cell's outline; cells split the grid rectangle evenly. */
static void
draw_hover (PlHeatmapView *self, cairo_t *cr, const GdkRGBA *fg)
{
  double gx, gy, gw, gh, cw, ch;
  int n_rows = pl_heatmap_get_n_rows (self->hm);
  int n_cols = pl_heatmap_get_n_cols (self->hm);

  if (self->hover_row < 0 || self->hover_col < 0 || n_rows <= 0 || n_cols <= 0)
    return;
  pl_heatmap_get_grid_rect (self->hm, &gx, &gy, &gw, &gh);
  cw = gw / n_cols;
  ch = gh / n_rows;
  cairo_rectangle (cr, gx + self->hover_col * cw, gy + self->hover_row * ch, cw, ch);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9);
  cairo_set_line_width (cr, 2.0 / self->zoom);   /* 2 px whatever the zoom */
  cairo_stroke (cr);
}

static void
pl_heatmap_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PlHeatmapView *self = PL_HEATMAP_VIEW (widget);
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  if (self->hm == NULL || w <= 0 || h <= 0)
    return;
  get_foreground (self, &fg);
  pl_heatmap_set_foreground (self->hm, fg.red, fg.green, fg.blue);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_translate (cr, self->pan_x, self->pan_y);
  cairo_scale (cr, self->zoom, self->zoom);
  pl_heatmap_draw (self->hm, cr);
  draw_hover (self, cr, &fg);
  cairo_destroy (cr);
}

static void
pl_heatmap_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural,
                         int *minimum_baseline, int *natural_baseline)
{
  /* The view pans and zooms by itself, so it asks only for a usable minimum. */
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_WIDTH : MIN_HEIGHT;
}

static void
pl_heatmap_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  relayout (PL_HEATMAP_VIEW (widget));
}

/* ---- input ---- */

static void
set_hover (PlHeatmapView *self, int row, int col)
{
  if (row == self->hover_row && col == self->hover_col)
    return;
  self->hover_row = row;
  self->hover_col = col;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CELL_HOVERED], 0, row, col);
}

void
pl_heatmap_view_hover_at (PlHeatmapView *self, double x, double y)
{
  int row, col;

  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  self->has_pointer = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  if (!pl_heatmap_view_cell_at (self, x, y, &row, &col))
    row = col = -1;
  set_hover (self, row, col);
}

void
pl_heatmap_view_leave (PlHeatmapView *self)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  self->has_pointer = FALSE;
  set_hover (self, -1, -1);
}

void
pl_heatmap_view_activate_at (PlHeatmapView *self, double x, double y)
{
  int row, col;

  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  if (!pl_heatmap_view_cell_at (self, x, y, &row, &col))
    return;
  select_cell (self, row, col);
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, row, col);
}

void
pl_heatmap_view_pan_by (PlHeatmapView *self, double dx, double dy)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  self->fit = FALSE;
  self->pan_x += dx;
  self->pan_y += dy;
  clamp_pan (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, PlHeatmapView *self)
{
  pl_heatmap_view_hover_at (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *motion, PlHeatmapView *self)
{
  pl_heatmap_view_leave (self);
}

/* Released, not pressed, and only when the press did not move beyond a few pixels:
 * the click gesture alone still reports a release after a short drag, so the drag
 * gesture says whether this press was a pan. */
static void
on_click_released (GtkGestureClick *click, int n_press, double x, double y,
                   PlHeatmapView *self)
{
  int row, col;

  if (self->dragged)
    return;
  pl_heatmap_view_activate_at (self, x, y);
  /* A double click also opens the cell (what a cell has to show in a window). */
  if (n_press >= 2 && pl_heatmap_view_cell_at (self, x, y, &row, &col))
    g_signal_emit (self, signals[CELL_OPENED], 0, row, col);
}

static void
on_drag_begin (GtkGestureDrag *drag, double x, double y, PlHeatmapView *self)
{
  self->drag_pan_x = self->pan_x;
  self->drag_pan_y = self->pan_y;
  self->dragged = FALSE;
}

static void
on_drag_update (GtkGestureDrag *drag, double dx, double dy, PlHeatmapView *self)
{
  if (hypot (dx, dy) > DRAG_THRESHOLD)
    self->dragged = TRUE;
  pl_heatmap_view_pan_by (self, self->drag_pan_x + dx - self->pan_x,
                          self->drag_pan_y + dy - self->pan_y);
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, PlHeatmapView *self)
{
  self->pinch_zoom = self->zoom;
}

static void
on_pinch_scale_changed (GtkGestureZoom *gesture, double scale, PlHeatmapView *self)
{
  double cx, cy;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    {
      cx = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      cy = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
  zoom_around (self, self->pinch_zoom * scale, cx, cy);
}

/* Ctrl+scroll zooms around the pointer; plain scroll pans (Shift swaps the axes on
 * mice with one wheel, which GDK already does for us). */
static gboolean
on_scroll (GtkEventControllerScroll *scroll, double dx, double dy, PlHeatmapView *self)
{
  GdkModifierType mods =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  double step = SCROLL_PAN_STEP;

  if (self->hm == NULL)
    return FALSE;
  if (mods & GDK_CONTROL_MASK)
    {
      double px = self->has_pointer ? self->pointer_x : gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      double py = self->has_pointer ? self->pointer_y : gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;

      zoom_around (self, self->zoom * pow (SCROLL_ZOOM_BASE, -dy), px, py);
      return TRUE;
    }
  /* Touchpads report pixels, wheels report notches. */
  if (gtk_event_controller_scroll_get_unit (scroll) == GDK_SCROLL_UNIT_SURFACE)
    step = 1.0;
  pl_heatmap_view_pan_by (self, -dx * step, -dy * step);
  return TRUE;
}

static void
add_controllers (PlHeatmapView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll =
    gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, motion);

  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, scroll);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (widget, key);

  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (pinch));
}

/* ---- public API ---- */

GtkWidget *
pl_heatmap_view_new (void)
{
  return g_object_new (PL_TYPE_HEATMAP_VIEW, NULL);
}

static void
update_accessible_description (PlHeatmapView *self)
{
  g_autofree char *desc = NULL;

  if (self->hm != NULL)
    desc = g_strdup_printf (_ ("%d layers by %d positions"),
                            pl_heatmap_get_n_rows (self->hm),
                            pl_heatmap_get_n_cols (self->hm));
  else
    desc = g_strdup (_ ("No results yet"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
}

void
pl_heatmap_view_set_heatmap (PlHeatmapView *self, PlHeatmap *hm)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));

  if (hm != self->hm)
    g_clear_pointer (&self->hm, pl_heatmap_free);
  self->hm = hm;
  if (hm != NULL && self->font_scale_set)
    pl_heatmap_set_font_scale (hm, self->font_scale);
  if (hm != NULL && self->cmap_set)
    pl_heatmap_set_colormap (hm, self->cmap);
  set_hover (self, -1, -1);
  self->sel_row = self->sel_col = -1;
  self->fit = TRUE;
  update_accessible_description (self);
  relayout (self);
}

PlHeatmap *
pl_heatmap_view_get_heatmap (PlHeatmapView *self)
{
  g_return_val_if_fail (PL_IS_HEATMAP_VIEW (self), NULL);
  return self->hm;
}

void
pl_heatmap_view_update_values (PlHeatmapView *self, const float *matrix)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  g_return_if_fail (matrix != NULL);

  if (self->hm == NULL)
    return;
  pl_heatmap_set_values (self->hm, matrix);
  relayout (self);   /* the colour bar's labels may have changed width */
  /* The hover line of a cell under a still pointer says its new value (during a
   * sweep, "not computed yet" would outlive the value's arrival). */
  if (self->hover_row >= 0 && self->hover_col >= 0)
    g_signal_emit (self, signals[CELL_HOVERED], 0, self->hover_row, self->hover_col);
}

void
pl_heatmap_view_zoom_in (PlHeatmapView *self)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  zoom_around_centre (self, self->zoom * ZOOM_STEP);
}

void
pl_heatmap_view_zoom_out (PlHeatmapView *self)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  zoom_around_centre (self, self->zoom / ZOOM_STEP);
}

void
pl_heatmap_view_zoom_fit (PlHeatmapView *self)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  self->fit = TRUE;
  relayout (self);
}

void
pl_heatmap_view_set_min_fit_zoom (PlHeatmapView *self, double zoom)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  self->min_fit_zoom = zoom;
  relayout (self);
}

double
pl_heatmap_view_get_zoom (PlHeatmapView *self)
{
  g_return_val_if_fail (PL_IS_HEATMAP_VIEW (self), 1.0);
  return self->zoom;
}

void
pl_heatmap_view_set_font_scale (PlHeatmapView *self, double scale)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));
  g_return_if_fail (scale > 0.0);

  self->font_scale = scale;
  self->font_scale_set = TRUE;
  if (self->hm != NULL)
    pl_heatmap_set_font_scale (self->hm, scale);
  relayout (self);   /* labels grow, and so does the figure */
}

void
pl_heatmap_view_set_colormap (PlHeatmapView *self, PlColormap cmap)
{
  g_return_if_fail (PL_IS_HEATMAP_VIEW (self));

  self->cmap = cmap;
  self->cmap_set = TRUE;
  if (self->hm != NULL)
    pl_heatmap_set_colormap (self->hm, cmap);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- GObject ---- */

static void
pl_heatmap_view_get_property (GObject *object, guint prop_id,
                              GValue *value, GParamSpec *pspec)
{
  PlHeatmapView *self = PL_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pl_heatmap_view_set_property (GObject *object, guint prop_id,
                              const GValue *value, GParamSpec *pspec)
{
  PlHeatmapView *self = PL_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      zoom_around_centre (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pl_heatmap_view_finalize (GObject *object)
{
  PlHeatmapView *self = PL_HEATMAP_VIEW (object);

  g_clear_pointer (&self->hm, pl_heatmap_free);
  G_OBJECT_CLASS (pl_heatmap_view_parent_class)->finalize (object);
}

static void
pl_heatmap_view_class_init (PlHeatmapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pl_heatmap_view_get_property;
  object_class->set_property = pl_heatmap_view_set_property;
  object_class->finalize = pl_heatmap_view_finalize;
  widget_class->snapshot = pl_heatmap_view_snapshot;
  widget_class->measure = pl_heatmap_view_measure;
  widget_class->size_allocate = pl_heatmap_view_size_allocate;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 0.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CELL_HOVERED] =
    g_signal_new ("cell-hovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  signals[CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  signals[CELL_OPENED] =
    g_signal_new ("cell-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "heatmapview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pl_heatmap_view_init (PlHeatmapView *self)
{
  self->zoom = 1.0;
  self->fit = TRUE;
  self->hover_row = self->hover_col = -1;
  self->sel_row = self->sel_col = -1;
  self->font_scale = 1.0;
  /* Tab reaches the figure; the arrows then move through its cells. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  self->cmap = PL_COLORMAP_DIVERGING;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Patching heatmap"),
                                  -1);
  update_accessible_description (self);
  add_controllers (self);
}
