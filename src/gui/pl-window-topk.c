/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-topk.c: the next-token tables of the two unpatched runs, recomputed a
 * moment after the user stops typing (debounced) on a worker thread, shown in the
 * next-token pane and offered as suggested answers.
 */
#include "config.h"

#include "pl-window-private.h"

#define TOPK_DEBOUNCE_MS 250

typedef struct {
  PlLoadedModel *model;
  GArray        *ids[2];    /* clean, corrupted (gint32); NULL when that prompt is empty */
  int            k;
} TopkData;

typedef struct {
  PlTopK *top[2];
} TopkResult;

static void
topk_data_free (gpointer data)
{
  TopkData *d = data;

  pl_loaded_model_unref (d->model);
  for (int i = 0; i < 2; i++)
    g_clear_pointer (&d->ids[i], g_array_unref);
  g_free (d);
}

static void
topk_result_free (gpointer data)
{
  TopkResult *r = data;

  for (int i = 0; i < 2; i++)
    g_clear_pointer (&r->top[i], pl_topk_free);
  g_free (r);
}

static void
topk_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TopkData *d = task_data;
  TopkResult *r = g_new0 (TopkResult, 1);

  for (int i = 0; i < 2; i++)
    if (d->ids[i] != NULL && d->ids[i]->len > 0 && !g_cancellable_is_cancelled (cancellable))
      r->top[i] = pl_model_topk (pl_loaded_model_get (d->model), (gint32 *) d->ids[i]->data,
                                 (int) d->ids[i]->len, d->k, NULL);
  g_task_return_pointer (task, r, topk_result_free);
}

static void
on_topk_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TopkResult *r = g_task_propagate_pointer (G_TASK (res), &error);
  PlWindow *self = user_data;

  if (r == NULL)   /* cancelled: self may be gone */
    return;
  if (self->job == NULL)   /* a running sweep brings its own tables */
    pl_nexttoken_pane_set_unpatched (self->nexttoken_pane, r->top[0], r->top[1]);
  pl_prompts_panel_set_predictions (self->prompts_panel, r->top[0], r->top[1]);
  topk_result_free (r);
}

static GArray *
encode_text (PlWindow   *self,
             const char *text)
{
  GArray *ids;

  if (!*text)
    return NULL;
  ids = pl_tokenizer_encode (pl_window_tokenizer (self), text, -1, NULL);
  if (ids != NULL && (int) ids->len > pl_window_model_n_ctx (self))
    g_clear_pointer (&ids, g_array_unref);
  return ids;
}

static gboolean
start_topk (gpointer data)
{
  PlWindow *self = data;
  g_autoptr(GTask) task = NULL;
  TopkData *d;

  self->topk_timeout = 0;
  if (self->model == NULL)
    return G_SOURCE_REMOVE;
  g_cancellable_cancel (self->topk_cancellable);
  g_clear_object (&self->topk_cancellable);
  self->topk_cancellable = g_cancellable_new ();
  d = g_new0 (TopkData, 1);
  d->model = pl_loaded_model_ref (self->model);
  d->ids[0] = encode_text (self, pl_document_get_text (self->document, PL_TEXT_CLEAN));
  d->ids[1] = encode_text (self, pl_document_get_text (self->document, PL_TEXT_CORRUPTED));
  d->k = pl_document_get_top_k (self->document);
  task = g_task_new (NULL, self->topk_cancellable, on_topk_done, self);
  g_task_set_task_data (task, d, topk_data_free);
  g_task_run_in_thread (task, topk_thread);
  return G_SOURCE_REMOVE;
}

void
pl_window_schedule_topk (PlWindow *self)
{
  g_clear_handle_id (&self->topk_timeout, g_source_remove);
  if (self->model == NULL)
    return;
  self->topk_timeout = g_timeout_add (TOPK_DEBOUNCE_MS, start_topk, self);
}

void
pl_window_stop_topk (PlWindow *self)
{
  g_clear_handle_id (&self->topk_timeout, g_source_remove);
  if (self->topk_cancellable != NULL)
    g_cancellable_cancel (self->topk_cancellable);
  g_clear_object (&self->topk_cancellable);
}
