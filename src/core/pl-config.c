/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-config.c: reads and checks a GPT-2 config.json (Hugging Face layout).
 *
 * Each key is read by a small typed helper that names the key in its error; the
 * checks that relate keys (divisibility, n_inner) come after all keys are read.
 */
#include "pl-config.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "pl-error.h"
#include "pl-read-file.h"

/* A config.json is a few hundred bytes; anything this big is not one. */
#define CONFIG_MAX_BYTES (16 * 1024 * 1024)

static const char *const tanh_gelus[] = { "gelu_new", "gelu_pytorch_tanh", "gelu_fast" };


static const char *
json_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_DOUBLE:
      return "a fractional number";
    default:
      return "a number";
    }
}

/* A required integer key in [1, max]. */
static gboolean
read_size (JsonObject *o,
           const char *key,
           gint64      max,
           int        *out,
           const char *file,
           GError    **error)
{
  JsonNode *node = json_object_get_member (o, key);
  gint64 v;

  if (!node)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "missing key '%s'", key);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'%s' must be an integer, not %s", key, json_kind (node));
      return FALSE;
    }
  v = json_node_get_int (node);
  if (v <= 0 || v > max)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'%s' (%" G_GINT64_FORMAT ") must be between 1 and %"
                    G_GINT64_FORMAT, key, v, max);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

/* n_positions, or n_ctx in older files. */
static gboolean
read_positions (JsonObject *o,
                PlConfig   *cfg,
                const char *file,
                GError    **error)
{
  const char *key = json_object_has_member (o, "n_positions") ? "n_positions"
                  : json_object_has_member (o, "n_ctx") ? "n_ctx" : NULL;

  if (!key)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "missing key 'n_positions' (or 'n_ctx')");
      return FALSE;
    }
  return read_size (o, key, 1048576, &cfg->n_positions, file, error);
}

static gboolean
read_epsilon (JsonObject *o,
              PlConfig   *cfg,
              const char *file,
              GError    **error)
{
  JsonNode *node = json_object_get_member (o, "layer_norm_epsilon");
  double eps;

  cfg->layer_norm_epsilon = 1e-5f;
  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_DOUBLE
          && json_node_get_value_type (node) != G_TYPE_INT64))
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'layer_norm_epsilon' must be a number, not %s",
                    json_kind (node));
      return FALSE;
    }
  eps = json_node_get_double (node);
  /* Below float's smallest normal it would vanish; at 1 or above it is not an epsilon. */
  if (!isfinite (eps) || eps < 1e-30 || eps >= 1.0 || (float) eps >= 1.0f)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'layer_norm_epsilon' (%g) must be a small positive "
                    "number such as 1e-05", eps);
      return FALSE;
    }
  cfg->layer_norm_epsilon = (float) eps;
  return TRUE;
}

static gboolean
check_activation (JsonObject *o,
                  const char *file,
                  GError    **error)
{
  JsonNode *node = json_object_get_member (o, "activation_function");
  const char *name;

  if (!node)
    return TRUE;   /* default: gelu_new */
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'activation_function' must be a string, not %s",
                    json_kind (node));
      return FALSE;
    }
  name = json_node_get_string (node);
  if (!g_utf8_validate (name, -1, NULL))   /* json-glib 1.6 decodes octal escapes */
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'activation_function' is not valid UTF-8 text");
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tanh_gelus); i++)
    if (strcmp (name, tanh_gelus[i]) == 0)
      return TRUE;
  pl_set_file_error (error, PL_ERROR_CONFIG, file, "'activation_function' is '%s', but Patchlens computes only "
                "GPT-2's tanh GELU ('gelu_new', 'gelu_pytorch_tanh' or 'gelu_fast')", name);
  return FALSE;
}

/* n_inner: null (meaning 4 * n_embd) or exactly 4 * n_embd. */
static gboolean
check_inner (JsonObject     *o,
             const PlConfig *cfg,
             const char     *file,
             GError        **error)
{
  JsonNode *node = json_object_get_member (o, "n_inner");
  gint64 want = 4 * (gint64) cfg->n_embd;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'n_inner' must be null or an integer, not %s",
                    json_kind (node));
      return FALSE;
    }
  if (json_node_get_int (node) != want)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'n_inner' (%" G_GINT64_FORMAT ") must be null or 4 x "
                    "'n_embd' (%" G_GINT64_FORMAT "); Patchlens computes only that MLP width",
                    json_node_get_int (node), want);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_config (JsonObject *o,
             PlConfig   *cfg,
             const char *file,
             GError    **error)
{
  if (!read_size (o, "n_layer", 1024, &cfg->n_layer, file, error)
      || !read_size (o, "n_head", 65536, &cfg->n_head, file, error)
      || !read_size (o, "n_embd", 65536, &cfg->n_embd, file, error)
      || !read_positions (o, cfg, file, error)
      || !read_size (o, "vocab_size", 10000000, &cfg->vocab_size, file, error)
      || !read_epsilon (o, cfg, file, error)
      || !check_activation (o, file, error))
    return FALSE;

  if (cfg->n_embd % cfg->n_head != 0)
    {
      pl_set_file_error (error, PL_ERROR_CONFIG, file, "'n_embd' (%d) is not divisible by 'n_head' (%d)",
                    cfg->n_embd, cfg->n_head);
      return FALSE;
    }
  return check_inner (o, cfg, file, error);
}

/* The parser behind both entry points; file names the source in messages. */
static gboolean
config_parse_named (PlConfig    *cfg,
                    const char  *json,
                    gsize        len,
                    const char  *file,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  PlConfig parsed = { 0 };
  JsonNode *root;

  if (!g_utf8_validate_len (json, len, NULL))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "%s: not valid UTF-8 text", file);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, json, (gssize) len, &json_error))
    {
      /* json-glib quotes the string it choked on, octal escapes decoded */
      g_autofree char *why = g_utf8_make_valid (json_error->message, -1);

      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "%s: not valid JSON: %s", file, why);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "%s: not a JSON object", file);
      return FALSE;
    }
  if (!read_config (json_node_get_object (root), &parsed, file, error))
    return FALSE;
  *cfg = parsed;   /* only a fully checked config reaches the caller */
  return TRUE;
}

gboolean
pl_config_parse (PlConfig    *cfg,
                 const char  *json,
                 gssize       len,
                 GError     **error)
{
  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (json != NULL || len == 0, FALSE);

  if (len < 0)
    len = (gssize) strlen (json);
  if (len > CONFIG_MAX_BYTES)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, "config.json: %" G_GSSIZE_FORMAT
                   " bytes is far too large for a config file", len);
      return FALSE;
    }
  return config_parse_named (cfg, json ? json : "", (gsize) len, "config.json", error);
}

gboolean
pl_config_load (PlConfig    *cfg,
                const char  *path,
                GError     **error)
{
  g_autofree char *display = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (cfg != NULL && path != NULL, FALSE);
  display = g_filename_display_name (path);
  /* Bounded while reading: config.json pointing at /dev/zero or a FIFO is refused. */
  if (!pl_read_file_bounded (path, CONFIG_MAX_BYTES, "a config file", &contents, &len,
                             error))
    return FALSE;
  return config_parse_named (cfg, contents, len, display, error);
}
