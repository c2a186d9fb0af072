/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution-view.c: PlAttributionView: the direct logit attribution of the clean
 * or the corrupted prompt, fitted to the page, its sum check, hover line, states and
 * exports.
 */
#include "config.h"

#include "pl-attribution-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "pl-analysis-io.h"
#include "pl-analysis-runner.h"
#include "pl-analysis-status.h"
#include "pl-error.h"
#include "pl-attribution-figure.h"

#define ZOOM_STEP     1.25   /* one press of + or −, as on the Patching page */
#define MIN_ZOOM      0.25
#define MAX_ZOOM      8.0
#define MAX_FIT_ZOOM  2.0    /* a wide page does not blow the figure up past this */
/* The head grid's labels are the figure's 9 pt tick font: fitted to a narrow page the
 * figure is never drawn below 8 px text; it opens at this zoom and scrolls instead. */
#define READABLE_ZOOM 0.9
#define FIG_MARGIN    24.0   /* pixels around the figure, both sides together */

struct _PlAttributionView {
  GtkWidget            parent_instance;

  GtkToggleButton     *clean_button;
  GtkToggleButton     *corrupted_button;
  GtkSpinner          *spinner;
  GtkStack            *content_stack;
  AdwStatusPage       *status_page;
  GtkScrolledWindow   *figure_scroll;
  GtkDrawingArea      *figure_area;
  GtkWidget           *stale_box;
  GtkLabel            *summary_label;
  GtkLabel            *hover_label;

  PlAnalysisRunner     runner;
  PlAttributionFigure *fig;            /* the figure drawn, of ... */
  guint                drawn_serial;   /* ... the runner's result and side (0: none) */
  PlSide               drawn_side;
  double               fig_x, fig_y, fig_scale;   /* where the last draw put it */
  double               zoom;           /* the user's zoom; 0: fitted to the page */
  double               font_scale;     /* presentation mode: the whole figure grows */
  int                  sel_layer, sel_head;   /* the head the arrows moved to; -1: none */
  int                  hover_layer, hover_head;   /* the head the hover line names */
  double               pointer_x, pointer_y;      /* where the last motion was */
  double               drag_h, drag_v;        /* the scroll position when a drag began */
};

G_DEFINE_FINAL_TYPE (PlAttributionView, pl_attribution_view, GTK_TYPE_WIDGET)

static PlSide
shown_side (PlAttributionView *self)
{
  return gtk_toggle_button_get_active (self->corrupted_button) ? PL_SIDE_CORRUPTED
                                                               : PL_SIDE_CLEAN;
}

static const PlAttribution *
side_attribution (PlAttributionView *self)
{
  PlAnalysis *a = self->runner.shown;

  return a != NULL ? a->at[shown_side (self)] : NULL;
}

static PlAttributionFigure *
new_figure (const PlAnalysis *a, const PlAttribution *at)
{
  return pl_attribution_figure_new (at, a->answers[0], a->answers[1], a->model_name);
}

/* ---- drawing: the core's figure, fitted and centred or at the user's zoom ---- */

/* The drawing area asks for the figure at the zoom chosen, or when fitted at the
 * readable minimum: the scrolled window gives it the page when that is larger, and
 * scrollbars when not. */
static void
update_size_request (PlAttributionView *self)
{
  double w, h, z = self->zoom > 0 ? self->zoom : READABLE_ZOOM * self->font_scale;

  if (self->fig == NULL)
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->figure_area), -1, -1);
      return;
    }
  pl_attribution_figure_get_size (self->fig, &w, &h);
  gtk_widget_set_size_request (GTK_WIDGET (self->figure_area),
                               (int) ceil (w * z + FIG_MARGIN),
                               (int) ceil (h * z + FIG_MARGIN));
}

static void
draw_figure (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  PlAttributionView *self = data;
  GdkRGBA fg;
  double w, h;

  if (self->fig == NULL)
    return;
  pl_attribution_figure_get_size (self->fig, &w, &h);
  self->fig_scale = self->zoom > 0 ? self->zoom
    : MIN (MIN ((width - FIG_MARGIN) / w, (height - FIG_MARGIN) / h),
           MAX_FIT_ZOOM * self->font_scale);
  if (self->fig_scale <= 0)
    return;
  self->fig_x = (width - w * self->fig_scale) / 2;
  self->fig_y = (height - h * self->fig_scale) / 2;
  /* gtk_widget_get_color is GTK 4.10; in 4.8 the style context is the way. */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  pl_attribution_figure_set_foreground (self->fig, fg.red, fg.green, fg.blue);
  cairo_translate (cr, self->fig_x, self->fig_y);
  cairo_scale (cr, self->fig_scale, self->fig_scale);
  pl_attribution_figure_draw (self->fig, cr);
}

/* ---- states ---- */

static void
show_status (PlAttributionView *self,
             const char        *icon,
             const char        *title,
             const char        *description)
{
  gtk_label_set_text (self->summary_label, "");
  pl_analysis_status_show (self->content_stack, self->status_page, icon, title, description);
}

static char *
summary_text (const PlAnalysis *a, const PlAttribution *at)
{
  double total = pl_attribution_total (at);

  /* Translators: the answers B and A, the model's logit difference, the components' sum
   * and how far apart the two are */
  return g_strdup_printf (_("logit(“%s”) − logit(“%s”) at the last position: the model "
                            "gives %+.4f; the components sum to %+.4f (difference %.1e)"),
                          a->answers[1], a->answers[0], at->logit_diff, total,
                          fabs (total - at->logit_diff));
}

static void
set_hover_hint (PlAttributionView *self)
{
  gtk_label_set_text (self->hover_label, _("Hover a head, or select one with a click or "
                                           "the arrow keys, for its direct effect."));
}

static void
show_figure (PlAttributionView *self,
             gboolean           current)
{
  const PlAttribution *at = side_attribution (self);

  if (self->runner.serial != self->drawn_serial || shown_side (self) != self->drawn_side)
    {
      g_autofree char *summary = summary_text (self->runner.shown, at);

      g_clear_pointer (&self->fig, pl_attribution_figure_free);
      self->fig = new_figure (self->runner.shown, at);
      self->sel_layer = self->sel_head = -1;
      self->hover_layer = self->hover_head = -1;
      update_size_request (self);
      self->drawn_serial = self->runner.serial;
      self->drawn_side = shown_side (self);
      gtk_label_set_text (self->summary_label, summary);
      set_hover_hint (self);
      gtk_widget_queue_draw (GTK_WIDGET (self->figure_area));
    }
  if (!current)   /* no numbers of other texts under the pointer */
    set_hover_hint (self);
  gtk_widget_set_visible (self->stale_box, !current);
  gtk_widget_set_opacity (GTK_WIDGET (self->figure_area), current ? 1.0 : 0.45);
  gtk_widget_set_opacity (GTK_WIDGET (self->summary_label), current ? 1.0 : 0.45);
  gtk_stack_set_visible_child_name (self->content_stack, "figure");
}

static void
update (GtkWidget *widget)
{
  PlAttributionView *self = PL_ATTRIBUTION_VIEW (widget);
  PlAnalysis *a = self->runner.shown;
  gboolean busy = pl_analysis_runner_is_busy (&self->runner);
  gboolean current = pl_analysis_runner_is_current (&self->runner);

  gtk_spinner_set_spinning (self->spinner, busy);
  if (self->runner.model == NULL)
    show_status (self, "system-search-symbolic", _("No Model"),
                 _("Load a model to attribute the logit difference."));
  else if (side_attribution (self) != NULL && (current || busy))
    show_figure (self, current);
  else if (a != NULL && current)
    show_status (self, "dialog-warning-symbolic", _("No Attribution for These Inputs"),
                 a->error[shown_side (self)] ? a->error[shown_side (self)]->message : NULL);
  else
    show_status (self, "content-loading-symbolic", _("Computing the Attribution…"), NULL);
}

/* ---- hover: the head under the pointer ---- */

static void
show_head (PlAttributionView *self,
           int                layer,
           int                head)
{
  const PlAttribution *at = pl_attribution_view_get_attribution (self);   /* NULL: stale */
  g_autofree char *text = NULL;

  self->hover_layer = layer;
  self->hover_head = head;
  if (at == NULL)
    return;
  /* Translators: hover line: layer, head, the head's direct effect on the difference */
  text = g_strdup_printf (_("Head %d.%d: %+.4f of the logit difference"), layer, head,
                          at->heads[layer * at->n_heads + head]);
  gtk_label_set_text (self->hover_label, text);
}

/* The head at (x, y) of the drawing area, as the last draw placed the figure. */
static gboolean
head_at (PlAttributionView *self,
         double             x,
         double             y,
         int               *layer,
         int               *head)
{
  return self->fig != NULL && self->fig_scale > 0 &&
         pl_heatmap_hit_test (pl_attribution_figure_get_heatmap (self->fig),
                              (x - self->fig_x) / self->fig_scale,
                              (y - self->fig_y) / self->fig_scale, layer, head);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           PlAttributionView        *self)
{
  int layer, head;

  /* A motion without a move (GTK repeats one after a redraw) keeps the head the keys
   * chose in the hover line. */
  if (x == self->pointer_x && y == self->pointer_y)
    return;
  self->pointer_x = x;
  self->pointer_y = y;
  if (head_at (self, x, y, &layer, &head) &&
      (layer != self->hover_layer || head != self->hover_head))
    show_head (self, layer, head);
}

/* ---- the keyboard and clicks: a selected head, outlined, named by the hover line ---- */

static void
select_head (PlAttributionView *self,
             int                layer,
             int                head)
{
  self->sel_layer = layer;
  self->sel_head = head;
  pl_heatmap_set_selection (pl_attribution_figure_get_heatmap (self->fig), layer, head);
  show_head (self, layer, head);
  gtk_widget_queue_draw (GTK_WIDGET (self->figure_area));
}

/* Scrolls the least that shows the selected head, as the heatmap view pans to its. */
static void
scroll_to_head (PlAttributionView *self)
{
  PlHeatmap *hm = pl_attribution_figure_get_heatmap (self->fig);
  double gx, gy, gw, gh, cw, ch;

  pl_heatmap_get_grid_rect (hm, &gx, &gy, &gw, &gh);
  cw = gw / pl_heatmap_get_n_cols (hm);
  ch = gh / pl_heatmap_get_n_rows (hm);
  gtk_adjustment_clamp_page (gtk_scrolled_window_get_hadjustment (self->figure_scroll),
                             self->fig_x + (gx + self->sel_head * cw) * self->fig_scale,
                             self->fig_x + (gx + (self->sel_head + 1) * cw) * self->fig_scale);
  gtk_adjustment_clamp_page (gtk_scrolled_window_get_vadjustment (self->figure_scroll),
                             self->fig_y + (gy + self->sel_layer * ch) * self->fig_scale,
                             self->fig_y + (gy + (self->sel_layer + 1) * ch) * self->fig_scale);
}

/* As on the Patching page: the arrows (Home, End) move the selection, the first press
 * selecting the top-left head. */
static gboolean
on_key_pressed (GtkEventControllerKey *key,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PlAttributionView     *self)
{
  PlHeatmap *hm;
  int layer = self->sel_layer, head = self->sel_head;

  if (self->fig == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  hm = pl_attribution_figure_get_heatmap (self->fig);
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:   head--; break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: head++; break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:       layer--; break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:   layer++; break;
    case GDK_KEY_Home:                         head = 0; break;
    case GDK_KEY_End:                          head = pl_heatmap_get_n_cols (hm) - 1; break;
    default:
      return FALSE;
    }
  if (self->sel_layer < 0)
    layer = head = 0;
  select_head (self, CLAMP (layer, 0, pl_heatmap_get_n_rows (hm) - 1),
               CLAMP (head, 0, pl_heatmap_get_n_cols (hm) - 1));
  scroll_to_head (self);
  return TRUE;
}

static void
on_pressed (GtkGestureClick   *click,
            int                n_press,
            double             x,
            double             y,
            PlAttributionView *self)
{
  int layer, head;

  gtk_widget_grab_focus (GTK_WIDGET (self->figure_area));
  if (head_at (self, x, y, &layer, &head))
    select_head (self, layer, head);
}

/* Dragging pans a figure larger than the page, as the heatmap view does. The gesture
 * sits on the scrolled window, whose coordinates do not move as it scrolls. */
static void
on_drag_begin (GtkGestureDrag    *drag,
               double             x,
               double             y,
               PlAttributionView *self)
{
  self->drag_h = gtk_adjustment_get_value (gtk_scrolled_window_get_hadjustment (self->figure_scroll));
  self->drag_v = gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->figure_scroll));
}

static void
on_drag_update (GtkGestureDrag    *drag,
                double             dx,
                double             dy,
                PlAttributionView *self)
{
  gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (self->figure_scroll),
                            self->drag_h - dx);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->figure_scroll),
                            self->drag_v - dy);
}

/* ---- zoom ---- */

static void
set_zoom (PlAttributionView *self,
          double             zoom)
{
  self->zoom = zoom > 0 ? CLAMP (zoom, MIN_ZOOM, MAX_ZOOM) : 0;
  update_size_request (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->figure_area));
}

void
pl_attribution_view_zoom_in (PlAttributionView *self)
{
  set_zoom (self, pl_attribution_view_get_zoom (self) * ZOOM_STEP);
}

void
pl_attribution_view_zoom_out (PlAttributionView *self)
{
  set_zoom (self, pl_attribution_view_get_zoom (self) / ZOOM_STEP);
}

void
pl_attribution_view_zoom_fit (PlAttributionView *self)
{
  set_zoom (self, 0);
}

double
pl_attribution_view_get_zoom (PlAttributionView *self)
{
  if (self->zoom > 0)
    return self->zoom;
  return self->fig_scale > 0 ? self->fig_scale : 1.0;   /* fitted: as last drawn */
}

void
pl_attribution_view_set_font_scale (PlAttributionView *self,
                                    double             scale)
{
  double old = self->font_scale;

  self->font_scale = scale;
  if (self->zoom > 0)   /* the user's zoom grows with the text */
    self->zoom *= scale / old;
  set_zoom (self, self->zoom);
}

double
pl_attribution_view_get_font_scale (PlAttributionView *self)
{
  return self->font_scale;
}

/* ---- the exports ---- */

static const PlAttribution *
export_attribution (PlAttributionView *self,
                    GError           **error)
{
  if (pl_analysis_runner_is_current (&self->runner) && side_attribution (self) != NULL)
    return side_attribution (self);
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       _("There is no attribution of the current prompts to export yet."));
  return NULL;
}

gboolean
pl_attribution_view_export_figure (PlAttributionView *self,
                                   const char        *path,
                                   double             scale,
                                   GError           **error)
{
  const PlAttribution *at = export_attribution (self, error);
  g_autoptr(PlAttributionFigure) fig = NULL;
  PlFigureFormat format;

  if (at == NULL || !pl_analysis_figure_format (path, &format, error))
    return FALSE;
  fig = new_figure (self->runner.shown, at);   /* export colours: black text */
  return pl_attribution_figure_export (fig, format, path, scale, error);
}

gboolean
pl_attribution_view_export_data (PlAttributionView *self,
                                 const char        *path,
                                 GError           **error)
{
  const PlAttribution *at = export_attribution (self, error);
  PlAnalysis *a = self->runner.shown;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *csv = NULL;

  if (at == NULL)
    return FALSE;
  json = pl_attribution_to_json_node (at, &a->prompt[shown_side (self)],
                                      (const char * const *) a->answers, a->model_name);
  csv = pl_attribution_to_csv (at);
  return pl_analysis_write_data (path, json, csv, error);
}

/* ---- accessors ---- */

void
pl_attribution_view_set_document (PlAttributionView *self,
                                  PlDocument        *doc)
{
  pl_analysis_runner_set_document (&self->runner, doc);
}

void
pl_attribution_view_set_model (PlAttributionView *self,
                               PlLoadedModel     *model)
{
  pl_analysis_runner_set_model (&self->runner, model);
}

const PlAttribution *
pl_attribution_view_get_attribution (PlAttributionView *self)
{
  return export_attribution (self, NULL);
}

gboolean
pl_attribution_view_is_busy (PlAttributionView *self)
{
  return pl_analysis_runner_is_busy (&self->runner);
}

const char *
pl_attribution_view_get_status (PlAttributionView *self)
{
  return pl_analysis_status_text (self->content_stack, self->status_page);
}

const char *
pl_attribution_view_get_summary (PlAttributionView *self)
{
  return gtk_label_get_text (self->summary_label);
}

const char *
pl_attribution_view_get_hover_text (PlAttributionView *self)
{
  return gtk_label_get_text (self->hover_label);
}

GtkToggleButton *
pl_attribution_view_get_side_button (PlAttributionView *self,
                                     PlSide             side)
{
  return side == PL_SIDE_CLEAN ? self->clean_button : self->corrupted_button;
}

GtkWidget *
pl_attribution_view_get_figure_area (PlAttributionView *self)
{
  return GTK_WIDGET (self->figure_area);
}

/* ---- life ---- */

static void
pl_attribution_view_dispose (GObject *object)
{
  PlAttributionView *self = PL_ATTRIBUTION_VIEW (object);

  pl_analysis_runner_clear (&self->runner);
  g_clear_pointer (&self->fig, pl_attribution_figure_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_ATTRIBUTION_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_attribution_view_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlAttributionView, name)

static void
pl_attribution_view_class_init (PlAttributionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_attribution_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
      "/org/patchlens/Patchlens/pl-attribution-view.ui");
  BIND (clean_button); BIND (corrupted_button); BIND (spinner); BIND (content_stack);
  BIND (status_page); BIND (figure_scroll); BIND (figure_area); BIND (stale_box); BIND (summary_label);
  BIND (hover_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_attribution_view_init (PlAttributionView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->font_scale = 1.0;
  self->sel_layer = self->sel_head = -1;
  self->hover_layer = self->hover_head = -1;
  self->pointer_x = self->pointer_y = -1;
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->figure_area), key);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->figure_area), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self->figure_scroll), GTK_EVENT_CONTROLLER (drag));
  pl_analysis_runner_init (&self->runner, PL_ANALYSIS_ATTRIBUTION, GTK_WIDGET (self),
                           update);
  gtk_drawing_area_set_draw_func (self->figure_area, draw_figure, self, NULL);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->figure_area), motion);
  g_signal_connect_swapped (self->corrupted_button, "toggled", G_CALLBACK (update), self);
  update (GTK_WIDGET (self));
}
