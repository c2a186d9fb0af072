/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-output.c: checking a command's output files before the work and writing them
 * after it (see cli-output.h).
 */
#include "cli-output.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-common.h"
#include "pl-heatmap.h"
#include "pl-result-io.h"
#include "pl-write-file.h"

const char *const cli_output_flags[OUT_N] = {
  "--json", "--csv", "--png", "--svg", "--pdf",
};

static const char *const extensions[OUT_N] = { ".json", ".csv", ".png", ".svg", ".pdf" };

/* cairo's image surfaces stop at 32767 pixels a side; past a quarter of a gigapixel
 * (1 GiB of RGB24) the figure would not fit in memory on most machines anyway. */
#define MAX_PNG_SIDE   32767
#define MAX_PNG_PIXELS (256.0 * 1024 * 1024)

static gboolean
is_stdout (const char *path)
{
  return path != NULL && strcmp (path, "-") == 0;
}

/* The kind whose extension path ends with (case-insensitive), or -1. */
static int
kind_of_extension (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  for (int k = 0; k < OUT_N; k++)
    if (g_str_has_suffix (lower, extensions[k]))
      return k;
  return -1;
}

int
cli_outputs_check_args (const char   *command,
                        char *const   paths[OUT_N],
                        double        scale)
{
  int n_stdout = 0;

  for (int i = 0; i < OUT_N; i++)
    {
      int named;

      if (paths[i] == NULL)
        continue;
      if (paths[i][0] == '\0')
        return cli_usage (command, "%s needs a file name", cli_output_flags[i]);
      if (is_stdout (paths[i]))
        {
          if (i >= OUT_PNG)
            return cli_usage (command, "%s needs a file name (only --json and --csv can "
                              "write to stdout)", cli_output_flags[i]);
          n_stdout++;
          continue;
        }
      named = kind_of_extension (paths[i]);
      if (named >= 0 && named != i)
        return cli_usage (command, "%s “%s”: the name ends in %s, but %s writes %s; use %s "
                          "for that format, or a name ending in %s", cli_output_flags[i],
                          paths[i], extensions[named], cli_output_flags[i],
                          extensions[i] + 1, cli_output_flags[named], extensions[i]);
    }
  if (n_stdout > 1)
    return cli_usage (command, "only one of --json and --csv can write to stdout");
  if (!(scale >= 0.1 && scale <= 16))
    return cli_usage (command, "--scale must be between 0.1 and 16 (got %g)", scale);
  return CLI_EXIT_OK;
}

/* ---- on disk ---- */

/* What names a file: its device and inode when it exists, else the canonical path it
 * would be created at (the folder resolved, so ./a and a are one). */
typedef struct {
  gboolean exists;
  dev_t    dev;
  ino_t    ino;
  gboolean is_chr;
  char    *where;
} Identity;

static void
identify (const char *path, Identity *id)
{
  struct stat st;
  g_autofree char *dir = NULL, *base = NULL;
  char *real;

  memset (id, 0, sizeof *id);
  if (is_stdout (path) ? fstat (STDOUT_FILENO, &st) == 0 : stat (path, &st) == 0)
    {
      id->exists = TRUE;
      id->dev = st.st_dev;
      id->ino = st.st_ino;
      id->is_chr = S_ISCHR (st.st_mode);
      return;
    }
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  real = realpath (dir, NULL);
  id->where = g_build_filename (real != NULL ? real : dir, base, NULL);
  free (real);
}

static gboolean
same_file (const Identity *a, const Identity *b)
{
  if (a->exists != b->exists)
    return FALSE;
  if (a->exists)   /* writing twice into /dev/null or a terminal harms nothing */
    return a->dev == b->dev && a->ino == b->ino && !(a->is_chr && b->is_chr);
  return g_strcmp0 (a->where, b->where) == 0;
}

/* Why path cannot be written, or NULL when it looks writable. */
static char *
output_problem (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return g_strdup_printf ("cannot write “%s”: it is a folder", path);
      if (access (path, W_OK) != 0)
        return g_strdup_printf ("cannot write “%s”: %s", path, g_strerror (errno));
      if (!S_ISREG (st.st_mode))
        return NULL;   /* a device, FIFO or descriptor is written in place */
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_strdup_printf ("cannot write “%s”: the folder “%s” does not exist",
                            path, dir);
  if (access (dir, W_OK | X_OK) != 0)
    return g_strdup_printf ("cannot write “%s”: no permission to write in “%s”",
                            path, dir);
  return NULL;
}

gboolean
cli_outputs_preflight (char *const paths[OUT_N])
{
  Identity ids[OUT_N] = { 0 };
  gboolean ok = TRUE;

  for (int i = 0; i < OUT_N; i++)
    {
      g_autofree char *problem = NULL;

      if (paths[i] == NULL)
        continue;
      identify (paths[i], &ids[i]);
      problem = is_stdout (paths[i]) ? NULL : output_problem (paths[i]);
      if (problem != NULL)
        cli_message ("%s: %s", cli_output_flags[i], problem);
      ok = ok && problem == NULL;
      for (int j = 0; j < i; j++)
        if (paths[j] != NULL && same_file (&ids[i], &ids[j]))
          {
            cli_message ("%s and %s both name “%s”: the second would replace the first; "
                         "give each output its own file", cli_output_flags[j],
                         cli_output_flags[i], paths[i]);
            ok = FALSE;
          }
    }
  for (int i = 0; i < OUT_N; i++)
    g_free (ids[i].where);
  if (!ok)
    cli_message ("nothing was run and nothing was written");
  return ok;
}

gboolean
cli_outputs_check_figure (char *const           paths[OUT_N],
                          double                scale,
                          const PlInputs       *inputs,
                          const PlSweepOptions *opt,
                          const PlConfig       *cfg,
                          const char           *model_name)
{
  PlSweepResult shape = { 0 };
  g_autofree float *matrix = NULL;
  g_autoptr(PlHeatmap) hm = NULL;
  double w, h, pw, ph;

  if (paths[OUT_PNG] == NULL)
    return TRUE;
  /* A result of the sweep's shape, with no values: the figure's size depends only on
   * the layers, the tokens, the labels and the title. */
  shape = (PlSweepResult) { .model_name = (char *) model_name, .inputs = (PlInputs *) inputs,
                            .site = opt->site, .metric = opt->metric,
                            .direction = opt->direction, .by_position = opt->by_position,
                            .n_heads = cfg->n_head, .n_layers = cfg->n_layer,
                            .n_positions = inputs->clean.n_tokens };
  matrix = g_new0 (float, pl_sweep_result_n_cells (&shape));
  shape.matrix = matrix;
  hm = pl_heatmap_new_from_result (&shape);
  pl_heatmap_get_size (hm, &w, &h);
  pw = ceil (w * scale);
  ph = ceil (h * scale);
  if (pw <= MAX_PNG_SIDE && ph <= MAX_PNG_SIDE && pw * ph <= MAX_PNG_PIXELS)
    return TRUE;
  cli_message ("--png: at --scale %g the figure of %d layers × %d tokens would be "
               "%.0f × %.0f pixels, more than a PNG can be drawn at (%d pixels a side, "
               "%.0f megapixels); use a smaller --scale, or --svg or --pdf. Nothing was "
               "run", scale, cfg->n_layer, inputs->clean.n_tokens, pw, ph, MAX_PNG_SIDE,
               MAX_PNG_PIXELS / 1e6);
  return FALSE;
}

/* ---- writing ---- */

int
cli_outputs_write_each (char *const    paths[OUT_N],
                        CliWriteOutput write,
                        gpointer       data)
{
  int n_failed = 0;

  for (int i = 0; i < OUT_N; i++)
    {
      g_autoptr(GError) error = NULL;

      if (paths[i] == NULL || write (i, paths[i], data, &error))
        continue;
      cli_message ("%s: %s", cli_output_flags[i], error->message);
      n_failed++;
    }
  return n_failed;
}

gboolean
cli_output_text (const char  *path,
                 const char  *text,
                 gsize        length,
                 GError     **error)
{
  if (!is_stdout (path))
    return pl_write_file_atomic (path, text, length, error);
  fwrite (text, 1, length, stdout);
  return TRUE;
}

typedef struct {
  const PlSweepResult *result;
  PlColormap           cmap;
  double               scale;
} SweepOutputs;

static gboolean
write_sweep_output (CliOutputKind  kind,
                    const char    *path,
                    gpointer       data,
                    GError       **error)
{
  static const PlFigureFormat formats[] = { PL_FIGURE_PNG, PL_FIGURE_SVG, PL_FIGURE_PDF };
  const SweepOutputs *o = data;
  gsize length = 0;
  g_autofree char *text = NULL;
  g_autoptr(PlHeatmap) hm = NULL;

  if (kind == OUT_JSON || kind == OUT_CSV)
    {
      /* (text and length in two statements: the order in which a call's arguments
       * are evaluated is unspecified.) */
      text = kind == OUT_JSON ? pl_result_to_json (o->result, &length)
                              : pl_result_to_csv (o->result, &length);
      return cli_output_text (path, text, length, error);
    }
  hm = pl_heatmap_new_from_result (o->result);
  pl_heatmap_set_colormap (hm, o->cmap);
  return pl_heatmap_export (hm, formats[kind - OUT_PNG], path, o->scale, error);
}

int
cli_outputs_write (char *const          paths[OUT_N],
                   const PlSweepResult *result,
                   PlColormap           cmap,
                   double               scale)
{
  SweepOutputs o = { result, cmap, scale };

  return cli_outputs_write_each (paths, write_sweep_output, &o);
}
