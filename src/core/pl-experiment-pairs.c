/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-experiment-pairs.c: an experiment's set of pairs: the mode, the set (one JSON
 * object a pair, so that the file reads like the .jsonl it came from) and the set's
 * result.
 */
#include "config.h"

#include "pl-experiment-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pl-error.h"
#include "pl-set-result-store.h"

/* ---- writing ---- */

/* Each line of the JSON Lines text as the object it holds; a line that is not JSON
 * (the app never makes one, but the text is the user's) is kept as a string. */
static void
add_pair_lines (JsonBuilder *b,
                const char  *jsonl)
{
  g_auto(GStrv) lines = g_strsplit (jsonl ? jsonl : "", "\n", -1);

  json_builder_begin_array (b);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (g_strstrip (lines[i])[0] == '\0')
        continue;
      if (json_parser_load_from_data (parser, lines[i], -1, NULL)
          && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
        json_builder_add_value (b, json_node_copy (root));
      else
        json_builder_add_string_value (b, lines[i]);
    }
  json_builder_end_array (b);
}

void
pl_experiment_write_pairs (const PlExperiment *e,
                           JsonBuilder        *b)
{
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, e->pairs_mode ? "pairs" : "single");
  json_builder_set_member_name (b, "pairs");
  add_pair_lines (b, e->pairs);
  json_builder_set_member_name (b, "set_result");
  if (e->set_result != NULL)
    json_builder_add_value (b, pl_set_result_to_node (e->set_result));
  else
    json_builder_add_null_value (b);
}

/* ---- reading ---- */

static gboolean
read_mode (JsonObject   *o,
           PlExperiment *e,
           GError      **error)
{
  JsonNode *n = json_object_get_member (o, "mode");
  const char *mode;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  mode = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : "";
  if (strcmp (mode, "single") != 0 && strcmp (mode, "pairs") != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's “mode” should be “single” or “pairs”."));
      return FALSE;
    }
  e->pairs_mode = strcmp (mode, "pairs") == 0;
  return TRUE;
}

/* The objects back to JSON Lines, one line each. */
static gboolean
read_set (JsonObject   *o,
          PlExperiment *e,
          GError      **error)
{
  JsonNode *n = json_object_get_member (o, "pairs");
  JsonArray *a;
  g_autoptr(GString) text = g_string_new (NULL);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's “pairs” should be a list of pairs."));
      return FALSE;
    }
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *p = json_array_get_element (a, i);
      g_autofree char *line = NULL;

      if (JSON_NODE_HOLDS_OBJECT (p))
        line = json_to_string (p, FALSE);
      else if (JSON_NODE_HOLDS_VALUE (p) && json_node_get_value_type (p) == G_TYPE_STRING)
        line = g_strdup (json_node_get_string (p));
      else
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("The experiment's pair %u is not a pair of prompts."), i + 1);
          return FALSE;
        }
      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }
  e->pairs = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

static gboolean
read_set_result (JsonObject   *o,
                 PlExperiment *e,
                 GError      **error)
{
  JsonNode *n = json_object_get_member (o, "set_result");

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  e->set_result = pl_set_result_from_node (n, error);
  if (e->set_result == NULL)
    {
      g_prefix_error (error, _("The experiment's saved result for the set is damaged: "));
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_experiment_read_pairs (JsonObject   *o,
                          PlExperiment *e,
                          GError      **error)
{
  return read_mode (o, e, error) && read_set (o, e, error) && read_set_result (o, e, error);
}
