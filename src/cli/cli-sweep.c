/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-sweep.c: `patchlens-cli sweep`: one activation-patching sweep, shown as text or
 * written as JSON, CSV and PNG/SVG/PDF figures.
 *
 * Outputs (cli-output.h): every output is checked before the model is loaded (names,
 * folders, two outputs on one file) and the figure's size before the sweep, so that no
 * sweep runs for an output that cannot be written. After the sweep every output is
 * attempted even when an earlier one failed (a disk that fills up), each failure is
 * reported, and the exit status is then 1. "--json -" and "--csv -" write to stdout.
 */
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli-output.h"
#include "cli-sweep-set.h"

#include "pl-blas.h"

#include "pl-heatmap.h"
#include "pl-inputs.h"
#include "pl-result-io.h"
#include "pl-sweep.h"

/* OpenBLAS owns all of the engine's parallelism. */

typedef struct {
  char       *model;
  char       *clean;
  char       *corrupted;
  char       *clean_answer;
  char       *corrupted_answer;
  char       *pairs;      /* a set of pairs instead of the four texts (cli-sweep-set.c) */
  char       *site;
  char       *metric;
  char       *direction;
  char       *colormap;
  char       *outputs[OUT_N];   /* paths, NULL when not asked; "-" for stdout */
  double      scale;
  int         top_k;
  int         threads;
  gboolean    naive;
  gboolean    by_position;
} SweepArgs;

static void
sweep_args_clear (SweepArgs *a)
{
  g_free (a->model);
  g_free (a->clean);
  g_free (a->corrupted);
  g_free (a->clean_answer);
  g_free (a->corrupted_answer);
  g_free (a->pairs);
  g_free (a->site);
  g_free (a->metric);
  g_free (a->direction);
  g_free (a->colormap);
  for (int i = 0; i < OUT_N; i++)
    g_free (a->outputs[i]);
}

static gboolean
any_output (const SweepArgs *a)
{
  for (int i = 0; i < OUT_N; i++)
    if (a->outputs[i] != NULL)
      return TRUE;
  return FALSE;
}

/* ---- options ---- */

static GOptionContext *
make_context (SweepArgs *a)
{
  /* Text options are FILENAME: raw bytes, no conversion from the locale's charset
   * (which under LANG=C would refuse any non-ASCII prompt); the core checks UTF-8. */
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &a->model,
      "The model: a folder or a name such as gpt2 (required)", "DIR|NAME" },
    { "clean", 0, 0, G_OPTION_ARG_FILENAME, &a->clean, "The clean prompt", "TEXT" },
    { "corrupted", 0, 0, G_OPTION_ARG_FILENAME, &a->corrupted,
      "The corrupted prompt (same number of tokens)", "TEXT" },
    { "clean-answer", 0, 0, G_OPTION_ARG_FILENAME, &a->clean_answer,
      "The clean run's answer, one token (e.g. \" Jones\")", "TOKEN" },
    { "corrupted-answer", 0, 0, G_OPTION_ARG_FILENAME, &a->corrupted_answer,
      "The corrupted run's answer, one token (e.g. \" Smith\")", "TOKEN" },
    { "pairs", 0, 0, G_OPTION_ARG_FILENAME, &a->pairs,
      "Sweep a set of pairs (JSON Lines, or a shipped set: ioi, names) instead of "
      "--clean/--corrupted: the mean, std and each pair's matrix", "FILE.jsonl" },
    { "site", 0, 0, G_OPTION_ARG_STRING, &a->site,
      "What to patch: resid_post (default), resid_pre, attn_out, mlp_out, or one "
      "attention head's head_out, head_q, head_k, head_v, head_pattern", "SITE" },
    { "by-position", 0, 0, G_OPTION_ARG_NONE, &a->by_position,
      "Head sites: patch one position at a time (layer × position × head)", NULL },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &a->direction,
      "denoise (default: run corrupted, patch in clean) or noise (run clean, patch in "
      "corrupted)", "DIR" },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &a->metric,
      "logit-diff (default), logit-delta, prob-diff, restored", "METRIC" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &a->outputs[OUT_JSON],
      "Write the result as JSON (- for stdout)", "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &a->outputs[OUT_CSV],
      "Write the matrix as CSV (- for stdout)", "FILE" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &a->outputs[OUT_PNG],
      "Write the heatmap as PNG", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &a->outputs[OUT_SVG],
      "Write the heatmap as SVG", "FILE" },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &a->outputs[OUT_PDF],
      "Write the heatmap as PDF", "FILE" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &a->scale,
      "Pixels per point of the PNG (default 1; 2 for a sharp figure)", "S" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &a->colormap,
      "diverging (default) or viridis", "NAME" },
    { "top-k", 'k', 0, G_OPTION_ARG_INT, &a->top_k,
      "Size of the clean and corrupted top-k tables (default 20)", "K" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a->threads,
      "Number of BLAS threads (default: all cores)", "N" },
    { "naive", 0, 0, G_OPTION_ARG_NONE, &a->naive,
      "One full forward pass per patch (slow baseline and cross-check)", NULL },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("");

  g_option_context_set_summary (ctx,
      "Runs the corrupted prompt once per (layer, position) with that activation "
      "taken from the clean run,\nand shows the metric for each as a heatmap. "
      "Without an output option the result is printed as text.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  return ctx;
}

static int
check_args (const SweepArgs *a,
            int              argc,
            char           **argv,
            PlSweepOptions  *opt,
            PlColormap      *cmap)
{
  static const char *const required[][2] = {
    { "--model", "a folder or a name such as gpt2" }, { "--clean", "TEXT" },
    { "--corrupted", "TEXT" }, { "--clean-answer", "TOKEN" },
    { "--corrupted-answer", "TOKEN" },
  };
  const char *const values[] = {
    a->model, a->clean, a->corrupted, a->clean_answer, a->corrupted_answer,
  };

  if (argc > 1)
    return cli_usage ("sweep", "unexpected argument “%s” (the texts go after --clean, "
                      "--corrupted and the answer options)", argv[1]);
  for (gsize i = 1; a->pairs != NULL && i < G_N_ELEMENTS (values); i++)
    if (values[i] != NULL)
      return cli_usage ("sweep", "--pairs replaces %s: give a set of pairs or one pair, "
                        "not both", required[i][0]);
  for (gsize i = 0; i < (a->pairs != NULL ? 1 : G_N_ELEMENTS (values)); i++)
    if (values[i] == NULL)
      return cli_usage ("sweep", "%s is required (%s)", required[i][0], required[i][1]);
  if (a->site != NULL && !pl_site_from_string (a->site, &opt->site))
    return cli_usage ("sweep", "unknown site “%s”; the sites are resid_post, "
                      "resid_pre, attn_out, mlp_out, head_out, head_q, head_k, head_v "
                      "and head_pattern", a->site);
  if (a->by_position && !pl_site_is_head (opt->site))
    return cli_usage ("sweep", "--by-position applies to the head sites (head_out, "
                      "head_q, head_k, head_v, head_pattern); %s is always patched one "
                      "position at a time", pl_site_to_string (opt->site));
  if (a->direction != NULL && !pl_direction_from_string (a->direction, &opt->direction))
    return cli_usage ("sweep", "unknown direction “%s”; use denoise or noise",
                      a->direction);
  if (a->metric != NULL && !pl_metric_from_string (a->metric, &opt->metric))
    return cli_usage ("sweep", "unknown metric “%s”; the metrics are logit-diff, "
                      "logit-delta, prob-diff and restored", a->metric);
  if (a->colormap == NULL || strcmp (a->colormap, "diverging") == 0)
    *cmap = PL_COLORMAP_DIVERGING;
  else if (strcmp (a->colormap, "viridis") == 0)
    *cmap = PL_COLORMAP_VIRIDIS;
  else
    return cli_usage ("sweep", "unknown colour map “%s”; use diverging or viridis",
                      a->colormap);
  if (a->top_k < 1)
    return cli_usage ("sweep", "-k must be at least 1 (got %d)", a->top_k);
  if (a->threads != -1 && a->threads < 1)
    return cli_usage ("sweep", "--threads must be at least 1 (got %d)", a->threads);
  if (cli_outputs_check_args ("sweep", a->outputs, a->scale) != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  opt->top_k = a->top_k;
  opt->naive = a->naive;
  opt->by_position = a->by_position;
  return CLI_EXIT_OK;
}

/* ---- text ---- */

/* A column heading: the token without quotes, spaces shown as ␣. */
static char *
token_heading (const char *piece)
{
  g_autofree char *quoted = cli_quote_token (piece != NULL ? piece : "");
  g_autoptr(GString) s = g_string_new (quoted + 1);

  g_string_truncate (s, s->len - 1);
  g_string_replace (s, " ", "␣", 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
print_run (const char   *title,
           const PlTopK *top,
           const float   logits[2],
           double        metric,
           const PlSweepResult *r)
{
  g_autofree char *a = cli_quote_token (r->inputs->clean_answer);
  g_autofree char *b = cli_quote_token (r->inputs->corrupted_answer);

  printf ("%s: top %d next tokens\n", title, top->n);
  cli_print_topk_table (stdout, top);
  printf ("logit(%s) = %.4f, logit(%s) = %.4f, %s = %+.4f\n\n", a, (double) logits[0],
          b, (double) logits[1], pl_metric_to_string (r->metric), metric);
}

static void
print_matrix (const PlSweepResult *r)
{
  const PlPrompt *p = &r->inputs->corrupted;
  g_auto(GStrv) heads = g_new0 (char *, r->n_positions + 1);
  g_autoptr(GArray) widths = g_array_sized_new (FALSE, TRUE, sizeof (int),
                                                r->n_positions);

  printf ("%-6s", "Layer");
  for (int j = 0; j < r->n_positions; j++)
    {
      int w;

      heads[j] = token_heading (j < p->n_tokens ? p->pieces[j] : "");
      w = MAX (7, cli_text_width (heads[j]));
      g_array_append_val (widths, w);
      fputs ("  ", stdout);
      cli_print_padded (stdout, heads[j], w, TRUE);
    }
  fputc ('\n', stdout);
  for (int l = 0; l < r->n_layers; l++)
    {
      printf ("%-6d", l);
      for (int j = 0; j < r->n_positions; j++)
        printf ("  %+*.3f", g_array_index (widths, int, j),
                (double) r->matrix[(gsize) l * r->n_positions + j]);
      fputc ('\n', stdout);
    }
}

/* Head sites: layer × head, or by position one row per (layer, head) as in the figure. */
static void
print_head_matrix (const PlSweepResult *r)
{
  int H = r->n_heads, T = r->n_positions, cols = r->by_position ? T : H;
  g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) widths = g_array_new (FALSE, TRUE, sizeof (int));

  printf ("%-8s", r->by_position ? "L.head" : "Layer");
  for (int j = 0; j < cols; j++)
    {
      /* by position the columns are the patched (base) run's tokens */
      const PlPrompt *base = r->direction == PL_DIRECTION_NOISE ? &r->inputs->clean
                                                                : &r->inputs->corrupted;
      char *h = r->by_position ? token_heading (base->pieces[j])
                               : g_strdup_printf ("H%d", j);
      int w = MAX (7, cli_text_width (h));

      g_ptr_array_add (heads, h);
      g_array_append_val (widths, w);
      fputs ("  ", stdout);
      cli_print_padded (stdout, h, w, TRUE);
    }
  fputc ('\n', stdout);
  for (int row = 0; row < (r->by_position ? r->n_layers * H : r->n_layers); row++)
    {
      g_autofree char *name = r->by_position ? g_strdup_printf ("%d.%d", row / H, row % H)
                                             : g_strdup_printf ("%d", row);

      printf ("%-8s", name);
      for (int j = 0; j < cols; j++)
        {
          /* by position the cell (l, p, h) is matrix[(l T + p) H + h] */
          gsize i = r->by_position ? ((gsize) (row / H) * T + j) * H + row % H
                                   : (gsize) row * H + j;
          printf ("  %+*.3f", g_array_index (widths, int, j), (double) r->matrix[i]);
        }
      fputc ('\n', stdout);
    }
}

static void
print_text (const PlSweepResult *r)
{
  g_autofree char *clean = pl_prompt_describe (&r->inputs->clean);
  g_autofree char *corrupted = pl_prompt_describe (&r->inputs->corrupted);
  g_autofree char *label = pl_metric_describe_in (r->metric, r->direction,
                                                  r->inputs->clean_answer,
                                                  r->inputs->corrupted_answer);

  printf ("Model %s, %d layers; patching %s (%s)%s, %s\n", r->model_name, r->n_layers,
          pl_site_to_string (r->site), pl_site_describe (r->site),
          r->by_position ? " by position" : "", pl_direction_to_string (r->direction));
  printf ("%s\n", pl_direction_describe (r->direction));
  printf ("Clean prompt (%d tokens):     %s\n", r->inputs->clean.n_tokens, clean);
  printf ("Corrupted prompt (%d tokens): %s\n\n", r->inputs->corrupted.n_tokens,
          corrupted);
  print_run ("Clean run", r->clean_topk, r->clean_logits, r->clean_value, r);
  print_run ("Corrupted run", r->corrupted_topk, r->corrupted_logits,
             r->corrupted_value, r);
  printf ("%s (%s) after patching each %s; clean run %+.3f, "
          "corrupted run %+.3f:\n", pl_metric_to_string (r->metric), label,
          !pl_site_is_head (r->site) ? "layer and position"
          : r->by_position ? "layer, position and head" : "layer and head",
          r->clean_value, r->corrupted_value);
  if (pl_site_is_head (r->site))
    print_head_matrix (r);
  else
    print_matrix (r);
  printf ("\n%zu cells in %.2f s (%s)\n", pl_sweep_result_n_cells (r), r->seconds,
          r->naive ? "naive: one full forward per patch" : "fast schedule");
}

/* ---- progress ---- */

/* cells done/total, elapsed, time left, rewritten in place at most 10 times a second. */
static void
on_progress (const PlSweepProgress *p,
             gpointer               user_data)
{
  cli_progress_show (user_data, "", p->cells_done, p->cells_total, p->elapsed);
}

/* ---- the command ---- */

/* The sweep, run on a worker so that Ctrl+C can cancel it cleanly. */
typedef struct {
  PlModel              *model;
  PlInputs             *inputs;
  const PlSweepOptions *opt;
  gboolean              tty;
  CliProgress           progress;
  GCancellable         *cancellable;
  PlSweepResult        *result;     /* the worker's outcome: a result or an error */
  GError               *error;
} SweepRun;

static gpointer
sweep_thread (gpointer user_data)
{
  SweepRun *r = user_data;

  r->result = pl_sweep_run (r->model, r->inputs, r->opt, r->tty ? on_progress : NULL,
                            &r->progress, r->cancellable, &r->error);
  return NULL;
}

static void
on_interrupt (gpointer user_data, gpointer unused)
{
  fputs ("\r\033[KCancelling…\n", stderr);
}

static int
run_sweep (const SweepArgs      *a,
           const PlSweepOptions *opt,
           PlColormap            cmap)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(PlInputs) inputs = NULL;
  g_autoptr(PlSweepResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SweepRun run = { 0 };

  model = cli_load_model (a->model, &error);
  if (model == NULL)
    return cli_fail (error);
  inputs = pl_inputs_prepare (pl_model_tokenizer (model),
                              pl_model_config (model)->n_positions, a->clean,
                              a->corrupted, a->clean_answer, a->corrupted_answer,
                              &error);
  if (inputs == NULL)
    return cli_fail (error);
  if (!cli_outputs_check_figure (a->outputs, a->scale, inputs, opt,
                                 pl_model_config (model), pl_model_name (model)))
    return CLI_EXIT_FAILURE;
  run = (SweepRun) { model, inputs, opt, isatty (STDERR_FILENO), { 0 }, cancellable };
  cli_run_interruptible (sweep_thread, on_interrupt, &run, cancellable);
  result = run.result;
  error = run.error;
  if (run.progress.shown)
    fputs ("\r\033[K", stderr);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cli_message ("sweep cancelled; nothing was written");
      return CLI_EXIT_FAILURE;
    }
  if (result == NULL)
    return cli_fail (error);
  if (!any_output (a))
    {
      print_text (result);
      return CLI_EXIT_OK;
    }
  return cli_outputs_write (a->outputs, result, cmap, a->scale) == 0 ? CLI_EXIT_OK
                                                                   : CLI_EXIT_FAILURE;
}

int
cli_sweep (int    argc,
           char **argv)
{
  SweepArgs a = { .scale = 1.0, .top_k = 20, .threads = -1 };
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  PlColormap cmap = PL_COLORMAP_DIVERGING;
  GOptionContext *ctx = make_context (&a);
  int status = CLI_EXIT_USAGE;

  if (cli_parse_options (ctx, "sweep", &argc, &argv))
    status = check_args (&a, argc, argv, &opt, &cmap);
  g_option_context_free (ctx);
  if (status == CLI_EXIT_OK)
    {
      if (a.threads > 0)
        pl_blas_set_threads (a.threads);
      if (!cli_outputs_preflight (a.outputs))
        status = CLI_EXIT_FAILURE;
      else if (a.pairs != NULL)
        status = cli_sweep_set (a.model, a.pairs, &opt, a.outputs, cmap, a.scale);
      else
        status = run_sweep (&a, &opt, cmap);
    }
  sweep_args_clear (&a);
  return status;
}
