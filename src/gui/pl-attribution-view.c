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
#include "pl-error.h"
#include "pl-attribution-figure.h"

struct _PlAttributionView {
  GtkWidget            parent_instance;

  GtkToggleButton     *clean_button;
  GtkToggleButton     *corrupted_button;
  GtkSpinner          *spinner;
  GtkStack            *content_stack;
  AdwStatusPage       *status_page;
  GtkDrawingArea      *figure_area;
  GtkWidget           *stale_box;
  GtkLabel            *summary_label;
  GtkLabel            *hover_label;

  PlAnalysisRunner     runner;
  PlAttributionFigure *fig;            /* the figure drawn, of ... */
  guint                drawn_serial;   /* ... the runner's result and side (0: none) */
  PlSide               drawn_side;
  double               fig_x, fig_y, fig_scale;   /* where the last draw put it */
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

/* ---- drawing: the core's figure, scaled to fit and centred ---- */

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
  self->fig_scale = MIN (MIN ((width - 24) / w, (height - 24) / h), 2.0);
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
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_label_set_text (self->summary_label, "");
  gtk_stack_set_visible_child_name (self->content_stack, "status");
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
show_figure (PlAttributionView *self,
             gboolean           current)
{
  const PlAttribution *at = side_attribution (self);

  if (self->runner.serial != self->drawn_serial || shown_side (self) != self->drawn_side)
    {
      g_autofree char *summary = summary_text (self->runner.shown, at);

      g_clear_pointer (&self->fig, pl_attribution_figure_free);
      self->fig = new_figure (self->runner.shown, at);
      self->drawn_serial = self->runner.serial;
      self->drawn_side = shown_side (self);
      gtk_label_set_text (self->summary_label, summary);
      gtk_label_set_text (self->hover_label, _("Hover a head for its direct effect."));
      gtk_widget_queue_draw (GTK_WIDGET (self->figure_area));
    }
  if (!current)   /* no numbers of other texts under the pointer */
    gtk_label_set_text (self->hover_label, _("Hover a head for its direct effect."));
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
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           PlAttributionView        *self)
{
  const PlAttribution *at = pl_attribution_view_get_attribution (self);   /* NULL: stale */
  g_autofree char *text = NULL;
  int layer, head;

  if (self->fig == NULL || at == NULL || self->fig_scale <= 0 ||
      !pl_heatmap_hit_test (pl_attribution_figure_get_heatmap (self->fig),
                            (x - self->fig_x) / self->fig_scale,
                            (y - self->fig_y) / self->fig_scale, &layer, &head))
    return;
  /* Translators: hover line: layer, head, the head's direct effect on the difference */
  text = g_strdup_printf (_("Head %d.%d: %+.4f of the logit difference"), layer, head,
                          at->heads[layer * at->n_heads + head]);
  gtk_label_set_text (self->hover_label, text);
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
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "status") != 0)
    return NULL;
  return adw_status_page_get_description (self->status_page)
         ? adw_status_page_get_description (self->status_page)
         : adw_status_page_get_title (self->status_page);
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
  BIND (status_page); BIND (figure_area); BIND (stale_box); BIND (summary_label);
  BIND (hover_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_attribution_view_init (PlAttributionView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  pl_analysis_runner_init (&self->runner, PL_ANALYSIS_ATTRIBUTION, GTK_WIDGET (self),
                           update);
  gtk_drawing_area_set_draw_func (self->figure_area, draw_figure, self, NULL);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->figure_area), motion);
  g_signal_connect_swapped (self->corrupted_button, "toggled", G_CALLBACK (update), self);
  update (GTK_WIDGET (self));
}
