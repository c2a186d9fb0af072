/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-main-context.c: running a function on the main loop from a worker thread.
 */
#include "pl-main-context.h"

void
pl_run_on_context (GMainContext   *context,
                   const char     *name,
                   GSourceFunc     func,
                   gpointer        data,
                   GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);
  g_source_unref (source);
}
