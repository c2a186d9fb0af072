/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-private.h: the sweep's state, shared by pl-sweep.c (set-up, the unpatched
 * runs, metrics, block sites) and pl-sweep-heads.c (head sites). Not for use outside.
 *
 * Directions: the base run is the one repeated with a patch (the corrupted run when
 * denoising, the clean run when noising), the source run the one patches come from.
 */
#pragma once

#include "pl-forward.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

/* Everything one unpatched run leaves behind, every (L, T, C) unless said. */
typedef struct {
  float *resid;     /* (L + 1, T, C): resid[b] is the input of block b, resid[L] the output */
  float *attn_out;
  float *mlp_out;
  float *k;
  float *v;
  float *q;         /* head sites only, else NULL */
  float *z;         /* head sites only: attention before c_proj, heads concatenated */
  float *final_h;   /* (C) ln_f at the last position */
} RunCache;

typedef struct {
  PlModel              *model;
  const PlSweepOptions *opt;
  int                   L, T, C, H;
  gsize                 n_cells;
  gint32                id_a, id_b;   /* clean answer, corrupted answer */
  RunCache              clean, corr;
  RunCache             *base, *src;   /* the run patched, the run patches come from */
  const gint32         *base_ids;     /* (T) */
  /* Positions before the first where the prompts' token ids differ (T if none): by
   * causality every activation there is the same in both runs, so a patch there
   * writes what is already there and its cell is the base run's, with no patched run. */
  int                   shared;
  float                *start_rows;   /* block sites: (L, T, C), row p of the run patched at (l, p) */
  PlSweepResult        *result;
  double                d_clean, d_corr;   /* logit-diff of the unpatched runs */
  gint64                t0;
  int                   done;
  PlSweepProgressFunc   progress;
  gpointer              user_data;
  GCancellable         *cancellable;
} Sweep;

/* Scratch memory the batched runs may use, and the most rows in one batch. */
#define PL_SWEEP_BATCH_BYTES (96u << 20)
#define PL_SWEEP_BATCH_MAX_ROWS 2048

static inline float *
at (float *base, int T, int C, int layer, int pos)
{
  return base + ((gsize) layer * T + pos) * C;
}

/* Reports the sweep's progress so far. */
void     pl_sweep_report       (Sweep     *sw);
/* The top-k, answer logits and metrics of n pairs' unpatched runs, from their final
 * states (clean.final_h, corr.final_h); FALSE on an error in pair *failed. */
gboolean pl_sweep_summarize_unpatched (Sweep *const *sws,
                                       int           n,
                                       int          *failed,
                                       GError      **error);
/* Gives the n cells listed the base run's final state (their patch changes nothing),
 * counts them as skipped and reports them. */
void     pl_sweep_finish_unchanged (Sweep     *sw,
                                    const int *cells,
                                    int        n);
/* Fills the matrix for the n cells listed (indices in the matrix's order), whose final
 * hidden states are in result->final_hidden, and reports progress. */
void     pl_sweep_finish_cells (Sweep     *sw,
                                const int *cells,
                                int        n);
/* Rows in one batch of patched runs. */
int      pl_sweep_batch_rows   (const Sweep *sw);

/* The caches a batch of pairs may keep (their unpatched runs and patched rows). */
#define PL_SWEEP_PAIRS_BYTES (128u << 20)
/* ... and the most pairs swept at once. */
#define PL_SWEEP_MAX_PAIRS 64

/* How many pairs of T tokens pl_sweep_run_many sweeps at once: 1 for head sites and
 * --naive, which sweep one pair after another. */
int      pl_sweep_pairs_per_batch (PlModel              *model,
                                   int                   T,
                                   const PlSweepOptions *options);
/* Sweeps n pairs of one token count with the same options, as pl_sweep_run sweeps
 * each (the same numbers, bit for bit): their unpatched runs in one batch, their
 * patched runs stacked into the same batches. n <= pl_sweep_pairs_per_batch (). Each
 * pair reports its own progress, with user_data[i] (user_data may be NULL). On
 * success results[i] is pair i's result; on failure *failed is the failing pair's
 * index, or -1 when cancelled. */
gboolean pl_sweep_run_many (PlModel               *model,
                            const PlInputs *const *inputs,
                            int                    n,
                            const PlSweepOptions  *options,
                            PlSweepProgressFunc    progress,
                            gpointer const        *user_data,
                            GCancellable          *cancellable,
                            PlSweepResult        **results,
                            int                   *failed,
                            GError               **error);

/* pl-sweep-blocks.c: the patched runs of block sites; FALSE when cancelled. The fast
 * schedule for n pairs whose unpatched runs are done, or, with the unpatched runs in
 * its first batch, the whole of their sweep when 2nT rows leave room in a batch (its
 * errors as pl_sweep_summarize_unpatched's, *failed -1 when cancelled). */
gboolean pl_sweep_blocks_fast       (Sweep *const *sws,
                                     int           n);
gboolean pl_sweep_blocks_first_pass (Sweep *const *sws,
                                     int           n,
                                     int          *failed,
                                     GError      **error);
gboolean pl_sweep_blocks_naive      (Sweep        *sw);

/* pl-sweep-heads.c: the attention hook a capturing run passes for head sites, to keep
 * q and z: data is a PlHeadCapture, whose cache[i] receives segment i (a whole run). */
typedef struct {
  RunCache *cache[2];
  int       T, C, block;
} PlHeadCapture;
void     pl_sweep_heads_capture (gpointer         data,
                                 const PlSegment *segs,
                                 int              n_segs,
                                 PlScratch       *s);
/* The patched runs of a head site; FALSE when cancelled. */
gboolean pl_sweep_heads_fast   (Sweep *sw);
gboolean pl_sweep_heads_naive  (Sweep *sw);

G_END_DECLS
