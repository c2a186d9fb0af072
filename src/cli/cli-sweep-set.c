/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-sweep-set.c: `patchlens-cli sweep --pairs`: the sweep over a set of pairs, shown
 * as the mean and std matrices or written as JSON, CSV and the figure of the mean.
 * Outputs behave as a single pair's: every one is attempted, each failure reported.
 */
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cli-output.h"
#include "cli-sweep-set.h"

#include "pl-data.h"
#include "pl-heatmap.h"
#include "pl-pair-set.h"
#include "pl-sweep-set-io.h"
#include "pl-sweep-set.h"

/* The sets shipped in DATADIR/pairs. */
static const char *const shipped_sets[] = { "ioi", "names" };

/* The file --pairs names: a path, else a shipped set's name. */
static char *
resolve_pairs (const char *arg, GError **error)
{
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (g_file_test (arg, G_FILE_TEST_EXISTS) || strchr (arg, '/') != NULL)
    return g_strdup (arg);
  file = g_str_has_suffix (arg, ".jsonl") ? g_strdup (arg) : g_strconcat (arg, ".jsonl", NULL);
  path = g_build_filename (pl_data_dir (), "pairs", file, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  g_set_error (error, PL_ERROR, PL_ERROR_IO, "No file “%s”, and no set of that name "
               "ships with Patchlens (the shipped sets are %s and %s, in %s)", arg,
               shipped_sets[0], shipped_sets[1], pl_data_dir ());
  return NULL;
}

/* ---- outputs ---- */

typedef struct {
  const PlSetResult *result;
  PlColormap         cmap;
  double             scale;
} SetOutputs;

static gboolean
write_set_output (CliOutputKind kind, const char *path, gpointer data, GError **error)
{
  static const PlFigureFormat formats[] = { PL_FIGURE_PNG, PL_FIGURE_SVG, PL_FIGURE_PDF };
  const SetOutputs *o = data;
  g_autoptr(PlHeatmap) hm = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;

  if (kind == OUT_JSON || kind == OUT_CSV)
    {
      text = kind == OUT_JSON ? pl_set_result_to_json (o->result, &length)
                              : pl_set_result_to_csv (o->result, &length);
      return cli_output_text (path, text, length, error);
    }
  hm = pl_set_result_heatmap (o->result);
  pl_heatmap_set_colormap (hm, o->cmap);
  return pl_heatmap_export (hm, formats[kind - OUT_PNG], path, o->scale, error);
}

/* ---- text ---- */

static void
print_matrix (const PlSetResult *r, const float *m)
{
  const PlSweepResult *s = r->summary;

  printf ("%-6s", "Layer");
  for (int p = 0; p < s->n_positions; p++)
    {
      g_autofree char *q = cli_quote_token (s->inputs->corrupted.pieces[p]);

      fputs ("  ", stdout);
      cli_print_padded (stdout, q, MAX (8, cli_text_width (q)), TRUE);
    }
  fputc ('\n', stdout);
  for (int l = 0; l < s->n_layers; l++)
    {
      printf ("%-6d", l);
      for (int p = 0; p < s->n_positions; p++)
        {
          g_autofree char *q = cli_quote_token (s->inputs->corrupted.pieces[p]);

          printf ("  %+*.3f", MAX (8, cli_text_width (q)),
                  (double) m[(gsize) l * s->n_positions + p]);
        }
      fputc ('\n', stdout);
    }
}

static void
print_text (const PlSetResult *r, const PlPairSet *set)
{
  const PlSweepResult *s = r->summary;
  g_autofree char *label = pl_metric_describe (s->metric, s->inputs->clean_answer,
                                               s->inputs->corrupted_answer);

  printf ("Model %s, %d layers; patching %s (%s)\n", s->model_name, s->n_layers,
          pl_site_to_string (s->site), pl_site_describe (s->site));
  printf ("Set %s: %d pairs of %d tokens\n\n", set->file, r->n_pairs, set->n_tokens);
  printf ("Mean of %s (%s) over the %d pairs after patching each layer and position:\n",
          pl_metric_to_string (s->metric), label, r->n_pairs);
  print_matrix (r, r->mean);
  printf ("\nPopulation standard deviation over the pairs:\n");
  print_matrix (r, r->std);
  printf ("\n%d pairs x %d cells in %.2f s\n", r->n_pairs, r->n_cells, r->seconds);
}

/* ---- the run ---- */

typedef struct {
  PlModel              *model;
  const PlPairSet      *set;
  const PlSweepOptions *opt;
  gboolean              tty;
  CliProgress           progress;
  GCancellable         *cancellable;
  PlSetResult          *result;
  GError               *error;
} SetRun;

static void
on_progress (const PlSetProgress *p,
             gpointer             user_data)
{
  SetRun *run = user_data;
  g_autofree char *prefix = g_strdup_printf ("pair %d/%d  ", MIN (p->pairs_done + 1,
                                             p->n_pairs), p->n_pairs);

  cli_progress_show (&run->progress, prefix, p->cells_done, p->cells_total, p->elapsed);
}

static gpointer
set_thread (gpointer user_data)
{
  SetRun *r = user_data;

  r->result = pl_sweep_set_run (r->model, r->set, r->opt, r->tty ? on_progress : NULL,
                                r, r->cancellable, &r->error);
  return NULL;
}

static void
on_interrupt (gpointer user_data, gpointer unused)
{
  fputs ("\r\033[KCancelling…\n", stderr);
}

int
cli_sweep_set (const char           *model_arg,
               const char           *pairs_arg,
               const PlSweepOptions *opt,
               char * const          outputs[OUT_N],
               PlColormap            cmap,
               double                scale)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(PlPairSet) set = NULL;
  g_autoptr(PlSetResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *path = resolve_pairs (pairs_arg, &error);
  SetRun run = { 0 };
  gboolean any = FALSE;

  if (path == NULL)
    return cli_fail (error);
  model = cli_load_model (model_arg, &error);
  if (model == NULL)
    return cli_fail (error);
  set = pl_pair_set_load (pl_model_tokenizer (model), pl_model_config (model)->n_positions,
                          path, &error);
  if (set == NULL)
    return cli_fail (error);
  /* The mean's figure has the shape of one pair's: refuse an undrawable PNG now, not
   * after the sweep. */
  if (!cli_outputs_check_figure (outputs, scale, set->pairs[0], opt,
                                 pl_model_config (model), pl_model_name (model)))
    return CLI_EXIT_FAILURE;
  run = (SetRun) { model, set, opt, isatty (STDERR_FILENO), { 0, FALSE }, cancellable };
  cli_run_interruptible (set_thread, on_interrupt, &run, cancellable);
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
  for (int i = 0; i < OUT_N; i++)
    any |= outputs[i] != NULL;
  if (!any)
    {
      print_text (result, set);
      return CLI_EXIT_OK;
    }
  return cli_outputs_write_each (outputs, write_set_output,
                                 &(SetOutputs) { result, cmap, scale }) == 0
         ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
