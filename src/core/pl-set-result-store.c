/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-set-result-store.c: a set's sweep result to and from an experiment's JSON.
 */
#include "config.h"

#include "pl-set-result-store.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "pl-error.h"
#include "pl-result-io.h"

/* ---- writing ---- */

/* Non-finite numbers are null: JSON has no NaN. */
static void
add_floats (JsonBuilder *b,
            const char  *name,
            const float *v,
            gsize        n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      json_builder_add_double_value (b, v[i]);
    else
      json_builder_add_null_value (b);
  json_builder_end_array (b);
}

static void
add_text (JsonBuilder *b,
          const char  *name,
          const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_pair (JsonBuilder       *b,
          const PlSetResult *r,
          int                i)
{
  const PlSetPair *p = &r->pairs[i];

  json_builder_begin_object (b);
  add_text (b, "name", p->name);
  json_builder_set_member_name (b, "line");
  json_builder_add_int_value (b, p->line);
  add_text (b, "clean", p->clean);
  add_text (b, "corrupted", p->corrupted);
  add_text (b, "clean_answer", p->clean_answer);
  add_text (b, "corrupted_answer", p->corrupted_answer);
  json_builder_set_member_name (b, "clean_answer_id");
  json_builder_add_int_value (b, p->clean_answer_id);
  json_builder_set_member_name (b, "corrupted_answer_id");
  json_builder_add_int_value (b, p->corrupted_answer_id);
  json_builder_set_member_name (b, "clean_value");
  json_builder_add_double_value (b, p->clean_value);
  json_builder_set_member_name (b, "corrupted_value");
  json_builder_add_double_value (b, p->corrupted_value);
  add_floats (b, "matrix", r->matrices + (gsize) i * r->n_cells, r->n_cells);
  json_builder_end_object (b);
}

JsonNode *
pl_set_result_to_node (const PlSetResult *r)
{
  g_return_val_if_fail (r != NULL && r->summary != NULL, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "summary");
  json_builder_add_value (b, pl_result_to_json_node (r->summary));
  add_floats (b, "std", r->std, r->n_cells);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, r->seconds);
  json_builder_set_member_name (b, "pairs");
  json_builder_begin_array (b);
  for (int i = 0; i < r->n_pairs; i++)
    add_pair (b, r, i);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- reading ---- */

static gboolean
damaged (GError    **error,
         const char *what)
{
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
               _("the set's result has no valid “%s”"), what);
  return FALSE;
}

static gboolean
is_number (JsonNode *n)
{
  GType t = n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;

  return t == G_TYPE_DOUBLE || t == G_TYPE_INT64;
}

/* n numbers (null is NaN) into out. */
static gboolean
read_floats (JsonObject *o,
             const char *name,
             float      *out,
             gsize       n,
             GError    **error)
{
  JsonNode *node = json_object_get_member (o, name);
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (a == NULL || json_array_get_length (a) != n)
    return damaged (error, name);
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *v = json_array_get_element (a, i);

      if (JSON_NODE_HOLDS_NULL (v))
        out[i] = NAN;
      else if (is_number (v))
        out[i] = (float) json_node_get_double (v);
      else
        return damaged (error, name);
    }
  return TRUE;
}

/* A text member; optional ones may be absent or null (*out stays NULL). */
static gboolean
read_text (JsonObject *o,
           const char *name,
           gboolean    optional,
           char      **out,
           GError    **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (optional && (n == NULL || JSON_NODE_HOLDS_NULL (n)))
    return TRUE;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (n), -1, NULL))
    return damaged (error, name);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

static gboolean
read_number (JsonObject *o,
             const char *name,
             double     *out,
             GError    **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!is_number (n))
    return damaged (error, name);
  *out = json_node_get_double (n);
  return TRUE;
}

static gboolean
read_pair (JsonNode    *node,
           PlSetResult *r,
           int          i,
           GError     **error)
{
  PlSetPair *p = &r->pairs[i];
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  double line, ca, cora;

  if (o == NULL)
    return damaged (error, "pairs");
  if (!read_text (o, "name", TRUE, &p->name, error)
      || !read_text (o, "clean", FALSE, &p->clean, error)
      || !read_text (o, "corrupted", FALSE, &p->corrupted, error)
      || !read_text (o, "clean_answer", FALSE, &p->clean_answer, error)
      || !read_text (o, "corrupted_answer", FALSE, &p->corrupted_answer, error)
      || !read_number (o, "line", &line, error)
      || !read_number (o, "clean_answer_id", &ca, error)
      || !read_number (o, "corrupted_answer_id", &cora, error)
      || !read_number (o, "clean_value", &p->clean_value, error)
      || !read_number (o, "corrupted_value", &p->corrupted_value, error))
    return FALSE;
  if (ca < 0 || cora < 0 || ca > G_MAXINT32 || cora > G_MAXINT32 || line < 0 || line > G_MAXINT)
    return damaged (error, "clean_answer_id");
  p->line = (int) line;
  p->clean_answer_id = (gint32) ca;
  p->corrupted_answer_id = (gint32) cora;
  return read_floats (o, "matrix", r->matrices + (gsize) i * r->n_cells, r->n_cells, error);
}

static gboolean
read_pairs (JsonObject  *o,
            PlSetResult *r,
            GError     **error)
{
  JsonNode *node = json_object_get_member (o, "pairs");
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = a ? json_array_get_length (a) : 0;

  if (n == 0 || n > PL_PAIR_SET_MAX_PAIRS)
    return damaged (error, "pairs");
  r->pairs = g_new0 (PlSetPair, n);
  r->n_pairs = (int) n;   /* so that freeing frees what was read so far */
  r->matrices = g_new (float, (gsize) n * r->n_cells);
  for (guint i = 0; i < n; i++)
    if (!read_pair (json_array_get_element (a, i), r, (int) i, error))
      return FALSE;
  return TRUE;
}

PlSetResult *
pl_set_result_from_node (JsonNode  *node,
                         GError   **error)
{
  g_return_val_if_fail (node != NULL, NULL);
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *summary = o ? json_object_get_member (o, "summary") : NULL;
  g_autoptr(PlSetResult) r = g_new0 (PlSetResult, 1);

  if (summary == NULL)
    {
      damaged (error, "summary");
      return NULL;
    }
  r->summary = pl_result_from_json_node (summary, error);
  if (r->summary == NULL)
    return NULL;
  r->n_cells = (int) pl_sweep_result_n_cells (r->summary);
  r->mean = r->summary->matrix;
  r->std = g_new (float, r->n_cells);
  r->seconds = r->summary->seconds;
  if (!read_floats (o, "std", r->std, r->n_cells, error) || !read_pairs (o, r, error))
    return NULL;
  return g_steal_pointer (&r);
}
