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

/* {"ids":[...],"pieces":[...]} on one line. */
static void
print_json (PlTokenizer  *tok,
            const GArray *ids)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) pieces = g_new0 (char *, ids->len + 1);

  for (guint i = 0; i < ids->len; i++)
    pieces[i] = pl_tokenizer_piece (tok, g_array_index (ids, gint32, i));
  json_builder_begin_object (b);
  cli_build_ids_json (b, (const gint32 *) (gpointer) ids->data, (int) ids->len,
                      pieces);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cli_print_json (stdout, root, FALSE);
}

/* The UTF-8 text of one input line, which must be a single JSON string. */
static char *
parse_line (JsonParser *parser,
            const char *line,
            gsize       len,
            gsize       line_no,
            GError    **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (len == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   "standard input, line %" G_GSIZE_FORMAT ": the line is empty; "
                   "each line must be one JSON string such as \"Hello\"", line_no);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, line, (gssize) len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   "standard input, line %" G_GSIZE_FORMAT ": not valid JSON (%s)",
                   line_no, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_VALUE (root)
      || json_node_get_value_type (root) != G_TYPE_STRING)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   "standard input, line %" G_GSIZE_FORMAT ": expected a JSON string "
                   "such as \"Hello\", found %s", line_no,
                   root != NULL ? json_node_type_name (root) : "nothing");
      return NULL;
    }
  return json_node_dup_string (root);
}

/* Reads stdin line by line (never the whole input at once), writing one JSON line per
 * input line in the same order. Stops at the first bad line. */
static int
tokenize_jsonl (PlTokenizer *tok)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  gsize line_no = 0;
  int status = CLI_EXIT_OK;

  while (status == CLI_EXIT_OK && (n = getline (&line, &cap, stdin)) >= 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) ids = NULL;
      g_autofree char *text = NULL;
      gsize len = (gsize) n;

      line_no++;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
      text = parse_line (parser, line, len, line_no, &error);
      if (text != NULL)
        ids = pl_tokenizer_encode (tok, text, -1, &error);
      if (ids == NULL)
        {
          if (text != NULL)
            g_prefix_error (&error, "standard input, line %" G_GSIZE_FORMAT ": ",
                            line_no);
          status = cli_fail (error);
          break;
        }
      print_json (tok, ids);
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
    print_json (tok, ids);
  else
    print_plain (tok, ids);
  return CLI_EXIT_OK;
}
