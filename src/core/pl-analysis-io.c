/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-io.c: JSON and CSV of the logit lens, attention patterns and direct
 * logit attribution (the keys are the contract in pl-analysis-io.h).
 */
#include "config.h"

#include "pl-analysis-io.h"
#include "pl-result-io.h"

/* "model", "text", "ids", "pieces": the head of every document. */
static void
begin_document (JsonBuilder *b, const char *model_name, const PlPrompt *prompt)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model_name ? model_name : "");
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, prompt->text);
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (int t = 0; t < prompt->n_tokens; t++)
    json_builder_add_int_value (b, prompt->ids[t]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pieces");
  json_builder_begin_array (b);
  for (int t = 0; t < prompt->n_tokens; t++)
    json_builder_add_string_value (b, prompt->pieces[t]);
  json_builder_end_array (b);
}

static void
add_double (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
add_doubles (JsonBuilder *b, const char *name, const double *v, int n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

static char *
piece_or_empty (PlTokenizer *tok, gint32 id)
{
  char *piece = tok ? pl_tokenizer_piece (tok, id) : NULL;

  return piece ? piece : g_strdup_printf ("<%d>", id);
}

/* ---- lens ---- */

/* An answer's logits or probabilities, (L + 1) rows of T. */
static void
build_answer_rows (JsonBuilder *b, const PlLens *lens, int a, gboolean prob)
{
  json_builder_begin_array (b);
  for (int r = 0; r <= lens->n_layers; r++)
    {
      json_builder_begin_array (b);
      for (int t = 0; t < lens->n_positions; t++)
        {
          gsize i = pl_lens_answer_index (lens, a, r, t);
          json_builder_add_double_value (b, prob ? lens->answer_prob[i]
                                                 : (double) lens->answer_logit[i]);
        }
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static void
build_top (JsonBuilder *b, const PlLens *lens, PlTokenizer *tok)
{
  json_builder_begin_array (b);
  for (int r = 0; r <= lens->n_layers; r++)
    {
      json_builder_begin_array (b);
      for (int t = 0; t < lens->n_positions; t++)
        {
          gsize i = (gsize) r * lens->n_positions + t;
          g_autofree char *piece = piece_or_empty (tok, lens->top_id[i]);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_int_value (b, lens->top_id[i]);
          json_builder_set_member_name (b, "token");
          json_builder_add_string_value (b, piece);
          add_double (b, "prob", lens->top_prob[i]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

JsonNode *
pl_lens_to_json_node (const PlLens       *lens,
                      PlTokenizer        *tok,
                      const char         *model_name,
                      const PlPrompt     *prompt,
                      const char * const *answers)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  begin_document (b, model_name, prompt);
  json_builder_set_member_name (b, "layers");
  json_builder_add_int_value (b, lens->n_layers + 1);
  json_builder_set_member_name (b, "positions");
  json_builder_add_int_value (b, lens->n_positions);
  json_builder_set_member_name (b, "top");
  build_top (b, lens, tok);
  json_builder_set_member_name (b, "answers");
  json_builder_begin_array (b);
  for (int a = 0; a < lens->n_answers; a++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, answers[a]);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, lens->answer_ids[a]);
      json_builder_set_member_name (b, "logit");
      build_answer_rows (b, lens, a, FALSE);
      json_builder_set_member_name (b, "prob");
      build_answer_rows (b, lens, a, TRUE);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pl_lens_to_csv (const PlLens       *lens,
                PlTokenizer        *tok,
                const PlPrompt     *prompt,
                const char * const *answers)
{
  GString *s = g_string_new ("layer,position,token,top_id,top_token,top_prob");

  for (int a = 0; a < lens->n_answers; a++)
    {
      g_autofree char *logit = g_strdup_printf ("logit(%s)", answers[a]);
      g_autofree char *prob = g_strdup_printf ("prob(%s)", answers[a]);
      g_string_append_c (s, ',');
      pl_csv_append_field (s, logit);
      g_string_append_c (s, ',');
      pl_csv_append_field (s, prob);
    }
  g_string_append (s, "\r\n");
  for (int r = 0; r <= lens->n_layers; r++)
    for (int t = 0; t < lens->n_positions; t++)
      {
        gsize i = (gsize) r * lens->n_positions + t;
        g_autofree char *top = piece_or_empty (tok, lens->top_id[i]);

        g_string_append_printf (s, "%d,%d,", r, t);
        pl_csv_append_field (s, prompt->pieces[t]);
        g_string_append_printf (s, ",%d,", lens->top_id[i]);
        pl_csv_append_field (s, top);
        g_string_append_printf (s, ",%.9g", lens->top_prob[i]);
        for (int a = 0; a < lens->n_answers; a++)
          {
            gsize j = pl_lens_answer_index (lens, a, r, t);
            g_string_append_printf (s, ",%.9g,%.9g", (double) lens->answer_logit[j],
                                    lens->answer_prob[j]);
          }
        g_string_append (s, "\r\n");
      }
  return g_string_free (s, FALSE);
}

/* ---- attention ---- */

JsonNode *
pl_pattern_to_json_node (const float    *pattern,
                         const PlPrompt *prompt,
                         int             layer,
                         int             head,
                         const char     *model_name)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int T = prompt->n_tokens;

  begin_document (b, model_name, prompt);
  json_builder_set_member_name (b, "layer");
  json_builder_add_int_value (b, layer);
  json_builder_set_member_name (b, "head");
  json_builder_add_int_value (b, head);
  json_builder_set_member_name (b, "pattern");
  json_builder_begin_array (b);
  for (int d = 0; d < T; d++)
    {
      json_builder_begin_array (b);
      for (int j = 0; j < T; j++)
        json_builder_add_double_value (b, pattern[(gsize) d * T + j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pl_pattern_to_csv (const float    *pattern,
                   const PlPrompt *prompt)
{
  GString *s = g_string_new ("destination,source,destination_token,source_token,prob\r\n");
  int T = prompt->n_tokens;

  for (int d = 0; d < T; d++)
    for (int j = 0; j < T; j++)
      {
        g_string_append_printf (s, "%d,%d,", d, j);
        pl_csv_append_field (s, prompt->pieces[d]);
        g_string_append_c (s, ',');
        pl_csv_append_field (s, prompt->pieces[j]);
        g_string_append_printf (s, ",%.9g\r\n", (double) pattern[(gsize) d * T + j]);
      }
  return g_string_free (s, FALSE);
}

/* ---- attribution ---- */

JsonNode *
pl_attribution_to_json_node (const PlAttribution *at,
                             const PlPrompt      *prompt,
                             const char * const  *answers,
                             const char          *model_name)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  begin_document (b, model_name, prompt);
  json_builder_set_member_name (b, "answers");
  json_builder_begin_array (b);
  for (int i = 0; i < 2; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, answers[i]);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, i == 0 ? at->answer_a : at->answer_b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_double (b, "logit_diff", at->logit_diff);
  add_double (b, "embed", at->embed);
  json_builder_set_member_name (b, "heads");
  json_builder_begin_array (b);
  for (int l = 0; l < at->n_layers; l++)
    {
      json_builder_begin_array (b);
      for (int h = 0; h < at->n_heads; h++)
        json_builder_add_double_value (b, at->heads[l * at->n_heads + h]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_doubles (b, "attn_bias", at->attn_bias, at->n_layers);
  add_doubles (b, "mlp", at->mlp, at->n_layers);
  add_double (b, "ln_f_bias", at->ln_f_bias);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pl_attribution_to_csv (const PlAttribution *at)
{
  GString *s = g_string_new ("component,layer,head,value\r\n");

  g_string_append_printf (s, "embed,,,%.9g\r\n", at->embed);
  for (int l = 0; l < at->n_layers; l++)
    {
      for (int h = 0; h < at->n_heads; h++)
        g_string_append_printf (s, "head,%d,%d,%.9g\r\n", l, h,
                                at->heads[l * at->n_heads + h]);
      g_string_append_printf (s, "attn_bias,%d,,%.9g\r\n", l, at->attn_bias[l]);
      g_string_append_printf (s, "mlp,%d,,%.9g\r\n", l, at->mlp[l]);
    }
  g_string_append_printf (s, "ln_f_bias,,,%.9g\r\n", at->ln_f_bias);
  return g_string_free (s, FALSE);
}
