/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-blas.h: setting up OpenBLAS, and the number of threads Patchlens works with.
 *
 *   int main (int argc, char **argv)
 *   {
 *     pl_blas_init (argv);         // first thing: may re-execute the program once
 *     ...
 *     pl_blas_set_threads (n);     // --threads
 *
 * OpenBLAS picks its kernels for the CPU when the library loads. The OpenBLAS of
 * Debian 12 (0.3.21) does not know recent CPUs such as Intel's Sapphire Rapids and falls
 * back to its Prescott (SSE3) kernels, about 15 times slower than its AVX-512 ones on
 * the same machine. OpenBLAS reads OPENBLAS_CORETYPE when it loads, so when it chose a
 * core without AVX2 on a CPU that has AVX2 or AVX-512, pl_blas_init sets
 * OPENBLAS_CORETYPE and has OpenBLAS choose again (a DYNAMIC_ARCH build, as Debian's,
 * can, before its first product), or else executes the program again (once). A user's
 * own OPENBLAS_CORETYPE is always respected; PATCHLENS_BLAS_NO_TUNE=1 turns this
 * off.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void  pl_blas_init        (char **argv);
/* The size of the one pool of threads (pl-parallel.h) every parallel step runs on,
 * matrix products included; OpenBLAS itself runs single-threaded inside it. */
void  pl_blas_set_threads (int    n_threads);
/* "OpenBLAS 0.3.21 · SkylakeX kernels · 2 threads" (the pool's threads) */
char *pl_blas_describe    (void);

G_END_DECLS
