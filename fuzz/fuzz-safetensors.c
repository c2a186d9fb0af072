/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-safetensors.c: arbitrary bytes into pl_safetensors_parse.
 *
 * Invariants, checked on every input (abort on failure):
 *  - a refused input gives PL_ERROR_FORMAT with a UTF-8 message naming the file;
 *  - in an accepted one every tensor lies inside the data buffer, which lies inside
 *    the input; its byte size is dtype size x product(shape); sorted by offset the
 *    tensors neither overlap nor leave holes, and the last one ends at the input's end;
 *    every tensor is found by its name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#include "pl-error.h"
#include "pl-safetensors.h"

#define FUZZ_TARGET "fuzz-safetensors"
#include "fuzz-require.h"

static void
check_error (const GError *error)
{
  REQUIRE (error != NULL);
  REQUIRE (error->domain == PL_ERROR && error->code == PL_ERROR_FORMAT);
  REQUIRE (g_utf8_validate (error->message, -1, NULL));
  REQUIRE (g_str_has_prefix (error->message, "fuzz.safetensors: "));
}

/* data_start: the input's first byte after the header, i.e. the buffer's byte 0. */
static void
check_tensor (PlSafetensors      *st,
              const PlTensorInfo *t,
              const uint8_t      *data_start,
              const uint8_t      *input_end)
{
  guint64 n_elements = 1, n_bytes;

  REQUIRE (t->name != NULL);
  REQUIRE (pl_safetensors_find (st, t->name) == t);
  REQUIRE (t->n_dims >= 0 && t->n_dims <= PL_SAFETENSORS_MAX_DIMS);
  for (int d = 0; d < t->n_dims; d++)
    {
      REQUIRE (t->shape[d] >= 0);
      REQUIRE (g_uint64_checked_mul (&n_elements, n_elements, (guint64) t->shape[d]));
    }
  REQUIRE (n_elements == t->n_elements);
  REQUIRE (g_uint64_checked_mul (&n_bytes, n_elements, pl_dtype_size (t->dtype)));
  REQUIRE (t->begin <= t->end && t->end - t->begin == n_bytes);
  REQUIRE (pl_safetensors_data (st, t) == data_start + t->begin);
  REQUIRE (t->end <= (guint64) (input_end - data_start));
}

static void
check_accepted (PlSafetensors *st,
                const uint8_t *data,
                size_t         size)
{
  guint64 header_len = 0, pos = 0;
  const uint8_t *data_start;

  REQUIRE (size >= 8);
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | data[i];
  REQUIRE (header_len <= PL_SAFETENSORS_MAX_HEADER && header_len <= size - 8);
  REQUIRE (pl_safetensors_file_size (st) == size);
  data_start = data + 8 + header_len;

  for (guint i = 0; i < pl_safetensors_n_tensors (st); i++)
    {
      const PlTensorInfo *t = pl_safetensors_tensor (st, i);

      check_tensor (st, t, data_start, data + size);
      REQUIRE (t->begin == pos);   /* no overlap, no hole */
      pos = t->end;
    }
  REQUIRE (data_start + pos == data + size);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlSafetensors) st = pl_safetensors_parse (data, size, "fuzz.safetensors", &error);

  if (!st)
    check_error (error);
  else
    {
      REQUIRE (error == NULL);
      check_accepted (st, data, size);
    }
  return 0;
}
