/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-sweep.c: the sweep and its result: starting it on a worker, the live
 * heatmap and progress bar (cells done / total, time left), cancelling, showing the
 * document's result (finished or opened) with its stale mark, and the panels' wiring:
 * inputs that change, a clicked cell.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-attention-dialog.h"

/* ---- the result ---- */

static void
update_stale (PlWindow *self)
{
  pl_heatmap_pane_set_stale (self->heatmap_pane, self->job == NULL &&
                             pl_document_is_stale (self->document));
}

/* Shows the document's result, and resets what belonged to the one before. */
void
pl_window_show_result (PlWindow *self)
{
  PlSweepResult *r = pl_document_get_result (self->document);

  if (pl_window_pairs_mode (self))
    {
      pl_window_show_set_result (self);
      return;
    }
  pl_heatmap_pane_show_set (self->heatmap_pane, NULL);   /* the Pairs mode's figure goes */
  pl_heatmap_pane_show_result (self->heatmap_pane, r);
  pl_nexttoken_pane_reset_cell (self->nexttoken_pane);
  if (r != NULL && !pl_document_is_stale (self->document))
    pl_nexttoken_pane_set_unpatched (self->nexttoken_pane, r->clean_topk, r->corrupted_topk);
  else
    pl_window_schedule_topk (self);
  update_stale (self);
  pl_window_show_center_page (self);
  pl_window_update_actions (self);
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
  pl_run_bar_stop (self->run_bar);
  pl_window_update_actions (self);
}

static void
on_job_progress (PlSweepJob *job,
                 PlWindow   *self)
{
  int done, total;
  double elapsed;
  const float *m = pl_sweep_job_get_matrix (job, &done, &total, &elapsed);
  double ends[2];

  if (m == NULL || total <= 0)
    return;
  if (pl_sweep_job_get_ends (job, &ends[0], &ends[1]))
    pl_heatmap_pane_include_range (self->heatmap_pane, ends[0], ends[1]);
  pl_heatmap_pane_update_values (self->heatmap_pane, m);
  pl_run_bar_progress (self->run_bar, done, total, elapsed);
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

  sr = sr ? pl_shared_result_ref (sr) : NULL;   /* outlives the job, given below */
  pl_window_end_job (self);
  if (sr == NULL)
    {
      pl_window_show_result (self);   /* the live figure goes; the last result returns */
      pl_window_show_error (self, _("The Sweep Failed"), error);
      return;
    }
  msg = g_strdup_printf (_("Sweep finished in %.1f s"), pl_shared_result_get (sr)->seconds);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);
  self->result_model = g_steal_pointer (&model);
  pl_document_set_result (self->document, (PlShared *) sr);   /* shows it */
  pl_window_toast (self, msg);
}

static gboolean
run_sweep (PlWindow *self)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  const PlInputs *inputs = pl_prompts_panel_get_inputs (self->prompts_panel);
  PlModel *model;

  if (pl_window_pairs_mode (self))
    return pl_window_run_set (self);
  if (self->model == NULL || self->model_loading || inputs == NULL)
    return FALSE;
  pl_window_end_job (self);
  model = pl_loaded_model_get (self->model);
  opt.site = pl_document_get_site (self->document);
  opt.metric = pl_document_get_metric (self->document);
  opt.top_k = pl_document_get_top_k (self->document);
  opt.direction = pl_document_get_direction (self->document);
  /* By position is a head granularity; a block site has one shape. */
  opt.by_position = pl_site_is_head (opt.site) && pl_document_get_by_position (self->document);

  self->job = pl_sweep_job_new (self->model, inputs, &opt);
  pl_heatmap_pane_show_live_sweep (self->heatmap_pane, pl_model_name (model), inputs, &opt,
                                   pl_model_config (model)->n_layer,
                                   pl_model_config (model)->n_head);
  pl_nexttoken_pane_reset_cell (self->nexttoken_pane);
  pl_window_show_center_page (self);
  g_signal_connect (self->job, "progress", G_CALLBACK (on_job_progress), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (on_job_finished), self);
  pl_run_bar_start (self->run_bar);
  pl_sweep_job_start (self->job);
  pl_window_update_actions (self);
  return TRUE;
}

static void
run (GSimpleAction *action, GVariant *param, gpointer data)
{
  run_sweep (data);
}

void
pl_window_cancel (PlWindow *self)
{
  if (self->job == NULL)
    return;
  pl_window_end_job (self);
  pl_window_show_result (self);   /* the last finished result, if any, comes back */
  pl_window_toast (self, _("Sweep cancelled"));
}

static void
cancel (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_cancel (data);
}

static const GActionEntry sweep_entries[] = {
  { "run", run },
  { "cancel", cancel },
};

/* ---- the panels ---- */

static void
on_cell_activated (PlHeatmapPane *pane,
                   int            layer,
                   int            pos,
                   PlWindow      *self)
{
  PlShared *result = pl_document_get_shared_result (self->document);

  if (pl_window_pairs_mode (self))
    return;   /* a set's cell opens its list of pairs in the pane */
  /* While a sweep runs the figure is the live one: its cells have no result yet. */
  pl_nexttoken_pane_show_cell (self->nexttoken_pane,
                               self->job == NULL ? self->result_model : NULL,
                               self->job == NULL ? (PlSharedResult *) result : NULL,
                               layer, pos);
}

/* A head cell opened: its attention pattern (clean, corrupted, patched) in a window of
 * its own. Block cells have no single head to show. */
static void
on_cell_opened (PlHeatmapPane *pane,
                int            row,
                int            col,
                PlWindow      *self)
{
  PlShared *shared = pl_document_get_shared_result (self->document);
  PlSweepResult *r = pl_document_get_result (self->document);
  PlLoadedModel *model = self->result_model;
  PlAttentionDialog *dialog;
  int H;

  if (self->job != NULL || r == NULL || !pl_site_is_head (r->site))
    return;
  /* A result from a file: the loaded model made it when the document says it is not
   * stale (stale covers another model). */
  if (model == NULL && !pl_document_is_stale (self->document) && !self->model_loading)
    model = self->model;
  if (model == NULL)
    {
      pl_window_toast (self, _("Load the model this result was made with to see a head's "
                               "attention pattern."));
      return;
    }
  H = MAX (r->n_heads, 1);
  dialog = r->by_position ? pl_attention_dialog_new (self, model, shared, row / H, row % H, col)
                          : pl_attention_dialog_new (self, model, shared, row, col, -1);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_inputs_changed (PlWindow *self)
{
  pl_window_schedule_topk (self);
  pl_window_update_actions (self);
}

static void
on_k_changed (PlWindow *self)
{
  pl_window_schedule_topk (self);
}

/* Called once from pl_window_init. */
void
pl_window_connect_panels (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), sweep_entries,
                                   G_N_ELEMENTS (sweep_entries), self);
  g_signal_connect (self->heatmap_pane, "cell-activated", G_CALLBACK (on_cell_activated), self);
  g_signal_connect (self->heatmap_pane, "cell-opened", G_CALLBACK (on_cell_opened), self);
  g_signal_connect_swapped (self->prompts_panel, "changed", G_CALLBACK (on_inputs_changed), self);
  g_signal_connect_swapped (self->nexttoken_pane, "notify::k", G_CALLBACK (on_k_changed), self);
  g_signal_connect_swapped (self->document, "notify::result", G_CALLBACK (pl_window_show_result),
                            self);
  g_signal_connect_swapped (self->document, "notify::stale", G_CALLBACK (update_stale), self);
}
