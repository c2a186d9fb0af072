/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-gelu.c: GELU, tanh form, with an AVX2 path chosen at run time.
 */
#include <math.h>

#include "pl-gelu.h"

#define SQRT_2_OVER_PI 0.7978845608028654f

static void
gelu_scalar (float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      float v = x[i];
      x[i] = 0.5f * v * (1.0f + tanhf (SQRT_2_OVER_PI * (v + 0.044715f * v * v * v)));
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* exp(x), 8 lanes: x = n ln2 + r with |r| <= ln2/2, exp(r) by Cephes' degree-6
 * polynomial, 2^n by building the float's exponent bits. x is clamped to [-87, 88] so
 * 2^n stays a normal float. */
__attribute__((target ("avx2,fma"))) static inline __m256
exp8 (__m256 x)
{
  __m256 n, r, p;
  __m256i e;

  x = _mm256_min_ps (_mm256_max_ps (x, _mm256_set1_ps (-87.0f)), _mm256_set1_ps (88.0f));
  n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693359375f), x);     /* ln2, high part */
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (-2.12194440e-4f), r);  /* ln2, low part */
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

/* 0.5 v (1 + tanh u) = v / (1 + exp(-2u)) */
__attribute__((target ("avx2,fma"))) static void
gelu_avx2 (float *x, gsize n)
{
  const __m256 k = _mm256_set1_ps (SQRT_2_OVER_PI), c = _mm256_set1_ps (0.044715f);
  const __m256 one = _mm256_set1_ps (1.0f), minus_two = _mm256_set1_ps (-2.0f);
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);
      __m256 u = _mm256_mul_ps (k, _mm256_fmadd_ps (_mm256_mul_ps (c, _mm256_mul_ps (v, v)), v, v));
      __m256 e = exp8 (_mm256_mul_ps (minus_two, u));

      _mm256_storeu_ps (x + i, _mm256_div_ps (v, _mm256_add_ps (one, e)));
    }
  gelu_scalar (x + i, n - i);
}

void
pl_gelu (float *x, gsize n)
{
  static gsize have_avx2;   /* 1 + the answer, once */

  if (g_once_init_enter (&have_avx2))
    g_once_init_leave (&have_avx2, 1 + (__builtin_cpu_supports ("avx2")
                                        && __builtin_cpu_supports ("fma")));
  if (have_avx2 == 2)
    gelu_avx2 (x, n);
  else
    gelu_scalar (x, n);
}

#else

void
pl_gelu (float *x, gsize n)
{
  gelu_scalar (x, n);
}

#endif
