/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-attention.c: `patchlens-cli attention`: one head's attention pattern on a prompt,
 * as text, JSON, CSV or a T × T figure with the tokens on both axes.
 */
#include "cli-analysis-outputs.h"

#include "pl-analysis-io.h"
#include "pl-attention-pattern.h"
#include "pl-inputs.h"
#include "pl-lens-figure.h"

typedef struct {
  PlModel        *model;
  const PlPrompt *prompt;
  int             layer, head;
  const float    *pattern;   /* (T, T) */
} AttentionRun;

static void
print_text (const AttentionRun *run)
{
  int T = run->prompt->n_tokens;

  printf ("Model %s, layer %d, head %d: attention from each position (row) to each "
          "earlier one (column)\n\n", pl_model_name (run->model), run->layer, run->head);
  for (int d = 0; d < T; d++)
    {
      g_autofree char *q = cli_quote_token (run->prompt->pieces[d]);

      printf ("%3d ", d);
      cli_print_padded (stdout, q, 14, FALSE);
      for (int j = 0; j <= d; j++)
        printf (" %5.3f", (double) run->pattern[(gsize) d * T + j]);
      fputc ('\n', stdout);
    }
}

static gboolean
export_figure (gpointer data, PlFigureFormat format, const char *path, double scale,
               GError **error)
{
  const AttentionRun *run = data;
  g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_pattern (run->pattern,
                                                         run->prompt->n_tokens,
                                                         (const char * const *) run->prompt->pieces,
                                                         run->layer, run->head,
                                                         pl_model_name (run->model));

  return pl_heatmap_export (hm, format, path, scale, error);
}

static int
run_attention (const char *model_arg, int layer, int head, const char *text,
               const CliOutputs *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = cli_load_model (model_arg, &error);
  PlPrompt prompt = { 0 };

  if (model == NULL)
    return cli_fail (error);
  if (!pl_check_layer_head (model, layer, head, &error)
      || !pl_prompt_init (&prompt, pl_model_tokenizer (model), text, "text",
                          pl_model_config (model)->n_positions, &error))
    return cli_fail (error);

  g_autofree float *pattern = pl_attention_pattern (model, prompt.ids, prompt.n_tokens,
                                                    layer, head, NULL, &error);
  AttentionRun run = { model, &prompt, layer, head, pattern };
  int status = CLI_EXIT_OK;
  if (pattern == NULL)
    status = cli_fail (error);
  else if (!cli_out_any (out))
    print_text (&run);
  else
    {
      g_autoptr(JsonNode) json = pl_pattern_to_json_node (pattern, &prompt, layer, head,
                                                          pl_model_name (model));
      g_autofree char *csv = pl_pattern_to_csv (pattern, &prompt);
      status = cli_out_write (out, json, csv, export_figure, &run);
    }
  pl_prompt_clear (&prompt);
  return status;
}

int
cli_attention (int    argc,
               char **argv)
{
  g_autofree char *model_arg = NULL;
  int layer = G_MININT, head = G_MININT;
  CliOutputs out = CLI_OUTPUTS_INIT;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_arg,
      "The model: a folder or a name such as gpt2 (required)", "DIR|NAME" },
    { "layer", 'l', 0, G_OPTION_ARG_INT, &layer, "The block, from 0 (required)", "L" },
    { "head", 0, 0, G_OPTION_ARG_INT, &head, "The head in that block, from 0 (required)",
      "H" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TEXT");
  int status;

  g_option_context_set_summary (ctx,
      "Shows where one attention head looks: for each position of TEXT (destination),\n"
      "softmax(q·k / √d_head) over it and the positions before it (source).\n"
      "Without an output option the pattern is printed as text.\n\n"
      "JSON: {\"model\", \"text\", \"layer\", \"head\", \"ids\", \"pieces\",\n"
      "  \"pattern\": T rows (destination) of T probabilities (source; zeros above the "
      "diagonal)}\n"
      "CSV: destination,source,destination_token,source_token,prob, one line per cell.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  cli_out_add_entries (&out, ctx);
  if (!cli_parse_options (ctx, "attention", &argc, &argv))
    status = CLI_EXIT_USAGE;
  else if (model_arg == NULL)
    status = cli_usage ("attention",
                        "--model is required (a folder or a name such as gpt2)");
  else if (layer == G_MININT || head == G_MININT)
    status = cli_usage ("attention", "%s is required (a number from 0)",
                        layer == G_MININT ? "--layer" : "--head");
  else if (argc != 2)
    status = cli_usage ("attention", argc < 2 ? "no TEXT given"
                        : "give one TEXT (quote it if it holds spaces)");
  else if ((status = cli_out_check (&out, "attention")) == CLI_EXIT_OK)
    status = cli_out_preflight (&out)
             ? run_attention (model_arg, layer, head, argv[1], &out) : CLI_EXIT_FAILURE;
  cli_out_clear (&out);
  return status;
}
