/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tensor-read.c: a safetensors file's tensors read with pread into owned F32 memory.
 *
 * Sections: opening (regular files only, the header); F16/BF16 conversion; reading
 * ranges of tensors (two threads when there is enough to read); aligned memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "pl-bus-guard.h"
#include "pl-error.h"
#include "pl-read-file.h"
#include "pl-tensor-read.h"

#define HUGE_PAGE (2u << 20)
/* Bytes per pread: large enough that system calls cost nothing, small enough for the
 * F16/BF16 bounce buffer. */
#define CHUNK (4u << 20)
/* Below this, a second reading thread costs more than it saves (a thread costs tens of
 * microseconds, 4 MiB take about a millisecond); above it, the test models too are read
 * by two threads. */
#define PARALLEL_MIN (4u << 20)

struct _PlTensorFile {
  int            fd;
  int            watch;     /* inotify on the file while it is read, or -1 */
  char          *path;
  char          *display;   /* the path, for messages */
  struct stat    before;    /* fstat when opened */
  PlSafetensors *header;
  guint8        *map;       /* pl_tensor_file_map's, or NULL */
  gsize          map_len;
  int            guard;     /* the mapping's pl-bus-guard */
  gboolean       changed;   /* seen changed once: inotify tells only once */
};

/* ---- opening ---- */

/* Reads exactly n bytes at offset, or says the file changed under us. */
static gboolean
pread_all (PlTensorFile *f, void *buf, gsize n, guint64 offset, GError **error)
{
  guint8 *p = buf;

  while (n > 0)
    {
      ssize_t got = pread (f->fd, p, MIN (n, (gsize) G_MAXSSIZE), (off_t) offset);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int e = errno;
          pl_set_file_error (error, PL_ERROR_IO, f->display, "read failed at byte %"
                             G_GUINT64_FORMAT ": %s", offset, g_strerror (e));
          return FALSE;
        }
      if (got == 0)
        {
          pl_set_file_error (error, PL_ERROR_IO, f->display, "the file became shorter "
                             "while it was being read (it had %" G_GUINT64_FORMAT " bytes, "
                             "now it ends before byte %" G_GUINT64_FORMAT "); it is being "
                             "replaced or truncated: load the model again when it is "
                             "complete", (guint64) f->before.st_size, offset + 1);
          return FALSE;
        }
      p += got;
      n -= got;
      offset += got;
    }
  return TRUE;
}

/* Reads and parses the header; a length the parser will refuse is not read. */
static gboolean
read_header (PlTensorFile *f, GError **error)
{
  guint64 size = f->before.st_size, n;
  guint8 first8[8];
  g_autofree guint8 *head = NULL;

  if (!pread_all (f, first8, MIN (size, 8), 0, error))
    return FALSE;
  n = size < 8 ? 0 : pl_safetensors_header_length (first8);
  if (size < 8 || n > PL_SAFETENSORS_MAX_HEADER || n > size - 8)
    {
      f->header = pl_safetensors_parse_header (first8, MIN (size, 8), size, f->display, error);
      g_return_val_if_fail (f->header == NULL, FALSE);
      return FALSE;
    }
  head = g_malloc (8 + n);
  memcpy (head, first8, 8);
  if (!pread_all (f, head + 8, n, 8, error))
    return FALSE;
  f->header = pl_safetensors_parse_header (head, 8 + n, size, f->display, error);
  return f->header != NULL;
}

/* Modification times tick as coarsely as the kernel's clock (a few ms), so a write
 * right after an earlier one can leave them equal: inotify sees every write and
 * truncation on the open file itself. -1 where unavailable (then times and size only). */
static int
watch_file (int fd)
{
#ifdef __linux__
  int ino = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_autofree char *self = g_strdup_printf ("/proc/self/fd/%d", fd);

  if (ino >= 0 && inotify_add_watch (ino, self, IN_MODIFY) >= 0)
    return ino;
  if (ino >= 0)
    close (ino);
#endif
  return -1;
}

static gboolean
written_since_open (PlTensorFile *f)
{
#ifdef __linux__
  char buf[sizeof (struct inotify_event) + 256];

  return f->watch >= 0 && read (f->watch, buf, sizeof buf) > 0;
#else
  return FALSE;
#endif
}

PlTensorFile *
pl_tensor_file_open (const char *path, GError **error)
{
  g_autoptr(PlTensorFile) f = g_new0 (PlTensorFile, 1);

  f->watch = -1;
  f->guard = -1;
  f->path = g_strdup (path);
  f->display = g_filename_display_name (path);
  /* O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it. */
  f->fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (f->fd < 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not open %s: %s", f->display,
                   g_strerror (e));
      return NULL;
    }
  f->watch = watch_file (f->fd);
  if (fstat (f->fd, &f->before) != 0)
    {
      int e = errno;
      pl_set_file_error (error, PL_ERROR_IO, f->display, "%s", g_strerror (e));
      return NULL;
    }
  if (!S_ISREG (f->before.st_mode))
    {
      pl_set_file_error (error, PL_ERROR_IO, f->display, "this is %s, not a regular file; "
                         "model weights are read only from a regular file",
                         pl_file_kind (f->before.st_mode));
      return NULL;
    }
  if (!read_header (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

void
pl_tensor_file_free (PlTensorFile *f)
{
  if (f == NULL)
    return;
  pl_bus_guard_remove (f->guard);
  if (f->map != NULL)
    munmap (f->map, f->map_len);
  if (f->fd >= 0)
    close (f->fd);
  if (f->watch >= 0)
    close (f->watch);
  g_clear_pointer (&f->header, pl_safetensors_free);
  g_free (f->path);
  g_free (f->display);
  g_free (f);
}

PlSafetensors *pl_tensor_file_header (PlTensorFile *f) { return f->header; }
guint64 pl_tensor_file_size (PlTensorFile *f) { return f->before.st_size; }
int pl_tensor_file_fd (PlTensorFile *f) { return f->fd; }
const char *pl_tensor_file_path (PlTensorFile *f) { return f->path; }
const guint8 *pl_tensor_file_mapping (PlTensorFile *f) { return f->map; }
const struct stat *pl_tensor_file_stat (PlTensorFile *f) { return &f->before; }

/* ---- F16 and BF16 ---- */

static float
f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  float f;

  if (exp == 0x1f)
    bits = sign | 0x7f800000 | (man << 13);          /* inf, nan */
  else if (exp != 0)
    bits = sign | ((exp + 112) << 23) | (man << 13); /* normal */
  else if (man == 0)
    bits = sign;                                      /* zero */
  else
    {                                                 /* subnormal: renormalize */
      int e = -1;
      do { man <<= 1; e++; } while ((man & 0x400) == 0);
      bits = sign | ((guint32) (112 - e) << 23) | ((man & 0x3ff) << 13);
    }
  memcpy (&f, &bits, 4);
  return f;
}

static void
f16_scalar (const guint16 *in, gsize n, float *out)
{
  for (gsize i = 0; i < n; i++)
    out[i] = f16_to_f32 (GUINT16_FROM_LE (in[i]));
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The CPU's own conversion (exact, subnormals included), 8 at a time. */
__attribute__((target ("avx,f16c"))) static void
f16_f16c (const guint16 *in, gsize n, float *out)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (out + i, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (in + i))));
  f16_scalar (in + i, n - i, out + i);
}

static void
f16_convert (const guint16 *in, gsize n, float *out)
{
  if (__builtin_cpu_supports ("f16c") && __builtin_cpu_supports ("avx"))
    f16_f16c (in, n, out);
  else
    f16_scalar (in, n, out);
}
#else
#define f16_convert f16_scalar
#endif

/* BF16 is the high half of an F32; the loop vectorizes. */
static void
bf16_convert (const guint16 *in, gsize n, float *out)
{
  guint32 *o = (guint32 *) out;

  for (gsize i = 0; i < n; i++)
    o[i] = (guint32) GUINT16_FROM_LE (in[i]) << 16;
}

/* ---- reading ---- */

/* Elements [e0, e1) of one tensor. */
typedef struct {
  const PlTensorRead *read;
  guint64             e0, e1;
} Range;

typedef struct {
  PlTensorFile *f;
  Range        *ranges;
  int           n;
  GError       *error;
} Job;

/* Faults in the destination's pages in one call before they are written: one system
 * call per chunk instead of a page fault per 4 KiB (about a fifth of the load's CPU
 * time). A hint: kernels before 5.14 refuse it and fault as usual. */
static void
populate (void *dst, gsize n)
{
#ifdef MADV_POPULATE_WRITE
  gsize page = 4096;
  guintptr a = (guintptr) dst / page * page, b = (guintptr) dst + n;

  madvise ((void *) a, b - a, MADV_POPULATE_WRITE);
#endif
}

static gboolean
read_range (PlTensorFile *f, const Range *r, guint16 *bounce, GError **error)
{
  const PlTensorInfo *t = r->read->info;
  gsize esize = pl_dtype_size (t->dtype);
  guint64 base = pl_safetensors_data_offset (f->header) + t->begin;

  if (t->dtype == PL_DTYPE_F32)   /* straight into place, a chunk at a time */
    {
      for (guint64 e = r->e0; e < r->e1;)
        {
          gsize m = MIN (r->e1 - e, CHUNK / 4);

          populate (r->read->dst + e, m * 4);
          if (!pread_all (f, r->read->dst + e, m * 4, base + e * 4, error))
            return FALSE;
          e += m;
        }
      return TRUE;
    }
  for (guint64 e = r->e0; e < r->e1;)
    {
      gsize m = MIN (r->e1 - e, CHUNK / esize);

      if (!pread_all (f, bounce, m * esize, base + e * esize, error))
        return FALSE;
      if (t->dtype == PL_DTYPE_F16)
        f16_convert (bounce, m, r->read->dst + e);
      else
        bf16_convert (bounce, m, r->read->dst + e);
      e += m;
    }
  return TRUE;
}

static gpointer
run_job (gpointer data)
{
  Job *job = data;
  g_autofree guint16 *bounce = g_malloc (CHUNK);

  for (int i = 0; i < job->n && job->error == NULL; i++)
    read_range (job->f, &job->ranges[i], bounce, &job->error);
  return NULL;
}

/* Splits the reads into two jobs of about the same number of bytes. */
static void
split (const PlTensorRead *reads, int n, guint64 total, Range *ranges, Job jobs[2])
{
  guint64 half = total / 2, done = 0;
  int k = 0;

  jobs[0].ranges = ranges;
  for (int i = 0; i < n; i++)
    {
      const PlTensorInfo *t = reads[i].info;
      guint64 bytes = t->end - t->begin, esize = pl_dtype_size (t->dtype);

      if (jobs[1].ranges == NULL && done + bytes > half)
        {
          guint64 cut = (half - done) / esize;   /* elements in the first job */

          if (cut > 0)
            ranges[k++] = (Range) { &reads[i], 0, cut };
          jobs[0].n = k;
          jobs[1].ranges = ranges + k;
          ranges[k++] = (Range) { &reads[i], cut, t->n_elements };
        }
      else
        ranges[k++] = (Range) { &reads[i], 0, t->n_elements };
      done += bytes;
    }
  if (jobs[1].ranges == NULL)
    {
      jobs[0].n = k;
      jobs[1].ranges = ranges + k;
    }
  jobs[1].n = k - jobs[0].n;
}

static gboolean
changed_since_open (PlTensorFile *f)
{
  struct stat now;

  if (!f->changed)
    f->changed = written_since_open (f) || fstat (f->fd, &now) != 0
                 || now.st_size != f->before.st_size
                 || now.st_mtim.tv_sec != f->before.st_mtim.tv_sec
                 || now.st_mtim.tv_nsec != f->before.st_mtim.tv_nsec;
  return f->changed;
}

static gboolean
unchanged (PlTensorFile *f, GError **error)
{
  if (changed_since_open (f))
    {
      pl_set_file_error (error, PL_ERROR_IO, f->display, "the file changed while it was "
                         "being read (another program is writing it): load the model "
                         "again when it is complete");
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_tensor_file_read (PlTensorFile *f, PlTensorRead *reads, int n, GError **error)
{
  g_autofree Range *ranges = g_new0 (Range, n + 1);
  Job jobs[2] = { { f, NULL, 0, NULL }, { f, NULL, 0, NULL } };
  GThread *helper = NULL;
  guint64 total = 0;

  for (int i = 0; i < n; i++)
    {
      g_return_val_if_fail (reads[i].info->dtype == PL_DTYPE_F32
                            || reads[i].info->dtype == PL_DTYPE_F16
                            || reads[i].info->dtype == PL_DTYPE_BF16, FALSE);
      total += reads[i].info->end - reads[i].info->begin;
    }
  split (reads, n, total, ranges, jobs);
  if (total >= PARALLEL_MIN)
    helper = g_thread_new ("pl-load", run_job, &jobs[1]);
  run_job (&jobs[0]);
  if (helper)
    g_thread_join (helper);
  else
    run_job (&jobs[1]);
  if (jobs[0].error || jobs[1].error)
    {
      g_propagate_error (error, jobs[0].error ? jobs[0].error : jobs[1].error);
      g_clear_error (jobs[0].error ? &jobs[1].error : &jobs[0].error);
      return FALSE;
    }
  return unchanged (f, error);
}

/* ---- in place ---- */

const guint8 *
pl_tensor_file_map (PlTensorFile *f, GError **error)
{
  gsize len = f->before.st_size;
  void *p;

  g_return_val_if_fail (f->map == NULL, f->map);
  if (len == 0 || (guint64) len != (guint64) f->before.st_size)
    {
      pl_set_file_error (error, PL_ERROR_IO, f->display, "cannot be mapped (%" G_GUINT64_FORMAT
                         " bytes)", (guint64) f->before.st_size);
      return NULL;
    }
  /* MAP_POPULATE: the page-cache pages are mapped in one call, not faulted one by one. */
  p = mmap (NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f->fd, 0);
  if (p == MAP_FAILED)
    {
      int e = errno;
      pl_set_file_error (error, PL_ERROR_IO, f->display, "cannot be mapped: %s",
                         g_strerror (e));
      return NULL;
    }
  f->guard = pl_bus_guard_add (p, len);
  if (f->guard < 0)
    {
      munmap (p, len);
      pl_set_file_error (error, PL_ERROR_IO, f->display, "cannot be mapped safely (too "
                         "many files mapped at once)");
      return NULL;
    }
  f->map = p;
  f->map_len = len;
  /* Written between the header's read and the mapping: what we map may be a mix. */
  if (!unchanged (f, error))
    return NULL;
  return f->map;
}

gboolean
pl_tensor_file_check (PlTensorFile *f)
{
  return !(f->map != NULL && pl_bus_guard_lost (f->guard)) && !changed_since_open (f);
}

/* ---- aligned memory ---- */

void *
pl_aligned_alloc (gsize bytes)
{
  gsize len = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  guint8 *p, *aligned;
  gsize head;

  if (bytes == 0)
    len = HUGE_PAGE;
  /* Over-allocate by one huge page, then return what lies outside the aligned part. */
  p = mmap (NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  aligned = (guint8 *) (((guintptr) p + HUGE_PAGE - 1) & ~(guintptr) (HUGE_PAGE - 1));
  head = aligned - p;
  if (head > 0)
    munmap (p, head);
  if (HUGE_PAGE - head > 0)
    munmap (aligned + len, HUGE_PAGE - head);
  /* No MADV_HUGEPAGE: measured on the build machine (THP "madvise", defrag "madvise"),
   * huge pages made a gpt2 `topk` run cost 0.4 to 1.2 s of CPU instead of 0.37 s, the
   * kernel zeroing and compacting memory for them (clear_page_erms at 79% of the
   * profile). The alignment still lets a kernel with THP "always" use them. */
  return aligned;
}

void
pl_aligned_free (void *p, gsize bytes)
{
  gsize len = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;

  if (p != NULL)
    munmap (p, bytes == 0 ? HUGE_PAGE : len);
}
