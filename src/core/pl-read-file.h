/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-read-file.h: reading a small file whole, safely, for config.json, vocab.json,
 * merges.txt and experiment files.
 *
 *   char *text; gsize len;
 *   if (!pl_read_file_bounded (path, 16 << 20, "a config file", &text, &len, &error)) ...
 *
 * Only a regular file (symlinks followed) is read: a FIFO would block for ever and
 * /dev/zero never ends. The limit is enforced while reading (a file that grows is cut
 * off), not after. Errors: PL_ERROR_IO (cannot open, not a regular file),
 * PL_ERROR_FORMAT (over the limit); both name the file and what it was meant to be.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* contents is NUL-terminated (not counted in length); free with g_free. what names the
 * file's role in messages ("a config file"). */
gboolean pl_read_file_bounded (const char  *path,
                               gsize        max_bytes,
                               const char  *what,
                               char       **contents,
                               gsize       *length,
                               GError     **error);

/* "a folder", "a FIFO (named pipe)", "a character device"...: what a path that is not a
 * regular file is, for messages. */
const char *pl_file_kind        (mode_t       mode);

G_END_DECLS
