/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-result-io.c: a sweep result to JSON and CSV and back, and the atomic file writer.
 *
 * The tree is built with JsonBuilder, but written by our own small printer: json-glib
 * prints every double with 17 digits (0.1634f becomes 0.16339999437332153), while a
 * float needs at most 9, and NaN (a cell not computed) must become null to stay JSON.
 */
#include "config.h"

#include "pl-result-io.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "pl-error.h"

/* ---- numbers and the JSON printer ---- */

/* The shortest decimal that reads back as the same float (at most 9 significant digits,
 * "%.9g" semantics); "2.0" rather than "2" so readers see a real number. */
static void
append_float (GString *s,
              double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  float f = (float) d;

  for (int p = 1; p <= 9; p++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", p);
      g_ascii_formatd (buf, sizeof buf, fmt, (double) f);
      if ((float) g_ascii_strtod (buf, NULL) == f)
        break;
    }
  g_string_append (s, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (s, ".0");
}

static void
append_number (GString *s,
               double   d)
{
  if (!isfinite (d) || fabs (d) > G_MAXFLOAT)
    g_string_append (s, "null");   /* JSON has no NaN; null reads back as NaN */
  else
    append_float (s, d);
}

static void
append_string (GString    *s,
               const char *str)
{
  g_autofree char *valid = g_utf8_make_valid (str, -1);

  g_string_append_c (s, '"');
  for (const char *p = valid; *p; p++)
    {
      guchar c = (guchar) *p;
      switch (c)
        {
        case '"': g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (s, "\\u%04x", c);
          else
            g_string_append_c (s, (char) c);
        }
    }
  g_string_append_c (s, '"');
}

static gboolean
is_scalar (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) || JSON_NODE_HOLDS_NULL (node);
}

static void append_node (GString *s, JsonNode *node, int indent);

static void
append_indent (GString *s,
               int      indent)
{
  g_string_append_c (s, '\n');
  for (int i = 0; i < indent; i++)
    g_string_append (s, "  ");
}

/* Arrays of plain values (ids, pieces, a matrix row) on one line; the rest one member
 * a line, indented by two spaces. */
static void
append_array (GString   *s,
              JsonArray *a,
              int        indent)
{
  guint n = json_array_get_length (a);
  gboolean flat = TRUE;

  for (guint i = 0; i < n && flat; i++)
    flat = is_scalar (json_array_get_element (a, i));
  g_string_append_c (s, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, flat ? ", " : ",");
      if (!flat)
        append_indent (s, indent + 1);
      append_node (s, json_array_get_element (a, i), indent + 1);
    }
  if (!flat && n > 0)
    append_indent (s, indent);
  g_string_append_c (s, ']');
}

static void
append_object (GString    *s,
               JsonObject *o,
               int         indent)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (s, '{');
  json_object_iter_init_ordered (&iter, o);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (!first)
        g_string_append_c (s, ',');
      first = FALSE;
      append_indent (s, indent + 1);
      append_string (s, name);
      g_string_append (s, ": ");
      append_node (s, member, indent + 1);
    }
  if (!first)
    append_indent (s, indent);
  g_string_append_c (s, '}');
}

static void
append_node (GString  *s,
             JsonNode *node,
             int       indent)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      append_object (s, json_node_get_object (node), indent);
      break;
    case JSON_NODE_ARRAY:
      append_array (s, json_node_get_array (node), indent);
      break;
    case JSON_NODE_NULL:
      g_string_append (s, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          append_number (s, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (s, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (s, json_node_get_string (node));
          break;
        default:
          g_string_append (s, "null");
        }
      break;
    }
}

char *
pl_json_node_to_string (JsonNode *node,
                        gsize    *length)
{
  g_return_val_if_fail (node != NULL, NULL);
  GString *s = g_string_new (NULL);

  append_node (s, node, 0);
  g_string_append_c (s, '\n');
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}

/* ---- result to JSON ---- */

static void
add_number (JsonBuilder *b,
            const char  *name,
            double       v)
{
  json_builder_set_member_name (b, name);
  if (isnan (v))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, v);
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *v)
{
  json_builder_set_member_name (b, name);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_topk (JsonBuilder  *b,
          const PlTopK *top)
{
  json_builder_set_member_name (b, "topk");
  json_builder_begin_array (b);
  for (int i = 0; top && i < top->n; i++)
    {
      const PlTopEntry *e = &top->entries[i];
      json_builder_begin_object (b);
      add_int (b, "rank", e->rank);
      add_int (b, "id", e->id);
      add_string (b, "token", e->token ? e->token : "");
      add_number (b, "prob", e->prob);
      add_number (b, "logit", e->logit);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* "clean": { text, ids, pieces, topk, answer_logits, metric } */
static void
add_run (JsonBuilder    *b,
         const char     *name,
         const PlPrompt *p,
         const PlTopK   *top,
         const float     answer_logits[2],
         double          metric)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_string (b, "text", p->text ? p->text : "");
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (int i = 0; i < p->n_tokens; i++)
    json_builder_add_int_value (b, p->ids[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pieces");
  json_builder_begin_array (b);
  for (int i = 0; i < p->n_tokens; i++)
    json_builder_add_string_value (b, p->pieces[i] ? p->pieces[i] : "");
  json_builder_end_array (b);
  add_topk (b, top);
  json_builder_set_member_name (b, "answer_logits");
  json_builder_begin_object (b);
  add_number (b, "clean", answer_logits[0]);
  add_number (b, "corrupted", answer_logits[1]);
  json_builder_end_object (b);
  add_number (b, "metric", metric);
  json_builder_end_object (b);
}

static void
add_answer (JsonBuilder *b,
            const char  *name,
            gint32       id,
            const char  *token)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_int (b, "id", id);
  add_string (b, "token", token ? token : "");
  json_builder_end_object (b);
}

JsonNode *
pl_result_to_json_node (const PlSweepResult *r)
{
  g_return_val_if_fail (r != NULL && r->inputs != NULL, NULL);
  const PlInputs *in = r->inputs;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *label = pl_metric_describe (r->metric, in->clean_answer,
                                               in->corrupted_answer);

  json_builder_begin_object (b);
  add_string (b, "format", "patchlens-sweep");
  add_int (b, "version", 1);
  add_string (b, "patchlens_version", PACKAGE_VERSION);
  add_string (b, "model", r->model_name);
  add_string (b, "site", pl_site_to_string (r->site));
  add_string (b, "metric", pl_metric_to_string (r->metric));
  add_string (b, "metric_label", label);
  add_int (b, "layers", r->n_layers);
  add_int (b, "positions", r->n_positions);
  add_run (b, "clean", &in->clean, r->clean_topk, r->clean_logits, r->clean_value);
  add_run (b, "corrupted", &in->corrupted, r->corrupted_topk, r->corrupted_logits,
           r->corrupted_value);
  add_answer (b, "clean_answer", in->clean_answer_id, in->clean_answer);
  add_answer (b, "corrupted_answer", in->corrupted_answer_id, in->corrupted_answer);

  /* matrix: (layers, positions), one array per layer */
  json_builder_set_member_name (b, "matrix");
  json_builder_begin_array (b);
  for (int l = 0; l < r->n_layers; l++)
    {
      json_builder_begin_array (b);
      for (int p = 0; p < r->n_positions; p++)
        {
          float v = r->matrix ? r->matrix[(gsize) l * r->n_positions + p] : NAN;
          if (isnan (v))
            json_builder_add_null_value (b);
          else
            json_builder_add_double_value (b, v);
        }
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_number (b, "seconds", r->seconds);
  json_builder_set_member_name (b, "naive");
  json_builder_add_boolean_value (b, r->naive);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pl_result_to_json (const PlSweepResult *result,
                   gsize               *length)
{
  g_return_val_if_fail (result != NULL, NULL);
  g_autoptr(JsonNode) node = pl_result_to_json_node (result);

  return pl_json_node_to_string (node, length);
}

/* ---- JSON to result: every member checked before it is trusted ---- */

#define MAX_CELLS (1 << 24)

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
  g_autoptr(PlTopK) top = g_new0 (PlTopK, 1);

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
      || !get_int (o, "", "layers", 1, 100000, &layers, error)
      || !get_int (o, "", "positions", 1, 1000000, &positions, error))
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

/* ---- CSV ---- */

/* RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled;
 * we also quote a field with a leading or trailing space, which some readers trim. */
static void
append_csv_field (GString    *s,
                  const char *field)
{
  gsize len = strlen (field);

  if (strpbrk (field, ",\"\r\n") == NULL
      && !(len > 0 && (field[0] == ' ' || field[len - 1] == ' ')))
    {
      g_string_append (s, field);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = field; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

char *
pl_result_to_csv (const PlSweepResult *r,
                  gsize               *length)
{
  g_return_val_if_fail (r != NULL && r->inputs != NULL, NULL);
  const PlPrompt *corr = &r->inputs->corrupted;
  GString *s = g_string_new ("layer,position,token,value\r\n");

  for (int l = 0; l < r->n_layers; l++)
    for (int p = 0; p < r->n_positions; p++)
      {
        /* The token of the corrupted run: the one that is patched. */
        const char *tok = p < corr->n_tokens && corr->pieces[p] ? corr->pieces[p] : "";
        float v = r->matrix ? r->matrix[(gsize) l * r->n_positions + p] : NAN;

        g_string_append_printf (s, "%d,%d,", l, p);
        append_csv_field (s, tok);
        g_string_append_c (s, ',');
        if (isfinite (v))          /* an empty field for a cell not computed */
          append_float (s, v);
        g_string_append (s, "\r\n");
      }
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}

/* ---- files ---- */

gboolean
pl_result_save_json (const PlSweepResult *result,
                     const char          *path,
                     GError             **error)
{
  gsize len;
  g_autofree char *data = pl_result_to_json (result, &len);

  return pl_write_file_atomic (path, data, len, error);
}

gboolean
pl_result_save_csv (const PlSweepResult *result,
                    const char          *path,
                    GError             **error)
{
  gsize len;
  g_autofree char *data = pl_result_to_csv (result, &len);

  return pl_write_file_atomic (path, data, len, error);
}

static gboolean
io_error (GError    **error,
          const char *path,
          int         err)
{
  g_set_error (error, PL_ERROR, PL_ERROR_IO, _("Could not write “%s”: %s."),
               path, g_strerror (err));
  return FALSE;
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* A temporary file next to path (same file system, so the rename is atomic), written
 * and synced, then renamed over path. On any failure the temporary file is removed and
 * the old file, if any, is untouched. */
gboolean
pl_write_file_atomic (const char  *path,
                      const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL && (data != NULL || length == 0), FALSE);
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  int err;

  if (fd < 0)
    return io_error (error, path, errno);
  if (!write_all (fd, data, length) || fsync (fd) != 0)
    {
      err = errno;
      close (fd);
      g_unlink (tmp);
      return io_error (error, path, err);
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      err = errno;
      g_unlink (tmp);
      return io_error (error, path, err);
    }
  return TRUE;
}
