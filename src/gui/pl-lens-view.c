/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens-view.c: PlLensView: the logit lens of the clean or the corrupted prompt, its
 * hover line, its states (no model, computing, updating, an input error) and exports.
 */
#include "config.h"

#include "pl-lens-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pl-analysis-io.h"
#include "pl-analysis-runner.h"
#include "pl-analysis-status.h"
#include "pl-error.h"
#include "pl-heatmap-view.h"
#include "pl-lens-figure.h"

/* Each cell holds its top token in the figure's 9 pt tick font: fitting the figure into
 * a narrow page must not draw that text below 8 px, so the view opens at this zoom and
 * the user pans (dragging, scrolling) or zooms out. */
#define READABLE_ZOOM 0.9

struct _PlLensView {
  GtkWidget         parent_instance;

  GtkToggleButton  *clean_button;
  GtkToggleButton  *corrupted_button;
  GtkDropDown      *color_dropdown;
  GtkSpinner       *spinner;
  GtkStack         *content_stack;
  AdwStatusPage    *status_page;
  PlHeatmapView    *heatmap_view;
  GtkWidget        *stale_box;
  GtkLabel         *hover_label;

  PlAnalysisRunner  runner;
  guint             drawn_serial;  /* what the heatmap shows: the runner's result, */
  PlSide            drawn_side;    /* its side and colour (serial 0: nothing) */
  PlLensColor       drawn_color;
};

G_DEFINE_FINAL_TYPE (PlLensView, pl_lens_view, GTK_TYPE_WIDGET)

static PlSide
shown_side (PlLensView *self)
{
  return gtk_toggle_button_get_active (self->corrupted_button) ? PL_SIDE_CORRUPTED
                                                               : PL_SIDE_CLEAN;
}

static PlLensColor
shown_color (PlLensView *self)
{
  return (PlLensColor) gtk_drop_down_get_selected (self->color_dropdown);
}

/* The core's figure for the chosen colour. A probability is the figure of the lens
 * with that one answer: a view of lens whose answer arrays start at it. */
static PlHeatmap *
lens_heatmap (const PlAnalysis *a,
              const PlLens     *lens,
              PlLensColor       color)
{
  PlLens one = *lens;
  gsize n = (gsize) (lens->n_layers + 1) * lens->n_positions;
  int first = color == PL_LENS_COLOR_CORRUPTED_PROB ? 1 : 0;
  const char *answers[2] = { a->answers[first], a->answers[1] };

  if (color != PL_LENS_COLOR_LOGIT_DIFF)
    {
      one.n_answers = 1;
      one.answer_ids += first;
      one.answer_logit += first * n;
      one.answer_prob += first * n;
    }
  return pl_heatmap_new_from_lens (&one, pl_analysis_tokenizer (a), a->model_name,
                                   answers);
}

/* The lens of the chosen side when one was computed, current or not. */
static const PlLens *
side_lens (PlLensView *self)
{
  PlAnalysis *a = self->runner.shown;

  return a != NULL ? a->lens[shown_side (self)] : NULL;
}

static void
show_status (PlLensView *self,
             const char *icon,
             const char *title,
             const char *description)
{
  pl_analysis_status_show (self->content_stack, self->status_page, icon, title, description);
}

static void
set_hover_hint (PlLensView *self)
{
  gtk_label_set_text (self->hover_label,
                      _("Hover a cell for its top token and the answers' logits."));
}

static void
show_figure (PlLensView *self,
             gboolean    current)
{
  const PlLens *lens = side_lens (self);

  if (self->runner.serial != self->drawn_serial || shown_side (self) != self->drawn_side
      || shown_color (self) != self->drawn_color)
    {
      pl_heatmap_view_set_heatmap (self->heatmap_view,
                                   lens_heatmap (self->runner.shown, lens,
                                                 shown_color (self)));
      self->drawn_serial = self->runner.serial;
      self->drawn_side = shown_side (self);
      self->drawn_color = shown_color (self);
      set_hover_hint (self);
    }
  if (!current)   /* no numbers of other texts under the pointer */
    set_hover_hint (self);
  gtk_widget_set_visible (self->stale_box, !current);
  gtk_widget_set_opacity (GTK_WIDGET (self->heatmap_view), current ? 1.0 : 0.45);
  gtk_stack_set_visible_child_name (self->content_stack, "figure");
}

static void
update (GtkWidget *widget)
{
  PlLensView *self = PL_LENS_VIEW (widget);
  PlAnalysis *a = self->runner.shown;
  gboolean busy = pl_analysis_runner_is_busy (&self->runner);
  gboolean current = pl_analysis_runner_is_current (&self->runner);

  gtk_spinner_set_spinning (self->spinner, busy);
  if (self->runner.model == NULL)
    show_status (self, "system-search-symbolic", _("No Model"),
                 _("Load a model to read the logit lens."));
  else if (side_lens (self) != NULL && (current || busy))
    show_figure (self, current);
  else if (a != NULL && current)
    show_status (self, "dialog-warning-symbolic", _("No Logit Lens for These Inputs"),
                 a->error[shown_side (self)] ? a->error[shown_side (self)]->message : NULL);
  else
    show_status (self, "content-loading-symbolic", _("Computing the Logit Lens…"), NULL);
}

/* ---- hover ---- */

static char *
quoted_token (PlTokenizer *tok,
              gint32       id)
{
  g_autofree char *piece = pl_tokenizer_piece (tok, id);
  g_autofree char *shown = pl_heatmap_display_token (piece ? piece : "");

  /* Translators: a token quoted in the hover line (Spanish uses «%s») */
  return g_strdup_printf (_("“%s”"), shown);
}

static char *
hover_text (PlLensView *self,
            int         row,
            int         col)
{
  PlAnalysis *a = self->runner.shown;
  const PlLens *lens = side_lens (self);
  PlTokenizer *tok = pl_analysis_tokenizer (a);
  gsize i = (gsize) row * lens->n_positions + col;
  g_autofree char *where = row == lens->n_layers ? g_strdup (_("Output"))
    /* Translators: a row of the logit lens: the residual stream entering block N */
    : g_strdup_printf (_("Entering layer %d"), row);
  g_autofree char *at = quoted_token (tok, lens->ids[col]);
  g_autofree char *top = quoted_token (tok, lens->top_id[i]);
  GString *s = g_string_new (NULL);
  double diff;

  /* Translators: hover line: row, position, token at it, top token, its probability */
  g_string_printf (s, _("%s, position %d %s: top %s p = %.4f"), where, col, at, top,
                   lens->top_prob[i]);
  for (int k = 0; k < lens->n_answers; k++)
    {
      gsize j = pl_lens_answer_index (lens, k, row, col);
      g_autofree char *ans = quoted_token (tok, lens->answer_ids[k]);

      /* Translators: hover line: an answer, its logit and its probability */
      g_string_append_printf (s, _(" · %s logit %.3f p = %.3g"), ans,
                              (double) lens->answer_logit[j], lens->answer_prob[j]);
    }
  diff = (double) lens->answer_logit[pl_lens_answer_index (lens, 1, row, col)]
         - lens->answer_logit[pl_lens_answer_index (lens, 0, row, col)];
  /* Translators: hover line: logit(corrupted answer) − logit(clean answer) in the cell */
  g_string_append_printf (s, _(" · difference %+.3f"), diff);
  return g_string_free (s, FALSE);
}

static void
on_cell_hovered (PlHeatmapView *view,
                 int            row,
                 int            col,
                 PlLensView    *self)
{
  g_autofree char *text = NULL;

  if (row < 0 || pl_lens_view_get_lens (self) == NULL)   /* none, or stale */
    return;
  text = hover_text (self, row, col);
  gtk_label_set_text (self->hover_label, text);
}

/* ---- the exports ---- */

/* The lens shown, or an error saying why there is none to export. */
static const PlLens *
export_lens (PlLensView *self,
             GError    **error)
{
  if (pl_analysis_runner_is_current (&self->runner) && side_lens (self) != NULL)
    return side_lens (self);
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       _("There is no logit lens of the current prompts to export yet."));
  return NULL;
}

gboolean
pl_lens_view_export_figure (PlLensView *self,
                            const char *path,
                            double      scale,
                            GError    **error)
{
  const PlLens *lens = export_lens (self, error);
  g_autoptr(PlHeatmap) hm = NULL;
  PlFigureFormat format;

  if (lens == NULL || !pl_analysis_figure_format (path, &format, error))
    return FALSE;
  hm = lens_heatmap (self->runner.shown, lens, shown_color (self));   /* export colours */
  return pl_heatmap_export (hm, format, path, scale, error);
}

gboolean
pl_lens_view_export_data (PlLensView *self,
                          const char *path,
                          GError    **error)
{
  const PlLens *lens = export_lens (self, error);
  PlAnalysis *a = self->runner.shown;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *csv = NULL;
  const PlPrompt *prompt;
  const char * const *answers;

  if (lens == NULL)
    return FALSE;
  prompt = &a->prompt[shown_side (self)];
  answers = (const char * const *) a->answers;
  json = pl_lens_to_json_node (lens, pl_analysis_tokenizer (a), a->model_name, prompt,
                               answers);
  csv = pl_lens_to_csv (lens, pl_analysis_tokenizer (a), prompt, answers);
  return pl_analysis_write_data (path, json, csv, error);
}

/* ---- accessors ---- */

void
pl_lens_view_set_document (PlLensView *self,
                           PlDocument *doc)
{
  pl_analysis_runner_set_document (&self->runner, doc);
}

void
pl_lens_view_set_model (PlLensView    *self,
                        PlLoadedModel *model)
{
  pl_analysis_runner_set_model (&self->runner, model);
}

const PlLens *
pl_lens_view_get_lens (PlLensView *self)
{
  return export_lens (self, NULL);
}

gboolean
pl_lens_view_is_busy (PlLensView *self)
{
  return pl_analysis_runner_is_busy (&self->runner);
}

const char *
pl_lens_view_get_status (PlLensView *self)
{
  return pl_analysis_status_text (self->content_stack, self->status_page);
}

const char *
pl_lens_view_get_hover_text (PlLensView *self)
{
  return gtk_label_get_text (self->hover_label);
}

GtkToggleButton *
pl_lens_view_get_side_button (PlLensView *self,
                              PlSide      side)
{
  return side == PL_SIDE_CLEAN ? self->clean_button : self->corrupted_button;
}

GtkDropDown *
pl_lens_view_get_color_dropdown (PlLensView *self)
{
  return self->color_dropdown;
}

GtkWidget *
pl_lens_view_get_heatmap_view (PlLensView *self)
{
  return GTK_WIDGET (self->heatmap_view);
}

/* ---- life ---- */

static void
pl_lens_view_dispose (GObject *object)
{
  PlLensView *self = PL_LENS_VIEW (object);

  pl_analysis_runner_clear (&self->runner);
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_LENS_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_lens_view_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlLensView, name)

static void
pl_lens_view_class_init (PlLensViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_lens_view_dispose;
  g_type_ensure (PL_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-lens-view.ui");
  BIND (clean_button); BIND (corrupted_button); BIND (color_dropdown); BIND (spinner);
  BIND (content_stack); BIND (status_page); BIND (heatmap_view); BIND (stale_box);
  BIND (hover_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_lens_view_init (PlLensView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  pl_analysis_runner_init (&self->runner, PL_ANALYSIS_LENS, GTK_WIDGET (self), update);
  g_signal_connect_swapped (self->corrupted_button, "toggled", G_CALLBACK (update), self);
  g_signal_connect_swapped (self->color_dropdown, "notify::selected", G_CALLBACK (update),
                            self);
  g_signal_connect (self->heatmap_view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
  pl_heatmap_view_set_min_fit_zoom (self->heatmap_view, READABLE_ZOOM);
  update (GTK_WIDGET (self));
}
