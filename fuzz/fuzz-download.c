/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-download.c: arbitrary hub responses into the download's response handling.
 *
 * Input: one byte choosing the file (config.json, vocab.json, merges.txt,
 * model.safetensors), then a raw HTTP response: status line and headers up to the blank
 * line, then the body. The headers go through libsoup's parser into what the download
 * reads from them (X-Linked-Size, X-Linked-Etag, Content-Length, Content-Range,
 * Location), the announced size through its limit check, the body through the check
 * of that file's contents.
 *
 * Invariants (abort on failure): a kept SHA-256 is 64 lowercase hex digits; a size
 * passes its check exactly when it is within the file's limit; a redirect is followed
 * only to an http(s) URL with a host; every error is PL_ERROR with a UTF-8 message that
 * names the file (or the URL); a body larger than the limit is never accepted.
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <libsoup/soup.h>

#include "pl-download-private.h"
#include "pl-error.h"

#define FUZZ_TARGET "fuzz-download"
#include "fuzz-require.h"

#define BASE_URL "https://huggingface.co/openai-community/gpt2/resolve/main/"

static void
require_error (const GError *error, const char *needle)
{
  REQUIRE (error != NULL && error->domain == PL_ERROR);
  REQUIRE (g_utf8_validate (error->message, -1, NULL));
  REQUIRE (needle == NULL || strstr (error->message, needle) != NULL);
}

static void
check_headers (int i, SoupMessageHeaders *h)
{
  FileMeta meta = { 0 };
  g_autoptr(GError) error = NULL;
  guint64 start = 0, total = 0;
  gboolean total_known = FALSE;
  const char *location = soup_message_headers_get_one (h, "Location");

  pl_download_read_linked_headers (h, &meta);
  pl_download_read_content_length (h, &meta);
  if (meta.sha256 != NULL)
    REQUIRE (strlen (meta.sha256) == 64
             && strspn (meta.sha256, "0123456789abcdef") == 64);
  if (pl_download_check_size (i, &meta, &error))
    REQUIRE (!meta.size_known || meta.size <= pl_download_size_limit (i));
  else
    {
      REQUIRE (meta.size_known && meta.size > pl_download_size_limit (i));
      require_error (error, files[i]);
    }
  g_clear_error (&error);
  if (pl_download_parse_content_range (h, &start, &total, &total_known))
    REQUIRE (total_known || total == 0);
  if (location != NULL)
    {
      g_autofree char *next = pl_download_redirect_target (BASE_URL "model.safetensors",
                                                           location, &error);
      if (next != NULL)
        {
          g_autoptr(GUri) uri = g_uri_parse (next, SOUP_HTTP_URI_FLAGS, NULL);
          REQUIRE (uri != NULL && g_uri_get_host (uri) != NULL);
          REQUIRE (g_str_equal (g_uri_get_scheme (uri), "http")
                   || g_str_equal (g_uri_get_scheme (uri), "https"));
        }
      else
        require_error (error, NULL);
    }
  g_free (meta.sha256);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SoupMessageHeaders) h = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *text = (const char *) data + 1, *end, *body;
  gsize len;
  int i;

  if (size < 1 || size > 1 << 20)
    return 0;
  i = data[0] % N_FILES;
  len = size - 1;
  url = g_strconcat (BASE_URL, files[i], NULL);
  end = g_strstr_len (text, (gssize) len, "\r\n\r\n");
  body = end != NULL ? end + 4 : text + len;
  h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (end != NULL && soup_headers_parse_response (text, (int) (end + 2 - text), h, NULL,
                                                  NULL, NULL))
    check_headers (i, h);
  len -= (gsize) (body - text);
  if (pl_download_check_body (i, body, len, url, &error))
    REQUIRE (len <= pl_download_size_limit (i));
  else
    require_error (error, files[i]);
  return 0;
}
