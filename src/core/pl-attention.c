/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention.c: causal self-attention per head, with AVX-512, AVX2+FMA and portable
 * paths chosen once at run time.
 *
 * Sections: keys and values per head; one query (portable, AVX2, AVX-512); dispatch and
 * the loops over queries and heads.
 *
 * For one query with n_keys keys, each path does the same three steps: scores
 * s_j = (q . k_j) / sqrt(hs), streaming the transposed keys kT 16 keys at a time (so
 * the padding columns of kT are computed and then masked); weights p_j =
 * exp(s_j - max) / sum; z = sum_j p_j v_j, streaming the value rows. The vector paths
 * use a polynomial exp (within 2 ulp of expf, as in pl-gelu.c).
 */
#include <math.h>
#include <string.h>

#include "pl-attention.h"

#define ROUND16(n) (((n) + 15) / 16 * 16)

/* ---- keys and values per head ---- */

void
pl_attn_head_init (PlAttnHead *kv, int n_ctx, int hs)
{
  kv->n_ctx = n_ctx;
  kv->hs = hs;
  kv->ldk = ROUND16 (n_ctx);
  kv->kT = g_new0 (float, (gsize) hs * kv->ldk);
  kv->v = g_new0 (float, (gsize) n_ctx * hs);
  kv->scores = g_new0 (float, kv->ldk);
}

void
pl_attn_head_clear (PlAttnHead *kv)
{
  g_clear_pointer (&kv->kT, g_free);
  g_clear_pointer (&kv->v, g_free);
  g_clear_pointer (&kv->scores, g_free);
}

/* Key j (hs) into column j of kT, value j into row j of v. */
static inline void
put_kv (PlAttnHead *kv, int j, const float *k, const float *v)
{
  for (int d = 0; d < kv->hs; d++)
    kv->kT[(gsize) d * kv->ldk + j] = k[d];
  memcpy (kv->v + (gsize) j * kv->hs, v, sizeof (float) * kv->hs);
}

void
pl_attn_head_gather (PlAttnHead *kv, const float *qkv, gsize qkv_stride, int C, int h,
                     int pos0, int n, const float *prefix_k, const float *prefix_v)
{
  int hs = kv->hs;

  g_assert (pos0 + n <= kv->n_ctx);
  for (int j = 0; j < pos0; j++)
    put_kv (kv, j, prefix_k + (gsize) j * C + h * hs, prefix_v + (gsize) j * C + h * hs);
  for (int i = 0; i < n; i++)
    put_kv (kv, pos0 + i, qkv + i * qkv_stride + C + h * hs,
            qkv + i * qkv_stride + 2 * C + h * hs);
}

/* ---- one query: portable ---- */

/* Writes the weights as the pattern row (n_keys, then zeros up to row_len). */
static void
store_pattern (const float *p, int n_keys, float *row, int row_len)
{
  if (row == NULL)
    return;
  memcpy (row, p, sizeof (float) * n_keys);
  memset (row + n_keys, 0, sizeof (float) * (row_len - n_keys));
}

static void
attend_portable (PlAttnHead *kv, const float *q, int n_keys, float scale, float *pattern,
                 int pattern_len, float *z)
{
  float *s = kv->scores, max = -INFINITY, sum = 0.0f, inv;
  int hs = kv->hs;

  memset (s, 0, sizeof (float) * n_keys);
  for (int d = 0; d < hs; d++)   /* key-parallel, so the compiler vectorizes */
    {
      const float *row = kv->kT + (gsize) d * kv->ldk;
      float qd = q[d];

      for (int j = 0; j < n_keys; j++)
        s[j] += qd * row[j];
    }
  for (int j = 0; j < n_keys; j++)
    {
      s[j] *= scale;
      max = MAX (max, s[j]);
    }
  for (int j = 0; j < n_keys; j++)
    {
      s[j] = expf (s[j] - max);
      sum += s[j];
    }
  inv = 1.0f / sum;
  for (int j = 0; j < n_keys; j++)
    s[j] *= inv;
  store_pattern (s, n_keys, pattern, pattern_len);
  memset (z, 0, sizeof (float) * hs);
  for (int j = 0; j < n_keys; j++)
    {
      const float *vj = kv->v + (gsize) j * hs;

      for (int d = 0; d < hs; d++)
        z[d] += s[j] * vj[d];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* ---- one query: AVX2 + FMA ---- */

/* exp(x), 8 lanes, as pl-gelu.c: x = n ln2 + r, Cephes' polynomial for exp(r). */
__attribute__((target ("avx2,fma"))) static inline __m256
exp8 (__m256 x)
{
  __m256 n, r, p;
  __m256i e;

  x = _mm256_min_ps (_mm256_max_ps (x, _mm256_set1_ps (-87.0f)), _mm256_set1_ps (88.0f));
  n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693359375f), x);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (-2.12194440e-4f), r);
  p = _mm256_set1_ps (1.9875691500e-4f);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.3981999507e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (8.3334519073e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (4.1665795894e-2f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.6666665459e-1f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (5.0000001201e-1f));
  p = _mm256_fmadd_ps (_mm256_mul_ps (p, r), r, _mm256_add_ps (r, _mm256_set1_ps (1.0f)));
  e = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)), 23);
  return _mm256_mul_ps (p, _mm256_castsi256_ps (e));
}

__attribute__((target ("avx2,fma"))) static float
hmax8 (__m256 v)
{
  __m128 m = _mm_max_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  m = _mm_max_ps (m, _mm_movehl_ps (m, m));
  m = _mm_max_ss (m, _mm_shuffle_ps (m, m, 1));
  return _mm_cvtss_f32 (m);
}

__attribute__((target ("avx2,fma"))) static float
hsum8 (__m256 v)
{
  __m128 m = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  m = _mm_add_ps (m, _mm_movehl_ps (m, m));
  m = _mm_add_ss (m, _mm_shuffle_ps (m, m, 1));
  return _mm_cvtss_f32 (m);
}

/* Scores 16 keys at a time as two independent FMA chains. */
__attribute__((target ("avx2,fma"))) static void
attend_avx2 (PlAttnHead *kv, const float *q, int n_keys, float scale, float *pattern,
             int pattern_len, float *z)
{
  float *s = kv->scores, max, sum;
  int hs = kv->hs, ldk = kv->ldk, nb = ROUND16 (n_keys);
  __m256 vmax = _mm256_set1_ps (-INFINITY), vsum = _mm256_setzero_ps (), vinv;
  int d;

  for (int j0 = 0; j0 < nb; j0 += 16)
    {
      __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();

      for (int dd = 0; dd < hs; dd++)
        {
          const float *row = kv->kT + (gsize) dd * ldk + j0;
          __m256 qd = _mm256_set1_ps (q[dd]);

          a0 = _mm256_fmadd_ps (qd, _mm256_loadu_ps (row), a0);
          a1 = _mm256_fmadd_ps (qd, _mm256_loadu_ps (row + 8), a1);
        }
      _mm256_storeu_ps (s + j0, _mm256_mul_ps (a0, _mm256_set1_ps (scale)));
      _mm256_storeu_ps (s + j0 + 8, _mm256_mul_ps (a1, _mm256_set1_ps (scale)));
    }
  for (int j = n_keys; j < nb; j++)
    s[j] = -INFINITY;
  for (int j = 0; j < nb; j += 8)
    vmax = _mm256_max_ps (vmax, _mm256_loadu_ps (s + j));
  max = hmax8 (vmax);
  for (int j = 0; j < nb; j += 8)
    {
      __m256 e = exp8 (_mm256_sub_ps (_mm256_loadu_ps (s + j), _mm256_set1_ps (max)));
      _mm256_storeu_ps (s + j, e);
    }
  for (int j = n_keys; j < nb; j++)
    s[j] = 0.0f;
  for (int j = 0; j < nb; j += 8)
    vsum = _mm256_add_ps (vsum, _mm256_loadu_ps (s + j));
  sum = hsum8 (vsum);
  vinv = _mm256_set1_ps (1.0f / sum);
  for (int j = 0; j < nb; j += 8)
    _mm256_storeu_ps (s + j, _mm256_mul_ps (_mm256_loadu_ps (s + j), vinv));
  store_pattern (s, n_keys, pattern, pattern_len);

  for (d = 0; d + 8 <= hs; d += 8)
    {
      __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
      int j = 0;

      for (; j + 2 <= n_keys; j += 2)
        {
          a0 = _mm256_fmadd_ps (_mm256_set1_ps (s[j]), _mm256_loadu_ps (kv->v + (gsize) j * hs + d), a0);
          a1 = _mm256_fmadd_ps (_mm256_set1_ps (s[j + 1]),
                                _mm256_loadu_ps (kv->v + (gsize) (j + 1) * hs + d), a1);
        }
      if (j < n_keys)
        a0 = _mm256_fmadd_ps (_mm256_set1_ps (s[j]), _mm256_loadu_ps (kv->v + (gsize) j * hs + d), a0);
      _mm256_storeu_ps (z + d, _mm256_add_ps (a0, a1));
    }
  for (; d < hs; d++)
    {
      float acc = 0.0f;

      for (int j = 0; j < n_keys; j++)
        acc += s[j] * kv->v[(gsize) j * hs + d];
      z[d] = acc;
    }
}

/* ---- one query: AVX-512 ---- */

__attribute__((target ("avx512f"))) static inline __m512
exp16 (__m512 x)
{
  __m512 n, r, p;
  __m512i e;

  x = _mm512_min_ps (_mm512_max_ps (x, _mm512_set1_ps (-87.0f)), _mm512_set1_ps (88.0f));
  n = _mm512_roundscale_ps (_mm512_mul_ps (x, _mm512_set1_ps (1.44269504088896341f)),
                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693359375f), x);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (-2.12194440e-4f), r);
  p = _mm512_set1_ps (1.9875691500e-4f);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.3981999507e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (8.3334519073e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (4.1665795894e-2f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.6666665459e-1f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (5.0000001201e-1f));
  p = _mm512_fmadd_ps (_mm512_mul_ps (p, r), r, _mm512_add_ps (r, _mm512_set1_ps (1.0f)));
  e = _mm512_slli_epi32 (_mm512_add_epi32 (_mm512_cvtps_epi32 (n), _mm512_set1_epi32 (127)), 23);
  return _mm512_mul_ps (p, _mm512_castsi512_ps (e));
}

/* Scores four blocks of 16 keys at a time: four independent FMA chains. */
__attribute__((target ("avx512f"))) static void
scores_avx512 (const PlAttnHead *kv, const float *q, int nb, float scale, float *s)
{
  int hs = kv->hs, ldk = kv->ldk, j0 = 0;
  __m512 vs = _mm512_set1_ps (scale);

  for (; j0 + 64 <= nb; j0 += 64)
    {
      __m512 a0 = _mm512_setzero_ps (), a1 = a0, a2 = a0, a3 = a0;

      for (int d = 0; d < hs; d++)
        {
          const float *row = kv->kT + (gsize) d * ldk + j0;
          __m512 qd = _mm512_set1_ps (q[d]);

          a0 = _mm512_fmadd_ps (qd, _mm512_loadu_ps (row), a0);
          a1 = _mm512_fmadd_ps (qd, _mm512_loadu_ps (row + 16), a1);
          a2 = _mm512_fmadd_ps (qd, _mm512_loadu_ps (row + 32), a2);
          a3 = _mm512_fmadd_ps (qd, _mm512_loadu_ps (row + 48), a3);
        }
      _mm512_storeu_ps (s + j0, _mm512_mul_ps (a0, vs));
      _mm512_storeu_ps (s + j0 + 16, _mm512_mul_ps (a1, vs));
      _mm512_storeu_ps (s + j0 + 32, _mm512_mul_ps (a2, vs));
      _mm512_storeu_ps (s + j0 + 48, _mm512_mul_ps (a3, vs));
    }
  for (; j0 < nb; j0 += 16)
    {
      __m512 a0 = _mm512_setzero_ps (), a1 = a0;
      int d = 0;

      for (; d + 2 <= hs; d += 2)
        {
          a0 = _mm512_fmadd_ps (_mm512_set1_ps (q[d]),
                                _mm512_loadu_ps (kv->kT + (gsize) d * ldk + j0), a0);
          a1 = _mm512_fmadd_ps (_mm512_set1_ps (q[d + 1]),
                                _mm512_loadu_ps (kv->kT + (gsize) (d + 1) * ldk + j0), a1);
        }
      if (d < hs)
        a0 = _mm512_fmadd_ps (_mm512_set1_ps (q[d]),
                              _mm512_loadu_ps (kv->kT + (gsize) d * ldk + j0), a0);
      _mm512_storeu_ps (s + j0, _mm512_mul_ps (_mm512_add_ps (a0, a1), vs));
    }
}

__attribute__((target ("avx512f"))) static void
attend_avx512 (PlAttnHead *kv, const float *q, int n_keys, float scale, float *pattern,
               int pattern_len, float *z)
{
  float *s = kv->scores, max, sum;
  int hs = kv->hs, nb = ROUND16 (n_keys);
  __m512 vmax = _mm512_set1_ps (-INFINITY), vsum = _mm512_setzero_ps (), vinv;

  scores_avx512 (kv, q, nb, scale, s);
  for (int j = n_keys; j < nb; j++)
    s[j] = -INFINITY;
  for (int j = 0; j < nb; j += 16)
    vmax = _mm512_max_ps (vmax, _mm512_loadu_ps (s + j));
  max = _mm512_reduce_max_ps (vmax);
  for (int j = 0; j < nb; j += 16)
    _mm512_storeu_ps (s + j, exp16 (_mm512_sub_ps (_mm512_loadu_ps (s + j),
                                                   _mm512_set1_ps (max))));
  for (int j = n_keys; j < nb; j++)
    s[j] = 0.0f;
  for (int j = 0; j < nb; j += 16)
    vsum = _mm512_add_ps (vsum, _mm512_loadu_ps (s + j));
  sum = _mm512_reduce_add_ps (vsum);
  vinv = _mm512_set1_ps (1.0f / sum);
  for (int j = 0; j < nb; j += 16)
    _mm512_storeu_ps (s + j, _mm512_mul_ps (_mm512_loadu_ps (s + j), vinv));
  store_pattern (s, n_keys, pattern, pattern_len);

  for (int d = 0; d < hs; d += 16)
    {
      __mmask16 m = hs - d >= 16 ? 0xffff : (__mmask16) ((1u << (hs - d)) - 1);
      __m512 a0 = _mm512_setzero_ps (), a1 = a0;
      int j = 0;

      for (; j + 2 <= n_keys; j += 2)
        {
          a0 = _mm512_fmadd_ps (_mm512_set1_ps (s[j]),
                                _mm512_maskz_loadu_ps (m, kv->v + (gsize) j * hs + d), a0);
          a1 = _mm512_fmadd_ps (_mm512_set1_ps (s[j + 1]),
                                _mm512_maskz_loadu_ps (m, kv->v + (gsize) (j + 1) * hs + d), a1);
        }
      if (j < n_keys)
        a0 = _mm512_fmadd_ps (_mm512_set1_ps (s[j]),
                              _mm512_maskz_loadu_ps (m, kv->v + (gsize) j * hs + d), a0);
      _mm512_mask_storeu_ps (z + d, m, _mm512_add_ps (a0, a1));
    }
}

#endif

/* ---- dispatch, queries and heads ---- */

typedef void (*AttendFunc) (PlAttnHead *, const float *, int, float, float *, int, float *);

static const char *const path_names[] = { "portable", "avx2", "avx512" };
static int path = -1;   /* index into path_names; -1 until chosen */

/* The best path this CPU has: 0, 1 or 2. */
static int
best_path (void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports ("avx512f"))
    return 2;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return 1;
#endif
  return 0;
}

gboolean
pl_attention_use_path (const char *name)
{
  for (int i = 0; i < (int) G_N_ELEMENTS (path_names); i++)
    if (g_str_equal (name, path_names[i]) && i <= best_path ())
      {
        g_atomic_int_set (&path, i);
        return TRUE;
      }
  return FALSE;
}

static AttendFunc
attend_func (void)
{
  int i = g_atomic_int_get (&path);

  if (i < 0)
    {
      const char *env = g_getenv ("PATCHLENS_SIMD");

      if (env == NULL || !pl_attention_use_path (env))
        g_atomic_int_set (&path, best_path ());
      i = g_atomic_int_get (&path);
    }
#if defined(__x86_64__) && defined(__GNUC__)
  if (i == 2)
    return attend_avx512;
  if (i == 1)
    return attend_avx2;
#endif
  return attend_portable;
}

const char *
pl_attention_path (void)
{
  attend_func ();
  return path_names[g_atomic_int_get (&path)];
}

void
pl_attention_head (PlAttnHead *kv, const float *q, gsize q_stride, int pos0, int n,
                   float *pattern, gsize pattern_stride, float *z, gsize z_stride)
{
  AttendFunc attend = attend_func ();
  float scale = 1.0f / sqrtf ((float) kv->hs);

  for (int i = 0; i < n; i++)
    attend (kv, q + i * q_stride, pos0 + i + 1, scale,
            pattern ? pattern + i * pattern_stride : NULL, pos0 + n, z + i * z_stride);
}

void
pl_attention_segment (PlAttnHead *kv, const float *qkv, int C, int H, int pos0, int n,
                      const float *prefix_k, const float *prefix_v, float *patterns,
                      float *att)
{
  int hs = C / H;

  for (int h = 0; h < H; h++)
    {
      pl_attn_head_gather (kv, qkv, 3 * (gsize) C, C, h, pos0, n, prefix_k, prefix_v);
      pl_attention_head (kv, qkv + h * hs, 3 * (gsize) C, pos0, n,
                         patterns ? patterns + (gsize) h * n * (pos0 + n) : NULL,
                         pos0 + n, att + h * hs, C);
    }
}
