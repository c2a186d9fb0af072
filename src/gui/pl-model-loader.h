/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-loader.h: a loaded model shared between the window and its worker threads,
 * and loading one off the main thread.
 *
 *   pl_model_loader_load_async ("gpt2", cancellable, on_loaded, self);
 *   ...
 *   PlLoadedModel *lm = pl_model_loader_load_finish (result, &error);
 *   PlModel *model = pl_loaded_model_get (lm);
 *
 * PlModel itself is not reference counted; a sweep or a top-k task may still be using
 * a model when the user loads another one, so every user holds a PlLoadedModel ref and
 * the model is freed with the last one.
 */
#pragma once

#include <gio/gio.h>

#include "pl-model.h"

G_BEGIN_DECLS

typedef struct _PlLoadedModel PlLoadedModel;

PlLoadedModel *pl_loaded_model_new   (PlModel       *model);   /* takes ownership */
PlLoadedModel *pl_loaded_model_ref   (PlLoadedModel *lm);
void           pl_loaded_model_unref (PlLoadedModel *lm);
PlModel       *pl_loaded_model_get   (PlLoadedModel *lm);

/* name_or_dir is a folder or a known name ("gpt2") resolved with pl_model_store_resolve. */
void           pl_model_loader_load_async  (const char          *name_or_dir,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
PlLoadedModel *pl_model_loader_load_finish (GAsyncResult        *result,
                                            GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlLoadedModel, pl_loaded_model_unref)

G_END_DECLS
