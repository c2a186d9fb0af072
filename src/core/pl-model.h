/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model.h: a GPT-2 model loaded from a Hugging Face folder, and its forward pass.
 *
 *   g_autoptr(PlModel) model = pl_model_load ("/path/to/gpt2", &error);
 *   const PlConfig *cfg = pl_model_config (model);
 *   float *logits = g_new (float, cfg->vocab_size);
 *   pl_model_last_logits (model, ids, n_ids, logits, &error);   // next-token logits
 *
 * The folder holds config.json, model.safetensors and, usually, vocab.json +
 * merges.txt (else the shipped GPT-2 tokenizer is used). The tensors are read into one
 * owned F32 buffer (F16 and BF16 converted on load; see pl-tensor-read.h) and the file is
 * closed: replacing or truncating it later does not affect a loaded model, and a file
 * changing during the load is an error. Names as in the HF gpt2 checkpoint, with or
 * without a leading "transformer."; "*.attn.bias" and "*.attn.masked_bias" buffers are ignored; any other tensor the model
 * does not use, a missing tensor, a wrong shape or dtype is a PL_ERROR_MODEL naming it.
 *
 * Weight layout (HF Conv1D stores weights input-major, (in, out)):
 *   wte (V, C), wpe (maxT, C), ln_f (C);
 *   per block: ln_1 (C), c_attn.weight (C, 3C) bias (3C), attn.c_proj (C, C) + (C),
 *   ln_2 (C), mlp.c_fc (C, 4C) + (4C), mlp.c_proj (4C, C) + (C).
 * A loaded model is immutable: forward passes may run on any thread, several at once.
 */
#pragma once

#include <glib.h>

#include "pl-config.h"
#include "pl-tokenizer.h"

G_BEGIN_DECLS

typedef struct {
  const float *ln_1_w, *ln_1_b;         /* (C) */
  const float *attn_w, *attn_b;         /* (C, 3C), (3C): q | k | v */
  const float *attn_proj_w, *attn_proj_b; /* (C, C), (C) */
  const float *ln_2_w, *ln_2_b;         /* (C) */
  const float *fc_w, *fc_b;             /* (C, 4C), (4C) */
  const float *mlp_proj_w, *mlp_proj_b; /* (4C, C), (C) */
} PlBlockWeights;

typedef struct {
  const float    *wte;                  /* (V, C), also the LM head (tied) */
  const float    *wpe;                  /* (maxT, C) */
  PlBlockWeights *blocks;               /* n_layer */
  const float    *ln_f_w, *ln_f_b;      /* (C) */
} PlWeights;

typedef struct _PlModel PlModel;

PlModel         *pl_model_load         (const char *dir,
                                        GError    **error);
void             pl_model_free         (PlModel    *model);

const PlConfig  *pl_model_config       (PlModel    *model);
const PlWeights *pl_model_weights      (PlModel    *model);
/* The model's own tokenizer (its folder's files, else the shipped GPT-2 one). */
PlTokenizer     *pl_model_tokenizer    (PlModel    *model);
/* The folder's base name ("gpt2"), or config's "_name_or_path" when present. */
const char      *pl_model_name         (PlModel    *model);
const char      *pl_model_path         (PlModel    *model);
guint64          pl_model_n_params     (PlModel    *model);
/* Size of model.safetensors in bytes. */
guint64          pl_model_file_size    (PlModel    *model);
/* TRUE when the weights are used in place from Patchlens' aligned copy
 * (pl-weights-cache.h) rather than read into memory. */
gboolean         pl_model_uses_cache   (PlModel    *model);
/* FALSE, saying why, when that copy was truncated or written by another program since
 * the load: a result computed from it is garbage. Every computation that returns numbers
 * checks it before it returns them. */
gboolean         pl_model_check_intact (PlModel    *model,
                                        GError    **error);

/* Next-token logits (V) at the last of the n_ids positions. */
gboolean         pl_model_last_logits  (PlModel      *model,
                                        const gint32 *ids,
                                        int           n_ids,
                                        float        *logits,
                                        GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlModel, pl_model_free)

G_END_DECLS
