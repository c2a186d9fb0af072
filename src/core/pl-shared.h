/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-shared.h: a reference-counted owner of one pointer, freed with the last ref.
 *
 *   PlShared *s = pl_shared_new (model, (GDestroyNotify) pl_model_free);
 *   pl_shared_ref (s);          // a worker thread keeps it alive
 *   PlModel *m = pl_shared_get (s);
 *   pl_shared_unref (s);
 *
 * The core's objects (PlModel, PlSweepResult) are plain structs; the window and its
 * worker threads share them through this box, typed by thin wrappers
 * (PlLoadedModel in pl-model-loader.h, PlSharedResult in pl-sweep-job.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlShared PlShared;

PlShared *pl_shared_new   (gpointer        data,
                           GDestroyNotify  free_func);
PlShared *pl_shared_ref   (PlShared       *shared);
void      pl_shared_unref (PlShared       *shared);
gpointer  pl_shared_get   (PlShared       *shared);

G_END_DECLS
