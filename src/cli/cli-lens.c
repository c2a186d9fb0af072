/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-lens.c: `patchlens-cli lens`: the logit lens of a prompt (the top next token and
 * the chosen answers' logits and probabilities at every block boundary and position),
 * as text, JSON, CSV or a layer × position figure.
 */
#include "cli-analysis-outputs.h"

#include "pl-analysis-io.h"
#include "pl-inputs.h"
#include "pl-lens.h"
#include "pl-lens-figure.h"

typedef struct {
  PlModel        *model;
  const PlPrompt *prompt;
  const PlLens   *lens;
  char          **answers;   /* as typed */
} LensRun;

/* ---- text ---- */

static void
print_text (const LensRun *run)
{
  const PlLens *lens = run->lens;
  PlTokenizer *tok = pl_model_tokenizer (run->model);
  g_autofree char *tokens = pl_prompt_describe (run->prompt);

  printf ("Model %s, prompt of %d tokens: %s\n", pl_model_name (run->model),
          lens->n_positions, tokens);
  printf ("Logit lens: the most probable next token read from the residual stream "
          "entering each block\n(row %d is the model's output).\n\n", lens->n_layers);
  for (int r = 0; r <= lens->n_layers; r++)
    {
      printf ("%-5d", r);
      for (int t = 0; t < lens->n_positions; t++)
        {
          gsize i = (gsize) r * lens->n_positions + t;
          g_autofree char *piece = pl_tokenizer_piece (tok, lens->top_id[i]);
          g_autofree char *q = cli_quote_token (piece ? piece : "");
          g_autofree char *cell = g_strdup_printf ("%s %.2f", q, lens->top_prob[i]);

          fputs ("  ", stdout);
          cli_print_padded (stdout, cell, 16, FALSE);
        }
      fputc ('\n', stdout);
    }
  for (int a = 0; a < lens->n_answers; a++)
    {
      g_autofree char *q = cli_quote_token (run->answers[a]);

      printf ("\nAt the last position, %s (id %d):\n", q, lens->answer_ids[a]);
      for (int r = 0; r <= lens->n_layers; r++)
        {
          gsize j = pl_lens_answer_index (lens, a, r, lens->n_positions - 1);
          printf ("  row %-3d logit %+9.4f  prob %.6f\n", r,
                  (double) lens->answer_logit[j], lens->answer_prob[j]);
        }
    }
}

/* ---- the command ---- */

static gboolean
export_figure (gpointer data, PlFigureFormat format, const char *path, double scale,
               GError **error)
{
  const LensRun *run = data;
  g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_lens (run->lens,
                                                      pl_model_tokenizer (run->model),
                                                      pl_model_name (run->model),
                                                      (const char * const *) run->answers);

  return pl_heatmap_export (hm, format, path, scale, error);
}

static int
run_lens (const char *model_arg, char **answers, const char *text, const CliOutputs *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = cli_load_model (model_arg, &error);
  int n_answers = answers ? (int) g_strv_length (answers) : 0;
  g_autofree gint32 *ids = g_new0 (gint32, MAX (n_answers, 1));
  PlPrompt prompt = { 0 };

  if (model == NULL)
    return cli_fail (error);
  for (int a = 0; a < n_answers; a++)
    {
      g_autofree char *which = g_strdup_printf ("answer %d", a + 1);
      if (!pl_answer_check (pl_model_tokenizer (model), answers[a], which, &ids[a], &error))
        return cli_fail (error);
    }
  if (!pl_prompt_init (&prompt, pl_model_tokenizer (model), text, "text",
                       pl_model_config (model)->n_positions, &error))
    return cli_fail (error);

  g_autoptr(PlLens) lens = pl_lens_run (model, prompt.ids, prompt.n_tokens, ids,
                                        n_answers, NULL, &error);
  int status = CLI_EXIT_OK;
  if (lens == NULL)
    status = cli_fail (error);
  else if (!cli_out_any (out))
    print_text (&(LensRun) { model, &prompt, lens, answers });
  else
    {
      LensRun run = { model, &prompt, lens, answers };
      const char * const *texts = (const char * const *) answers;
      g_autoptr(JsonNode) json = pl_lens_to_json_node (lens, pl_model_tokenizer (model),
                                                       pl_model_name (model), &prompt,
                                                       texts);
      g_autofree char *csv = pl_lens_to_csv (lens, pl_model_tokenizer (model), &prompt,
                                             texts);
      status = cli_out_write (out, json, csv, export_figure, &run);
    }
  pl_prompt_clear (&prompt);
  return status;
}

int
cli_lens (int    argc,
          char **argv)
{
  g_autofree char *model_arg = NULL;
  g_auto(GStrv) answers = NULL;
  CliOutputs out = CLI_OUTPUTS_INIT;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_arg,
      "The model: a folder or a name such as gpt2 (required)", "DIR|NAME" },
    { "answer", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &answers,
      "A token to follow (one token, e.g. \" Jones\"); repeat for more. With two, the "
      "figure shows logit(second) − logit(first)", "TOKEN" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TEXT");
  int status;

  g_option_context_set_summary (ctx,
      "The logit lens: reads the residual stream entering each block (and the model's "
      "output)\nthrough the final LayerNorm and the unembedding, at every position of "
      "TEXT.\nWithout an output option the top tokens are printed as text.\n\n"
      "JSON: {\"model\", \"text\", \"ids\", \"pieces\", \"layers\": L + 1, \"positions\": T,\n"
      "  \"top\": L + 1 rows of T {\"id\", \"token\", \"prob\"},\n"
      "  \"answers\": [{\"token\", \"id\", \"logit\": [[...]], \"prob\": [[...]]}, ...]}\n"
      "Row b is the stream entering block b; row L is the model's output.\n"
      "CSV: layer,position,token,top_id,top_token,top_prob, then logit(A),prob(A) for\n"
      "each answer A, one line per (layer, position).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  cli_out_add_entries (&out, ctx);
  if (!cli_parse_options (ctx, "lens", &argc, &argv))
    status = CLI_EXIT_USAGE;
  else if (model_arg == NULL)
    status = cli_usage ("lens", "--model is required (a folder or a name such as gpt2)");
  else if (argc != 2)
    status = cli_usage ("lens", argc < 2 ? "no TEXT given"
                        : "give one TEXT (quote it if it holds spaces)");
  else if ((status = cli_out_check (&out, "lens")) == CLI_EXIT_OK)
    status = cli_out_preflight (&out) ? run_lens (model_arg, answers, argv[1], &out)
                                          : CLI_EXIT_FAILURE;
  cli_out_clear (&out);
  return status;
}
