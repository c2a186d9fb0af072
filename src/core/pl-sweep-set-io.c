/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-set-io.c: a set's result as JSON, CSV and a figure. Every matrix is written
 * by the single pair's writer (pl-result-io.c), so the set's nesting and axes are the
 * single pair's whatever they become.
 */
#include <string.h>

#include "pl-result-io.h"
#include "pl-sweep-set-io.h"

/* The summary with another matrix and no top-k tables: what the single pair's writer
 * needs to write that matrix. A shallow copy: nothing to free. */
static PlSweepResult
with_matrix (const PlSetResult *r, float *matrix)
{
  PlSweepResult view = *r->summary;

  view.matrix = matrix;
  view.clean_topk = NULL;
  view.corrupted_topk = NULL;
  return view;
}

/* The "matrix" member of the single pair's JSON for that matrix. */
static JsonNode *
matrix_node (const PlSetResult *r, float *matrix)
{
  PlSweepResult view = with_matrix (r, matrix);
  g_autoptr(JsonNode) node = pl_result_to_json_node (&view);

  return json_object_dup_member (json_node_get_object (node), "matrix");
}

static gboolean
is_pair_key (const char *name)
{
  static const char *const keys[] = {
    "clean", "corrupted", "clean_answer", "corrupted_answer",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (name, keys[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Everything but "per_pair": the single pair's keys that describe the sweep, in their
 * order, with "pairs" after "version" and "std" after "matrix". */
static JsonNode *
head_node (const PlSetResult *r)
{
  g_autoptr(JsonNode) single = pl_result_to_json_node (r->summary);
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, json_node_get_object (single));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (is_pair_key (name))
        continue;
      if (strcmp (name, "format") == 0)
        json_object_set_string_member (o, name, "patchlens-sweep-set");
      else
        json_object_set_member (o, name, json_node_copy (member));
      if (strcmp (name, "version") == 0)
        json_object_set_int_member (o, "pairs", r->n_pairs);
      if (strcmp (name, "matrix") == 0)
        json_object_set_member (o, "std", matrix_node (r, r->std));
    }
  json_object_unref (o);
  return node;
}

/* One per_pair entry, printed and indented to stand at depth 2. */
static void
append_pair (GString *s, const PlSetResult *r, int i)
{
  const PlSetPair *p = &r->pairs[i];
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), NULL);
  g_autoptr(JsonObject) o = json_object_new ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len;

  json_object_set_string_member (o, "clean", p->clean);
  json_object_set_string_member (o, "corrupted", p->corrupted);
  json_object_set_int_member (o, "clean_answer_id", p->clean_answer_id);
  json_object_set_int_member (o, "corrupted_answer_id", p->corrupted_answer_id);
  json_object_set_member (o, "matrix",
                          matrix_node (r, r->matrices + (gsize) i * r->n_cells));
  json_node_set_object (node, o);
  text = pl_json_node_to_string (node, &len);
  text[len - 1] = '\0';   /* the printer's final newline */
  lines = g_strsplit (text, "\n", -1);   /* strings hold no raw newline: escaped */
  for (int k = 0; lines[k] != NULL; k++)
    g_string_append_printf (s, "\n    %s", lines[k]);
}

char *
pl_set_result_to_json (const PlSetResult *r,
                       gsize             *length)
{
  g_autoptr(JsonNode) head = head_node (r);
  gsize len;
  g_autofree char *text = pl_json_node_to_string (head, &len);
  GString *s = g_string_new (NULL);

  /* "...\n}\n": reopen the object to add per_pair as its last member. */
  g_string_append_len (s, text, len - 3);
  g_string_append (s, ",\n  \"per_pair\": [");
  for (int i = 0; i < r->n_pairs; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      append_pair (s, r, i);
    }
  g_string_append (s, "\n  ]\n}\n");
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}

/* ---- CSV ---- */

/* The end of the CSV record at s: its "\r\n" outside quotes (a quoted token may hold
 * line breaks), or the end of the text. */
static const char *
record_end (const char *s)
{
  gboolean quoted = FALSE;

  for (; *s != '\0'; s++)
    {
      if (*s == '"')
        quoted = !quoted;
      else if (!quoted && s[0] == '\r' && s[1] == '\n')
        break;
    }
  return s;
}

/* Record by record, the mean's CSV with the std's last field appended. The last field
 * is a number or empty, never quoted, so it starts after the record's last comma. */
char *
pl_set_result_to_csv (const PlSetResult *r,
                      gsize             *length)
{
  PlSweepResult mean = with_matrix (r, r->mean), std = with_matrix (r, r->std);
  g_autofree char *mean_csv = pl_result_to_csv (&mean, NULL);
  g_autofree char *std_csv = pl_result_to_csv (&std, NULL);
  const char *m = mean_csv, *sd = std_csv;
  GString *s = g_string_new (NULL);

  for (gboolean header = TRUE; *m != '\0' && *sd != '\0'; header = FALSE)
    {
      const char *m_end = record_end (m), *sd_end = record_end (sd);
      const char *m_last = g_strrstr_len (m, m_end - m, ",");
      const char *sd_last = g_strrstr_len (sd, sd_end - sd, ",");

      if (header)   /* "...,value" -> "...,mean,std" */
        g_string_append_printf (s, "%.*s,mean,std\r\n", (int) (m_last - m), m);
      else
        g_string_append_printf (s, "%.*s,%.*s\r\n", (int) (m_end - m), m,
                                (int) (sd_end - sd_last - 1), sd_last + 1);
      m = *m_end ? m_end + 2 : m_end;
      sd = *sd_end ? sd_end + 2 : sd_end;
    }
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}

gboolean
pl_set_result_save_json (const PlSetResult *result,
                         const char        *path,
                         GError           **error)
{
  gsize len;
  g_autofree char *data = pl_set_result_to_json (result, &len);

  return pl_write_file_atomic (path, data, len, error);
}

gboolean
pl_set_result_save_csv (const PlSetResult *result,
                        const char        *path,
                        GError           **error)
{
  gsize len;
  g_autofree char *data = pl_set_result_to_csv (result, &len);

  return pl_write_file_atomic (path, data, len, error);
}

/* ---- the figure ---- */

PlHeatmap *
pl_set_result_heatmap (const PlSetResult *r)
{
  PlHeatmap *hm = pl_heatmap_new_from_result (r->summary);
  const PlSweepResult *s = r->summary;
  g_autofree char *title = NULL;

  if (s->model_name != NULL && *s->model_name != '\0')
    title = g_strdup_printf ("Activation patching · %s · %s · mean of %d pairs",
                             pl_site_to_string (s->site), s->model_name, r->n_pairs);
  else
    title = g_strdup_printf ("Activation patching · %s · mean of %d pairs",
                             pl_site_to_string (s->site), r->n_pairs);
  pl_heatmap_set_title (hm, title);
  return hm;
}
