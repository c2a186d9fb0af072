/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-safetensors-scan.c: the lexical check of a safetensors header, before json-glib
 * parses it.
 *
 * json-glib 1.6 is lenient (comments, single quotes, hex numbers, "var x =", octal
 * escapes, lone surrogates, a second value after the first) and nests as deep as it is
 * asked. This scan refuses all that, so that what the reader accepts is plain JSON of
 * a safetensors header's depth, with numbers short enough not to wrap.
 */
#include "pl-safetensors-private.h"

#include <string.h>

#include "pl-error.h"

/* A real header is {name: {key: [numbers]}}: three levels. */
#define HEADER_MAX_DEPTH 3
/* 10^18 fits in 63 bits with room to spare; no real size comes near it. */
#define MAX_NUMBER_DIGITS 18

/* Outside strings, JSON has only structure, whitespace, numbers and true/false/null. */
static gboolean
is_json_bare_char (char c)
{
  return strchr ("{}[]:, \t\n\r0123456789-+.eEtruefalsn", c) != NULL && c != '\0';
}

/* After the object closes only padding may follow (json-glib 1.6 would read a second
 * JSON value there and keep the first). */
static gboolean
check_header_tail (const char *h,
                   gsize       n,
                   gsize       i,
                   const char *file,
                   GError    **error)
{
  for (; i < n; i++)
    if (!strchr (" \t\n\r", h[i]))
      {
        pl_set_file_error (error, PL_ERROR_FORMAT, file,
                           "the header has text after its JSON object, at byte %"
                           G_GSIZE_FORMAT, i);
        return FALSE;
      }
  return TRUE;
}

/* The value of the \uXXXX escape at h[i], or -1. */
static int
unicode_escape (const char *h,
                gsize       n,
                gsize       i)
{
  int v = 0;

  if (i + 5 >= n || h[i] != '\\' || h[i + 1] != 'u')
    return -1;
  for (gsize k = i + 2; k < i + 6; k++)
    {
      if (!g_ascii_isxdigit (h[k]))
        return -1;
      v = v * 16 + g_ascii_xdigit_value (h[k]);
    }
  return v;
}

/* The length of the JSON escape at h[i] == '\\', or 0 if it is not one we accept.
 * json-glib 1.6 would also take octal escapes such as \200 and lone surrogates, which
 * make invalid UTF-8, and \u0000 would cut a name short. */
static gsize
escape_length (const char *h,
               gsize       n,
               gsize       i)
{
  int v, low;

  if (i + 1 < n && h[i + 1] != '\0' && strchr ("\"\\/bfnrt", h[i + 1]))
    return 2;
  v = unicode_escape (h, n, i);
  if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF))
    return 0;
  if (v < 0xD800 || v > 0xDBFF)
    return 6;
  low = unicode_escape (h, n, i + 6);   /* a high surrogate needs its low half */
  return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

/* Moves *i from a string's opening quote to its closing one (or to n if unclosed,
 * which json-glib then reports), refusing raw control characters and bad escapes. */
static gboolean
skip_string (const char *h,
             gsize       n,
             gsize      *i,
             const char *file,
             GError    **error)
{
  for ((*i)++; *i < n && h[*i] != '"'; (*i)++)
    {
      if ((guchar) h[*i] < 0x20)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "the header has a control character inside a "
                             "string at byte %" G_GSIZE_FORMAT, *i);
          return FALSE;
        }
      if (h[*i] == '\\')
        {
          gsize len = escape_length (h, n, *i);

          if (len == 0)
            {
              pl_set_file_error (error, PL_ERROR_FORMAT, file,
                                 "the header has an invalid escape in a "
                                 "string at byte %" G_GSIZE_FORMAT, *i);
              return FALSE;
            }
          *i += len - 1;
        }
    }
  return TRUE;
}

gboolean
pl_safetensors_scan_header (const char *h,
                            gsize       n,
                            const char *file,
                            GError    **error)
{
  int depth = 0;
  int digits = 0;

  if (!g_utf8_validate_len (h, n, NULL))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file,
                         "the header is not valid UTF-8 text");
      return FALSE;
    }
  if (n == 0 || h[0] != '{')
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file,
                         "the header is not a JSON object (it must start with '{')");
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      char c = h[i];

      if (c == '"')
        {
          if (!skip_string (h, n, &i, file, error))
            return FALSE;
          digits = 0;
          continue;
        }
      if (!is_json_bare_char (c))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "the header is not valid JSON: unexpected character "
                             "'%c' at byte %" G_GSIZE_FORMAT,
                             g_ascii_isprint (c) ? c : '?', i);
          return FALSE;
        }
      digits = g_ascii_isdigit (c) ? digits + 1 : 0;
      if (digits > MAX_NUMBER_DIGITS)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "the header has a number with more than %d digits at "
                             "byte %" G_GSIZE_FORMAT, MAX_NUMBER_DIGITS, i);
          return FALSE;
        }
      if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && --depth == 0)
        return check_header_tail (h, n, i + 1, file, error);
      if (depth > HEADER_MAX_DEPTH)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "the header nests deeper than a safetensors header "
                             "can (at byte %" G_GSIZE_FORMAT ")", i);
          return FALSE;
        }
    }
  return TRUE;   /* unclosed: json-glib reports where */
}
