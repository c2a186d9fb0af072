/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tensor-read.h: reading a safetensors file's tensors into memory the caller owns,
 * as F32, so nothing stays mapped from the file once it is loaded; or, for Patchlens'
 * own aligned copies only (pl-weights-cache.h), mapping the file, guarded.
 *
 *   g_autoptr(PlTensorFile) f = pl_tensor_file_open (path, &error);   // header only
 *   const PlTensorInfo *t = pl_safetensors_find (pl_tensor_file_header (f), "wte.weight");
 *   float *buf = pl_aligned_alloc (bytes);          // 2 MiB aligned
 *   PlTensorRead reads[] = { { t, buf }, ... };     // each dst holds t->n_elements floats
 *   if (!pl_tensor_file_read (f, reads, n, &error)) ...
 *   ...
 *   pl_aligned_free (buf, bytes);
 *
 * Why: the real GPT-2 file starts its data at an odd byte offset, so its F32 tensors
 * cannot be used in place, and a mapping turns a file truncated later into SIGBUS and a
 * file overwritten later into silently changed weights. Here the data is read with
 * pread in large chunks straight into the destination (F16 and BF16 through a small
 * bounce buffer, converted chunk by chunk), each chunk's pages faulted in by one
 * MADV_POPULATE_WRITE, so memory holds one copy of the weights.
 *
 * A file that shrinks or changes while it is read is a PL_ERROR_IO saying so (a short
 * read, or size or modification time different after the read than before), never a
 * signal; after pl_tensor_file_read returns, the file can change freely. Only regular
 * files are read: a FIFO or a device is refused when opened, without blocking.
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "pl-safetensors.h"

G_BEGIN_DECLS

typedef struct _PlTensorFile PlTensorFile;

typedef struct {
  const PlTensorInfo *info;   /* a tensor of the file's header, F32, F16 or BF16 */
  float              *dst;    /* (info->n_elements) floats */
} PlTensorRead;

PlTensorFile  *pl_tensor_file_open   (const char         *path,
                                      GError            **error);
void           pl_tensor_file_free   (PlTensorFile       *f);
/* The parsed, validated header; pl_safetensors_data cannot be used on it. */
PlSafetensors *pl_tensor_file_header (PlTensorFile       *f);
guint64        pl_tensor_file_size   (PlTensorFile       *f);

/* Reads the n tensors listed (in any order) into their dst. */
gboolean       pl_tensor_file_read   (PlTensorFile       *f,
                                      PlTensorRead       *reads,
                                      int                 n,
                                      GError            **error);

/* Maps the whole file read-only (page-cache pages, no copy), guarded by pl-bus-guard:
 * a file truncated later reads as zeros instead of raising SIGBUS. The mapping lives as
 * long as f. For Patchlens' own aligned copies of the weights (pl-weights-cache.h),
 * never for a user's file, which must stay free to change once loaded. */
const guint8  *pl_tensor_file_map    (PlTensorFile       *f,
                                      GError            **error);
/* TRUE while the file is as it was when opened: not written, same size and time, no
 * page of the mapping lost. The caller says what that means for its results. */
gboolean       pl_tensor_file_check  (PlTensorFile       *f);
/* pl_tensor_file_map's mapping, or NULL */
const guint8  *pl_tensor_file_mapping (PlTensorFile      *f);
int            pl_tensor_file_fd     (PlTensorFile       *f);
const char    *pl_tensor_file_path   (PlTensorFile       *f);
/* fstat when opened */
const struct stat *pl_tensor_file_stat (PlTensorFile     *f);

/* Zeroed memory aligned to 2 MiB (not marked for huge pages: see the .c file); NULL
 * when out of memory. Free with the same size. */
void          *pl_aligned_alloc      (gsize               bytes);
void           pl_aligned_free       (void               *p,
                                      gsize               bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTensorFile, pl_tensor_file_free)

G_END_DECLS
