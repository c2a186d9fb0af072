/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-safetensors.h: a strict reader of the safetensors format.
 *
 *   g_autoptr(PlSafetensors) st = pl_safetensors_open ("model.safetensors", &error);
 *   const PlTensorInfo *t = pl_safetensors_find (st, "wte.weight");
 *   const guint8 *bytes = pl_safetensors_data (st, t);   // t->n_bytes bytes
 *
 * Or, to read the tensors yourself (the model does, into memory it owns): read the
 * first 8 bytes, n = pl_safetensors_header_length (them), read 8 + n bytes, then
 * pl_safetensors_parse_header (head, 8 + n, file_size, ...); tensor t's bytes are at
 * file offset pl_safetensors_data_offset (st) + t->begin.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON header
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *  "__metadata__": {"k": "v"}}, then the data buffer; offsets are relative to it.
 *
 * Rejects before it trusts (as safetensors' own reader): header at most 100,000,000
 * bytes, checked arithmetic on every size, each tensor's byte size equal to
 * dtype size x product(shape), offsets sorted, contiguous and without holes or
 * overlaps, the buffer ending exactly at the end of the file, "__metadata__" string to
 * string only, duplicate names refused. All errors are PL_ERROR_FORMAT and name the file
 * (or "<buffer>") and the offending tensor.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PL_SAFETENSORS_MAX_HEADER 100000000
#define PL_SAFETENSORS_MAX_DIMS 8

/* Enums only grow at the end. */
typedef enum {
  PL_DTYPE_F32,
  PL_DTYPE_F16,
  PL_DTYPE_BF16,
  PL_DTYPE_F64,
  PL_DTYPE_I64,
  PL_DTYPE_I32,
  PL_DTYPE_I16,
  PL_DTYPE_I8,
  PL_DTYPE_U8,
  PL_DTYPE_BOOL,
} PlDtype;

typedef struct {
  char    *name;
  PlDtype  dtype;
  int      n_dims;
  gint64   shape[PL_SAFETENSORS_MAX_DIMS];
  guint64  n_elements;   /* product of shape (1 for a scalar) */
  guint64  begin;        /* byte offsets in the data buffer, end - begin = n_bytes */
  guint64  end;
} PlTensorInfo;

typedef struct _PlSafetensors PlSafetensors;

/* Maps the file read-only; the mapping lives as long as the PlSafetensors. */
PlSafetensors      *pl_safetensors_open      (const char    *path,
                                              GError       **error);
/* Parses bytes in memory without copying them: they must outlive the result.
 * name is used in error messages (may be NULL). */
PlSafetensors      *pl_safetensors_parse     (const guint8  *bytes,
                                              gsize          size,
                                              const char    *name,
                                              GError       **error);
/* Parses only the header: head holds the file's first head_len bytes (at least 8 +
 * the header length), file_size is the whole file's size, against which the layout is
 * checked. pl_safetensors_data cannot be used on the result. */
PlSafetensors      *pl_safetensors_parse_header (const guint8  *head,
                                                 gsize          head_len,
                                                 guint64        file_size,
                                                 const char    *name,
                                                 GError       **error);
/* The header length stored in a file's first 8 bytes (little-endian), unchecked. */
guint64             pl_safetensors_header_length (const guint8 *first8);
void                pl_safetensors_free      (PlSafetensors *st);

guint               pl_safetensors_n_tensors (PlSafetensors *st);
/* Tensors in the order of their data offsets. */
const PlTensorInfo *pl_safetensors_tensor    (PlSafetensors *st,
                                              guint          i);
const PlTensorInfo *pl_safetensors_find      (PlSafetensors *st,
                                              const char    *name);
const guint8       *pl_safetensors_data      (PlSafetensors *st,
                                              const PlTensorInfo *t);
/* File offset of the data buffer (8 + header length). */
guint64             pl_safetensors_data_offset (PlSafetensors *st);
/* NULL when absent. */
const char         *pl_safetensors_metadata  (PlSafetensors *st,
                                              const char    *key);
gsize               pl_safetensors_file_size (PlSafetensors *st);

gsize               pl_dtype_size            (PlDtype        dtype);
const char         *pl_dtype_to_string       (PlDtype        dtype);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSafetensors, pl_safetensors_free)

G_END_DECLS
