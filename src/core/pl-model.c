/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model.c: loading a Hugging Face GPT-2 folder, checking every tensor against the
 * config before trusting it, and the plain forward pass.
 */
#include <string.h>

#include "pl-error.h"
#include "pl-forward.h"
#include "pl-model.h"
#include "pl-tensor-read.h"
#include "pl-model-check.h"
#include "pl-weights-cache.h"

struct _PlModel {
  char          *path;
  char          *name;
  PlConfig       cfg;
  PlTensorFile  *file;      /* open only while loading */
  PlTensorFile  *cache;     /* the mapped aligned copy the weights point into, or NULL */
  GArray        *reads;     /* of PlTensorRead: what to load, while loading */
  GPtrArray     *slots;     /* const float ** for each read, while loading */
  PlWeights      w;
  float         *buf;       /* without a cache: every tensor, F32, one owned block */
  gsize          buf_bytes;
  guint64        file_size;
  PlTokenizer   *tok;
  GError        *tok_error; /* why tok could not be read */
  guint64        n_params;
};

/* ---- tensors ---- */

/* Each tensor starts on a 64-byte boundary in the buffer (a cache line, an AVX-512
 * vector). */
#define TENSOR_ALIGN_FLOATS 16

static char *
shape_string (int n_dims, const gint64 *shape)
{
  GString *s = g_string_new ("(");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* Finds name (with or without the "transformer." prefix), checks dtype and shape, and
 * lists it to be read into *dst. d1 = 0 for a vector. */
static gboolean
tensor (PlModel *m, GHashTable *used, const char *name, gint64 d0, gint64 d1,
        const float **dst, GError **error)
{
  PlSafetensors *st = pl_tensor_file_header (m->file);
  g_autofree char *prefixed = g_strconcat ("transformer.", name, NULL);
  const PlTensorInfo *t = pl_safetensors_find (st, name);
  PlTensorRead read = { NULL, NULL };
  gint64 want[2] = { d0, d1 };
  int want_dims = d1 > 0 ? 2 : 1;

  if (t == NULL)
    t = pl_safetensors_find (st, prefixed);
  if (t == NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                   "%s/model.safetensors has no tensor '%s' (nor '%s')", m->path, name,
                   prefixed);
      return FALSE;
    }
  if (t->dtype != PL_DTYPE_F32 && t->dtype != PL_DTYPE_F16 && t->dtype != PL_DTYPE_BF16)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                   "Tensor '%s' is %s; Patchlens reads F32, F16 and BF16 weights",
                   t->name, pl_dtype_to_string (t->dtype));
      return FALSE;
    }
  if (t->n_dims != want_dims || t->shape[0] != d0 || (want_dims == 2 && t->shape[1] != d1))
    {
      g_autofree char *got = shape_string (t->n_dims, t->shape);
      g_autofree char *exp = shape_string (want_dims, want);

      g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                   "Tensor '%s' has shape %s but config.json implies %s", t->name, got, exp);
      return FALSE;
    }
  g_hash_table_add (used, (gpointer) t);
  m->n_params += t->n_elements;
  read.info = t;
  g_array_append_val (m->reads, read);
  g_ptr_array_add (m->slots, dst);
  return TRUE;
}

static gboolean
load_block (PlModel *m, GHashTable *used, int b, GError **error)
{
  PlBlockWeights *bw = &m->w.blocks[b];
  gint64 C = m->cfg.n_embd;
  struct { const float **dst; const char *name; gint64 d0, d1; } parts[] = {
    { &bw->ln_1_w, "ln_1.weight", C, 0 },
    { &bw->ln_1_b, "ln_1.bias", C, 0 },
    { &bw->attn_w, "attn.c_attn.weight", C, 3 * C },
    { &bw->attn_b, "attn.c_attn.bias", 3 * C, 0 },
    { &bw->attn_proj_w, "attn.c_proj.weight", C, C },
    { &bw->attn_proj_b, "attn.c_proj.bias", C, 0 },
    { &bw->ln_2_w, "ln_2.weight", C, 0 },
    { &bw->ln_2_b, "ln_2.bias", C, 0 },
    { &bw->fc_w, "mlp.c_fc.weight", C, 4 * C },
    { &bw->fc_b, "mlp.c_fc.bias", 4 * C, 0 },
    { &bw->mlp_proj_w, "mlp.c_proj.weight", 4 * C, C },
    { &bw->mlp_proj_b, "mlp.c_proj.bias", C, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *name = g_strdup_printf ("h.%d.%s", b, parts[i].name);

      if (!tensor (m, used, name, parts[i].d0, parts[i].d1, parts[i].dst, error))
        return FALSE;
    }
  return TRUE;
}

/* Buffers some checkpoints carry that the model does not use: the causal mask
 * ("attn.bias", "attn.masked_bias") and a tied LM head. */
static gboolean
is_ignored (const char *name)
{
  return g_str_has_suffix (name, ".attn.bias") || g_str_has_suffix (name, ".attn.masked_bias")
         || g_str_equal (name, "lm_head.weight");
}

static gboolean
check_unused (PlModel *m, GHashTable *used, GError **error)
{
  PlSafetensors *st = pl_tensor_file_header (m->file);

  for (guint i = 0; i < pl_safetensors_n_tensors (st); i++)
    {
      const PlTensorInfo *t = pl_safetensors_tensor (st, i);

      if (!g_hash_table_contains (used, t) && !is_ignored (t->name))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                       "%s/model.safetensors has a tensor '%s' that GPT-2 (n_layer = %d) "
                       "does not have: is this a GPT-2 checkpoint?",
                       m->path, t->name, m->cfg.n_layer);
          return FALSE;
        }
    }
  return TRUE;
}

/* Points the weights into the mapped aligned copy, when there is one. */
static gboolean
use_cache (PlModel *m, const char *weights)
{
  PlTensorRead *reads = (PlTensorRead *) m->reads->data;
  const guint8 *map;
  PlSafetensors *h;

  m->cache = pl_weights_cache_open (m->file, weights, reads, m->reads->len);
  if (m->cache == NULL)
    return FALSE;
  map = pl_tensor_file_mapping (m->cache);
  h = pl_tensor_file_header (m->cache);
  for (guint i = 0; i < m->reads->len; i++)
    {
      const PlTensorInfo *t = pl_safetensors_find (h, reads[i].info->name);

      /* 64-byte aligned: checked by pl_weights_cache_open. */
      *(const float **) g_ptr_array_index (m->slots, i)
        = (const float *) (gconstpointer) (map + pl_safetensors_data_offset (h) + t->begin);
    }
  return TRUE;
}

/* Lays the listed tensors out in one buffer and reads them into it. */
static gboolean
read_tensors (PlModel *m, const char *weights, GError **error)
{
  PlTensorRead *reads = (PlTensorRead *) m->reads->data;
  gsize n_floats = 0;

  if (use_cache (m, weights))
    return TRUE;
  for (guint i = 0; i < m->reads->len; i++)
    n_floats += (reads[i].info->n_elements + TENSOR_ALIGN_FLOATS - 1)
                / TENSOR_ALIGN_FLOATS * TENSOR_ALIGN_FLOATS;
  m->buf_bytes = n_floats * sizeof (float);
  m->buf = pl_aligned_alloc (m->buf_bytes);
  if (m->buf == NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Not enough memory for the weights of "
                   "%s (%" G_GSIZE_FORMAT " MB)", m->path, m->buf_bytes >> 20);
      return FALSE;
    }
  for (guint i = 0, at = 0; i < m->reads->len; i++)
    {
      reads[i].dst = m->buf + at;
      *(const float **) g_ptr_array_index (m->slots, i) = reads[i].dst;
      at += (reads[i].info->n_elements + TENSOR_ALIGN_FLOATS - 1)
            / TENSOR_ALIGN_FLOATS * TENSOR_ALIGN_FLOATS;
    }
  return pl_tensor_file_read (m->file, reads, m->reads->len, error);
}

static gboolean
load_weights (PlModel *m, const char *weights, GError **error)
{
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  gint64 C = m->cfg.n_embd;

  m->w.blocks = g_new0 (PlBlockWeights, m->cfg.n_layer);
  m->reads = g_array_new (FALSE, FALSE, sizeof (PlTensorRead));
  m->slots = g_ptr_array_new ();
  if (!tensor (m, used, "wte.weight", m->cfg.vocab_size, C, &m->w.wte, error) ||
      !tensor (m, used, "wpe.weight", m->cfg.n_positions, C, &m->w.wpe, error) ||
      !tensor (m, used, "ln_f.weight", C, 0, &m->w.ln_f_w, error) ||
      !tensor (m, used, "ln_f.bias", C, 0, &m->w.ln_f_b, error))
    return FALSE;
  for (int b = 0; b < m->cfg.n_layer; b++)
    if (!load_block (m, used, b, error))
      return FALSE;
  return check_unused (m, used, error) && read_tensors (m, weights, error);
}

/* ---- the folder ---- */

/* "gpt2" from .../models--openai-community--gpt2/snapshots/<rev> or .../gpt2. */
static char *
model_name_from_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);

  for (int i = g_strv_length (parts) - 1; i >= 0; i--)
    if (g_str_has_prefix (parts[i], "models--"))
      {
        const char *last = g_strrstr (parts[i], "--");
        return g_strdup (last + 2);
      }
  return g_path_get_basename (path);
}

/* Reads the folder's tokenizer (else the shipped one); runs on its own thread while the
 * weights are read, since it takes tens of milliseconds of parsing. */
static gpointer
read_tokenizer (gpointer data)
{
  PlModel *m = data;
  g_autofree char *vocab = g_build_filename (m->path, "vocab.json", NULL);
  g_autofree char *encoder = g_build_filename (m->path, "encoder.json", NULL);

  if (g_file_test (vocab, G_FILE_TEST_EXISTS) || g_file_test (encoder, G_FILE_TEST_EXISTS))
    m->tok = pl_tokenizer_new_from_dir (m->path, &m->tok_error);
  else
    m->tok = pl_tokenizer_new_default (&m->tok_error);
  return NULL;
}

static gboolean
check_tokenizer (PlModel *m, GError **error)
{
  if (m->tok == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&m->tok_error));
      return FALSE;
    }
  if (pl_tokenizer_vocab_size (m->tok) > m->cfg.vocab_size)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                   "The tokenizer has %d tokens but config.json's vocab_size is %d",
                   pl_tokenizer_vocab_size (m->tok), m->cfg.vocab_size);
      return FALSE;
    }
  return TRUE;
}

PlModel *
pl_model_load (const char *dir, GError **error)
{
  g_autoptr(PlModel) m = g_new0 (PlModel, 1);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  GThread *tok_thread;
  gboolean ok;

  m->path = g_canonicalize_filename (dir, NULL);
  m->name = model_name_from_path (m->path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s is not a folder", dir);
      return NULL;
    }
  if (!pl_model_check_folder (dir, error) || !pl_config_load (&m->cfg, config, error))
    return NULL;
  m->file = pl_tensor_file_open (weights, error);
  if (m->file == NULL)
    return NULL;
  tok_thread = g_thread_new ("pl-tokenizer", read_tokenizer, m);
  ok = load_weights (m, weights, error);
  g_thread_join (tok_thread);
  /* Nothing refers to the file from here: it may be replaced or truncated freely (the
   * weights are in memory we own or in Patchlens' own copy). */
  m->file_size = pl_tensor_file_size (m->file);
  g_clear_pointer (&m->file, pl_tensor_file_free);
  g_clear_pointer (&m->reads, g_array_unref);
  g_clear_pointer (&m->slots, g_ptr_array_unref);
  if (!ok || !pl_model_check_weights (&m->cfg, &m->w, error) || !check_tokenizer (m, error))
    return NULL;
  return g_steal_pointer (&m);
}

void
pl_model_free (PlModel *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->file, pl_tensor_file_free);
  g_clear_pointer (&m->cache, pl_tensor_file_free);
  g_clear_pointer (&m->reads, g_array_unref);
  g_clear_pointer (&m->slots, g_ptr_array_unref);
  pl_aligned_free (m->buf, m->buf_bytes);
  g_clear_pointer (&m->tok, pl_tokenizer_free);
  g_clear_error (&m->tok_error);
  g_free (m->w.blocks);
  g_free (m->path);
  g_free (m->name);
  g_free (m);
}

const PlConfig *pl_model_config (PlModel *m) { return &m->cfg; }
const PlWeights *pl_model_weights (PlModel *m) { return &m->w; }
PlTokenizer *pl_model_tokenizer (PlModel *m) { return m->tok; }
const char *pl_model_name (PlModel *m) { return m->name; }
const char *pl_model_path (PlModel *m) { return m->path; }
guint64 pl_model_n_params (PlModel *m) { return m->n_params; }
guint64 pl_model_file_size (PlModel *m) { return m->file_size; }
gboolean pl_model_uses_cache (PlModel *m) { return m->cache != NULL; }

gboolean
pl_model_check_intact (PlModel *m, GError **error)
{
  g_autofree char *copy = NULL;

  if (m->cache == NULL || pl_tensor_file_check (m->cache))
    return TRUE;
  copy = g_filename_display_name (pl_tensor_file_path (m->cache));
  g_set_error (error, PL_ERROR, PL_ERROR_IO, "Another program truncated or wrote %s, "
               "Patchlens' aligned copy of %s/model.safetensors, while it was in use, so "
               "this result is discarded: load the model again", copy, m->path);
  return FALSE;
}

/* ---- the plain forward pass ---- */

static gboolean
check_ids (PlModel *m, const gint32 *ids, int n_ids, GError **error)
{
  if (n_ids <= 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_EMPTY, "There are no tokens to run");
      return FALSE;
    }
  if (n_ids > m->cfg.n_positions)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "%d tokens is more than %s reads (%d)", n_ids, m->name,
                   m->cfg.n_positions);
      return FALSE;
    }
  for (int i = 0; i < n_ids; i++)
    if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                     "Token id %d is outside the vocabulary (0..%d)", ids[i],
                     m->cfg.vocab_size - 1);
        return FALSE;
      }
  return TRUE;
}

gboolean
pl_model_last_logits (PlModel      *m,
                      const gint32 *ids,
                      int           n_ids,
                      float        *logits,
                      GError      **error)
{
  int C = m->cfg.n_embd;
  PlSegment seg = { 0, n_ids, 0 };
  g_autofree float *x = NULL;
  g_autofree float *h = NULL;
  PlScratch *s;

  if (!check_ids (m, ids, n_ids, error))
    return FALSE;
  x = g_new (float, (gsize) n_ids * C);
  h = g_new (float, C);
  s = pl_scratch_new (&m->cfg, n_ids, n_ids);
  pl_embed (m, ids, n_ids, x);
  for (int b = 0; b < m->cfg.n_layer; b++)
    pl_block_forward (m, b, x, &seg, 1, NULL, NULL, s, NULL, NULL);
  pl_final_norm (m, x + (gsize) (n_ids - 1) * C, h);
  pl_lm_head (m, h, logits);
  pl_scratch_free (s);
  return pl_model_check_intact (m, error);
}
