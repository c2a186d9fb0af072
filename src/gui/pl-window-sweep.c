/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-sweep.c: the sweep and its result: starting it on a worker, the live
 * heatmap and progress bar (cells done / total, time left), cancelling, showing a
 * finished or opened result, and the heatmap's hover line and clicked cell (whose
 * patched run's top-k is computed on a worker).
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* ---- the heatmap's contents ---- */

static void
set_grid (PlWindow           *self,
          int                 n_rows,
          int                 n_cols,
          const char * const *labels)
{
  g_free (self->matrix);
  g_strfreev (self->col_labels);
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->matrix = g_new (float, (gsize) MAX (n_rows * n_cols, 1));
  for (int i = 0; i < n_rows * n_cols; i++)
    self->matrix[i] = NAN;
  self->col_labels = g_strdupv ((char **) labels);
  self->sel_layer = self->sel_pos = -1;
}

static void
set_hover_hint (PlWindow *self)
{
  gtk_label_set_text (self->hover_label, self->n_rows > 0
                      ? _("Hover a cell for its value; click it for the patched run's predictions.")
                      : "");
}

/* Shows a finished sweep; takes the sr ref (NULL clears). */
static void
set_shared_result (PlWindow       *self,
                   PlSharedResult *sr)
{
  PlSweepResult *result = sr ? pl_shared_result_get (sr) : NULL;
  PlHeatmap *hm;

  g_clear_pointer (&self->result, pl_shared_result_unref);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);
  if (result == NULL)
    {
      set_grid (self, 0, 0, NULL);
      pl_heatmap_view_set_heatmap (self->heatmap_view, NULL);
      pl_window_show_center_page (self);
      pl_window_update_actions (self);
      return;
    }
  self->result = sr;
  set_grid (self, result->n_layers, result->n_positions,
            (const char * const *) result->inputs->clean.pieces);
  memcpy (self->matrix, result->matrix,
          (gsize) result->n_layers * result->n_positions * sizeof (float));
  hm = pl_heatmap_new_from_result (result);
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Position (token)"));
  pl_heatmap_view_set_heatmap (self->heatmap_view, hm);
  pl_topk_table_set_topk (self->clean_table, result->clean_topk);
  pl_topk_table_set_topk (self->corrupted_table, result->corrupted_topk);
  pl_topk_table_set_topk (self->cell_table, NULL);
  set_hover_hint (self);
  pl_window_show_center_page (self);
  pl_window_update_suggestions (self);
  pl_window_update_actions (self);
}

void
pl_window_set_result (PlWindow      *self,
                      PlSweepResult *result)
{
  set_shared_result (self, result ? pl_shared_result_new (result) : NULL);
}

PlSweepResult *
pl_window_get_result (PlWindow *self)
{
  return self->result ? pl_shared_result_get (self->result) : NULL;
}

/* ---- the sweep ---- */

void
pl_window_end_job (PlWindow *self)
{
  if (self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      pl_sweep_job_cancel (self->job);
      g_clear_object (&self->job);
    }
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  pl_window_update_actions (self);
}

static char *
describe_time_left (double seconds)
{
  if (seconds < 1)
    return g_strdup (_("less than a second left"));
  if (seconds < 90)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (int) seconds),
                            (int) seconds);
  return g_strdup_printf (ngettext ("%d minute left", "%d minutes left",
                                    (int) (seconds / 60 + 0.5)),
                          (int) (seconds / 60 + 0.5));
}

static void
on_job_progress (PlSweepJob *job,
                 PlWindow   *self)
{
  int done, total;
  double elapsed;
  const float *m = pl_sweep_job_get_matrix (job, &done, &total, &elapsed);
  g_autofree char *text = NULL, *left = NULL;

  if (m == NULL || total <= 0)
    return;
  memcpy (self->matrix, m, (gsize) self->n_rows * self->n_cols * sizeof (float));
  pl_heatmap_view_update_values (self->heatmap_view, m);
  gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
  left = done > 0 ? describe_time_left (elapsed * (total - done) / done) : g_strdup ("");
  /* Translators: sweep progress: cells done / total, then the time left */
  text = g_strdup_printf (_("%d / %d cells · %s"), done, total, left);
  gtk_label_set_text (self->progress_label, text);
}

static void
on_job_finished (PlSweepJob *job,
                 PlWindow   *self)
{
  PlSharedResult *sr = pl_sweep_job_get_result (job);
  g_autoptr(GError) error = pl_sweep_job_get_error (job)
                            ? g_error_copy (pl_sweep_job_get_error (job)) : NULL;
  g_autoptr(PlLoadedModel) model = pl_sweep_job_get_model (job);
  g_autofree char *msg = NULL;

  sr = sr ? pl_shared_result_ref (sr) : NULL;   /* outlives the job, dropped below */
  pl_window_end_job (self);
  if (sr == NULL)
    {
      pl_window_show_error (self, _("The Sweep Failed"), error);
      return;
    }
  msg = g_strdup_printf (_("Sweep finished in %.1f s"), pl_shared_result_get (sr)->seconds);
  set_shared_result (self, sr);
  self->result_model = g_steal_pointer (&model);
  pl_window_toast (self, msg);
}

/* An empty heatmap of the sweep about to run (n_layer, n_tokens), filled as cells
 * arrive; titled like the finished figure (pl_heatmap_new_from_result). */
static PlHeatmap *
live_heatmap (PlWindow             *self,
              const PlSweepOptions *opt)
{
  PlHeatmap *hm = pl_heatmap_new (self->n_rows, self->n_cols);
  g_autofree char *label = pl_metric_describe (opt->metric, self->inputs->clean_answer,
                                               self->inputs->corrupted_answer);
  g_autofree char *title = g_strdup_printf (_("Activation patching · %s · %s"),
      pl_site_to_string (opt->site), pl_model_name (pl_loaded_model_get (self->model)));

  for (int c = 0; c < self->n_cols; c++)
    pl_heatmap_set_col_label (hm, c, self->col_labels[c]);
  pl_heatmap_set_value_label (hm, label);
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Position (token)"));
  pl_heatmap_set_title (hm, title);
  return hm;
}

gboolean
pl_window_run (PlWindow *self)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  const PlConfig *cfg;

  if (self->model == NULL || self->inputs == NULL)
    return FALSE;
  pl_window_end_job (self);
  pl_window_set_result (self, NULL);
  cfg = pl_model_config (pl_loaded_model_get (self->model));
  opt.site = pl_window_get_site (self);
  opt.metric = pl_window_get_metric (self);
  opt.top_k = gtk_spin_button_get_value_as_int (self->topk_spin);

  set_grid (self, cfg->n_layer, self->inputs->clean.n_tokens,
            (const char * const *) self->inputs->clean.pieces);
  pl_heatmap_view_set_heatmap (self->heatmap_view, live_heatmap (self, &opt));
  set_hover_hint (self);
  pl_window_show_center_page (self);

  self->job = pl_sweep_job_new (self->model, self->inputs, &opt);
  g_signal_connect (self->job, "progress", G_CALLBACK (on_job_progress), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (on_job_finished), self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Starting…"));
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), TRUE);
  pl_sweep_job_start (self->job);
  pl_window_update_actions (self);
  return TRUE;
}

void
pl_window_cancel (PlWindow *self)
{
  if (self->job == NULL)
    return;
  pl_window_end_job (self);
  pl_window_toast (self, _("Sweep cancelled"));
}

gboolean
pl_window_is_busy (PlWindow *self)
{
  return self->model_loading || self->job != NULL;
}

/* ---- hover and click on the heatmap ---- */

static void
on_cell_hovered (PlHeatmapView *view,
                 int            row,
                 int            col,
                 PlWindow      *self)
{
  g_autofree char *text = NULL, *token = NULL;
  float v;

  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    {
      set_hover_hint (self);
      return;
    }
  token = pl_token_display (self->col_labels && self->col_labels[col] ? self->col_labels[col] : "");
  v = self->matrix[row * self->n_cols + col];
  if (isnan (v))
    /* Translators: hover line: layer, position, token; the value is not computed yet */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · not computed yet"), row, col, token);
  else
    /* Translators: hover line: layer, position, token, metric name, value */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · %s = %.4f"), row, col, token,
                            pl_metric_to_string (pl_window_get_metric (self)), v);
  gtk_label_set_text (self->hover_label, text);
}

typedef struct {
  PlLoadedModel  *model;
  PlSharedResult *result;
  int             layer, pos, k;
} CellData;

static void
cell_data_free (gpointer data)
{
  CellData *d = data;

  pl_loaded_model_unref (d->model);
  pl_shared_result_unref (d->result);
  g_free (d);
}

static void
cell_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CellData *d = task_data;
  PlTopK *top = pl_sweep_cell_topk (pl_loaded_model_get (d->model),
                                    pl_shared_result_get (d->result), d->layer, d->pos, d->k);

  if (top == NULL)
    g_task_return_new_error (task, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                             _("No predictions for layer %d, position %d."), d->layer, d->pos);
  else
    g_task_return_pointer (task, top, (GDestroyNotify) pl_topk_free);
}

static void
on_cell_topk_done (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTopK) top = g_task_propagate_pointer (G_TASK (res), &error);
  PlWindow *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  pl_topk_table_set_topk (self->cell_table, top);
  if (top == NULL)
    pl_topk_table_set_placeholder (self->cell_table, error->message);
}

void
pl_window_select_cell (PlWindow *self,
                       int       layer,
                       int       pos)
{
  PlSweepResult *r = pl_window_get_result (self);
  g_autoptr(GTask) task = NULL;
  g_autofree char *caption = NULL, *token = NULL;
  CellData *d;

  if (layer < 0 || pos < 0 || layer >= self->n_rows || pos >= self->n_cols)
    return;
  self->sel_layer = layer;
  self->sel_pos = pos;
  token = pl_token_display (self->col_labels[pos] ? self->col_labels[pos] : "");
  caption = g_strdup_printf (_("Next tokens of the corrupted run with layer %d at position %d (“%s”) patched from the clean run"),
                             layer, pos, token);
  pl_topk_table_set_caption (self->cell_table, caption);
  pl_topk_table_set_topk (self->cell_table, NULL);
  gtk_stack_set_visible_child_name (self->topk_stack, "cell");
  if (r == NULL || r->final_hidden == NULL || self->result_model == NULL)
    {
      pl_topk_table_set_placeholder (self->cell_table, r == NULL
          ? _("The sweep is still running; click the cell again when it is done.")
          : _("This result was opened from a file; run the sweep again to see a cell's predictions."));
      return;
    }
  pl_topk_table_set_placeholder (self->cell_table, _("Computing…"));
  g_cancellable_cancel (self->cell_cancellable);
  g_clear_object (&self->cell_cancellable);
  self->cell_cancellable = g_cancellable_new ();
  d = g_new0 (CellData, 1);
  d->model = pl_loaded_model_ref (self->result_model);
  d->result = pl_shared_result_ref (self->result);
  d->layer = layer;
  d->pos = pos;
  d->k = gtk_spin_button_get_value_as_int (self->topk_spin);
  task = g_task_new (NULL, self->cell_cancellable, on_cell_topk_done, self);
  g_task_set_task_data (task, d, cell_data_free);
  g_task_run_in_thread (task, cell_thread);
}

static void
on_cell_activated (PlHeatmapView *view,
                   int            row,
                   int            col,
                   PlWindow      *self)
{
  pl_window_select_cell (self, row, col);
}

/* Called once from pl_window_init. */
void
pl_window_connect_heatmap (PlWindow *self)
{
  g_signal_connect (self->heatmap_view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
  g_signal_connect (self->heatmap_view, "cell-activated", G_CALLBACK (on_cell_activated), self);
}
