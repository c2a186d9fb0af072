/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tokenizer.c: GPT-2 byte-level BPE (loading vocab + merges, encode, decode, pieces).
 *
 * Sections: the byte alphabet; a (left id, right id) -> merge hash table; the vocab JSON
 * reader; the merges reader; loading; BPE of one chunk; encode, decode and pieces.
 *
 * Internally every token is handled as its raw bytes and its id: the printable "byte
 * alphabet" of GPT-2 (byte 0x20 is written "Ġ", ...) only exists in the files, and is
 * translated away while loading. BPE then works on ids: a merge (a, b) has a rank (its
 * line in merges.txt, 0 first) and a result id. The tokenizer holds no mutable state
 * after loading, so it needs no lock.
 */
#include "pl-tokenizer.h"

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
#define ENDOFTEXT "<|endoftext|>"
/* Files bigger than this are not tokenizer files (GPT-2's are 1.0 MB and 0.5 MB). */
#define MAX_FILE_SIZE (64 * 1024 * 1024)
/* Code points of the byte alphabet are all below this (the largest is U+0143). */
#define ALPHABET_LIMIT 0x144

typedef struct
{
  gint32 left;       /* id of the left symbol */
  gint32 right;      /* id of the right symbol */
  gint32 result;     /* id of left + right */
} Merge;

typedef struct
{
  guint64 key;       /* left << 32 | right */
  gint32  rank;      /* index into merges, -1 for an empty slot */
} MergeSlot;

struct _PlTokenizer
{
  gint32     n_vocab;
  guint8    *bytes;          /* (total) raw bytes of all tokens, back to back */
  guint32   *piece_off;      /* (n_vocab) offset of each token's bytes in bytes */
  guint32   *piece_len;      /* (n_vocab) length of each token's bytes */
  gint32     byte_id[256];   /* id of the single-byte token of each byte */
  Merge     *merges;         /* (n_merges) by rank */
  gint32     n_merges;
  MergeSlot *slots;          /* (n_slots) open addressing, n_slots a power of two */
  guint32    slot_mask;      /* n_slots - 1 */
  gint32     endoftext_id;   /* -1 when the vocab has no <|endoftext|> */
  gboolean   allow_special;
};

/* ---- the byte alphabet ---------------------------------------------------------- */

/* GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other
 * 68 bytes are given the code points 256, 257, ... in byte order. */
static gunichar
byte_to_unicode (guint8 b)
{
  static gunichar table[256];
  static gsize once;

  if (g_once_init_enter (&once))
    {
      guint n = 0;
      for (guint i = 0; i < 256; i++)
        {
          gboolean printable = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) ||
                               (i >= 0xAE && i <= 0xFF);
          table[i] = printable ? i : 256 + n++;
        }
      g_once_init_leave (&once, 1);
    }
  return table[b];
}

/* The inverse: the byte a code point of the alphabet stands for, -1 if none. */
static int
unicode_to_byte (gunichar c)
{
  static gint16 table[ALPHABET_LIMIT];
  static gsize once;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < ALPHABET_LIMIT; i++)
        table[i] = -1;
      for (guint b = 0; b < 256; b++)
        table[byte_to_unicode (b)] = b;
      g_once_init_leave (&once, 1);
    }
  return c < ALPHABET_LIMIT ? table[c] : -1;
}

/* ---- merge table ------------------------------------------------------------------ */

static guint32
merge_hash (guint64 key)
{
  return (guint32) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32);
}

/* The slot of (left, right): the one holding it, or the empty one where it would go. */
static MergeSlot *
merge_slot (const PlTokenizer *tok, gint32 left, gint32 right)
{
  guint64 key = ((guint64) (guint32) left << 32) | (guint32) right;
  guint32 i = merge_hash (key) & tok->slot_mask;

  /* The table is at most half full, so an empty slot always ends the probe. */
  while (tok->slots[i].rank >= 0 && tok->slots[i].key != key)
    i = (i + 1) & tok->slot_mask;
  return &tok->slots[i];
}

/* The rank of merging left and right, -1 if they do not merge. */
static gint32
merge_rank (const PlTokenizer *tok, gint32 left, gint32 right)
{
  return merge_slot (tok, left, right)->rank;
}

/* ---- the vocab reader (a JSON object of string -> integer) ------------------------- */

typedef struct
{
  const char *path;     /* display name, for messages */
  const char *p;        /* current position */
  const char *end;
  int         line;     /* 1-based line of p */
} Reader;

static gboolean
reader_fail (Reader *r, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
reader_fail (Reader *r, GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "%s, line %d: %s", r->path, r->line, msg);
  return FALSE;
}

static void
reader_skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    {
      if (*r->p == '\n')
        r->line++;
      r->p++;
    }
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u"; -1 if they are not. */
static int
read_hex4 (Reader *r)
{
  int v = 0;

  if (r->end - r->p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (r->p[i]);
      if (h < 0)
        return -1;
      v = v * 16 + h;
    }
  r->p += 4;
  return v;
}

/* A \uXXXX escape (r->p after the "u"), with surrogate pairs; appends UTF-8 to out. */
static gboolean
read_unicode_escape (Reader *r, GString *out, GError **error)
{
  int hi = read_hex4 (r), lo;

  if (hi < 0)
    return reader_fail (r, error, "bad \\u escape in a string");
  if (hi >= 0xDC00 && hi <= 0xDFFF)
    return reader_fail (r, error, "lone low surrogate \\u%04X in a string", hi);
  if (hi < 0xD800 || hi > 0xDBFF)
    {
      g_string_append_unichar (out, hi);
      return TRUE;
    }
  if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
    return reader_fail (r, error, "lone high surrogate \\u%04X in a string", hi);
  r->p += 2;
  lo = read_hex4 (r);
  if (lo < 0xDC00 || lo > 0xDFFF)
    return reader_fail (r, error, "high surrogate \\u%04X not followed by a low one", hi);
  g_string_append_unichar (out, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
  return TRUE;
}

/* A JSON string (r->p on the opening quote) into out, as UTF-8. */
static gboolean
read_string (Reader *r, GString *out, GError **error)
{
  static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";

  g_string_truncate (out, 0);
  r->p++;
  while (r->p < r->end && *r->p != '"')
    {
      char c = *r->p++;
      const char *e;

      if ((guchar) c < 0x20)
        return reader_fail (r, error, "control character 0x%02X inside a string", (guchar) c);
      if (c != '\\')
        {
          g_string_append_c (out, c);
          continue;
        }
      if (r->p == r->end)
        break;
      c = *r->p++;
      if (c == 'u')
        {
          if (!read_unicode_escape (r, out, error))
            return FALSE;
          continue;
        }
      for (e = escapes; *e != '\0' && *e != c; e += 2)
        ;
      if (*e == '\0')
        return reader_fail (r, error, "unknown escape \\%c in a string", c);
      g_string_append_c (out, e[1]);
    }
  if (r->p == r->end)
    return reader_fail (r, error, "unterminated string");
  r->p++;
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    return reader_fail (r, error, "a string is not valid UTF-8");
  return TRUE;
}

/* A token id: a non-negative JSON integer that fits in 31 bits. */
static gboolean
read_id (Reader *r, const char *token, gint64 *id, GError **error)
{
  const char *start = r->p;
  gint64 v = 0;

  if (r->p < r->end && *r->p == '-')
    return reader_fail (r, error, "the id of token “%s” is negative", token);
  while (r->p < r->end && g_ascii_isdigit (*r->p))
    {
      v = v * 10 + (*r->p++ - '0');
      if (v > G_MAXINT32)
        return reader_fail (r, error, "the id of token “%s” is too large", token);
    }
  if (r->p == start || (r->p < r->end && strchr (".eE\"tfn[{", *r->p) != NULL))
    return reader_fail (r, error, "the id of token “%s” is not an integer", token);
  *id = v;
  return TRUE;
}

/* ---- loading the vocab -------------------------------------------------------------- */

typedef struct
{
  GHashTable *ids;      /* byte-alphabet token (owned by arena) -> GINT_TO_POINTER (id + 1) */
  GStringChunk *arena;  /* the token strings */
  GArray     *tokens;   /* (n) char *, in file order */
  GArray     *values;   /* (n) gint32 id, in file order */
  GArray     *lines;    /* (n) int, line of each entry, for messages */
} VocabEntries;

static void
vocab_entries_clear (VocabEntries *v)
{
  g_clear_pointer (&v->ids, g_hash_table_unref);
  g_clear_pointer (&v->arena, g_string_chunk_free);
  g_clear_pointer (&v->tokens, g_array_unref);
  g_clear_pointer (&v->values, g_array_unref);
  g_clear_pointer (&v->lines, g_array_unref);
}

/* One "token": id entry; r->p on the opening quote. */
static gboolean
read_entry (Reader *r, VocabEntries *v, GString *key, GError **error)
{
  gint64 id = 0;
  char *stored;
  int line = r->line;

  if (!read_string (r, key, error))
    return FALSE;
  if (key->len == 0)
    return reader_fail (r, error, "an empty token");
  if (g_hash_table_contains (v->ids, key->str))
    return reader_fail (r, error, "token “%s” appears twice", key->str);
  reader_skip_space (r);
  if (r->p == r->end || *r->p != ':')
    return reader_fail (r, error, "expected “:” after token “%s”", key->str);
  r->p++;
  reader_skip_space (r);
  if (!read_id (r, key->str, &id, error))
    return FALSE;
  stored = g_string_chunk_insert_len (v->arena, key->str, key->len);
  g_hash_table_insert (v->ids, stored, GINT_TO_POINTER ((gint) id + 1));
  g_array_append_val (v->tokens, stored);
  g_array_append_vals (v->values, &(gint32) { (gint32) id }, 1);
  g_array_append_val (v->lines, line);
  return TRUE;
}

/* The whole object: { "token": id, ... } and nothing after it. */
static gboolean
read_object (Reader *r, VocabEntries *v, GError **error)
{
  g_autoptr(GString) key = g_string_new (NULL);

  if (r->end - r->p >= 3 && memcmp (r->p, "\xEF\xBB\xBF", 3) == 0)
    r->p += 3;
  reader_skip_space (r);
  if (r->p == r->end || *r->p != '{')
    return reader_fail (r, error, "not a JSON object (a vocab maps each token to its id)");
  r->p++;
  reader_skip_space (r);
  while (r->p < r->end && *r->p != '}')
    {
      if (*r->p != '"')
        return reader_fail (r, error, "expected a token in quotes");
      if (!read_entry (r, v, key, error))
        return FALSE;
      reader_skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          reader_skip_space (r);
          if (r->p < r->end && *r->p == '}')
            return reader_fail (r, error, "a comma before “}”");
        }
      else if (r->p < r->end && *r->p != '}')
        return reader_fail (r, error, "expected “,” or “}” after an id");
    }
  if (r->p == r->end)
    return reader_fail (r, error, "the JSON object is not closed");
  r->p++;
  reader_skip_space (r);
  if (r->p != r->end)
    return reader_fail (r, error, "text after the end of the JSON object");
  if (v->tokens->len == 0)
    return reader_fail (r, error, "the vocab has no tokens");
  return TRUE;
}

/* Translates a byte-alphabet token into raw bytes (appended to out). */
static gboolean
token_to_bytes (const char *token, GByteArray *out)
{
  for (const char *s = token; *s != '\0'; s = g_utf8_next_char (s))
    {
      int b = unicode_to_byte (g_utf8_get_char (s));
      if (b < 0)
        return FALSE;
      g_byte_array_append (out, &(guint8) { (guint8) b }, 1);
    }
  return TRUE;
}

/* Checks ids (unique, 0..n-1) and fills the tokenizer's pieces and byte_id. */
static gboolean
vocab_fill (PlTokenizer *tok, VocabEntries *v, Reader *r, GError **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  gint32 n = v->tokens->len;

  tok->n_vocab = n;
  tok->piece_off = g_new (guint32, n);
  tok->piece_len = g_new0 (guint32, n);
  for (gint32 i = 0; i < n; i++)
    {
      const char *token = g_array_index (v->tokens, char *, i);
      gint32 id = g_array_index (v->values, gint32, i);
      guint off = bytes->len;

      r->line = g_array_index (v->lines, int, i);
      if (id >= n)
        return reader_fail (r, error, "id %d of token “%s” is out of range "
                            "(the vocab has %d tokens, so ids go from 0 to %d)",
                            id, token, n, n - 1);
      if (tok->piece_len[id] != 0)
        return reader_fail (r, error, "id %d is given to two tokens", id);
      if (!token_to_bytes (token, bytes))
        return reader_fail (r, error, "token “%s” has a character outside GPT-2's "
                            "byte alphabet", token);
      tok->piece_off[id] = off;
      tok->piece_len[id] = bytes->len - off;
    }
  tok->bytes = g_byte_array_steal (bytes, NULL);
  return TRUE;
}

/* Every byte needs its own token, or some texts could not be encoded. */
static gboolean
vocab_find_bytes (PlTokenizer *tok, VocabEntries *v, const char *path, GError **error)
{
  for (guint b = 0; b < 256; b++)
    {
      char symbol[8] = { 0 };
      gpointer id;

      g_unichar_to_utf8 (byte_to_unicode (b), symbol);
      id = g_hash_table_lookup (v->ids, symbol);
      if (id == NULL)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       "%s: the vocab lacks the token “%s” for byte 0x%02X "
                       "(a GPT-2 vocab has one token for each of the 256 bytes)",
                       path, symbol, b);
          return FALSE;
        }
      tok->byte_id[b] = GPOINTER_TO_INT (id) - 1;
    }
  tok->endoftext_id = GPOINTER_TO_INT (g_hash_table_lookup (v->ids, ENDOFTEXT)) - 1;
  return TRUE;
}

static gboolean
read_file (const char *path, const char *display, char **contents, gsize *len,
           GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, contents, len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Cannot read the tokenizer file %s: %s",
                   display, local->message);
      return FALSE;
    }
  if (*len > MAX_FILE_SIZE)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   "%s is %" G_GSIZE_FORMAT " bytes, too large for a tokenizer file",
                   display, *len);
      g_clear_pointer (contents, g_free);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_vocab (PlTokenizer *tok, VocabEntries *v, const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *contents = NULL;
  gsize len;
  Reader r;

  if (!read_file (path, display, &contents, &len, error))
    return FALSE;
  r = (Reader) { display, contents, contents + len, 1 };
  v->ids = g_hash_table_new (g_str_hash, g_str_equal);
  v->arena = g_string_chunk_new (64 * 1024);
  v->tokens = g_array_sized_new (FALSE, FALSE, sizeof (char *), 65536);
  v->values = g_array_sized_new (FALSE, FALSE, sizeof (gint32), 65536);
  v->lines = g_array_sized_new (FALSE, FALSE, sizeof (int), 65536);
  return read_object (&r, v, error) &&
         vocab_fill (tok, v, &r, error) &&
         vocab_find_bytes (tok, v, display, error);
}

/* ---- loading the merges ------------------------------------------------------------- */

/* Looks up one side of a merge line; reports it if it is not in the vocab. */
static gboolean
merge_symbol (VocabEntries *v, Reader *r, const char *symbol, gint32 *id, GError **error)
{
  gpointer found = g_hash_table_lookup (v->ids, symbol);

  if (found == NULL)
    return reader_fail (r, error, "“%s” is not a token of the vocab", symbol);
  *id = GPOINTER_TO_INT (found) - 1;
  return TRUE;
}

/* Splits "left right" in place; FALSE unless it is exactly two non-empty symbols. */
static gboolean
split_merge (char *line, char **left, char **right)
{
  char *sep = strpbrk (line, " \t");

  if (sep == NULL || sep == line || sep[1] == '\0' || strpbrk (sep + 1, " \t") != NULL)
    return FALSE;
  *sep = '\0';
  *left = line;
  *right = sep + 1;
  return TRUE;
}

/* One line "left right": adds the merge of rank tok->n_merges. joined is scratch. */
static gboolean
merge_line (PlTokenizer *tok, VocabEntries *v, Reader *r, char *line, GString *joined,
            GError **error)
{
  char *left, *right;
  Merge m;
  MergeSlot *slot;

  if (!split_merge (line, &left, &right))
    {
      g_autofree char *shown = g_strescape (line, NULL);
      return reader_fail (r, error, "expected two symbols separated by a space, got “%s”",
                          shown);
    }
  g_string_assign (joined, left);
  g_string_append (joined, right);
  if (!merge_symbol (v, r, left, &m.left, error) ||
      !merge_symbol (v, r, right, &m.right, error) ||
      !merge_symbol (v, r, joined->str, &m.result, error))
    return FALSE;
  slot = merge_slot (tok, m.left, m.right);
  if (slot->rank >= 0)
    return reader_fail (r, error, "the merge “%s %s” appears twice", left, right);
  slot->key = ((guint64) (guint32) m.left << 32) | (guint32) m.right;
  slot->rank = tok->n_merges;
  tok->merges[tok->n_merges++] = m;
  return TRUE;
}

static void
merges_alloc (PlTokenizer *tok, gsize n_lines)
{
  gsize n_slots = 16;

  while (n_slots < 2 * n_lines)
    n_slots *= 2;
  tok->slots = g_new (MergeSlot, n_slots);
  for (gsize i = 0; i < n_slots; i++)
    tok->slots[i].rank = -1;
  tok->slot_mask = n_slots - 1;
  tok->merges = g_new (Merge, n_lines + 1);
}

static gboolean
load_merges (PlTokenizer *tok, VocabEntries *v, const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *contents = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);
  const char *bad;
  gsize len, n_lines = 1;
  Reader r = { display, NULL, NULL, 0 };

  if (!read_file (path, display, &contents, &len, error))
    return FALSE;
  if (!g_utf8_validate_len (contents, len, &bad))
    {
      for (const char *p = contents; p < bad; p++)
        r.line += *p == '\n';
      r.line++;
      return reader_fail (&r, error, "the text is not valid UTF-8");
    }
  for (const char *p = contents; (p = memchr (p, '\n', contents + len - p)) != NULL; p++)
    n_lines++;
  merges_alloc (tok, n_lines);
  /* Lines are cut in place (memchr, not g_strsplit: it stays linear under ASan too). */
  for (char *line = contents, *next; line != NULL; line = next)
    {
      char *nl = memchr (line, '\n', contents + len - line);

      next = nl != NULL ? nl + 1 : NULL;
      if (nl != NULL)
        *nl = '\0';
      r.line++;
      g_strchomp (line);
      /* Line 1 may be "#version: 0.2"; a later "#" is a symbol ("# #" is a GPT-2 merge). */
      if (line[0] == '\0' || (r.line == 1 && g_str_has_prefix (line, "#version")))
        continue;
      if (!merge_line (tok, v, &r, line, joined, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- constructors ------------------------------------------------------------------- */

PlTokenizer *
pl_tokenizer_new_from_files (const char  *vocab_path,
                             const char  *merges_path,
                             GError     **error)
{
  g_autoptr(PlTokenizer) tok = g_new0 (PlTokenizer, 1);
  VocabEntries v = { 0 };
  gboolean ok;

  g_return_val_if_fail (vocab_path != NULL && merges_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The vocab's token -> id table is only needed to read the merges. */
  ok = load_vocab (tok, &v, vocab_path, error) && load_merges (tok, &v, merges_path, error);
  vocab_entries_clear (&v);
  return ok ? g_steal_pointer (&tok) : NULL;
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
