/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-read-file.c: a whole small file into memory, regular files only, with the size
 * limit enforced while reading (see pl-read-file.h).
 */
#include "config.h"

#include "pl-read-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl-error.h"

const char *
pl_file_kind (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a folder";
  if (S_ISFIFO (mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

static gboolean
too_large (const char *display, const char *what, guint64 size, gboolean exact,
           gsize max_bytes, GError **error)
{
  g_autofree char *limit = g_format_size (max_bytes);

  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "%s is %s%" G_GUINT64_FORMAT " bytes, "
               "too large for %s (at most %s)", display, exact ? "" : "more than ",
               size, what, limit);
  return FALSE;
}

static gboolean
read_all (int fd, const char *display, const char *what, gsize max_bytes, GString *buf,
          GError **error)
{
  gsize chunk = 64 * 1024;

  for (;;)
    {
      gssize n;

      g_string_set_size (buf, buf->len + chunk);
      n = read (fd, buf->str + buf->len - chunk, chunk);
      g_string_set_size (buf, buf->len - chunk + MAX (n, 0));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not read %s: %s", display,
                       g_strerror (e));
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (buf->len > max_bytes)
        return too_large (display, what, max_bytes, FALSE, max_bytes, error);
    }
}

gboolean
pl_read_file_bounded (const char  *path,
                      gsize        max_bytes,
                      const char  *what,
                      char       **contents,
                      gsize       *length,
                      GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GString) buf = NULL;
  struct stat st;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; cleared for the reads. */
  int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  gboolean ok;

  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not read %s: %s", display,
                   g_strerror (e));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not read %s: it is %s, not a "
                   "regular file", display, pl_file_kind (st.st_mode));
      close (fd);
      return FALSE;
    }
  if ((guint64) st.st_size > max_bytes)
    {
      close (fd);
      return too_large (display, what, (guint64) st.st_size, TRUE, max_bytes, error);
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  buf = g_string_sized_new ((gsize) st.st_size + 1);
  ok = read_all (fd, display, what, max_bytes, buf, error);
  close (fd);
  if (!ok)
    return FALSE;
  *length = buf->len;
  *contents = g_string_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}
