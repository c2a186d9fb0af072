/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-experiment.c: .patchlens experiment files (JSON) and the built-in presets.
 *
 * Reading is strict about what it uses (types, known site and metric names, a sane
 * nesting depth before json-glib's recursive parser sees the text) and lenient about
 * what it does not know: members added by a newer version are ignored.
 */
#include "config.h"

#include "pl-experiment.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pl-error.h"
#include "pl-experiment-private.h"
#include "pl-read-file.h"
#include "pl-result-io.h"

#define MAX_FILE_SIZE (256 * 1024 * 1024)
#define MAX_DEPTH 64

static const PlPreset presets[] = {
  {
    N_("Michelle Jones / Smith"),
    "Michelle Jones was a top-notch student. Michelle",
    "Michelle Smith was a top-notch student. Michelle",
    " Jones", " Smith",
  },
  {
    N_("Jessica Jones … Michelle"),
    "Michelle Jones was a top-notch student. Michelle",
    "Jessica Jones was a top-notch student. Michelle",
    " Jones", " Smith",
  },
  {
    N_("Michelle Smith … Jessica"),
    "Michelle Jones was a top-notch student. Michelle",
    "Michelle Smith was a top-notch student. Jessica",
    " Jones", " Smith",
  },
  {
    /* Indirect-object identification (Wang et al. 2022): the subject's name is swapped,
     * so both prompts have 14 tokens and the answer flips; which heads move the name? */
    N_("Indirect object: Mary / John (heads)"),
    "When Mary and John went to the store, John gave a drink to",
    "When Mary and John went to the store, Mary gave a drink to",
    " Mary", " John",
    "head_out",
  },
};

const PlPreset *
pl_presets (guint *n_presets)
{
  if (n_presets)
    *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

PlExperiment *
pl_experiment_new (void)
{
  PlExperiment *e = g_new0 (PlExperiment, 1);

  e->clean = g_strdup ("");
  e->corrupted = g_strdup ("");
  e->clean_answer = g_strdup ("");
  e->corrupted_answer = g_strdup ("");
  e->site = PL_SITE_RESID_POST;
  e->metric = PL_METRIC_LOGIT_DIFF;
  e->top_k = 20;
  return e;
}

void
pl_experiment_free (PlExperiment *e)
{
  if (e == NULL)
    return;
  g_free (e->clean);
  g_free (e->corrupted);
  g_free (e->clean_answer);
  g_free (e->corrupted_answer);
  g_free (e->model);
  pl_sweep_result_free (e->result);
  g_free (e->pairs);
  pl_set_result_free (e->set_result);
  g_free (e);
}

/* ---- writing ---- */

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value ? value : "");
}

char *
pl_experiment_to_json (const PlExperiment *e,
                       gsize              *length)
{
  g_return_val_if_fail (e != NULL, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "format", "patchlens-experiment");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PL_EXPERIMENT_VERSION);
  add_string (b, "clean", e->clean);
  add_string (b, "corrupted", e->corrupted);
  add_string (b, "clean_answer", e->clean_answer);
  add_string (b, "corrupted_answer", e->corrupted_answer);
  add_string (b, "site", pl_site_to_string (e->site));
  add_string (b, "metric", pl_metric_to_string (e->metric));
  add_string (b, "direction", pl_direction_to_string (e->direction));
  json_builder_set_member_name (b, "by_position");
  json_builder_add_boolean_value (b, e->by_position);
  json_builder_set_member_name (b, "model");
  if (e->model)
    json_builder_add_string_value (b, e->model);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "top_k");
  json_builder_add_int_value (b, e->top_k);
  json_builder_set_member_name (b, "result");
  if (e->result)
    json_builder_add_value (b, pl_result_to_json_node (e->result));
  else
    json_builder_add_null_value (b);
  pl_experiment_write_pairs (e, b);
  json_builder_end_object (b);

  g_autoptr(JsonNode) root = json_builder_get_root (b);
  return pl_json_node_to_string (root, length);
}

gboolean
pl_experiment_save (const PlExperiment *e,
                    const char         *path,
                    GError            **error)
{
  g_return_val_if_fail (e != NULL && path != NULL, FALSE);
  gsize len;
  g_autofree char *data = pl_experiment_to_json (e, &len);

  return pl_write_file_atomic (path, data, len, error);
}

/* ---- reading ---- */

/* FALSE if brackets nest deeper than MAX_DEPTH outside strings: json-glib's parser
 * recurses once per level, and a file of a million '[' must not exhaust the stack. */
static gboolean
depth_ok (const char *data,
          gsize       length)
{
  int depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return TRUE;
}

static gboolean
not_experiment (GError    **error,
                const char *why)
{
  /* why may quote the file (json-glib's parse errors do): keep the message UTF-8. */
  g_autofree char *valid = g_utf8_make_valid (why, -1);

  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
               _("This is not a Patchlens experiment: %s."), valid);
  return FALSE;
}

/* A required text member, valid UTF-8. */
static gboolean
take_string (JsonObject  *o,
             const char  *name,
             char       **out,
             GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (n), -1, NULL))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   n == NULL ? _("The experiment has no “%s” text.")
                             : _("The experiment's “%s” should be a text."), name);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

/* An optional text member: absent or null leaves *out as it is. */
static gboolean
optional_string (JsonObject  *o,
                 const char  *name,
                 const char **out,
                 GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (n), -1, NULL))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's “%s” should be a text."), name);
      return FALSE;
    }
  *out = json_node_get_string (n);
  return TRUE;
}

/* format and version: what makes a JSON file an experiment we can read. */
static gboolean
check_format (JsonNode  *root,
              GError   **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return not_experiment (error, _("the file is not a JSON object"));
  JsonObject *o = json_node_get_object (root);
  JsonNode *format = json_object_get_member (o, "format");
  JsonNode *version = json_object_get_member (o, "version");

  if (format == NULL || !JSON_NODE_HOLDS_VALUE (format)
      || json_node_get_value_type (format) != G_TYPE_STRING)
    return not_experiment (error, _("it has no “format” member"));
  if (!g_str_equal (json_node_get_string (format), "patchlens-experiment"))
    {
      g_autofree char *why = g_strdup_printf (_("its format is “%s”"),
                                              json_node_get_string (format));
      return not_experiment (error, why);
    }
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version)
      || json_node_get_value_type (version) != G_TYPE_INT64
      || json_node_get_int (version) < 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's “version” should be a whole number from 1."));
      return FALSE;
    }
  return TRUE;
}

/* site, metric, model, top_k: optional, with the defaults of a new experiment. */
static gboolean
parse_options (JsonObject    *o,
               PlExperiment  *e,
               GError       **error)
{
  const char *site = NULL, *metric = NULL, *model = NULL, *direction = NULL;
  JsonNode *k = json_object_get_member (o, "top_k");
  JsonNode *by_pos = json_object_get_member (o, "by_position");

  if (!optional_string (o, "site", &site, error)
      || !optional_string (o, "metric", &metric, error)
      || !optional_string (o, "direction", &direction, error)
      || !optional_string (o, "model", &model, error))
    return FALSE;
  if (site && !pl_site_from_string (site, &e->site))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's site “%s” is unknown."), site);
      return FALSE;
    }
  if (metric && !pl_metric_from_string (metric, &e->metric))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's metric “%s” is unknown."), metric);
      return FALSE;
    }
  if (direction && !pl_direction_from_string (direction, &e->direction))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The experiment's direction “%s” is unknown (denoise or noise)."),
                   direction);
      return FALSE;
    }
  if (by_pos && !JSON_NODE_HOLDS_NULL (by_pos))
    {
      if (!JSON_NODE_HOLDS_VALUE (by_pos)
          || json_node_get_value_type (by_pos) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("The experiment's “by_position” should be true or false."));
          return FALSE;
        }
      e->by_position = json_node_get_boolean (by_pos);
    }
  e->model = g_strdup (model);
  if (k && !JSON_NODE_HOLDS_NULL (k))
    {
      if (!JSON_NODE_HOLDS_VALUE (k) || json_node_get_value_type (k) != G_TYPE_INT64
          || json_node_get_int (k) < 1 || json_node_get_int (k) > 1000)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("The experiment's “top_k” should be a whole number from 1 to "
                         "1000."));
          return FALSE;
        }
      e->top_k = (int) json_node_get_int (k);
    }
  return TRUE;
}

static gboolean
parse_result (JsonObject    *o,
              PlExperiment  *e,
              GError       **error)
{
  JsonNode *r = json_object_get_member (o, "result");

  if (r == NULL || JSON_NODE_HOLDS_NULL (r))
    return TRUE;
  e->result = pl_result_from_json_node (r, error);
  if (e->result == NULL)
    {
      g_prefix_error (error, _("The experiment's saved result is damaged: "));
      return FALSE;
    }
  return TRUE;
}

PlExperiment *
pl_experiment_parse (const char  *data,
                     gssize       length,
                     GError     **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  gsize len = length < 0 ? strlen (data) : (gsize) length;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;

  if (len > MAX_FILE_SIZE)
    {
      not_experiment (error, _("it is larger than 256 MiB"));
      return NULL;
    }
  if (!depth_ok (data, len))
    {
      not_experiment (error, _("its JSON nests too deep"));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data ? data : "", len, &json_error))
    {
      not_experiment (error, json_error->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      not_experiment (error, _("the file is empty"));
      return NULL;
    }
  if (!check_format (root, error))
    return NULL;

  JsonObject *o = json_node_get_object (root);
  g_autoptr(PlExperiment) e = pl_experiment_new ();
  if (!take_string (o, "clean", &e->clean, error)
      || !take_string (o, "corrupted", &e->corrupted, error)
      || !take_string (o, "clean_answer", &e->clean_answer, error)
      || !take_string (o, "corrupted_answer", &e->corrupted_answer, error)
      || !parse_options (o, e, error)
      || !parse_result (o, e, error)
      || !pl_experiment_read_pairs (o, e, error))
    return NULL;
  return g_steal_pointer (&e);
}

PlExperiment *
pl_experiment_load (const char  *path,
                    GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *data = NULL;
  gsize len;

  /* Regular files only, bounded while reading (not /dev/zero, not a FIFO). */
  if (!pl_read_file_bounded (path, MAX_FILE_SIZE, "an experiment file", &data, &len,
                             error))
    return NULL;
  PlExperiment *e = pl_experiment_parse (data, len, error);
  if (e == NULL)
    g_prefix_error (error, "%s: ", path);
  return e;
}
