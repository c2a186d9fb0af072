/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-write-file.c: writing a whole file where a path points: atomically (temporary
 * file, fsync, rename) over a regular file or a symlink's target, straight into
 * devices, FIFOs and /dev/fd/N.
 */
#include "config.h"

#include "pl-write-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
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
        {
          if (n == 0)
            errno = EIO;
          return FALSE;
        }
      data += n;
      length -= n;
    }
  return TRUE;
}

/* An already open file descriptor named as a path (/dev/stdout, /dev/fd/3,
 * /proc/self/fd/3): the file behind it was opened by whoever started us, so it is
 * written through that name, never replaced. */
static gboolean
is_descriptor_path (const char *path)
{
  return g_str_has_prefix (path, "/dev/fd/") || g_str_has_prefix (path, "/proc/")
         || strcmp (path, "/dev/stdout") == 0 || strcmp (path, "/dev/stderr") == 0;
}

/* Devices, FIFOs and descriptors: no temporary file is possible or wanted (a rename
 * would replace the device node, or leave a FIFO's reader waiting for ever). A regular
 * file behind a descriptor is appended to, as the shell's > or >> set it up. */
static gboolean
write_in_place (const char *path, gboolean regular, const char *data, gsize length,
                GError **error)
{
  int fd = g_open (path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (regular ? O_APPEND : 0), 0);
  int err;

  if (fd < 0)
    return io_error (error, path, errno);
  if (!write_all (fd, data, length))
    {
      err = errno;
      close (fd);
      return io_error (error, path, err);
    }
  if (close (fd) != 0 && errno != EINTR)
    return io_error (error, path, errno);
  return TRUE;
}

/* Where a symlink (or a chain of them) points, so that the rename replaces the target
 * and the link stays a link. A dangling link gives the path it would create. */
static char *
resolve_links (const char *path)
{
  g_autofree char *current = g_strdup (path);

  for (int hops = 0; hops < 40; hops++)
    {
      g_autofree char *target = g_file_read_link (current, NULL);
      g_autofree char *dir = NULL;

      if (target == NULL)
        return g_steal_pointer (&current);
      if (g_path_is_absolute (target))
        {
          g_free (current);
          current = g_steal_pointer (&target);
          continue;
        }
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_build_filename (dir, target, NULL);
    }
  return g_steal_pointer (&current);   /* a loop: the open below reports ELOOP */
}

/* A temporary file next to path (same file system, so the rename is atomic), written
 * and synced, then renamed over path. An existing file's permissions (and, where we
 * may, its owner) are kept. On any failure the temporary file is removed and the old
 * file, if any, is untouched. */
static gboolean
write_atomic (const char *path, const GStatBuf *old, const char *data, gsize length,
              GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  /* 0666: a new file gets what the umask allows, as any program's output does. */
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  int err;

  if (fd < 0)
    return io_error (error, path, errno);
  if (old != NULL)
    {
      if (fchown (fd, old->st_uid, old->st_gid) != 0)
        { /* only root may give a file away: keep ours */ }
      if (fchmod (fd, old->st_mode & 07777) != 0)
        {
          err = errno;
          close (fd);
          g_unlink (tmp);
          return io_error (error, path, err);
        }
    }
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

gboolean
pl_write_file_atomic (const char  *path,
                      const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL && (data != NULL || length == 0), FALSE);
  g_autofree char *target = NULL;
  GStatBuf st;
  gboolean exists = g_stat (path, &st) == 0;

  if (exists && S_ISDIR (st.st_mode))
    return io_error (error, path, EISDIR);
  if ((exists && !S_ISREG (st.st_mode)) || is_descriptor_path (path))
    return write_in_place (path, exists && S_ISREG (st.st_mode), data, length, error);
  target = resolve_links (path);
  return write_atomic (target, exists ? &st : NULL, data, length, error);
}

gboolean
pl_data_format_from_path (const char   *path,
                          PlDataFormat *format,
                          GError      **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  g_autofree char *base = NULL;

  if (g_str_has_suffix (lower, ".json") || g_str_has_suffix (lower, ".csv"))
    {
      *format = g_str_has_suffix (lower, ".json") ? PL_DATA_JSON : PL_DATA_CSV;
      return TRUE;
    }
  base = g_path_get_basename (path);
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
               _("“%s” does not end in .csv or .json."), base);
  return FALSE;
}
