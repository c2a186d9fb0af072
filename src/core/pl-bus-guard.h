/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-bus-guard.h: file mappings that survive their file shrinking.
 *
 *   int g = pl_bus_guard_add (map, len);     // -1: no free slot, do not map in place
 *   ... read the mapping from any thread ...
 *   if (pl_bus_guard_lost (g)) ... the results are garbage: say so
 *   pl_bus_guard_remove (g);                 // before munmap
 *
 * Reading a page of a mapped file beyond its end (another program truncated it) raises
 * SIGBUS, which kills the process. A guarded range instead has its whole mapping
 * replaced by zero pages from the signal handler, the reading instruction runs again
 * on zeros, and the range is marked lost: the computation finishes on garbage, and its
 * caller, which checks pl_bus_guard_lost before trusting a number, reports an error.
 * SIGBUS at any other address goes to the handler that was installed before.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int      pl_bus_guard_add    (const void *start,
                              gsize       len);
gboolean pl_bus_guard_lost   (int         guard);
void     pl_bus_guard_remove (int         guard);

G_END_DECLS
