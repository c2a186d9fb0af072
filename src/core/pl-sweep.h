/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep.h: the activation-patching sweep.
 *
 *   PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;     // resid_post, logit-diff, k = 20
 *   g_autoptr(PlSweepResult) r = pl_sweep_run (model, inputs, &opt,
 *                                              on_progress, data, cancellable, &error);
 *   float v = r->matrix[layer * r->n_positions + pos];
 *
 * The clean run is cached; the corrupted run is repeated once per (layer, position) of
 * the chosen site with that one activation replaced by the clean run's, and the metric
 * is read at the last position (denoising; opt.direction = PL_DIRECTION_NOISE runs the
 * clean prompt and patches in the corrupted run's activations instead).
 *
 * Head sites (pl_site_is_head) patch one attention head: its matrix is (layers, heads),
 * or (layers, positions, heads) with opt.by_position; pl_sweep_result_axes names the
 * axes and pl_sweep_result_n_cells counts the cells. The fast schedule recomputes only what a patch can
 * change (blocks after the patch, positions from the patched one on, keys and values of
 * earlier positions reused from the corrupted run) and batches many patched runs into
 * each matrix product. Position-specific patches (block sites, head sites by position)
 * before the first position where the prompts' token ids differ run nothing: by
 * causality both runs agree there, so such a cell is the base run's metric
 * (result->cells_skipped counts them). opt.naive runs one full forward per patch
 * instead, as a baseline and a cross-check (same matrix within fp32 rounding).
 *
 * pl_sweep_run blocks: call it from a worker thread. progress is called on that thread
 * after each batch of cells; it must copy what it keeps (the GUI hands a copy to the
 * main loop). A cancelled sweep returns NULL with G_IO_ERROR_CANCELLED.
 */
#pragma once

#include <gio/gio.h>

#include "pl-inputs.h"
#include "pl-model.h"
#include "pl-topk.h"

G_BEGIN_DECLS

/* Enums only grow at the end. */
typedef enum {
  PL_SITE_RESID_POST,  /* output of block l (the assignment's "output of each layer") */
  PL_SITE_RESID_PRE,   /* input of block l; layer 0 is the embeddings */
  PL_SITE_ATTN_OUT,    /* what attention of block l adds to the residual stream */
  PL_SITE_MLP_OUT,     /* what the MLP of block l adds */
  /* Head h of block l; q, k, v are its slices (d_head = C / H) of c_attn's output. */
  PL_SITE_HEAD_OUT,    /* z = pattern · v, the head's slice of c_proj's input */
  PL_SITE_HEAD_Q,
  PL_SITE_HEAD_K,
  PL_SITE_HEAD_V,
  PL_SITE_HEAD_PATTERN, /* softmax(q kᵀ / √d_head + causal mask): a destination's row */
} PlSite;
#define PL_N_SITES 9
#define PL_N_BLOCK_SITES 4   /* the sites before PL_SITE_HEAD_OUT */

typedef enum {
  PL_DIRECTION_DENOISE,  /* run the corrupted prompt, patch in clean activations */
  PL_DIRECTION_NOISE,    /* run the clean prompt, patch in corrupted activations */
} PlDirection;
#define PL_N_DIRECTIONS 2

typedef enum {
  PL_METRIC_LOGIT_DIFF,   /* logit(corrupted answer) - logit(clean answer), last position */
  PL_METRIC_LOGIT_DELTA,  /* patched logit(clean answer) - clean-run logit(clean answer) */
  PL_METRIC_PROB_DIFF,    /* p(corrupted answer) - p(clean answer) */
  PL_METRIC_RESTORED,     /* (d_corr - d) / (d_corr - d_clean) with d the logit diff:
                             0 = nothing restored, 1 = the clean run's difference;
                             noising: (d - d_clean) / (d_corr - d_clean), the fraction
                             of the clean -> corrupted change reproduced */
} PlMetric;
#define PL_N_METRICS 4

const char *pl_site_to_string     (PlSite      site);    /* "resid_post" */
gboolean    pl_site_from_string   (const char *s,
                                   PlSite     *site);
const char *pl_site_describe      (PlSite      site);    /* "Residual stream after block" */
gboolean    pl_site_is_head       (PlSite      site);
const char *pl_direction_to_string (PlDirection direction); /* "denoise" */
gboolean    pl_direction_from_string (const char  *s,
                                      PlDirection *direction);
/* What a result in that direction tests: "sufficient to restore …" / "necessary …". */
const char *pl_direction_describe (PlDirection direction);
const char *pl_metric_to_string   (PlMetric    metric);  /* "logit-diff" */
gboolean    pl_metric_from_string (const char *s,
                                   PlMetric   *metric);
/* The colour bar's label, e.g. "logit( Smith) − logit( Jones)". */
char       *pl_metric_describe    (PlMetric    metric,
                                   const char *clean_answer,
                                   const char *corrupted_answer);
/* The same for a sweep in that direction (restored reads differently when noising). */
char       *pl_metric_describe_in (PlMetric    metric,
                                   PlDirection direction,
                                   const char *clean_answer,
                                   const char *corrupted_answer);

typedef struct {
  PlSite   site;
  PlMetric metric;
  int      top_k;     /* size of the clean and corrupted top-k tables */
  gboolean naive;
  PlDirection direction;
  gboolean by_position;   /* head sites: one patch per (layer, position, head) */
} PlSweepOptions;

#define PL_SWEEP_OPTIONS_INIT { PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF, 20, FALSE, \
                                PL_DIRECTION_DENOISE, FALSE }

typedef struct {
  int          cells_done;
  int          cells_total;
  double       elapsed;   /* seconds since the sweep started */
  const float *matrix;    /* the result's matrix shape; NAN where not computed yet */
  /* The metric of the unpatched clean and corrupted runs: NAN until they are done
   * (every sweep reports once right after them, before any patched cell). */
  double       clean_value;
  double       corrupted_value;
} PlSweepProgress;

typedef void (*PlSweepProgressFunc) (const PlSweepProgress *progress,
                                     gpointer               user_data);

typedef struct {
  char     *model_name;
  PlInputs *inputs;          /* a copy */
  PlSite    site;
  PlMetric  metric;
  int       n_layers;
  int       n_positions;
  int       n_embd;
  PlTopK   *clean_topk;
  PlTopK   *corrupted_topk;
  /* Logits of the two answers in each unpatched run: [0] clean answer, [1] corrupted. */
  float     clean_logits[2];
  float     corrupted_logits[2];
  /* The metric for the unpatched clean and corrupted runs (the colour scale's ends). */
  double    clean_value;
  double    corrupted_value;
  /* Block sites: (n_layers, n_positions), row 0 = layer 0. Head sites: (n_layers,
   * n_heads), or (n_layers, n_positions, n_heads) when by_position. */
  float    *matrix;
  /* ln_f output at the last position of each patched run, (cells, n_embd) in the
   * matrix's order: a cell's full next-token distribution costs one product with wte. */
  float    *final_hidden;
  double    seconds;
  gboolean  naive;
  PlDirection direction;
  gboolean  by_position;
  int       n_heads;
  /* Cells given the base run's value with no patched run, since their patch changes
   * nothing: every position before the first differing token id (by causality), and
   * any other patch that writes bitwise the value already there. 0 with naive, and
   * in a result read from a file (not saved). */
  int       cells_skipped;
} PlSweepResult;

/* Cells in result->matrix. */
gsize       pl_sweep_result_n_cells (const PlSweepResult *result);
/* The matrix's axes, outermost first, NULL-terminated: {"layer","position"},
 * {"layer","head"} or {"layer","position","head"}. */
const char *const *pl_sweep_result_axes (const PlSweepResult *result);

PlSweepResult *pl_sweep_run         (PlModel               *model,
                                     const PlInputs        *inputs,
                                     const PlSweepOptions  *options,
                                     PlSweepProgressFunc    progress,
                                     gpointer               user_data,
                                     GCancellable          *cancellable,
                                     GError               **error);
void           pl_sweep_result_free (PlSweepResult         *result);

/* The top-k next tokens of the patched run drawn at (row = layer, col = pos) of the
 * result's heatmap: for head sites col is the head, and by position row is
 * layer * n_heads + head and col the position (see pl_heatmap_new_from_result). */
PlTopK        *pl_sweep_cell_topk   (PlModel               *model,
                                     const PlSweepResult   *result,
                                     int                    layer,
                                     int                    pos,
                                     int                    k);

/* Top-k of one unpatched run (the tables shown before a sweep). */
PlTopK        *pl_model_topk        (PlModel               *model,
                                     const gint32          *ids,
                                     int                    n_ids,
                                     int                    k,
                                     GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSweepResult, pl_sweep_result_free)

G_END_DECLS
