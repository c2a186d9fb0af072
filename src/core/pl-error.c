/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pl-error.h"

G_DEFINE_QUARK (patchlens-error-quark, pl_error)

void
pl_set_file_error (GError    **error,
                   PlError     code,
                   const char *file,
                   const char *format,
                   ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PL_ERROR, code, "%s: %s", file, message);
}
