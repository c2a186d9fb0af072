/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-safetensors-private.h: what pl-safetensors.c (framing, JSON structure, tensor
 * entries, data layout) uses from pl-safetensors-scan.c (the header's lexical check).
 * Not for use outside those files.
 */
#pragma once

#include "pl-safetensors.h"

G_BEGIN_DECLS

/* Checks the n bytes of header text h lexically before json-glib sees them: valid
 * UTF-8, an object first, only JSON outside strings, no raw control characters or
 * escapes that json-glib would turn into invalid text, numbers of at most 18 digits,
 * at most 3 levels of nesting, nothing but whitespace after the object. Errors are
 * PL_ERROR_FORMAT "<file>: ..." naming the byte at fault. */
gboolean pl_safetensors_scan_header (const char  *h,
                                     gsize        n,
                                     const char  *file,
                                     GError     **error);

G_END_DECLS
