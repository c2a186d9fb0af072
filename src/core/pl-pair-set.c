/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-set.c: reading a set of prompt pairs from JSON Lines, line by line, with every
 * error naming its line.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "pl-error.h"
#include "pl-pair-set.h"

/* A line longer than this is not a prompt pair (1024 tokens are a few KB of text). */
#define MAX_LINE_BYTES (1u << 20)

static const char *const text_keys[] = {
  "clean", "corrupted", "clean_answer", "corrupted_answer",
};

static const char *
json_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
    }
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_known_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (text_keys); i++)
    if (strcmp (key, text_keys[i]) == 0)
      return TRUE;
  return strcmp (key, "name") == 0;
}

/* The object on one line, or NULL with an error about that line. */
static JsonObject *
parse_line (JsonParser *parser, const char *line, gsize len, const char *file, int lineno,
            GError **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, (gssize) len, &local))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "line %d is not JSON: %s", lineno,
                         local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file,
                         "line %d is %s, not an object with the keys \"clean\", "
                         "\"corrupted\", \"clean_answer\" and \"corrupted_answer\"",
                         lineno, root ? json_kind (root) : "empty");
      return NULL;
    }
  return json_node_get_object (root);
}

/* Every key known, every needed one present, every value a string. */
static gboolean
check_keys (JsonObject *o, const char *file, int lineno, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!is_known_key (key))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "line %d has an unknown key \"%s\" (the keys are \"clean\", "
                             "\"corrupted\", \"clean_answer\", \"corrupted_answer\" and "
                             "the optional \"name\")", lineno, key);
          return FALSE;
        }
      if (!is_string (value))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file,
                             "line %d: \"%s\" must be a string, not %s", lineno, key,
                             json_kind (value));
          return FALSE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (text_keys); i++)
    if (!json_object_has_member (o, text_keys[i]))
      {
        pl_set_file_error (error, PL_ERROR_FORMAT, file, "line %d has no \"%s\"", lineno,
                           text_keys[i]);
        return FALSE;
      }
  return TRUE;
}

/* What the reader holds while it reads. */
typedef struct {
  PlTokenizer *tok;
  int          n_ctx;
  const char  *file;
  JsonParser  *parser;
  GPtrArray   *pairs;   /* PlInputs * */
  GPtrArray   *names;   /* char *, NULL for no name */
  GArray      *lines;   /* int */
} Reader;

/* The set's token count is the first pair's; a pair that differs is shown with the
 * first pair, both segmentations each. */
static gboolean
check_set_count (const Reader *r, const PlInputs *in, int lineno, GError **error)
{
  const PlInputs *first = g_ptr_array_index (r->pairs, 0);
  int first_line = g_array_index (r->lines, int, 0), n = first->clean.n_tokens;
  g_autofree char *c = NULL, *x = NULL, *fc = NULL, *fx = NULL;

  if (in->clean.n_tokens == n)
    return TRUE;
  c = pl_prompt_describe (&in->clean);
  x = pl_prompt_describe (&in->corrupted);
  fc = pl_prompt_describe (&first->clean);
  fx = pl_prompt_describe (&first->corrupted);
  pl_set_file_error (error, PL_ERROR_TOKEN_COUNT, r->file,
                     "line %d: the pair has %d tokens, but the set's pairs have %d (line "
                     "%d); every pair needs the same count so that positions line up.\n"
                     "  line %d clean (%d):     %s\n  line %d corrupted (%d): %s\n"
                     "  line %d clean (%d):     %s\n  line %d corrupted (%d): %s",
                     lineno, in->clean.n_tokens, n, first_line,
                     lineno, in->clean.n_tokens, c, lineno, in->corrupted.n_tokens, x,
                     first_line, n, fc, first_line, n, fx);
  return FALSE;
}

static gboolean
check_size (const Reader *r, int n_tokens, int lineno, GError **error)
{
  int n_pairs = r->pairs->len;

  if (n_pairs >= PL_PAIR_SET_MAX_PAIRS)
    {
      pl_set_file_error (error, PL_ERROR_TOO_LONG, r->file,
                         "line %d: the set has more than %d pairs, the most a set may "
                         "hold; split it into several files", lineno,
                         PL_PAIR_SET_MAX_PAIRS);
      return FALSE;
    }
  if ((gint64) (n_pairs + 1) * n_tokens > PL_PAIR_SET_MAX_TOKENS)
    {
      pl_set_file_error (error, PL_ERROR_TOO_LONG, r->file,
                         "line %d: %d pairs of %d tokens are more than the %d tokens a "
                         "set may hold; split it into several files", lineno,
                         n_pairs + 1, n_tokens, PL_PAIR_SET_MAX_TOKENS);
      return FALSE;
    }
  return TRUE;
}

/* Parses, checks and appends the pair on one line. */
static gboolean
add_line (Reader *r, const char *line, gsize len, int lineno, GError **error)
{
  g_autoptr(GError) local = NULL;
  JsonObject *o = parse_line (r->parser, line, len, r->file, lineno, error);
  g_autoptr(PlInputs) in = NULL;
  const char *name = NULL;

  if (o == NULL || !check_keys (o, r->file, lineno, error))
    return FALSE;
  in = pl_inputs_prepare (r->tok, r->n_ctx,
                          json_object_get_string_member (o, "clean"),
                          json_object_get_string_member (o, "corrupted"),
                          json_object_get_string_member (o, "clean_answer"),
                          json_object_get_string_member (o, "corrupted_answer"), &local);
  if (in == NULL)
    {
      pl_set_file_error (error, local->code, r->file, "line %d: %s", lineno,
                         local->message);
      return FALSE;
    }
  if ((r->pairs->len > 0 && !check_set_count (r, in, lineno, error))
      || !check_size (r, in->clean.n_tokens, lineno, error))
    return FALSE;
  if (json_object_has_member (o, "name"))
    name = json_object_get_string_member (o, "name");
  g_ptr_array_add (r->pairs, g_steal_pointer (&in));
  g_ptr_array_add (r->names, g_strdup (name));
  g_array_append_val (r->lines, lineno);
  return TRUE;
}

static gboolean
is_blank (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return FALSE;
  return TRUE;
}

/* Reads every line into r. */
static gboolean
read_lines (Reader *r, const char *data, gsize length, GError **error)
{
  /* A UTF-8 byte order mark, as some editors write, is not part of the first line. */
  gsize start = length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

  for (int lineno = 1; start < length; lineno++)
    {
      const char *line = data + start;
      const char *nl = memchr (line, '\n', length - start);
      gsize len = nl ? (gsize) (nl - line) : length - start;

      start += len + 1;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (len > MAX_LINE_BYTES)
        {
          pl_set_file_error (error, PL_ERROR_TOO_LONG, r->file,
                             "line %d is longer than %u bytes; a pair is a few KB at most",
                             lineno, MAX_LINE_BYTES);
          return FALSE;
        }
      if (!is_blank (line, len) && !add_line (r, line, len, lineno, error))
        return FALSE;
    }
  return TRUE;
}

PlPairSet *
pl_pair_set_parse (PlTokenizer *tok,
                   int          n_ctx,
                   const char  *data,
                   gsize        length,
                   const char  *file,
                   GError     **error)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_inputs_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  Reader r = { tok, n_ctx, file, parser, pairs, names, lines };
  PlPairSet *set;

  if (!read_lines (&r, data, length, error))
    return NULL;
  if (pairs->len == 0)
    {
      pl_set_file_error (error, PL_ERROR_EMPTY, file, "%s",
                         length == 0 ? "the file is empty; a set needs at least one pair, "
                                       "one JSON object a line"
                                     : "the file holds no pairs, only blank lines");
      return NULL;
    }
  set = g_new0 (PlPairSet, 1);
  set->n_pairs = pairs->len;
  set->n_tokens = ((PlInputs *) g_ptr_array_index (pairs, 0))->clean.n_tokens;
  set->file = g_strdup (file);
  set->pairs = (PlInputs **) g_ptr_array_steal (pairs, NULL);
  set->names = (char **) g_ptr_array_steal (names, NULL);
  set->lines = (int *) (void *) g_array_steal (lines, NULL);
  return set;
}

PlPairSet *
pl_pair_set_load (PlTokenizer *tok,
                  int          n_ctx,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *display = g_filename_display_name (path);
  GMappedFile *mapped;
  PlPairSet *set;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not open %s: it is a folder",
                   display);
      return NULL;
    }
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not open %s: %s", display,
                   local->message);
      return NULL;
    }
  set = pl_pair_set_parse (tok, n_ctx, g_mapped_file_get_contents (mapped),
                           g_mapped_file_get_length (mapped), display, error);
  g_mapped_file_unref (mapped);
  return set;
}

void
pl_pair_set_free (PlPairSet *set)
{
  if (set == NULL)
    return;
  for (int i = 0; i < set->n_pairs; i++)
    {
      pl_inputs_free (set->pairs[i]);
      g_free (set->names[i]);
    }
  g_free (set->pairs);
  g_free (set->names);
  g_free (set->lines);
  g_free (set->file);
  g_free (set);
}
