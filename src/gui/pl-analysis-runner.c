/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-runner.c: the debounced, cancellable recomputation of a view's analysis.
 */
#include "config.h"

#include "pl-analysis-runner.h"

#define ANALYSIS_DEBOUNCE_MS 300

static void schedule (PlAnalysisRunner *r, guint delay_ms);

void
pl_analysis_runner_init (PlAnalysisRunner *r,
                         PlAnalysisKind    kind,
                         GtkWidget        *view,
                         void            (*update) (GtkWidget *view))
{
  memset (r, 0, sizeof *r);
  r->kind = kind;
  r->view = view;
  r->update = update;
}

static void
stop (PlAnalysisRunner *r)
{
  g_clear_handle_id (&r->timeout, g_source_remove);
  if (r->cancellable != NULL)
    g_cancellable_cancel (r->cancellable);
  g_clear_object (&r->cancellable);
}

void
pl_analysis_runner_clear (PlAnalysisRunner *r)
{
  stop (r);
  if (r->doc != NULL)
    g_signal_handlers_disconnect_by_data (r->doc, r);
  if (r->view != NULL)
    g_signal_handlers_disconnect_by_data (r->view, r);
  g_clear_object (&r->doc);
  g_clear_pointer (&r->model, pl_loaded_model_unref);
  g_clear_pointer (&r->shown, pl_analysis_free);
}

gboolean
pl_analysis_runner_is_busy (PlAnalysisRunner *r)
{
  return r->timeout != 0 || r->cancellable != NULL;
}

gboolean
pl_analysis_runner_is_current (PlAnalysisRunner *r)
{
  return r->doc != NULL && pl_analysis_matches (r->shown, r->model, r->doc);
}

static void
on_done (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PlAnalysis *a = pl_analysis_run_finish (res, &error);
  PlAnalysisRunner *r = user_data;

  if (a == NULL)   /* cancelled: r may be gone (a cancelled run only ends this way) */
    return;
  g_clear_object (&r->cancellable);
  g_clear_pointer (&r->shown, pl_analysis_free);
  r->shown = a;
  r->serial++;
  /* The texts changed while it ran: the debounce pending starts the next run (and
   * cancels nothing, this one has ended); with none pending, start it now. */
  if (!pl_analysis_runner_is_current (r) && r->timeout == 0)
    schedule (r, 0);
  r->update (r->view);
}

static gboolean
start (gpointer data)
{
  PlAnalysisRunner *r = data;

  r->timeout = 0;
  if (r->model == NULL || r->doc == NULL || pl_analysis_runner_is_current (r) ||
      !gtk_widget_get_mapped (r->view))
    {
      r->update (r->view);   /* no longer busy */
      return G_SOURCE_REMOVE;
    }
  stop (r);
  r->cancellable = g_cancellable_new ();
  pl_analysis_run_async (pl_analysis_new (r->kind, r->model, r->doc), r->cancellable,
                         on_done, r);
  return G_SOURCE_REMOVE;
}

static void
schedule (PlAnalysisRunner *r,
          guint             delay_ms)
{
  g_clear_handle_id (&r->timeout, g_source_remove);
  if (r->model == NULL || r->doc == NULL)
    return;
  r->timeout = g_timeout_add (delay_ms, start, r);
}

/* The texts or the model changed: what is shown is stale now; recompute once the user
 * pauses, if the view is on screen (otherwise when it is mapped). */
static void
invalidate (PlAnalysisRunner *r)
{
  if (gtk_widget_get_mapped (r->view))
    schedule (r, ANALYSIS_DEBOUNCE_MS);
  r->update (r->view);
}

static void
on_mapped (PlAnalysisRunner *r)
{
  if (!pl_analysis_runner_is_current (r))
    {
      schedule (r, 0);
      r->update (r->view);
    }
}

void
pl_analysis_runner_set_document (PlAnalysisRunner *r,
                                 PlDocument       *doc)
{
  static const char *signals[] = { "notify::clean", "notify::corrupted",
                                   "notify::clean-answer", "notify::corrupted-answer" };

  if (r->doc != NULL)
    g_signal_handlers_disconnect_by_data (r->doc, r);
  g_set_object (&r->doc, doc);
  for (guint i = 0; doc != NULL && i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_swapped (doc, signals[i], G_CALLBACK (invalidate), r);
  g_signal_handlers_disconnect_by_data (r->view, r);
  g_signal_connect_swapped (r->view, "map", G_CALLBACK (on_mapped), r);
  invalidate (r);
}

void
pl_analysis_runner_set_model (PlAnalysisRunner *r,
                              PlLoadedModel    *model)
{
  if (model == r->model)
    return;
  g_clear_pointer (&r->model, pl_loaded_model_unref);
  r->model = model ? pl_loaded_model_ref (model) : NULL;
  if (model == NULL)
    stop (r);
  invalidate (r);
}
