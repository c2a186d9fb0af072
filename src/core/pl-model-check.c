/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-check.c: refusing model folders and weights that cannot give right numbers,
 * with a message that says what is wrong and what to do (see pl-model-check.h).
 */
#include "config.h"

#include "pl-model-check.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "pl-error.h"
#include "pl-read-file.h"
#include "pl-forward.h"

/* ---- the folder ---- */

static gboolean
has_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A sharded checkpoint: model.safetensors.index.json, or model-00001-of-00002.safetensors. */
static gboolean
has_shards (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (has_file (dir, "model.safetensors.index.json"))
    return TRUE;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "model-") && strstr (name, "-of-") != NULL
        && g_str_has_suffix (name, ".safetensors"))
      return TRUE;
  return FALSE;
}

/* path (symlinks followed) must be a regular file when it exists. */
static gboolean
check_regular (const char *path, GError **error)
{
  struct stat st;

  if (stat (path, &st) != 0 || S_ISREG (st.st_mode))
    return TRUE;   /* a missing file is reported by whoever opens it */
  g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s is %s, not a regular file; a model "
               "folder holds its files as plain files (or symlinks to them)", path,
               pl_file_kind (st.st_mode));
  return FALSE;
}

gboolean
pl_model_check_folder (const char *dir, GError **error)
{
  static const char *const names[] = { "config.json", "model.safetensors", "vocab.json",
                                       "merges.txt" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      if (!check_regular (path, error))
        return FALSE;
    }
  if (has_file (dir, "model.safetensors"))
    return TRUE;
  if (has_shards (dir))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "%s holds a sharded checkpoint "
                   "(model-*-of-*.safetensors), which Patchlens does not read: it needs the "
                   "whole model in one model.safetensors (GPT-2 models up to gpt2-xl are "
                   "published that way; download it with patchlens-cli download NAME)", dir);
      return FALSE;
    }
  if (has_file (dir, "pytorch_model.bin") || has_file (dir, "tf_model.h5")
      || has_file (dir, "flax_model.msgpack"))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "%s has no model.safetensors: PyTorch "
                   ".bin (and TensorFlow or Flax) checkpoints are not supported. Fetch the "
                   "model.safetensors file of the same Hugging Face repository into this "
                   "folder (or use patchlens-cli download NAME)", dir);
      return FALSE;
    }
  return TRUE;
}

/* ---- the weights ---- */

static gboolean
all_finite (const float *x, gsize n)
{
  int bad = 0;

  /* No early exit: the branch-free loop vectorizes, and a model is usually clean. */
#pragma omp simd reduction(|:bad)
  for (gsize i = 0; i < n; i++)
    bad |= !isfinite (x[i]);
  return !bad;
}

static gboolean
refuse_tensor (const char *name, int block, GError **error)
{
  if (block >= 0)
    g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The weights are broken: h.%d.%s holds "
                 "a NaN or an infinity, so every result would be NaN", block, name);
  else
    g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The weights are broken: %s holds a "
                 "NaN or an infinity, so every result would be NaN", name);
  return FALSE;
}

/* Biases, LayerNorm parameters and wpe: C-sized vectors and one (maxT, C) matrix. */
gboolean
pl_model_check_weights (const PlConfig *cfg, const PlWeights *w, GError **error)
{
  gsize C = (gsize) cfg->n_embd;

  if (!all_finite (w->wpe, (gsize) cfg->n_positions * C))
    return refuse_tensor ("wpe.weight", -1, error);
  if (!all_finite (w->ln_f_w, C) || !all_finite (w->ln_f_b, C))
    return refuse_tensor ("ln_f", -1, error);
  for (int b = 0; b < cfg->n_layer; b++)
    {
      const PlBlockWeights *k = &w->blocks[b];
      const struct { const float *x; gsize n; const char *name; } small[] = {
        { k->ln_1_w, C, "ln_1.weight" }, { k->ln_1_b, C, "ln_1.bias" },
        { k->attn_b, 3 * C, "attn.c_attn.bias" },
        { k->attn_proj_b, C, "attn.c_proj.bias" },
        { k->ln_2_w, C, "ln_2.weight" }, { k->ln_2_b, C, "ln_2.bias" },
        { k->fc_b, 4 * C, "mlp.c_fc.bias" }, { k->mlp_proj_b, C, "mlp.c_proj.bias" },
      };

      for (gsize i = 0; i < G_N_ELEMENTS (small); i++)
        if (!all_finite (small[i].x, small[i].n))
          return refuse_tensor (small[i].name, b, error);
    }
  return TRUE;
}

/* ---- the activations ---- */

/* bad_token: the first token whose logit is not finite, or -1 when not known. */
static void
explain (PlModel *model, const gint32 *ids, int T, int bad_token, GError **error)
{
  const PlConfig *cfg = pl_model_config (model);
  int C = cfg->n_embd;
  PlSegment seg = { 0, T, 0 };
  g_autofree float *x = g_new (float, (gsize) T * C);   /* (T, C) residual stream */
  g_autofree float *h = g_new (float, C);
  PlScratch *s = pl_scratch_new (cfg, T, T);
  int where = -2;   /* -1: the embeddings; b: block b; n_layer: ln_f or the LM head */

  pl_embed (model, ids, T, x);
  if (!all_finite (x, (gsize) T * C))
    where = -1;
  for (int b = 0; where == -2 && b < cfg->n_layer; b++)
    {
      pl_block_forward (model, b, x, &seg, 1, NULL, NULL, s, NULL, NULL);
      if (!all_finite (x, (gsize) T * C))
        where = b;
    }
  pl_scratch_free (s);
  if (where == -1)
    g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The model computed a NaN or an "
                 "infinity in its embeddings: the wte rows of this prompt's tokens (or "
                 "wpe) hold one. The weights are broken");
  else if (where >= 0)
    g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The model computed a NaN or an "
                 "infinity in layer %d (the output of block h.%d) for this prompt: its "
                 "weights (attention or MLP matrices) are broken or overflow", where, where);
  else
    {
      pl_final_norm (model, x + (gsize) (T - 1) * C, h);
      if (!all_finite (h, C))
        g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The model computed a NaN or an "
                     "infinity in its final LayerNorm (ln_f): the weights are broken");
      else if (bad_token >= 0)
        g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The model computed a NaN or an "
                     "infinity in its logits: the LM head's wte row %d (the logit of "
                     "token %d) holds one. The weights are broken", bad_token, bad_token);
      else
        g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The model computed a NaN or an "
                     "infinity in its logits (the LM head, wte): the weights are broken");
    }
}

void
pl_model_explain_nonfinite (PlModel *model, const gint32 *ids, int T, GError **error)
{
  explain (model, ids, T, -1, error);
}

gboolean
pl_model_check_logits (PlModel *model, const gint32 *ids, int n_ids, const float *logits,
                       int V, GError **error)
{
  int first = 0;

  if (all_finite (logits, (gsize) V))
    return TRUE;
  while (first < V && isfinite (logits[first]))
    first++;
  explain (model, ids, n_ids, first, error);
  return FALSE;
}

/* ---- the sweep's numbers ---- */

/* The logits come out of float32 sums of thousands of terms: their absolute error
 * grows with their size, about 1e-6 of it per operation chain and more over many
 * layers (fast and naive sweeps agree to ~1e-5 relative). A denominator below a
 * thousandth of the logits' size leaves no trustworthy digit in the fraction. */
#define RESTORED_MIN_RELATIVE 1e-3

gboolean
pl_restored_check (const float clean[2], const float corrupted[2], GError **error)
{
  double d_clean = (double) clean[1] - clean[0];
  double d_corr = (double) corrupted[1] - corrupted[0];
  double scale = 1.0;

  for (int i = 0; i < 2; i++)
    scale = MAX (scale, MAX (fabs (clean[i]), fabs (corrupted[i])));
  if (fabs (d_corr - d_clean) > RESTORED_MIN_RELATIVE * scale)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
               "The fraction restored is undefined here: it divides by the difference "
               "of the two runs' logit differences, %.3g (clean %.6g, corrupted %.6g), "
               "which is within the rounding error of logits of size %.0f, so every cell "
               "would be noise. Use prompts whose answers differ more, or another metric "
               "such as logit-diff",
               d_corr - d_clean, d_clean, d_corr, scale);
  return FALSE;
}

gboolean
pl_sweep_check_matrix (const PlSweepResult *r, GError **error)
{
  gsize n = (gsize) r->n_layers * r->n_positions;

  if (all_finite (r->matrix, n))
    return TRUE;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (r->matrix[i]))
      {
        g_set_error (error, PL_ERROR, PL_ERROR_MODEL, "The patched run at layer %d, "
                     "position %d gave a NaN or an infinity (the weights overflow or are "
                     "broken), so the sweep has no trustworthy result",
                     (int) (i / r->n_positions), (int) (i % r->n_positions));
        break;
      }
  return FALSE;
}
