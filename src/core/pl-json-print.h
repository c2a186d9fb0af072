/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-json-print.h: our JSON printer and the shortest float printer behind it.
 *
 *   g_autofree char *text = pl_json_node_to_string (node, &len);
 *
 * json-glib's generator prints every double with 17 digits (0.1634f becomes
 * 0.16339999437332153), while a float needs at most 9, and NaN (a cell not computed)
 * must become null to stay JSON. pl-result-io.h includes this header.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Any JSON tree as Patchlens writes its files: pretty (arrays of plain values on one
 * line), numbers as the shortest decimal that reads back as the same float, NaN and
 * infinities as null. (json-glib's generator would print 17 digits per float.) */
char *pl_json_node_to_string (JsonNode *node,
                              gsize    *length);

/* Appends the shortest decimal that reads back as the same float as d (at most 9
 * significant digits, "%.9g" semantics), "2.0" rather than "2" so readers see a real
 * number. d must be finite: the caller decides what a NaN becomes. */
void  pl_json_append_float   (GString  *s,
                              double    d);

G_END_DECLS
