/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-write-file.c: the atomic file writer (temporary file, fsync, rename).
 */
#include "config.h"

#include "pl-write-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "pl-error.h"

static gboolean
io_error (GError    **error,
          const char *path,
          int         err)
{
  g_set_error (error, PL_ERROR, PL_ERROR_IO, _("Could not write “%s”: %s."),
               path, g_strerror (err));
  return FALSE;
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* A temporary file next to path (same file system, so the rename is atomic), written
 * and synced, then renamed over path. On any failure the temporary file is removed and
 * the old file, if any, is untouched. */
gboolean
pl_write_file_atomic (const char  *path,
                      const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL && (data != NULL || length == 0), FALSE);
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  int err;

  if (fd < 0)
    return io_error (error, path, errno);
  if (!write_all (fd, data, length) || fsync (fd) != 0)
    {
      err = errno;
      close (fd);
      g_unlink (tmp);
      return io_error (error, path, err);
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      err = errno;
      g_unlink (tmp);
      return io_error (error, path, err);
    }
  return TRUE;
}
