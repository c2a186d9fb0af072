/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download.c: fetching a GPT-2 model from the Hugging Face hub with libsoup 3's
 * synchronous API, safely: FILE.part, HTTP Range resume, size and SHA-256 checks, and a
 * rename only once a file is known good.
 *
 * Sections: progress; the files on disk (.part, resume, verify, one attempt, retries);
 * the model as a whole. Requests, redirects and HTTP errors are in pl-download-http.c.
 */
#include "config.h"
#include "pl-download-private.h"
#include "pl-error.h"
#include "pl-model-store.h"
#include "pl-read-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_ENDPOINT  "https://huggingface.co"
#define MAX_ATTEMPTS      4          /* per file, when the connection drops midway */
#define CHUNK             (64 * 1024)
#define REPORT_INTERVAL   (G_USEC_PER_SEC / 10)   /* at most ~10 progress calls a second */

char *
pl_download_endpoint (void)
{
  const char *env = g_getenv ("HF_ENDPOINT");
  char *url = g_strdup (env != NULL && env[0] != '\0' ? env : DEFAULT_ENDPOINT);
  gsize len = strlen (url);

  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  return url;
}

/* ---- progress ---- */

static guint64
bytes_total (Download *dl)
{
  guint64 total = 0;

  for (int i = 0; i < N_FILES; i++)
    {
      if (!dl->meta[i].size_known)
        return 0;
      total += dl->meta[i].size;
    }
  return total;
}

/* Calls the progress function, at most every REPORT_INTERVAL unless the file changed
 * or force; then checks for cancellation (the callback may have cancelled). */
static gboolean
report (Download *dl, gboolean force, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  gint64 dt = now - dl->last_report_us;
  PlDownloadProgress p = { 0 };

  if (dt >= REPORT_INTERVAL)
    {
      double inst = (double) (dl->transferred - dl->last_report_transferred)
                    * G_USEC_PER_SEC / (double) dt;
      dl->rate = dl->rate > 0 ? 0.7 * dl->rate + 0.3 * inst : inst;
      dl->last_report_us = now;
      dl->last_report_transferred = dl->transferred;
    }
  else if (!force && dl->file_index == dl->last_report_file)
    return !g_cancellable_set_error_if_cancelled (dl->cancellable, error);

  dl->last_report_file = dl->file_index;
  p.file = files[dl->file_index];
  p.file_index = dl->file_index;
  p.n_files = N_FILES;
  p.bytes_done = dl->done_before + dl->file_done;
  p.bytes_total = bytes_total (dl);
  p.rate = dl->rate;
  p.seconds_left = (p.bytes_total > 0 && dl->rate > 0)
                     ? (double) (p.bytes_total - MIN (p.bytes_done, p.bytes_total)) / dl->rate
                     : -1.0;
  if (dl->progress != NULL)
    dl->progress (&p, dl->user_data);
  return !g_cancellable_set_error_if_cancelled (dl->cancellable, error);
}

/* ---- files ---- */

/* Feeds the first len bytes of path (a .part being resumed) to the checksum. */
static gboolean
hash_prefix (const char *path, guint64 len, GChecksum *sum, GError **error)
{
  g_autofree guchar *buf = g_malloc (CHUNK);
  FILE *f = g_fopen (path, "rb");

  if (f == NULL)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not read %s: %s", path,
                   g_strerror (e));
      return FALSE;
    }
  while (len > 0)
    {
      size_t n = fread (buf, 1, MIN (len, (guint64) CHUNK), f);
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
      len -= n;
    }
  fclose (f);
  if (len > 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not read %s: it shrank while "
                   "being read", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_all (int fd, const guchar *buf, gsize len, const char *path, GError **error)
{
  while (len > 0)
    {
      gssize n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          if (e == ENOSPC)
            g_set_error (error, PL_ERROR, PL_ERROR_IO, "The disk is full: could not write "
                         "%s (%s). Free some space and download again to resume.",
                         path, g_strerror (e));
          else
            g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not write %s: %s", path,
                         g_strerror (e));
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* One attempt at one file: the .part, resumed from start; a 200 to a Range request
 * means the server ignored it, and start drops to zero. */
typedef struct {
  const char *part;
  const char *url;
  int         fd;
  GChecksum  *sum;
  guint64     start;      /* the offset this attempt resumed from */
  gboolean    progressed; /* bytes arrived in this attempt */
  gboolean    unfit;      /* the server refused the Range (416): the .part must go */
  char       *if_range;   /* the ETag the .part was started from, sent with Range */
} Transfer;

/* ---- what a .part was fetched as ---- */

/* FILE.part.etag holds the strong ETag of the response a .part was started from, so a
 * later run can resume with If-Range: the server then sends the rest only if the file
 * is still the same, and the whole new file otherwise. */
static char *
validator_path (const char *part)
{
  return g_strconcat (part, ".etag", NULL);
}

static void
keep_validator (const char *part, const char *etag)
{
  g_autofree char *path = validator_path (part);

  /* A weak ETag (W/"...") promises no byte-for-byte sameness: no resume on it. */
  if (etag != NULL && etag[0] == '"' && strlen (etag) < 1024
      && strchr (etag, '\n') == NULL
      && g_file_set_contents (path, etag, -1, NULL))
    return;
  g_unlink (path);
}

/* The kept ETag of part, or NULL. */
static char *
kept_validator (const char *part)
{
  g_autofree char *path = validator_path (part);
  char *etag = NULL;
  gsize len = 0;

  if (!pl_read_file_bounded (path, 1024, "an ETag", &etag, &len, NULL))
    return NULL;
  if (len < 2 || etag[0] != '"' || strchr (etag, '\n') != NULL)
    g_clear_pointer (&etag, g_free);
  return etag;
}

/* Checks the status of the GET and sets where writing starts and the size to expect. */
static gboolean
accept_response (Download *dl, int i, SoupMessage *msg, Transfer *t, GError **error)
{
  guint status = soup_message_get_status (msg);
  FileMeta *meta = &dl->meta[i];
  guint64 start = 0, total = 0;
  gboolean total_known = FALSE;

  SoupMessageHeaders *h = soup_message_get_response_headers (msg);

  if (status == SOUP_STATUS_PARTIAL_CONTENT && t->start > 0
      && pl_download_parse_content_range (h, &start, &total, &total_known)
      && start == t->start)
    {
      if (!meta->size_known && total_known)
        meta->size = total, meta->size_known = TRUE;
      return pl_download_check_size (i, meta, error);
    }
  if (status != SOUP_STATUS_OK)
    {
      pl_download_set_http_error (dl, i, msg, t->url, error);
      return FALSE;
    }
  /* A full answer: whatever was in the .part is replaced (open_part empties it). */
  t->start = 0;
  dl->file_done = 0;
  g_checksum_reset (t->sum);
  pl_download_read_content_length (h, meta);
  keep_validator (t->part, soup_message_headers_get_one (h, "ETag"));
  return pl_download_check_size (i, meta, error);
}

/* Reads the body into the .part, hashing and reporting as it goes. */
static gboolean
stream_body (Download *dl, int i, GInputStream *body, Transfer *t, GError **error)
{
  g_autofree guchar *buf = g_malloc (CHUNK);
  const FileMeta *meta = &dl->meta[i];

  for (;;)
    {
      GError *local = NULL;
      gssize n = g_input_stream_read (body, buf, CHUNK, dl->cancellable, &local);

      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (n < 0)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_NETWORK,
                       "The download of %s was interrupted after %" G_GUINT64_FORMAT
                       " bytes (%s); download again to resume", files[i], dl->file_done,
                       local->message);
          g_error_free (local);
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (!write_all (t->fd, buf, (gsize) n, t->part, error))
        return FALSE;
      g_checksum_update (t->sum, buf, (gsize) n);
      t->progressed = TRUE;
      dl->file_done += (guint64) n;
      dl->transferred += (guint64) n;
      if (dl->file_done > pl_download_size_limit (i))
        {
          g_autofree char *limit = g_format_size (pl_download_size_limit (i));
          g_set_error (error, PL_ERROR, PL_ERROR_CHECKSUM, "%s from %s goes on past %s, "
                       "more than such a file can be: it is not a GPT-2 model file. The "
                       "download was stopped and nothing of it kept", files[i], t->url,
                       limit);
          return FALSE;
        }
      if (meta->size_known && dl->file_done > meta->size)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_CHECKSUM,
                       "%s from %s is larger than the %" G_GUINT64_FORMAT
                       " bytes the hub announced", files[i], t->url, meta->size);
          return FALSE;
        }
      if (!report (dl, FALSE, error))
        return FALSE;
    }
}

/* The size and SHA-256 of a finished .part against what the hub announced. */
static gboolean
verify (Download *dl, int i, Transfer *t, GError **error)
{
  const FileMeta *meta = &dl->meta[i];
  const char *got;

  if (meta->size_known && dl->file_done < meta->size)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_NETWORK,
                   "The download of %s stopped after %" G_GUINT64_FORMAT " of %"
                   G_GUINT64_FORMAT " bytes; download again to resume",
                   files[i], dl->file_done, meta->size);
      return FALSE;
    }
  got = g_checksum_get_string (t->sum);
  if (meta->sha256 != NULL && strcmp (got, meta->sha256) != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_CHECKSUM,
                   "%s from %s is corrupt: its SHA-256 is %s, the hub announced %s. "
                   "The bad download was removed; try again.",
                   files[i], t->url, got, meta->sha256);
      return FALSE;
    }
  return TRUE;
}

/* Opens the .part for writing: appended to when resuming, else emptied. */
static gboolean
open_part (Transfer *t, GError **error)
{
  int flags = O_WRONLY | O_CREAT | (t->start > 0 ? O_APPEND : O_TRUNC);

  t->fd = g_open (t->part, flags, 0644);
  if (t->fd < 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not create %s: %s", t->part,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

/* The GET of one attempt, from t->start on, into the .part. */
static gboolean
fetch_body (Download *dl, int i, Transfer *t, GError **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) body = NULL;

  dl->if_range = t->if_range;
  body = pl_download_send_following (dl, "GET", t->url, t->start, &dl->meta[i], &msg,
                                     error);
  dl->if_range = NULL;
  if (body == NULL)
    return FALSE;
  if (soup_message_get_status (msg) == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      /* The .part does not fit the file on the hub: start over. */
      t->unfit = TRUE;
      g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "The hub refused to resume %s (HTTP 416 "
                   "for %s)", files[i], t->url);
      return FALSE;
    }
  if (!accept_response (dl, i, msg, t, error) || !open_part (t, error))
    return FALSE;
  return stream_body (dl, i, body, t, error);
}

typedef enum { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED } Attempt;

/* One try at one file: resume the .part (if any), fetch the rest, verify, rename. */
static Attempt
fetch_attempt (Download *dl, int i, const char *part, const char *final,
               const char *url, GError **error)
{
  const FileMeta *meta = &dl->meta[i];
  Transfer t = { part, url, -1, g_checksum_new (G_CHECKSUM_SHA256), 0, FALSE, FALSE, NULL };
  Attempt result = ATTEMPT_FAILED;
  gboolean remove_part = FALSE;
  GStatBuf st;

  if (g_stat (part, &st) == 0 && S_ISREG (st.st_mode))
    t.start = (guint64) st.st_size;
  if (meta->size_known && t.start > meta->size)
    t.start = 0;   /* not a prefix of this file: open_part empties it */
  /* Resume only what is known to be this file: with the SHA-256 the hub announces the
   * whole file is verified at the end (a stale .part is then dropped), else the kept
   * ETag goes with the Range as If-Range. A .part of unknown origin starts over. */
  if (t.start > 0 && meta->sha256 == NULL
      && (t.if_range = kept_validator (part)) == NULL)
    t.start = 0;
  dl->file_done = t.start;
  if (t.start > 0 && !hash_prefix (part, t.start, t.sum, error))
    goto out;

  /* A .part that is already whole needs no request, only the checks. */
  if (!(meta->size_known && t.start == meta->size && t.start > 0)
      && !fetch_body (dl, i, &t, error))
    {
      /* Other HTTP errors (a 503 midway) keep the .part: it is still good. */
      remove_part = g_error_matches (*error, PL_ERROR, PL_ERROR_CHECKSUM) || t.unfit;
      if ((t.progressed && g_error_matches (*error, PL_ERROR, PL_ERROR_NETWORK))
          || (t.start > 0 && remove_part))
        result = ATTEMPT_RETRY;
      goto out;
    }
  if (!verify (dl, i, &t, error))
    {
      remove_part = g_error_matches (*error, PL_ERROR, PL_ERROR_CHECKSUM);
      /* A mismatch after a resume may be a stale .part: one more try from zero. */
      if ((t.progressed && !remove_part) || (remove_part && t.start > 0))
        result = ATTEMPT_RETRY;
      goto out;
    }
  /* Whole and of the announced size and hash, but is it what it claims to be? */
  if (!pl_download_check_part (i, part, dl->dest, url, error))
    {
      remove_part = TRUE;
      goto out;
    }
  if (t.fd >= 0 && fsync (t.fd) != 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not write %s: %s", part,
                   g_strerror (e));
      goto out;
    }
  if (g_rename (part, final) != 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not rename %s to %s: %s", part,
                   final, g_strerror (e));
      goto out;
    }
  result = ATTEMPT_DONE;

out:
  if (t.fd >= 0)
    close (t.fd);
  if (remove_part)
    g_unlink (part);
  if (remove_part || result == ATTEMPT_DONE)
    keep_validator (part, NULL);
  g_free (t.if_range);
  g_checksum_free (t.sum);
  return result;
}

/* One file, skipped when already in place, retried when the connection drops midway. */
static gboolean
fetch_file (Download *dl, int i, GError **error)
{
  g_autofree char *final = g_build_filename (dl->dest, files[i], NULL);
  g_autofree char *part = g_strconcat (final, ".part", NULL);
  g_autofree char *url = pl_download_file_url (dl, i);
  const FileMeta *meta = &dl->meta[i];
  GStatBuf st;

  dl->file_index = i;
  dl->file_done = 0;
  /* A file in place counts if it has the hub's size and (config, vocab, merges) still
   * parses: one kept by an older version may be an HTML page. */
  if (g_stat (final, &st) == 0 && S_ISREG (st.st_mode)
      && (!meta->size_known || (guint64) st.st_size == meta->size))
    {
      if (pl_download_check_part (i, final, dl->dest, url, NULL))
        {
          dl->done_before += (guint64) st.st_size;
          return TRUE;
        }
      g_unlink (final);
    }
  if (!report (dl, FALSE, error))
    return FALSE;
  for (int attempt = 1; ; attempt++)
    {
      GError *local = NULL;
      Attempt a = fetch_attempt (dl, i, part, final, url, &local);

      if (a == ATTEMPT_DONE)
        break;
      if (a == ATTEMPT_FAILED || attempt == MAX_ATTEMPTS)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      g_error_free (local);
    }
  dl->done_before += dl->file_done;
  dl->file_done = 0;
  return TRUE;
}

/* Names become URL path segments and folder names: keep them plain. */
static gboolean
check_name (const char *name, GError **error)
{
  if (name != NULL && name[0] != '\0' && name[0] != '.' && strlen (name) <= 96
      && strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
           == strlen (name))
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
               "'%s' is not a model name: use letters, digits, '.', '-' and '_' "
               "(for example gpt2)", name != NULL ? name : "");
  return FALSE;
}

static gboolean
check_endpoint (const char *endpoint, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (endpoint, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0'
      && (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0))
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
               "The hub endpoint '%s' (HF_ENDPOINT) is not an http(s) URL", endpoint);
  return FALSE;
}

static void
download_clear (Download *dl)
{
  for (int i = 0; i < N_FILES; i++)
    g_free (dl->meta[i].sha256);
  g_clear_object (&dl->session);
  g_free (dl->endpoint);
  g_free (dl->auth_host);
}

/* Every announced size within its file's limit, and the bytes still to come within the
 * free space, before anything is fetched. */
static gboolean
check_sizes (Download *dl, GError **error)
{
  guint64 needed = 0;

  for (int i = 0; i < N_FILES; i++)
    {
      g_autofree char *final = g_build_filename (dl->dest, files[i], NULL);
      g_autofree char *part = g_strconcat (final, ".part", NULL);
      GStatBuf st;

      if (!pl_download_check_size (i, &dl->meta[i], error))
        return FALSE;
      if (!dl->meta[i].size_known || g_stat (final, &st) == 0)
        continue;
      needed += dl->meta[i].size;
      if (g_stat (part, &st) == 0 && S_ISREG (st.st_mode))
        needed -= MIN ((guint64) st.st_size, dl->meta[i].size);
    }
  return pl_download_check_space (dl->dest, needed, error);
}

/* The folder is a model only if it loads; if not, model.safetensors goes back to
 * being a .part, so that no one takes the folder for a complete model. */
static gboolean
check_model (Download *dl, GError **error)
{
  g_autofree char *final = g_build_filename (dl->dest, files[3], NULL);
  g_autofree char *part = g_strconcat (final, ".part", NULL);

  if (pl_download_check_model (dl->dest, error))
    return TRUE;
  g_rename (final, part);
  return FALSE;
}

/* Probes every file (sizes for the total, and an early 404), then fetches them. */
static gboolean
run (Download *dl, GError **error)
{
  g_autoptr(GUri) uri = NULL;

  if (!check_endpoint (dl->endpoint, error))
    return FALSE;
  uri = g_uri_parse (dl->endpoint, SOUP_HTTP_URI_FLAGS, NULL);
  dl->auth_host = g_strdup (g_uri_get_host (uri));
  /* A session of this thread: the sync API blocks here, on the caller's worker. */
  dl->session = soup_session_new_with_options ("user-agent", "patchlens/" PACKAGE_VERSION,
                                               "timeout", 60, NULL);
  soup_session_remove_feature_by_type (dl->session, SOUP_TYPE_CONTENT_DECODER);
  dl->last_report_us = g_get_monotonic_time ();
  dl->last_report_file = -1;

  for (int i = 0; i < N_FILES; i++)
    if (!pl_download_probe (dl, i, error))
      return FALSE;
  if (!check_sizes (dl, error))
    return FALSE;
  if (g_mkdir_with_parents (dl->dest, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not create the folder %s (%s): "
                   "choose a folder you can write with --dest, or set XDG_DATA_HOME",
                   dl->dest, g_strerror (e));
      return FALSE;
    }
  for (int i = 0; i < N_FILES; i++)
    if (!fetch_file (dl, i, error))
      return FALSE;
  dl->file_index = N_FILES - 1;
  return report (dl, TRUE, error) && check_model (dl, error);
}

char *
pl_download_model_from (const char              *endpoint,
                        const char              *name,
                        const char              *dest,
                        PlDownloadProgressFunc   progress,
                        gpointer                 user_data,
                        GCancellable            *cancellable,
                        GError                 **error)
{
  Download dl = { 0 };
  g_autofree char *folder = NULL;
  const char *token = g_getenv ("HF_TOKEN");
  gboolean ok;

  if (!check_name (name, error))
    return NULL;
  folder = dest != NULL ? g_strdup (dest) : pl_model_store_user_dir (name);
  dl.endpoint = endpoint != NULL ? g_strdup (endpoint) : pl_download_endpoint ();
  g_strchomp (dl.endpoint);
  while (g_str_has_suffix (dl.endpoint, "/"))
    dl.endpoint[strlen (dl.endpoint) - 1] = '\0';
  dl.token = (token != NULL && token[0] != '\0') ? token : NULL;
  dl.name = name;
  dl.dest = folder;
  dl.cancellable = cancellable;
  dl.progress = progress;
  dl.user_data = user_data;

  ok = run (&dl, error);
  download_clear (&dl);
  return ok ? g_steal_pointer (&folder) : NULL;
}

char *
pl_download_model (const char              *name,
                   const char              *dest,
                   PlDownloadProgressFunc   progress,
                   gpointer                 user_data,
                   GCancellable            *cancellable,
                   GError                 **error)
{
  return pl_download_model_from (NULL, name, dest, progress, user_data, cancellable,
                                 error);
}

