/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-tokenizer.c: arbitrary bytes into pl_tokenizer_encode (the shipped GPT-2 files,
 * found through PATCHLENS_DATA_DIR or pl_data_dir()).
 *
 * Invariants (abort on failure), with and without the <|endoftext|> special token:
 * valid UTF-8 (U+0000 included) encodes, every id is in the vocab, and
 * decode (encode (x)) == x byte for byte; invalid UTF-8 gives PL_ERROR_INVALID_TEXT
 * with a UTF-8 message, and no ids.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "pl-error.h"
#include "pl-tokenizer.h"

#define FUZZ_TARGET "fuzz-tokenizer"
#include "fuzz-require.h"

/* Loaded once: a plain tokenizer, and one that knows <|endoftext|>. */
static PlTokenizer *plain, *special;

static void
load_once (void)
{
  g_autoptr(GError) error = NULL;

  if (plain != NULL)
    return;
  plain = pl_tokenizer_new_default (&error);
  if (plain == NULL)
    {
      fprintf (stderr, "fuzz-tokenizer: %s (set PATCHLENS_DATA_DIR)\n", error->message);
      abort ();
    }
  special = pl_tokenizer_new_default (NULL);
  REQUIRE (special != NULL);
  pl_tokenizer_set_allow_special (special, TRUE);
}

/* UTF-8 validity decided here, not by the tokenizer: NUL bytes count as characters. */
static gboolean
is_valid_utf8 (const char *text, size_t size)
{
  const char *p = text, *end = text + size, *stop;

  while (!g_utf8_validate_len (p, end - p, &stop))
    {
      if (*stop != '\0')
        return FALSE;
      p = stop + 1;
    }
  return TRUE;
}

static void
check (PlTokenizer *tok, const char *text, size_t size, gboolean valid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = pl_tokenizer_encode (tok, text, (gssize) size, &error);
  g_autofree char *back = NULL;
  gsize back_len = 0;

  if (!valid)
    {
      REQUIRE (ids == NULL);
      REQUIRE (g_error_matches (error, PL_ERROR, PL_ERROR_INVALID_TEXT));
      REQUIRE (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  REQUIRE (error == NULL && ids != NULL);
  REQUIRE (ids->len <= size);   /* every token stands for at least one byte */
  for (guint i = 0; i < ids->len; i++)
    REQUIRE (g_array_index (ids, gint32, i) >= 0 &&
             g_array_index (ids, gint32, i) < pl_tokenizer_vocab_size (tok));
  back = pl_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, &back_len);
  REQUIRE (back_len == size && (size == 0 || memcmp (back, text, size) == 0));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  gboolean valid;

  if (size > G_MAXINT)
    return 0;
  load_once ();
  valid = is_valid_utf8 (text, size);
  check (plain, text, size, valid);
  check (special, text, size, valid);
  return 0;
}
