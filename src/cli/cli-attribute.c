/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-attribute.c: `patchlens-cli attribute`: direct logit attribution of
 * logit(B) − logit(A) at the last position to the embeddings, every head, every
 * attention bias and every MLP, as text, JSON, CSV or a figure.
 */
#include "cli-analysis-outputs.h"

#include "pl-analysis-io.h"
#include "pl-attribution.h"
#include "pl-attribution-figure.h"
#include "pl-inputs.h"

typedef struct {
  PlModel             *model;
  const PlPrompt      *prompt;
  const PlAttribution *at;
  char               **answers;   /* A, B as typed */
} AttributeRun;

static void
print_text (const AttributeRun *run)
{
  const PlAttribution *at = run->at;
  g_autofree char *a = cli_quote_token (run->answers[0]);
  g_autofree char *b = cli_quote_token (run->answers[1]);

  printf ("Model %s: direct logit attribution of logit(%s) − logit(%s) at the last "
          "position\n", pl_model_name (run->model), b, a);
  printf ("The model's logit difference: %+.4f (sum of the components %+.4f)\n\n",
          at->logit_diff, pl_attribution_total (at));
  printf ("%-7s", "Layer");
  for (int h = 0; h < at->n_heads; h++)
    printf (" %8s%-3d", "head ", h);
  printf (" %11s %11s\n", "attn bias", "MLP");
  for (int l = 0; l < at->n_layers; l++)
    {
      printf ("%-7d", l);
      for (int h = 0; h < at->n_heads; h++)
        printf (" %+11.4f", at->heads[l * at->n_heads + h]);
      printf (" %+11.4f %+11.4f\n", at->attn_bias[l], at->mlp[l]);
    }
  printf ("\nEmbeddings %+.4f, ln_f bias %+.4f\n", at->embed, at->ln_f_bias);
}

static gboolean
export_figure (gpointer data, PlFigureFormat format, const char *path, double scale,
               GError **error)
{
  const AttributeRun *run = data;
  g_autoptr(PlAttributionFigure) fig =
    pl_attribution_figure_new (run->at, run->answers[0], run->answers[1],
                               pl_model_name (run->model));

  return pl_attribution_figure_export (fig, format, path, scale, error);
}

static int
run_attribute (const char *model_arg, char **answers, const char *text,
               const CliOutputs *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = cli_load_model (model_arg, &error);
  PlPrompt prompt = { 0 };
  gint32 ids[2];

  if (model == NULL)
    return cli_fail (error);
  if (!pl_answer_check (pl_model_tokenizer (model), answers[0], "answer A", &ids[0], &error)
      || !pl_answer_check (pl_model_tokenizer (model), answers[1], "answer B", &ids[1],
                           &error)
      || !pl_prompt_init (&prompt, pl_model_tokenizer (model), text, "text",
                          pl_model_config (model)->n_positions, &error))
    return cli_fail (error);
  if (ids[0] == ids[1])
    {
      pl_prompt_clear (&prompt);
      cli_message ("the two answers are the same token (id %d): their logit difference "
                   "is 0 whatever the model does", ids[0]);
      return CLI_EXIT_FAILURE;
    }

  g_autoptr(PlAttribution) at = pl_attribution_run (model, prompt.ids, prompt.n_tokens,
                                                    ids[0], ids[1], NULL, &error);
  AttributeRun run = { model, &prompt, at, answers };
  int status = CLI_EXIT_OK;
  if (at == NULL)
    status = cli_fail (error);
  else if (!cli_out_any (out))
    print_text (&run);
  else
    {
      g_autoptr(JsonNode) json =
        pl_attribution_to_json_node (at, &prompt, (const char * const *) answers,
                                     pl_model_name (model));
      g_autofree char *csv = pl_attribution_to_csv (at);
      status = cli_out_write (out, json, csv, export_figure, &run);
    }
  pl_prompt_clear (&prompt);
  return status;
}

int
cli_attribute (int    argc,
               char **argv)
{
  g_autofree char *model_arg = NULL;
  g_auto(GStrv) answers = NULL;
  CliOutputs out = CLI_OUTPUTS_INIT;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_arg,
      "The model: a folder or a name such as gpt2 (required)", "DIR|NAME" },
    { "answer", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &answers,
      "Twice: answer A, then answer B (one token each, e.g. \" Jones\" then \" Smith\")",
      "TOKEN" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TEXT");
  int status;

  g_option_context_set_summary (ctx,
      "Direct logit attribution at the last position of TEXT: how much each component\n"
      "writes logit(B) − logit(A) straight into the output, with the final LayerNorm's\n"
      "scale frozen at the full residual stream's value. The components (embeddings,\n"
      "each head through c_proj, each c_proj bias, each MLP) plus ln_f's bias add up to\n"
      "the model's logit difference. Without an output option it is printed as text.\n\n"
      "JSON: {\"model\", \"text\", \"ids\", \"pieces\", \"answers\": [{\"token\", \"id\"} A, B],\n"
      "  \"logit_diff\", \"embed\", \"heads\": L rows of H, \"attn_bias\": L, \"mlp\": L,\n"
      "  \"ln_f_bias\"}\n"
      "CSV: component,layer,head,value, one line per component.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  cli_out_add_entries (&out, ctx);
  if (!cli_parse_options (ctx, "attribute", &argc, &argv))
    status = CLI_EXIT_USAGE;
  else if (model_arg == NULL)
    status = cli_usage ("attribute",
                        "--model is required (a folder or a name such as gpt2)");
  else if (answers == NULL || g_strv_length (answers) != 2)
    status = cli_usage ("attribute", "give --answer exactly twice, A then B (got %u); "
                        "the result is logit(B) − logit(A)",
                        answers ? g_strv_length (answers) : 0);
  else if (argc != 2)
    status = cli_usage ("attribute", argc < 2 ? "no TEXT given"
                        : "give one TEXT (quote it if it holds spaces)");
  else if ((status = cli_out_check (&out, "attribute")) == CLI_EXIT_OK)
    status = cli_out_preflight (&out)
             ? run_attribute (model_arg, answers, argv[1], &out) : CLI_EXIT_FAILURE;
  cli_out_clear (&out);
  return status;
}
