/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-result-read.c: a sweep result from its JSON tree (the inverse of
 * pl_result_to_json_node), every member checked before it is trusted, every error
 * naming the member at fault.
 */
#include "config.h"

#include "pl-result-io.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "pl-error.h"

/* What a model of the GPT-2 family can produce, with room to spare: gpt2-xl has 48
 * layers and 1024 positions, and a top-k never lists more tokens than the 50257 of
 * GPT-2's vocabulary. A file claiming more is refused before anything is allocated
 * for it (a result's JSON tree already takes ~40 times the file's size). */
#define MAX_LAYERS    96
#define MAX_POSITIONS 8192
#define MAX_TOPK      50257
#define MAX_CELLS     (MAX_LAYERS * MAX_POSITIONS)

static gboolean
missing (JsonNode    *n,
         const char  *where,
         const char  *name,
         GError     **error)
{
  if (n != NULL)
    return FALSE;
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
               _("The sweep result has no “%s%s” member."), where, name);
  return TRUE;
}

static gboolean
wrong_type (const char  *where,
            const char  *name,
            const char  *what,
            GError     **error)
{
  g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
               _("In the sweep result, “%s%s” should be %s."), where, name, what);
  return FALSE;
}

/* The member name of o, which must be an object or an array (type). */
static JsonNode *
member (JsonObject  *o,
        const char  *where,
        const char  *name,
        JsonNodeType type,
        GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (missing (n, where, name, error))
    return NULL;
  if (JSON_NODE_TYPE (n) != type)
    {
      wrong_type (where, name, type == JSON_NODE_OBJECT ? _("an object") : _("an array"),
                  error);
      return NULL;
    }
  return n;
}

/* A double from JSON as a float, without undefined behaviour for huge values. */
static float
to_float (double v)
{
  /* Beyond FLT_MAX by more than half an ulp: infinite (3.4028235e38 is FLT_MAX). */
  if (fabs (v) > (double) G_MAXFLOAT * (1.0 + 0x1p-25))
    return v > 0 ? INFINITY : v < 0 ? -INFINITY : NAN;
  return (float) v;
}

static gboolean
get_string (JsonObject  *o,
            const char  *where,
            const char  *name,
            const char **out,
            GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (missing (n, where, name, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (n), -1, NULL))
    return wrong_type (where, name, _("a text"), error);
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
get_int (JsonObject  *o,
         const char  *where,
         const char  *name,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (missing (n, where, name, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < min || json_node_get_int (n) > max)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("In the sweep result, “%s%s” should be a whole number from %"
                     G_GINT64_FORMAT " to %" G_GINT64_FORMAT "."), where, name, min, max);
      return FALSE;
    }
  *out = json_node_get_int (n);
  return TRUE;
}

/* A number, or null for NaN. */
static gboolean
node_number (JsonNode *n,
             double   *out)
{
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *out = NAN;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_double (n);
  return TRUE;
}

static gboolean
get_number (JsonObject  *o,
            const char  *where,
            const char  *name,
            double      *out,
            GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (missing (n, where, name, error))
    return FALSE;
  if (!node_number (n, out))
    return wrong_type (where, name, _("a number"), error);
  return TRUE;
}

static PlTopK *
parse_topk (JsonArray   *a,
            const char  *where,
            GError     **error)
{
  guint n = json_array_get_length (a);
  g_autoptr(PlTopK) top = NULL;

  if (n > MAX_TOPK)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("In the sweep result, “%stopk” lists %u tokens; a GPT-2 vocabulary "
                     "has %d."), where, n, MAX_TOPK);
      return NULL;
    }
  top = g_new0 (PlTopK, 1);
  top->entries = g_new0 (PlTopEntry, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      JsonNode *en = json_array_get_element (a, i);
      PlTopEntry *e = &top->entries[i];
      const char *token;
      gint64 rank, id;
      double prob, logit;
      g_autofree char *w = g_strdup_printf ("%stopk[%u].", where, i);

      if (!JSON_NODE_HOLDS_OBJECT (en))
        {
          g_autofree char *item = g_strdup_printf ("topk[%u]", i);
          wrong_type (where, item, _("an object"), error);
          return NULL;
        }
      JsonObject *o = json_node_get_object (en);
      if (!get_int (o, w, "rank", 1, G_MAXINT, &rank, error)
          || !get_int (o, w, "id", 0, G_MAXINT32, &id, error)
          || !get_string (o, w, "token", &token, error)
          || !get_number (o, w, "prob", &prob, error)
          || !get_number (o, w, "logit", &logit, error))
        return NULL;
      e->rank = (int) rank;
      e->id = (gint32) id;
      e->token = g_strdup (token);
      e->prob = prob;
      e->logit = to_float (logit);
      top->n = (int) i + 1;
    }
  return g_steal_pointer (&top);
}

/* One run ("clean" or "corrupted"): the prompt, its top-k, logits and metric. */
static gboolean
parse_run (JsonObject  *root,
           const char  *name,
           int          n_positions,
           PlPrompt    *p,
           PlTopK     **top,
           float        logits[2],
           double      *metric,
           GError     **error)
{
  g_autofree char *w = g_strdup_printf ("%s.", name);
  g_autofree char *wal = g_strdup_printf ("%s.answer_logits.", name);
  JsonNode *n = member (root, "", name, JSON_NODE_OBJECT, error);
  JsonNode *ids, *pieces, *topk, *al;
  const char *text;
  double v0, v1;

  if (n == NULL)
    return FALSE;
  JsonObject *o = json_node_get_object (n);
  if (!get_string (o, w, "text", &text, error)
      || !(ids = member (o, w, "ids", JSON_NODE_ARRAY, error))
      || !(pieces = member (o, w, "pieces", JSON_NODE_ARRAY, error))
      || !(topk = member (o, w, "topk", JSON_NODE_ARRAY, error))
      || !(al = member (o, w, "answer_logits", JSON_NODE_OBJECT, error))
      || !get_number (json_node_get_object (al), wal, "clean", &v0, error)
      || !get_number (json_node_get_object (al), wal, "corrupted", &v1, error)
      || !get_number (o, w, "metric", metric, error))
    return FALSE;

  JsonArray *ia = json_node_get_array (ids), *pa = json_node_get_array (pieces);
  if (json_array_get_length (ia) != (guint) n_positions
      || json_array_get_length (pa) != (guint) n_positions)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("In the sweep result, “%s” has %u ids and %u pieces for %d "
                     "positions."), name, json_array_get_length (ia),
                   json_array_get_length (pa), n_positions);
      return FALSE;
    }
  p->text = g_strdup (text);
  p->n_tokens = n_positions;
  p->ids = g_new0 (gint32, n_positions);
  p->pieces = g_new0 (char *, n_positions + 1);
  for (int i = 0; i < n_positions; i++)
    {
      JsonNode *in = json_array_get_element (ia, i), *pn = json_array_get_element (pa, i);
      if (!JSON_NODE_HOLDS_VALUE (in) || json_node_get_value_type (in) != G_TYPE_INT64
          || json_node_get_int (in) < 0 || json_node_get_int (in) > G_MAXINT32
          || !JSON_NODE_HOLDS_VALUE (pn) || json_node_get_value_type (pn) != G_TYPE_STRING
          || !g_utf8_validate (json_node_get_string (pn), -1, NULL))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("In the sweep result, token %d of “%s” should be a "
                         "non-negative id and a text."), i, name);
          return FALSE;
        }
      p->ids[i] = (gint32) json_node_get_int (in);
      p->pieces[i] = g_strdup (json_node_get_string (pn));
    }
  *top = parse_topk (json_node_get_array (topk), w, error);
  logits[0] = to_float (v0);
  logits[1] = to_float (v1);
  return *top != NULL;
}

static gboolean
parse_answer (JsonObject  *root,
              const char  *name,
              gint32      *id,
              char       **token,
              GError     **error)
{
  g_autofree char *w = g_strdup_printf ("%s.", name);
  JsonNode *n = member (root, "", name, JSON_NODE_OBJECT, error);
  const char *t;
  gint64 v;

  if (n == NULL
      || !get_int (json_node_get_object (n), w, "id", 0, G_MAXINT32, &v, error)
      || !get_string (json_node_get_object (n), w, "token", &t, error))
    return FALSE;
  *id = (gint32) v;
  *token = g_strdup (t);
  return TRUE;
}

/* matrix: exactly layers arrays of positions numbers (or null). */
static float *
parse_matrix (JsonObject  *root,
              int          n_layers,
              int          n_positions,
              GError     **error)
{
  JsonNode *n = member (root, "", "matrix", JSON_NODE_ARRAY, error);
  if (n == NULL)
    return NULL;
  JsonArray *rows = json_node_get_array (n);

  if (json_array_get_length (rows) != (guint) n_layers)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The sweep result's matrix has %u rows; it should have one per "
                     "layer (%d)."), json_array_get_length (rows), n_layers);
      return NULL;
    }
  g_autofree float *m = g_new (float, (gsize) n_layers * n_positions);
  for (int l = 0; l < n_layers; l++)
    {
      JsonNode *rn = json_array_get_element (rows, l);
      if (!JSON_NODE_HOLDS_ARRAY (rn)
          || json_array_get_length (json_node_get_array (rn)) != (guint) n_positions)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("Row %d of the sweep result's matrix should be an array of %d "
                         "numbers (one per position)."), l, n_positions);
          return NULL;
        }
      JsonArray *row = json_node_get_array (rn);
      for (int p = 0; p < n_positions; p++)
        {
          double v;
          if (!node_number (json_array_get_element (row, p), &v))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                           _("The sweep result's matrix has a value at layer %d, position "
                             "%d that is not a number or null."), l, p);
              return NULL;
            }
          m[(gsize) l * n_positions + p] = to_float (v);
        }
    }
  return g_steal_pointer (&m);
}

/* The header fields: format, names, sizes. */
static gboolean
parse_header (JsonObject     *o,
              PlSweepResult  *r,
              GError        **error)
{
  const char *format, *site, *metric;
  gint64 version, layers, positions;
  JsonNode *model = json_object_get_member (o, "model");

  if (!get_string (o, "", "format", &format, error))
    return FALSE;
  if (!g_str_equal (format, "patchlens-sweep"))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("This is not a Patchlens sweep result (its format is “%s”)."), format);
      return FALSE;
    }
  if (!get_int (o, "", "version", 1, G_MAXINT, &version, error)
      || !get_string (o, "", "site", &site, error)
      || !get_string (o, "", "metric", &metric, error)
      || !get_int (o, "", "layers", 1, MAX_LAYERS, &layers, error)
      || !get_int (o, "", "positions", 1, MAX_POSITIONS, &positions, error))
    return FALSE;
  if (!pl_site_from_string (site, &r->site))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The sweep result's site “%s” is unknown."), site);
      return FALSE;
    }
  if (!pl_metric_from_string (metric, &r->metric))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The sweep result's metric “%s” is unknown."), metric);
      return FALSE;
    }
  if (layers * positions > MAX_CELLS)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("The sweep result claims %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                     " cells, more than Patchlens handles."), layers, positions);
      return FALSE;
    }
  if (model && !JSON_NODE_HOLDS_NULL (model))
    {
      const char *name;
      if (!get_string (o, "", "model", &name, error))
        return FALSE;
      r->model_name = g_strdup (name);
    }
  r->n_layers = (int) layers;
  r->n_positions = (int) positions;
  return TRUE;
}

PlSweepResult *
pl_result_from_json_node (JsonNode  *node,
                          GError   **error)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_autoptr(PlSweepResult) r = g_new0 (PlSweepResult, 1);
  JsonNode *naive;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("A sweep result should be a JSON object."));
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  r->inputs = g_new0 (PlInputs, 1);
  if (!parse_header (o, r, error)
      || !parse_run (o, "clean", r->n_positions, &r->inputs->clean, &r->clean_topk,
                     r->clean_logits, &r->clean_value, error)
      || !parse_run (o, "corrupted", r->n_positions, &r->inputs->corrupted,
                     &r->corrupted_topk, r->corrupted_logits, &r->corrupted_value, error)
      || !parse_answer (o, "clean_answer", &r->inputs->clean_answer_id,
                        &r->inputs->clean_answer, error)
      || !parse_answer (o, "corrupted_answer", &r->inputs->corrupted_answer_id,
                        &r->inputs->corrupted_answer, error)
      || !(r->matrix = parse_matrix (o, r->n_layers, r->n_positions, error))
      || !get_number (o, "", "seconds", &r->seconds, error))
    return NULL;
  naive = json_object_get_member (o, "naive");
  if (naive && (!JSON_NODE_HOLDS_VALUE (naive)
                || json_node_get_value_type (naive) != G_TYPE_BOOLEAN))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                   _("In the sweep result, “naive” should be true or false."));
      return NULL;
    }
  r->naive = naive ? json_node_get_boolean (naive) : FALSE;
  return g_steal_pointer (&r);
}
