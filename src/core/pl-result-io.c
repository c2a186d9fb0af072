/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-result-io.c: a sweep result to JSON and to CSV, and saving either to a file.
 *
 * The tree is built with JsonBuilder, but written by our own printer (pl-json-print.c);
 * reading a result back is in pl-result-read.c, the atomic writer in pl-write-file.c.
 */
#include "config.h"

#include "pl-result-io.h"

#include <math.h>
#include <string.h>

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
        /* The position as the figure and the app name it: the token, or the clean and
         * the corrupted token where they differ (" Jones/ Smith"). */
        const PlPrompt *cl = &r->inputs->clean;
        const char *tok = p < corr->n_tokens && corr->pieces[p] ? corr->pieces[p] : "";
        const char *ctok = p < cl->n_tokens && cl->pieces[p] ? cl->pieces[p] : tok;
        g_autofree char *both = strcmp (ctok, tok) != 0 ? g_strconcat (ctok, "/", tok, NULL) : NULL;
        float v = r->matrix ? r->matrix[(gsize) l * r->n_positions + p] : NAN;

        g_string_append_printf (s, "%d,%d,", l, p);
        append_csv_field (s, both ? both : tok);
        g_string_append_c (s, ',');
        if (isfinite (v))          /* an empty field for a cell not computed */
          pl_json_append_float (s, v);
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
