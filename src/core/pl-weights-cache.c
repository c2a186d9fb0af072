/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-weights-cache.c: the aligned copy of a model's F32 weights (see the header).
 *
 * Sections: where and under which name; opening a copy and checking it matches the
 * source; making one (layout, header, copying the bytes, publishing it); eviction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pl-read-file.h"
#include "pl-weights-cache.h"

#define VERSION "1"
#define ALIGN 64
#define MIN_FREE ((guint64) 1 << 30)
#define COPY_CHUNK ((gsize) 4 << 20)

/* ---- where ---- */

char *
pl_weights_cache_dir (void)
{
  const char *xdg = g_getenv ("XDG_CACHE_HOME");
  const char *home = g_getenv ("HOME");

  if (xdg != NULL && xdg[0] == '/')
    return g_build_filename (xdg, "patchlens", "weights", NULL);
  return g_build_filename (home != NULL && home[0] != '\0' ? home : g_get_home_dir (),
                           ".cache", "patchlens", "weights", NULL);
}

static gboolean
enabled (void)
{
  const char *v = g_getenv ("PATCHLENS_WEIGHTS_CACHE");

  return v == NULL || (strcmp (v, "0") != 0 && g_ascii_strcasecmp (v, "off") != 0);
}

/* One name per source file, whatever symlinks lead to it (the Hugging Face cache's
 * snapshots link to one blob). */
static char *
cache_path (const char *dir, const char *source_path)
{
  char real[PATH_MAX];
  g_autofree char *hash = NULL, *name = NULL;

  if (realpath (source_path, real) == NULL)
    return NULL;
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, real, -1);
  name = g_strdup_printf ("%.32s.safetensors", hash);
  return g_build_filename (dir, name, NULL);
}

/* What must not have changed in a file: the source, for the copy to be its copy; the
 * copy, for it to be as we wrote it (held in a file beside it, PATH.id). */
static char *
identity (const struct stat *st)
{
  return g_strdup_printf ("%ju %ju %jd %jd.%09ld %jd.%09ld", (uintmax_t) st->st_dev,
                          (uintmax_t) st->st_ino, (intmax_t) st->st_size,
                          (intmax_t) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                          (intmax_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* File times tick coarsely: every few ms on ext4, every 2 s on FAT. A source written
 * again within the tick of the version copied would keep its identity. One whose change
 * time is older than the coarsest tick cannot: any later write gets a later time. A
 * source younger than that is read as usual this time. */
#define SETTLE_SECONDS 3

static gboolean
settled (PlTensorFile *source)
{
  const struct stat *st = pl_tensor_file_stat (source);
  gint64 now = g_get_real_time ();
  gint64 ctime_us = (gint64) st->st_ctim.tv_sec * G_USEC_PER_SEC + st->st_ctim.tv_nsec / 1000;

  return now - ctime_us >= SETTLE_SECONDS * G_USEC_PER_SEC;
}

/* ---- opening ---- */

static gboolean
same_tensor (PlSafetensors *h, const PlTensorInfo *want)
{
  const PlTensorInfo *t = pl_safetensors_find (h, want->name);

  if (t == NULL || t->dtype != PL_DTYPE_F32 || t->n_dims != want->n_dims
      || t->n_elements != want->n_elements
      || (pl_safetensors_data_offset (h) + t->begin) % ALIGN != 0)
    return FALSE;
  return memcmp (t->shape, want->shape, sizeof (gint64) * t->n_dims) == 0;
}

static char *
id_path (const char *path)
{
  return g_strconcat (path, ".id", NULL);
}

/* The copy at path when it is as we wrote it, of this source, with every tensor wanted. */
static PlTensorFile *
open_copy (const char *path, const char *ident, const PlTensorRead *reads, int n)
{
  g_autoptr(PlTensorFile) f = pl_tensor_file_open (path, NULL);
  g_autofree char *idp = id_path (path), *written = NULL, *now = NULL;
  gsize len;
  PlSafetensors *h;

  /* Bounded, regular files only: a FIFO put there must not block the load. */
  if (f == NULL || !pl_read_file_bounded (idp, 256, "an identity file", &written, &len, NULL))
    return NULL;
  now = identity (pl_tensor_file_stat (f));
  if (strcmp (now, written) != 0)
    return NULL;   /* written, truncated or replaced since we made it */
  h = pl_tensor_file_header (f);
  if (g_strcmp0 (pl_safetensors_metadata (h, "patchlens_cache_version"), VERSION) != 0
      || g_strcmp0 (pl_safetensors_metadata (h, "patchlens_source_identity"), ident) != 0)
    return NULL;
  for (int i = 0; i < n; i++)
    if (!same_tensor (h, reads[i].info))
      return NULL;
  if (pl_tensor_file_map (f, NULL) == NULL)
    return NULL;
  return g_steal_pointer (&f);
}

/* ---- making one ---- */

/* The copy's header: the tensors at 64-byte boundaries, in the order given; data_size
 * receives the data section's length. Padded with spaces (which safetensors allows) so
 * that the data starts on a 64-byte boundary too. */
static GBytes *
make_header (const PlTensorRead *reads, int n, const char *source, const char *ident,
             guint64 *begins, guint64 *data_size)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  guint64 at = 0, len, padded;
  GString *out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "pt");
  json_builder_set_member_name (b, "patchlens_cache_version");
  json_builder_add_string_value (b, VERSION);
  json_builder_set_member_name (b, "patchlens_source");
  json_builder_add_string_value (b, source);
  json_builder_set_member_name (b, "patchlens_source_identity");
  json_builder_add_string_value (b, ident);
  json_builder_end_object (b);
  for (int i = 0; i < n; i++)
    {
      const PlTensorInfo *t = reads[i].info;

      begins[i] = at;
      json_builder_set_member_name (b, t->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < t->n_dims; d++)
        json_builder_add_int_value (b, t->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) at);
      json_builder_add_int_value (b, (gint64) (at + t->end - t->begin));
      json_builder_end_array (b);
      json_builder_end_object (b);
      at = (at + t->end - t->begin + ALIGN - 1) / ALIGN * ALIGN;
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  len = strlen (json);
  padded = (8 + len + ALIGN - 1) / ALIGN * ALIGN - 8;
  out = g_string_sized_new (8 + padded);
  for (int k = 0; k < 8; k++)
    g_string_append_c (out, (char) ((padded >> (8 * k)) & 0xff));
  g_string_append_len (out, json, len);
  while (out->len < 8 + padded)
    g_string_append_c (out, ' ');
  *data_size = at;
  return g_string_free_to_bytes (out);
}

/* n bytes from in at a to out at b: in the kernel when it can, else through a buffer. */
static gboolean
copy_bytes (int in, guint64 a, int out, guint64 b, guint64 n)
{
  off_t ia = a, ob = b;
  g_autofree guint8 *buf = NULL;

  while (n > 0)
    {
      ssize_t got = copy_file_range (in, &ia, out, &ob, MIN (n, (guint64) 1 << 30), 0);

      if (got > 0)
        n -= got;
      else if (got < 0 && errno == EINTR)
        continue;
      else if (got == 0 || (errno != EXDEV && errno != ENOSYS && errno != EINVAL
                            && errno != EOPNOTSUPP))
        return FALSE;   /* the source ended early, or an I/O error */
      else
        break;
    }
  if (n > 0)
    buf = g_malloc (COPY_CHUNK);
  while (n > 0)
    {
      ssize_t got = pread (in, buf, MIN (n, COPY_CHUNK), ia), put;

      if (got <= 0)
        return FALSE;
      put = pwrite (out, buf, got, ob);
      if (put != got)
        return FALSE;
      n -= got, ia += got, ob += got;
    }
  return TRUE;
}

static gboolean
room_for (const char *dir, guint64 bytes)
{
  struct statvfs vfs;

  return statvfs (dir, &vfs) == 0
         && (guint64) vfs.f_bavail * vfs.f_frsize >= bytes + MIN_FREE;
}

/* Writes the copy into an unnamed file in dir; its descriptor, or -1. */
static int
write_copy (const char *dir, PlTensorFile *source, const char *source_path,
            const char *ident, const PlTensorRead *reads, int n)
{
  g_autofree guint64 *begins = g_new (guint64, n);
  guint64 data_size, base = pl_safetensors_data_offset (pl_tensor_file_header (source));
  g_autoptr(GBytes) head = make_header (reads, n, source_path, ident, begins, &data_size);
  gsize head_len = g_bytes_get_size (head);
  int fd;

  if (!room_for (dir, head_len + data_size))
    return -1;
  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  if (ftruncate (fd, head_len + data_size) != 0
      || pwrite (fd, g_bytes_get_data (head, NULL), head_len, 0) != (ssize_t) head_len)
    goto fail;
  for (int i = 0; i < n; i++)
    if (!copy_bytes (pl_tensor_file_fd (source), base + reads[i].info->begin, fd,
                     head_len + begins[i], reads[i].info->end - reads[i].info->begin))
      goto fail;
  /* A source written during the copy gives a mix: no copy at all then. Synced before it
   * gets a name, so a crash cannot leave a named copy full of zeros. */
  if (!pl_tensor_file_check (source) || fdatasync (fd) != 0 || fchmod (fd, 0444) != 0)
    goto fail;
  return fd;
fail:
  close (fd);
  return -1;
}

/* Gives the unnamed file fd the name path (replacing an older copy atomically), then
 * notes its identity beside it. */
static gboolean
publish (int fd, const char *path)
{
  g_autofree char *self = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *tmp = g_strdup_printf ("%s.%d.tmp", path, (int) getpid ());
  g_autofree char *idp = id_path (path), *ident = NULL;
  struct stat st;

  if (linkat (AT_FDCWD, self, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0)
    return FALSE;
  if (rename (tmp, path) != 0)
    {
      g_unlink (tmp);
      return FALSE;
    }
  /* After the rename, which may change the copy's change time. */
  if (fstat (fd, &st) != 0)
    return FALSE;
  ident = identity (&st);
  return g_file_set_contents (idp, ident, -1, NULL);
}

/* ---- eviction ---- */

typedef struct {
  char   *path;
  gint64  mtime;
} Entry;

static int
newer_first (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

/* Keeps the PL_WEIGHTS_CACHE_KEEP newest copies other than keep; a process still using
 * a removed one keeps its mapping (the inode lives on). */
static void
evict (const char *dir, const char *keep)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      Entry e = { g_build_filename (dir, name, NULL), 0 };
      GStatBuf st;

      if (!g_str_has_suffix (name, ".safetensors") || strcmp (e.path, keep) == 0
          || g_lstat (e.path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_free (e.path);
          continue;
        }
      e.mtime = st.st_mtime;
      g_array_append_val (entries, e);
    }
  g_array_sort (entries, newer_first);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);

      if (i >= PL_WEIGHTS_CACHE_KEEP)
        {
          g_autofree char *idp = id_path (e->path);

          g_unlink (e->path);
          g_unlink (idp);
        }
      g_free (e->path);
    }
}

PlTensorFile *
pl_weights_cache_open (PlTensorFile *source, const char *source_path,
                       const PlTensorRead *reads, int n)
{
  g_autofree char *dir = NULL, *path = NULL, *ident = NULL;
  PlTensorFile *copy;
  int fd;

  if (!enabled () || G_BYTE_ORDER != G_LITTLE_ENDIAN)
    return NULL;
  for (int i = 0; i < n; i++)
    if (reads[i].info->dtype != PL_DTYPE_F32)
      return NULL;   /* F16 and BF16 are converted on the way in anyway */
  dir = pl_weights_cache_dir ();
  path = cache_path (dir, source_path);
  if (path == NULL)
    return NULL;
  ident = identity (pl_tensor_file_stat (source));
  if ((copy = open_copy (path, ident, reads, n)) != NULL)
    return copy;
  if (!settled (source) || g_mkdir_with_parents (dir, 0700) != 0)
    return NULL;
  evict (dir, path);
  fd = write_copy (dir, source, source_path, ident, reads, n);
  if (fd < 0)
    return NULL;
  if (!publish (fd, path))
    {
      close (fd);
      return NULL;
    }
  close (fd);
  return open_copy (path, ident, reads, n);
}
