/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-loader.c: a reference-counted loaded model and its loading on a GTask thread.
 */
#include "pl-model-loader.h"

#include "pl-model-store.h"
#include "pl-shared.h"

/* PlLoadedModel is a PlShared owning a PlModel. */

PlLoadedModel *
pl_loaded_model_new (PlModel *model)
{
  return (PlLoadedModel *) pl_shared_new (model, (GDestroyNotify) pl_model_free);
}

PlLoadedModel *
pl_loaded_model_ref (PlLoadedModel *lm)
{
  return (PlLoadedModel *) pl_shared_ref ((PlShared *) lm);
}

void
pl_loaded_model_unref (PlLoadedModel *lm)
{
  pl_shared_unref ((PlShared *) lm);
}

PlModel *
pl_loaded_model_get (PlLoadedModel *lm)
{
  return pl_shared_get ((PlShared *) lm);
}

/* Runs on a worker: resolving touches the disk, loading maps the weights. */
static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *name_or_dir = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = pl_model_store_resolve (name_or_dir, &error);
  PlModel *model;

  if (dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  model = pl_model_load (dir, &error);
  if (model == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      pl_model_free (model);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return;
    }
  g_task_return_pointer (task, pl_loaded_model_new (model),
                         (GDestroyNotify) pl_loaded_model_unref);
}

void
pl_model_loader_load_async (const char          *name_or_dir,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pl_model_loader_load_async);
  g_task_set_task_data (task, g_strdup (name_or_dir), g_free);
  g_task_run_in_thread (task, load_thread);
}

PlLoadedModel *
pl_model_loader_load_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
