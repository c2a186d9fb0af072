/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-write-file.h: writing a whole file atomically, for every file Patchlens saves
 * (results, experiments, figures). pl-result-io.h includes this header.
 *
 *   if (!pl_write_file_atomic ("out.json", data, len, &error)) ...
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes data to path so that a failure never leaves a half-written file in place of
 * the old one: a regular file (or the regular file a symlink points to; the link
 * stays) is replaced through a temporary file and a rename, keeping its permissions.
 * What cannot be replaced is written straight into: a character device (/dev/null), a
 * FIFO, /dev/stdout and /dev/fd/N (an open descriptor; a regular file behind it is
 * appended to). Errors are PL_ERROR_IO naming the path. */
gboolean pl_write_file_atomic (const char  *path,
                               const char  *data,
                               gsize        length,
                               GError     **error);

/* The data formats a result is exported to. */
typedef enum { PL_DATA_JSON, PL_DATA_CSV } PlDataFormat;

/* The format path's extension names (.json or .csv, any case); FALSE with a
 * PL_ERROR_INVALID_ARGUMENT naming the file otherwise. Every "Export Data" uses it, so
 * they all accept and refuse the same names. */
gboolean pl_data_format_from_path (const char   *path,
                                   PlDataFormat *format,
                                   GError      **error);

G_END_DECLS
