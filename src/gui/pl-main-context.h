/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-main-context.h: handing work from a worker thread to the main loop.
 *
 *   pl_run_on_context (self->context, "pl-sweep-job", emit_progress,
 *                      g_object_ref (self), g_object_unref);
 *
 * Always through a source, never g_main_context_invoke: that calls func at once, on the
 * worker, whenever the worker manages to acquire a context the main thread is not
 * iterating at that moment (the default context between two iterations). A signal
 * emitted that way reaches the window on the wrong thread, possibly while it is being
 * disposed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pl_run_on_context (GMainContext   *context,
                        const char     *name,
                        GSourceFunc     func,
                        gpointer        data,
                        GDestroyNotify  notify);

G_END_DECLS
