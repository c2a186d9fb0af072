/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-gelu.h: GPT-2's GELU (tanh form), in place: x = 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))).
 *
 * The MLP applies it to 4C values per row, as many as a matrix product has rows times
 * columns, so a scalar tanhf (about 15 ns) would cost as much as the products. On CPUs with
 * AVX2 and FMA (checked at run time) it is computed 8 at a time as x / (1 + exp(-2u)),
 * the same function, with a polynomial exp: within 2e-6 of the exact value.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pl_gelu (float *x,
              gsize  n);

G_END_DECLS
