/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-attention.c: the attention kernel on every code path this CPU has (portable,
 * AVX2, AVX-512), against attention computed here in double precision from its
 * definition, for head sizes that fill vectors exactly (64, GPT-2's) and that do not
 * (12, 20), and segments that start at position 0 or after a prefix. Also: the pattern
 * rows are the softmax weights (sum 1, zeros after the query's position), and a query's
 * result does not depend on how the positions are split into segments (the sweep's fast
 * schedule relies on that to agree with --naive).
 */
#include <math.h>
#include <string.h>

#include "pl-attention.h"

/* att (T, C) of every head, positions 0..T-1, in double, from qkv (T, 3C). */
static void
reference (const float *qkv, int T, int C, int H, double *att)
{
  int hs = C / H;
  g_autofree double *w = g_new (double, T);

  for (int h = 0; h < H; h++)
    for (int t = 0; t < T; t++)
      {
        const float *q = qkv + (gsize) t * 3 * C + h * hs;
        double max = -INFINITY, sum = 0;

        for (int j = 0; j <= t; j++)
          {
            const float *k = qkv + (gsize) j * 3 * C + C + h * hs;
            double dot = 0;

            for (int d = 0; d < hs; d++)
              dot += (double) q[d] * k[d];
            w[j] = dot / sqrt (hs);
            max = MAX (max, w[j]);
          }
        for (int j = 0; j <= t; j++)
          sum += (w[j] = exp (w[j] - max));
        for (int d = 0; d < hs; d++)
          {
            double z = 0;

            for (int j = 0; j <= t; j++)
              z += w[j] / sum * qkv[(gsize) j * 3 * C + 2 * C + h * hs + d];
            att[(gsize) t * C + h * hs + d] = z;
          }
      }
}

static float *
random_qkv (int T, int C)
{
  float *qkv = g_new (float, (gsize) T * 3 * C);

  for (gsize i = 0; i < (gsize) T * 3 * C; i++)
    qkv[i] = g_test_rand_double_range (-2, 2);
  return qkv;
}

/* keys (T, C) and values (T, C) out of qkv (T, 3C): the prefix cache's layout. */
static void
split_kv (const float *qkv, int T, int C, float *k, float *v)
{
  for (int t = 0; t < T; t++)
    {
      memcpy (k + (gsize) t * C, qkv + (gsize) t * 3 * C + C, sizeof (float) * C);
      memcpy (v + (gsize) t * C, qkv + (gsize) t * 3 * C + 2 * C, sizeof (float) * C);
    }
}

static void
check_shape (int T, int C, int H, int pos0)
{
  g_autofree float *qkv = random_qkv (T, C);
  g_autofree float *k = g_new (float, (gsize) T * C);
  g_autofree float *v = g_new (float, (gsize) T * C);
  g_autofree float *att = g_new (float, (gsize) T * C);
  g_autofree float *one = g_new (float, C);
  g_autofree float *pat = g_new (float, (gsize) H * (T - pos0) * T);
  g_autofree double *want = g_new (double, (gsize) T * C);
  PlAttnHead kv;
  double err = 0;
  int n = T - pos0;

  reference (qkv, T, C, H, want);
  split_kv (qkv, T, C, k, v);
  pl_attn_head_init (&kv, T, C / H);
  pl_attention_segment (&kv, qkv + (gsize) pos0 * 3 * C, C, H, pos0, n, k, v, pat,
                        att + (gsize) pos0 * C);
  for (gsize i = (gsize) pos0 * C; i < (gsize) T * C; i++)
    err = MAX (err, fabs (att[i] - want[i]));
  g_assert_cmpfloat (err, <, 1e-5);

  for (int h = 0; h < H; h++)
    for (int i = 0; i < n; i++)
      {
        const float *row = pat + ((gsize) h * n + i) * T;
        double sum = 0;

        for (int j = 0; j < T; j++)
          {
            g_assert_cmpfloat (row[j], >=, 0);
            if (j > pos0 + i)
              g_assert_cmpfloat (row[j], ==, 0);
            sum += row[j];
          }
        g_assert_cmpfloat (fabs (sum - 1), <, 1e-5);
      }

  /* The last query alone, as a one-row segment after a prefix: bitwise the same. */
  pl_attention_segment (&kv, qkv + (gsize) (T - 1) * 3 * C, C, H, T - 1, 1, k, v, NULL, one);
  g_assert_cmpmem (one, sizeof (float) * C, att + (gsize) (T - 1) * C, sizeof (float) * C);
  pl_attn_head_clear (&kv);
}

static void
test_path (gconstpointer data)
{
  const char *path = data;
  static const int shapes[][3] = {   /* T, C, H */
    { 11, 768, 12 }, { 64, 256, 4 }, { 37, 48, 4 }, { 5, 40, 2 }, { 1, 64, 1 }, { 130, 128, 2 },
  };

  if (!pl_attention_use_path (path))
    {
      g_test_skip_printf ("this CPU has no %s", path);
      return;
    }
  g_assert_cmpstr (pl_attention_path (), ==, path);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      int T = shapes[i][0];

      check_shape (T, shapes[i][1], shapes[i][2], 0);
      check_shape (T, shapes[i][1], shapes[i][2], T / 2);
      check_shape (T, shapes[i][1], shapes[i][2], T - 1);
    }
}

/* Each vector path gives the portable path's numbers within fp32 rounding. */
static void
test_paths_agree (void)
{
  int T = 64, C = 768, H = 12;
  g_autofree float *qkv = random_qkv (T, C);
  g_autofree float *a = g_new (float, (gsize) T * C);
  g_autofree float *b = g_new (float, (gsize) T * C);
  const char *paths[] = { "avx2", "avx512" };
  PlAttnHead kv;

  pl_attn_head_init (&kv, T, C / H);
  g_assert_true (pl_attention_use_path ("portable"));
  pl_attention_segment (&kv, qkv, C, H, 0, T, NULL, NULL, NULL, a);
  for (gsize p = 0; p < G_N_ELEMENTS (paths); p++)
    if (pl_attention_use_path (paths[p]))
      {
        double err = 0;

        pl_attention_segment (&kv, qkv, C, H, 0, T, NULL, NULL, NULL, b);
        for (gsize i = 0; i < (gsize) T * C; i++)
          err = MAX (err, fabs (a[i] - b[i]));
        g_test_message ("%s vs portable: max |difference| %.2e", paths[p], err);
        g_assert_cmpfloat (err, <, 1e-5);
      }
  pl_attn_head_clear (&kv);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/Patchlens/Attention/portable", "portable", test_path);
  g_test_add_data_func ("/Patchlens/Attention/avx2", "avx2", test_path);
  g_test_add_data_func ("/Patchlens/Attention/avx512", "avx512", test_path);
  g_test_add_func ("/Patchlens/Attention/paths-agree", test_paths_agree);
  return g_test_run ();
}
