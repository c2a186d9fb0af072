/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-tokenize.c: `patchlens-cli tokenize`: the GPT-2 tokens of one text, or of a
 * stream of JSON strings (one per line) read from stdin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli-common.h"

/* One token per line, "id<TAB>piece", then the count. The piece is written with
 * escapes for newlines and other control characters so one token is one line. */
static void
print_plain (PlTokenizer  *tok,
             const GArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    {
      gint32 id = g_array_index (ids, gint32, i);
      g_autofree char *piece = pl_tokenizer_piece (tok, id);
      g_autofree char *quoted = cli_quote_token (piece != NULL ? piece : "");

      /* Strip the quotes cli_quote_token adds: the tab already delimits. */
      quoted[strlen (quoted) - 1] = '\0';
      printf ("%d\t%s\n", (int) id, quoted + 1);
    }
  printf ("%u token%s\n", ids->len, ids->len == 1 ? "" : "s");
}

/* Appends text as a JSON string: quotes, backslashes and control characters escaped,
 * UTF-8 kept as it is (pieces are always valid UTF-8). */
static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

/* g_string_append_printf ("%d") was a fifth of --jsonl's time. */
static void
append_int (GString *out,
            gint32   v)
{
  char buf[16], *p = buf + sizeof buf;
  guint32 u = v < 0 ? 0u - (guint32) v : (guint32) v;

  do
    *--p = (char) ('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0)
    *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

/* {"ids":[...],"pieces":[...]} and a newline. Written by hand rather than through
 * JsonBuilder: for --jsonl on large inputs the builder took half of the time. */
static void
print_json (PlTokenizer  *tok,
            const GArray *ids,
            GString      *out)
{
  g_string_truncate (out, 0);
  g_string_append (out, "{\"ids\":[");
  for (guint i = 0; i < ids->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_int (out, g_array_index (ids, gint32, i));
    }
  g_string_append (out, "],\"pieces\":[");
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *piece = pl_tokenizer_piece (tok, g_array_index (ids, gint32, i));

      if (i > 0)
        g_string_append_c (out, ',');
      append_json_string (out, piece != NULL ? piece : "");
    }
  g_string_append (out, "]}\n");
  fwrite (out->str, 1, out->len, stdout);
}

static int
hex_value (char c)
{
  return g_ascii_xdigit_value (c);
}

/* Four hex digits after "\u" at p (end is the end of the line); -1 if malformed. */
static int
read_u16 (const char *p,
          const char *end)
{
  int v = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int d = hex_value (p[i]);

      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* One escape after the backslash at *pp; appends what it stands for to out and moves
 * *pp past it. NULL on success, else why it is not valid. */
static const char *
read_escape (const char **pp,
             const char  *end,
             GString     *out)
{
  const char *p = *pp + 1;
  int u, lo;

  if (p >= end)
    return "a backslash ends the line";
  *pp = p + 1;
  switch (*p)
    {
    case '"': case '\\': case '/': g_string_append_c (out, *p); return NULL;
    case 'b': g_string_append_c (out, '\b'); return NULL;
    case 'f': g_string_append_c (out, '\f'); return NULL;
    case 'n': g_string_append_c (out, '\n'); return NULL;
    case 'r': g_string_append_c (out, '\r'); return NULL;
    case 't': g_string_append_c (out, '\t'); return NULL;
    case 'u': break;
    default: return "an unknown escape (after a backslash)";
    }
  if ((u = read_u16 (p + 1, end)) < 0)
    return "\\u is not followed by four hex digits";
  *pp = p + 5;
  if (u >= 0xdc00 && u <= 0xdfff)
    return "a lone low surrogate (\\udc00-\\udfff)";
  if (u >= 0xd800 && u <= 0xdbff)
    {
      /* UTF-16 surrogate pair: \ud83d\ude00 is one character, U+1F600. */
      if (end - *pp < 6 || (*pp)[0] != '\\' || (*pp)[1] != 'u'
          || (lo = read_u16 (*pp + 2, end)) < 0xdc00 || lo > 0xdfff)
        return "a high surrogate (\\ud800-\\udbff) not followed by a low one";
      *pp += 6;
      u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    }
  if (u == 0)
    return "\\u0000 (a NUL character cannot be tokenized)";
  g_string_append_unichar (out, (gunichar) u);
  return NULL;
}

/* The text of one input line, which must be exactly one JSON string (blanks around it
 * allowed). Decoded here rather than by JsonParser: a parser per line was a third of
 * the time on large inputs, and this way the message can say what is wrong. */
static gboolean
parse_line (const char *line,
            gsize       len,
            gsize       line_no,
            GString    *text,
            GError    **error)
{
  const char *p = line, *end = line + len, *why = NULL;

  g_string_truncate (text, 0);
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;
  if (p == end)
    why = "the line is empty";
  else if (*p != '"' || end - p < 2 || end[-1] != '"')
    why = "it is not a JSON string";
  for (p++, end--; why == NULL && p < end; )
    {
      if (*p == '\\')
        why = read_escape (&p, end, text);
      else if (*p == '"')
        why = "an unescaped quote inside the string (or more than one value)";
      else if ((guchar) *p < 0x20)
        why = "a raw control character (write it as an escape such as \\n)";
      else
        g_string_append_c (text, *p++);
    }
  if (why == NULL)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
               "standard input, line %" G_GSIZE_FORMAT ": %s; each line must be one "
               "JSON string such as \"Hello\\n\"", line_no, why);
  return FALSE;
}

static gboolean
is_blank (const char *line,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/* Reads stdin line by line (never the whole input at once), writing one JSON line per
 * input line in the same order. Stops at the first bad line. */
static int
tokenize_jsonl (PlTokenizer *tok)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  gsize line_no = 0, blank_line = 0;
  int status = CLI_EXIT_OK;

  while ((n = getline (&line, &cap, stdin)) >= 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) ids = NULL;
      char *start = line;

      line_no++;
      /* A UTF-8 byte order mark, as some editors write it, is not part of the text. */
      if (line_no == 1 && n >= 3 && memcmp (line, "\xEF\xBB\xBF", 3) == 0)
        start += 3, n -= 3;
      /* Blank lines at the very end (an editor's extra newline) are skipped; a blank
       * line followed by more text is reported, as it may be a text lost. */
      if (is_blank (start, (gsize) n))
        {
          blank_line = blank_line != 0 ? blank_line : line_no;
          continue;
        }
      if (blank_line != 0)
        {
          parse_line ("", 0, blank_line, text, &error);
          status = cli_fail (error);
          break;
        }
      if (parse_line (start, (gsize) n, line_no, text, &error))
        {
          ids = pl_tokenizer_encode (tok, text->str, (gssize) text->len, &error);
          if (ids == NULL)
            g_prefix_error (&error, "standard input, line %" G_GSIZE_FORMAT ": ",
                            line_no);
        }
      if (ids == NULL)
        {
          status = cli_fail (error);
          break;
        }
      print_json (tok, ids, out);
    }
  free (line);
  if (status == CLI_EXIT_OK && ferror (stdin))
    {
      cli_message ("could not read standard input: %s", g_strerror (errno));
      status = CLI_EXIT_FAILURE;
    }
  return status;
}

int
cli_tokenize (int    argc,
              char **argv)
{
  g_autofree char *model = NULL;
  gboolean json = FALSE, jsonl = FALSE, allow_special = FALSE;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Use the tokenizer of this model (folder or name; default: the shipped GPT-2 "
      "tokenizer)", "DIR|NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print {\"ids\": [...], \"pieces\": [...]}", NULL },
    { "jsonl", 0, 0, G_OPTION_ARG_NONE, &jsonl,
      "Read one JSON string per line from stdin; print one JSON object per line", NULL },
    { "allow-special", 0, 0, G_OPTION_ARG_NONE, &allow_special,
      "Read the text <|endoftext|> as the special token 50256", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TEXT");
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTokenizer) tok = NULL;
  g_autoptr(GArray) ids = NULL;

  g_option_context_set_summary (ctx, "Shows the GPT-2 tokens of TEXT, one per line "
                                "as id<TAB>piece, or as JSON.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!cli_parse_options (ctx, "tokenize", &argc, &argv))
    return CLI_EXIT_USAGE;
  if (jsonl && argc != 1)
    return cli_usage ("tokenize", "--jsonl reads the texts from standard input; "
                      "give no TEXT argument");
  if (!jsonl && argc != 2)
    return cli_usage ("tokenize", argc < 2 ? "no TEXT given"
                      : "give one TEXT (quote it if it holds spaces)");

  tok = cli_load_tokenizer (model, &error);
  if (tok == NULL)
    return cli_fail (error);
  pl_tokenizer_set_allow_special (tok, allow_special);
  if (jsonl)
    return tokenize_jsonl (tok);

  ids = pl_tokenizer_encode (tok, argv[1], -1, &error);
  if (ids == NULL)
    return cli_fail (error);
  if (json)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      print_json (tok, ids, out);
    }
  else
    print_plain (tok, ids);
  return CLI_EXIT_OK;
}
