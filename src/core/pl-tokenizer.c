/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tokenizer.c: GPT-2 byte-level BPE (constructors, encode, decode, pieces).
 *
 * Sections: constructors; BPE of one chunk; encode; decode and pieces. Reading the
 * vocab and merges files is in pl-tokenizer-load.c.
 *
 * Internally every token is handled as its raw bytes and its id. BPE works on ids: a
 * merge (a, b) has a rank (its line in merges.txt, 0 first) and a result id. The
 * tokenizer holds no mutable state after loading, so it needs no lock.
 */
#include "pl-tokenizer-private.h"

#include <string.h>

#include "pl-data.h"
#include "pl-error.h"

/* GPT-2's pre-tokenization pattern (openai/gpt-2 src/encoder.py)
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * with \s spelt out. encoder.py runs it with Python's `regex` module, whose \s is the
 * Unicode White_Space property (as in tiktoken). PCRE2 10.42's \s also takes U+180E
 * MONGOLIAN VOWEL SEPARATOR, which stopped being a space in Unicode 6.3, so the exact
 * White_Space set is written out below. */
#define WS "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
           "\\x{202F}\\x{205F}\\x{3000}"
#define GPT2_PATTERN \
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+" \
  "|[" WS "]+(?![^" WS "])|[" WS "]+"

/* ---- constructors ------------------------------------------------------------------- */

PlTokenizer *
pl_tokenizer_new_from_files (const char  *vocab_path,
                             const char  *merges_path,
                             GError     **error)
{
  g_autoptr(PlTokenizer) tok = g_new0 (PlTokenizer, 1);

  g_return_val_if_fail (vocab_path != NULL && merges_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pl_tokenizer_load (tok, vocab_path, merges_path, error))
    return NULL;
  return g_steal_pointer (&tok);
}

/* Whether dir holds both files of a pair; sets the paths if so. */
static gboolean
find_pair (const char *dir, const char *vocab, const char *merges,
           char **vocab_path, char **merges_path)
{
  g_autofree char *v = g_build_filename (dir, vocab, NULL);
  g_autofree char *m = g_build_filename (dir, merges, NULL);

  if (!g_file_test (v, G_FILE_TEST_EXISTS) || !g_file_test (m, G_FILE_TEST_EXISTS))
    return FALSE;
  *vocab_path = g_steal_pointer (&v);
  *merges_path = g_steal_pointer (&m);
  return TRUE;
}

PlTokenizer *
pl_tokenizer_new_from_dir (const char  *dir,
                           GError     **error)
{
  g_autofree char *vocab_path = NULL;
  g_autofree char *merges_path = NULL;

  g_return_val_if_fail (dir != NULL, NULL);

  if (!find_pair (dir, "vocab.json", "merges.txt", &vocab_path, &merges_path) &&
      !find_pair (dir, "encoder.json", "vocab.bpe", &vocab_path, &merges_path))
    {
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, PL_ERROR, PL_ERROR_IO,
                   "No GPT-2 tokenizer in %s: expected vocab.json and merges.txt, "
                   "or encoder.json and vocab.bpe", display);
      return NULL;
    }
  return pl_tokenizer_new_from_files (vocab_path, merges_path, error);
}

PlTokenizer *
pl_tokenizer_new_default (GError **error)
{
  return pl_tokenizer_new_from_dir (pl_data_dir (), error);
}

void
pl_tokenizer_free (PlTokenizer *tok)
{
  if (tok == NULL)
    return;
  g_free (tok->bytes);
  g_free (tok->piece_off);
  g_free (tok->piece_len);
  g_free (tok->merges);
  g_free (tok->slots);
  g_free (tok);
}

void
pl_tokenizer_set_allow_special (PlTokenizer *tok,
                                gboolean     allow_special)
{
  g_return_if_fail (tok != NULL);
  tok->allow_special = !!allow_special;
}

gint32
pl_tokenizer_vocab_size (PlTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return tok->n_vocab;
}

/* ---- BPE of one chunk ----------------------------------------------------------------- */

/* A candidate merge of the symbols at positions left and right (right == next[left]
 * when it was pushed; it may have gone stale since). */
typedef struct
{
  gint32 rank;
  gint32 left;
  gint32 right;
} Candidate;

/* Scratch space of one encode call, reused from chunk to chunk. */
typedef struct
{
  GArray *id;      /* (n) gint32 symbol id at each position, -1 once merged away */
  GArray *next;    /* (n) gint32 next live position, n at the end */
  GArray *prev;    /* (n) gint32 previous live position, -1 at the start */
  GArray *heap;    /* Candidate, a binary min-heap by (rank, left) */
  GArray *touched; /* gint32 positions merged in the current round */
} Scratch;

static gboolean
candidate_less (const Candidate *a, const Candidate *b)
{
  return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}

static void
heap_push (GArray *heap, Candidate c)
{
  Candidate *h;
  guint i = heap->len;

  g_array_append_val (heap, c);
  h = (Candidate *) heap->data;
  while (i > 0 && candidate_less (&h[i], &h[(i - 1) / 2]))
    {
      Candidate t = h[i];
      h[i] = h[(i - 1) / 2];
      h[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
}

static Candidate
heap_pop (GArray *heap)
{
  Candidate *h = (Candidate *) heap->data;
  Candidate top = h[0];
  guint n = heap->len - 1, i = 0;

  h[0] = h[n];
  g_array_set_size (heap, n);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      Candidate t;

      if (l < n && candidate_less (&h[l], &h[m]))
        m = l;
      if (r < n && candidate_less (&h[r], &h[m]))
        m = r;
      if (m == i)
        break;
      t = h[i];
      h[i] = h[m];
      h[m] = t;
      i = m;
    }
  return top;
}

#define ID(s, i)   g_array_index ((s)->id, gint32, (i))
#define NEXT(s, i) g_array_index ((s)->next, gint32, (i))
#define PREV(s, i) g_array_index ((s)->prev, gint32, (i))

/* Pushes the pair starting at position left, if it has a right neighbour and merges. */
static void
push_pair (const PlTokenizer *tok, Scratch *s, gint32 left, gint32 n)
{
  gint32 right, rank;

  if (left < 0 || (right = NEXT (s, left)) >= n)
    return;
  rank = merge_rank (tok, ID (s, left), ID (s, right));
  if (rank >= 0)
    heap_push (s->heap, (Candidate) { rank, left, right });
}

/* Whether c still describes two neighbours that form its merge. */
static gboolean
candidate_valid (const PlTokenizer *tok, Scratch *s, const Candidate *c)
{
  const Merge *m = &tok->merges[c->rank];

  return ID (s, c->left) == m->left && NEXT (s, c->left) == c->right &&
         ID (s, c->right) == m->right;
}

static void
apply_merge (const PlTokenizer *tok, Scratch *s, const Candidate *c, gint32 n)
{
  gint32 after = NEXT (s, c->right);

  ID (s, c->left) = tok->merges[c->rank].result;
  ID (s, c->right) = -1;
  NEXT (s, c->left) = after;
  if (after < n)
    PREV (s, after) = c->left;
  g_array_append_val (s->touched, c->left);
}

/* Exactly encoder.py's bpe(): repeatedly take the lowest-ranked adjacent pair and merge
 * all its occurrences left to right. A heap makes it O(n log n): one round pops every
 * candidate of the lowest rank in position order; the new pairs a round creates are
 * pushed only after it, as encoder.py only looks at them in its next iteration. */
static void
bpe_chunk (const PlTokenizer *tok, Scratch *s, const guint8 *bytes, gint32 n, GArray *out)
{
  g_array_set_size (s->id, n);
  g_array_set_size (s->next, n);
  g_array_set_size (s->prev, n);
  g_array_set_size (s->heap, 0);
  for (gint32 i = 0; i < n; i++)
    {
      ID (s, i) = tok->byte_id[bytes[i]];
      NEXT (s, i) = i + 1;
      PREV (s, i) = i - 1;
    }
  for (gint32 i = 0; i + 1 < n; i++)
    push_pair (tok, s, i, n);

  while (s->heap->len > 0)
    {
      gint32 rank = g_array_index (s->heap, Candidate, 0).rank;

      g_array_set_size (s->touched, 0);
      while (s->heap->len > 0 && g_array_index (s->heap, Candidate, 0).rank == rank)
        {
          Candidate c = heap_pop (s->heap);
          if (candidate_valid (tok, s, &c))
            apply_merge (tok, s, &c, n);
        }
      for (guint t = 0; t < s->touched->len; t++)
        {
          gint32 pos = g_array_index (s->touched, gint32, t);
          push_pair (tok, s, PREV (s, pos), n);
          push_pair (tok, s, pos, n);
        }
    }
  for (gint32 i = 0; i < n; i = NEXT (s, i))
    g_array_append_val (out, ID (s, i));
}

/* ---- encode ------------------------------------------------------------------------------ */

static GRegex *
gpt2_regex (void)
{
  static GRegex *regex;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GError) error = NULL;
      /* GRegex is immutable and may be matched from several threads at once. */
      regex = g_regex_new (GPT2_PATTERN, G_REGEX_OPTIMIZE, 0, &error);
      g_assert_no_error (error);
      g_once_init_leave (&once, 1);
    }
  return regex;
}

/* Like g_utf8_validate_len, but U+0000 is a character like any other. Returns the
 * offset of the first invalid byte, or len. */
static gsize
utf8_invalid_offset (const char *text, gsize len)
{
  const char *p = text, *end = text + len, *stop;

  while (!g_utf8_validate_len (p, end - p, &stop))
    {
      if (*stop != '\0')
        return stop - text;
      p = stop + 1;
    }
  return len;
}

/* Pre-tokenizes text (no special tokens in it) and BPE-encodes each chunk into out. */
static gboolean
encode_ordinary (const PlTokenizer *tok, Scratch *s, const char *text, gsize len,
                 GArray *out, GError **error)
{
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GError) local = NULL;
  gint start, end, done = 0;

  if (len == 0)
    return TRUE;
  g_regex_match_full (gpt2_regex (), text, len, 0, 0, &match, &local);
  while (local == NULL && g_match_info_matches (match))
    {
      g_match_info_fetch_pos (match, 0, &start, &end);
      /* The pattern's alternatives cover every character, so there are no gaps. */
      g_assert (start == done && end > start);
      bpe_chunk (tok, s, (const guint8 *) text + start, end - start, out);
      done = end;
      g_match_info_next (match, &local);
    }
  if (local == NULL && (gsize) done == len)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_TEXT,
               "The text could not be split into words at byte %d: %s", done,
               local != NULL ? local->message : "no match");
  return FALSE;
}

/* The next "<|endoftext|>" in text, or NULL. */
static const char *
find_special (const char *text, gsize len)
{
  gsize n = strlen (ENDOFTEXT);

  for (const char *p = text; len >= n && p <= text + len - n; p++)
    {
      p = memchr (p, '<', text + len - n + 1 - p);
      if (p == NULL)
        return NULL;
      if (memcmp (p, ENDOFTEXT, n) == 0)
        return p;
    }
  return NULL;
}

static gboolean
encode_text (const PlTokenizer *tok, Scratch *s, const char *text, gsize len, GArray *out,
             GError **error)
{
  const char *p = text, *end = text + len, *special;

  if (!tok->allow_special || tok->endoftext_id < 0)
    return encode_ordinary (tok, s, text, len, out, error);
  while ((special = find_special (p, end - p)) != NULL)
    {
      if (!encode_ordinary (tok, s, p, special - p, out, error))
        return FALSE;
      g_array_append_val (out, tok->endoftext_id);
      p = special + strlen (ENDOFTEXT);
    }
  return encode_ordinary (tok, s, p, end - p, out, error);
}

GArray *
pl_tokenizer_encode (PlTokenizer *tok,
                     const char  *text,
                     gssize       len,
                     GError     **error)
{
  g_autoptr(GArray) out = NULL;
  Scratch s;
  gsize bad;
  gboolean ok;

  g_return_val_if_fail (tok != NULL, NULL);
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (text);
  if ((guint64) len > G_MAXINT)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "The text is %" G_GSSIZE_FORMAT " bytes long; the tokenizer takes "
                   "at most 2 GiB", len);
      return NULL;
    }
  bad = utf8_invalid_offset (text, len);
  if (bad < (gsize) len)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_TEXT,
                   "The text is not valid UTF-8: byte 0x%02X at offset %" G_GSIZE_FORMAT
                   " does not fit", (guchar) text[bad], bad);
      return NULL;
    }

  out = g_array_sized_new (FALSE, FALSE, sizeof (gint32), len / 3 + 1);
  s.id = g_array_new (FALSE, FALSE, sizeof (gint32));
  s.next = g_array_new (FALSE, FALSE, sizeof (gint32));
  s.prev = g_array_new (FALSE, FALSE, sizeof (gint32));
  s.heap = g_array_new (FALSE, FALSE, sizeof (Candidate));
  s.touched = g_array_new (FALSE, FALSE, sizeof (gint32));
  ok = encode_text (tok, &s, text, len, out, error);
  g_array_unref (s.id);
  g_array_unref (s.next);
  g_array_unref (s.prev);
  g_array_unref (s.heap);
  g_array_unref (s.touched);
  return ok ? g_steal_pointer (&out) : NULL;
}

/* ---- decode and pieces ------------------------------------------------------------- */

char *
pl_tokenizer_decode (PlTokenizer  *tok,
                     const gint32 *ids,
                     gsize         n_ids,
                     gsize        *out_len)
{
  GByteArray *bytes = g_byte_array_new ();

  g_return_val_if_fail (tok != NULL, NULL);
  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  for (gsize i = 0; i < n_ids; i++)
    if (ids[i] >= 0 && ids[i] < tok->n_vocab)
      g_byte_array_append (bytes, tok->bytes + tok->piece_off[ids[i]],
                           tok->piece_len[ids[i]]);
  if (out_len != NULL)
    *out_len = bytes->len;
  g_byte_array_append (bytes, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (bytes, FALSE);
}

char *
pl_tokenizer_piece (PlTokenizer *tok,
                    gint32       id)
{
  GString *text;
  const char *p, *end;

  g_return_val_if_fail (tok != NULL, NULL);

  if (id < 0 || id >= tok->n_vocab)
    return NULL;
  p = (const char *) tok->bytes + tok->piece_off[id];
  end = p + tok->piece_len[id];
  text = g_string_sized_new (end - p);
  while (p < end)
    {
      const char *stop;

      /* A NUL byte could not be shown in a C string either, so it is escaped too. */
      g_utf8_validate_len (p, end - p, &stop);
      g_string_append_len (text, p, stop - p);
      if (stop < end)
        g_string_append_printf (text, "\\x%02X", (guchar) *stop++);
      p = stop;
    }
  return g_string_free (text, FALSE);
}
