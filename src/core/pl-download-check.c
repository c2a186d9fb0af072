/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download-check.c: what a downloaded file must be before the download counts as
 * good. A hub (or a proxy, a captive portal, a mirror) can send anything: an endless
 * body, an HTML login page with status 200, a size of an exabyte. Each file has a size
 * limit, checked against what the hub announces and while the bytes arrive; each small
 * file is parsed before it is renamed into place; the model is complete only once the
 * folder loads.
 */
#include "config.h"

#include "pl-download-private.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "pl-config.h"
#include "pl-error.h"
#include "pl-model.h"
#include "pl-read-file.h"
#include "pl-tokenizer.h"

/* GPT-2's config.json is 665 bytes, vocab.json 1.0 MB, merges.txt 456 kB, gpt2-xl's
 * model.safetensors 6.4 GB; the limits leave room and match what the loaders read. */
static const guint64 size_limits[] = {
  16 * 1024 * 1024,                 /* config.json (pl-config.c reads at most this) */
  64 * 1024 * 1024,                 /* vocab.json (pl-tokenizer-load.c's limit) */
  64 * 1024 * 1024,                 /* merges.txt */
  G_GUINT64_CONSTANT (64) << 30,    /* model.safetensors: 64 GiB */
};
G_STATIC_ASSERT (G_N_ELEMENTS (size_limits) == N_FILES);

guint64
pl_download_size_limit (int i)
{
  g_return_val_if_fail (i >= 0 && i < N_FILES, 0);
  return size_limits[i];
}

/* Free bytes on the file system that holds path or, when it does not exist yet, its
 * nearest existing parent; G_MAXUINT64 when that cannot be told. */
static guint64
free_space (const char *path)
{
  g_autofree char *dir = g_strdup (path);
  struct statvfs vfs;

  while (statvfs (dir, &vfs) != 0)
    {
      char *parent;

      if (errno != ENOENT && errno != ENOTDIR)
        return G_MAXUINT64;
      parent = g_path_get_dirname (dir);
      if (strcmp (parent, dir) == 0)
        {
          g_free (parent);
          return G_MAXUINT64;
        }
      g_free (dir);
      dir = parent;
    }
  return (guint64) vfs.f_bavail * vfs.f_frsize;
}

gboolean
pl_download_check_size (int i, const FileMeta *meta, GError **error)
{
  g_autofree char *limit = NULL;

  if (!meta->size_known || meta->size <= size_limits[i])
    return TRUE;
  limit = g_format_size (size_limits[i]);
  g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "The hub announces %" G_GUINT64_FORMAT
               " bytes for %s, more than such a file can be (at most %s): it is not a "
               "GPT-2 model file, so nothing of it was downloaded", meta->size, files[i],
               limit);
  return FALSE;
}

gboolean
pl_download_check_space (const char *dest, guint64 needed, GError **error)
{
  guint64 room = free_space (dest);
  g_autofree char *need = NULL, *have = NULL;

  if (room >= needed)
    return TRUE;
  need = g_format_size (needed);
  have = g_format_size (room);
  g_set_error (error, PL_ERROR, PL_ERROR_IO, "Not enough disk space for the model in %s: "
               "it needs %s more and %s is free. Free some space, or download elsewhere "
               "with --dest", dest, need, have);
  return FALSE;
}

/* ---- contents ---- */

static gboolean
looks_like_html (const char *data, gsize len)
{
  g_autofree char *head = g_ascii_strdown (data, MIN (len, 512));
  const char *p = head;

  while (*p != '\0' && g_ascii_isspace (*p))
    p++;
  return g_str_has_prefix (p, "<!doctype html") || g_str_has_prefix (p, "<html")
         || g_str_has_prefix (p, "<head") || g_str_has_prefix (p, "<!--");
}

/* vocab.json: one JSON object of token → id, ids whole numbers. */
static gboolean
check_vocab (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  g_autoptr(GList) members = NULL;

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "it is not JSON (%s)",
                   local != NULL ? local->message : "too large");
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || json_object_get_size (json_node_get_object (root)) < 256)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_FORMAT, "it is not a vocabulary (a "
                           "JSON object of at least the 256 byte tokens and their ids)");
      return FALSE;
    }
  members = json_object_get_values (json_node_get_object (root));
  for (GList *l = members; l != NULL; l = l->next)
    if (!JSON_NODE_HOLDS_VALUE (l->data)
        || json_node_get_value_type (l->data) != G_TYPE_INT64)
      {
        g_set_error_literal (error, PL_ERROR, PL_ERROR_FORMAT, "it is not a vocabulary: "
                             "a token's id is not a whole number");
        return FALSE;
      }
  return TRUE;
}

/* merges.txt: UTF-8 lines of two symbols separated by one space ("#version" first). */
static gboolean
check_merges (const char *data, gsize len, GError **error)
{
  const char *p = data, *end = data + len;
  int line = 0;

  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_FORMAT, "it is not UTF-8 text");
      return FALSE;
    }
  for (; p < end; line++)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl != NULL ? nl : end;
      gsize n = (gsize) (stop - p);
      const char *space = memchr (p, ' ', n);

      if (n > 0 && p[n - 1] == '\r')
        n--;
      if (!(n == 0 || (line == 0 && n >= 8 && memcmp (p, "#version", 8) == 0)
            || (space != NULL && space > p && space < p + n - 1
                && memchr (space + 1, ' ', (gsize) (p + n - space - 1)) == NULL)))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "line %d is not a merge (two "
                       "symbols separated by a space)", line + 1);
          return FALSE;
        }
      p = stop + 1;
    }
  return TRUE;
}

gboolean
pl_download_check_body (int i, const char *data, gsize len, const char *url,
                        GError **error)
{
  g_autoptr(GError) why = NULL;
  g_autofree char *reason = NULL;
  PlConfig cfg;
  gboolean ok = TRUE;

  if (i == 3)
    return TRUE;   /* the model: pl_download_check_model loads it */
  if (len > size_limits[i])
    ok = FALSE, why = g_error_new (PL_ERROR, PL_ERROR_FORMAT, "it is larger than %"
                                   G_GUINT64_FORMAT " bytes", size_limits[i]);
  else if (looks_like_html (data, len))
    ok = FALSE, why = g_error_new_literal (PL_ERROR, PL_ERROR_FORMAT, "it is a web page "
                                           "(a login or error page?), not the file");
  else if (i == 0)
    ok = pl_config_parse (&cfg, data, (gssize) len, &why);
  else if (i == 1)
    ok = check_vocab (data, len, &why);
  else
    ok = check_merges (data, len, &why);
  if (ok)
    return TRUE;
  /* json-glib quotes the bytes it choked on, and may cut a character in two. */
  reason = g_utf8_make_valid (why->message, -1);
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "The hub's %s (%s) is not a GPT-2 %s: "
               "%s. Nothing of it was kept; check the model name and HF_ENDPOINT",
               files[i], url, i == 0 ? "config" : i == 1 ? "vocabulary" : "merges file",
               reason);
  return FALSE;
}

gboolean
pl_download_check_part (int i, const char *part, const char *dest, const char *url,
                        GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *vocab = NULL;
  g_autoptr(PlTokenizer) tok = NULL;
  g_autoptr(GError) why = NULL;
  gsize len = 0;

  if (i == 3)
    return TRUE;
  if (!pl_read_file_bounded (part, size_limits[i], files[i], &data, &len, error)
      || !pl_download_check_body (i, data, len, url, error))
    return FALSE;
  if (i != 2)
    return TRUE;
  /* The merges must read with the vocabulary: the tokenizer is built once. */
  vocab = g_build_filename (dest, files[1], NULL);
  tok = pl_tokenizer_new_from_files (vocab, part, &why);
  if (tok != NULL)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "The hub's vocab.json and merges.txt "
               "(%s) do not make a tokenizer: %s. Nothing of merges.txt was kept",
               url, why->message);
  return FALSE;
}

gboolean
pl_download_check_model (const char *dest, GError **error)
{
  g_autoptr(GError) why = NULL;
  g_autoptr(PlModel) model = pl_model_load (dest, &why);

  if (model != NULL)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "The downloaded files do not make a "
               "model Patchlens can load: %s", why->message);
  return FALSE;
}
