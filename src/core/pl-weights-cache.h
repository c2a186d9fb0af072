/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-weights-cache.h: Patchlens' own aligned copy of a model's F32 weights, used in
 * place from a mapping.
 *
 *   g_autoptr(PlTensorFile) cache = pl_weights_cache_open (source, path, reads, n);
 *   if (cache != NULL)   // every tensor of reads, found by name, mapped and aligned
 *     w = (const float *) (pl_tensor_file_mapping (cache) + offset of the tensor);
 *   else                 // caching off or impossible: read the source (same numbers)
 *
 * Why: the hub's gpt2 file starts its data at an odd byte offset, so its F32 tensors
 * cannot be used where they are, and copying 500 MB into fresh memory costs more CPU
 * than the whole 12 x 11 sweep's patched runs (page faults and the copy). A copy laid
 * out for use in place (each tensor on a 64-byte boundary) is made once per model,
 * then every load maps it: no copy, page-cache pages shared by every Patchlens process.
 *
 * Safety: the user's file is never mapped, so it stays free to change once loaded. The
 * cache file is read-only, written under a temporary name (O_TMPFILE), synced and only
 * then renamed into place, so it is whole or absent. Its header names the source's
 * identity (device, inode, size, modification and change times): a source that changed
 * is copied again. The copy's own identity is kept beside it (PATH.id), so a copy
 * written or truncated since it was made is made again. A source changed less than
 * three seconds ago (file times tick every 2 s on FAT) is not copied but read as usual,
 * so that no later write can share its times. It is validated like any safetensors file
 * when opened, and guarded while mapped (pl_tensor_file_check: truncated or written
 * later, the result is an error, never SIGBUS or silent garbage).
 *
 * Where: $XDG_CACHE_HOME/patchlens/weights (else ~/.cache/...), one file per source
 * file, at most PL_WEIGHTS_CACHE_KEEP others kept (the oldest removed), never filling
 * the disk (it needs the copy's size plus 1 GiB free). PATCHLENS_WEIGHTS_CACHE=0 turns
 * it off.
 */
#pragma once

#include "pl-tensor-read.h"

G_BEGIN_DECLS

#define PL_WEIGHTS_CACHE_KEEP 3

PlTensorFile *pl_weights_cache_open (PlTensorFile       *source,
                                     const char         *source_path,
                                     const PlTensorRead *reads,
                                     int                 n);
/* The folder, from the environment at call time. */
char         *pl_weights_cache_dir  (void);

G_END_DECLS
