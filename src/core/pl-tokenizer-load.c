/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tokenizer-load.c: reads GPT-2's tokenizer files into a PlTokenizer.
 *
 * Sections: the byte alphabet; the vocab JSON reader (a strict reader of one object of
 * string -> integer, reporting file and line); loading the vocab; loading the merges.
 *
 * The printable "byte alphabet" of GPT-2 (byte 0x20 is written "Ġ", ...) only exists in
 * the files: every token is translated to its raw bytes here, and every merge to a
 * (left id, right id) -> (rank, result id) entry of the merge table.
 */
#include "pl-tokenizer-private.h"

#include <string.h>

#include "pl-error.h"
#include "pl-read-file.h"

/* Files bigger than this are not tokenizer files (GPT-2's are 1.0 MB and 0.5 MB). */
#define MAX_FILE_SIZE (64 * 1024 * 1024)
/* Code points of the byte alphabet are all below this (the largest is U+0143). */
#define ALPHABET_LIMIT 0x144

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
read_file (const char *path, G_GNUC_UNUSED const char *display, char **contents, gsize *len,
           GError **error)
{
  /* Bounded while reading: a vocab.json pointing at /dev/zero or a FIFO is refused. */
  return pl_read_file_bounded (path, MAX_FILE_SIZE, "a tokenizer file", contents, len,
                               error);
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

gboolean
pl_tokenizer_load (PlTokenizer  *tok,
                   const char   *vocab_path,
                   const char   *merges_path,
                   GError      **error)
{
  VocabEntries v = { 0 };
  gboolean ok;

  /* The vocab's token -> id table is only needed to read the merges. */
  ok = load_vocab (tok, &v, vocab_path, error) && load_merges (tok, &v, merges_path, error);
  vocab_entries_clear (&v);
  return ok;
}
