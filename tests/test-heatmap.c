/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-heatmap.c: the heatmap figure: exports (PNG size = scale x natural size, SVG,
 * PDF read back with poppler), every label inside the figure for grids from 1x1 to
 * 48x64 (ink extents of a recording surface), hit testing, sizes that grow with the
 * content, the colours of cells, atomic export failures.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-heatmap.h"
#include "pl-result-fixture.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A rows x cols figure with long tokens (CJK, emoji, accents, spaces, newlines). */
static PlHeatmap *
make_figure (int rows,
             int cols)
{
  static const char *const tokens[] = {
    " Michelle", " Jones", " was", " a", " top", "-", "notch", " student", ".",
    "\n", " 東京", " 😀", " naïveté", "  ", " internationalization", ",",
  };
  PlHeatmap *hm = pl_heatmap_new (rows, cols);

  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      pl_heatmap_set_value (hm, r, c, (float) (5 * sin (0.3 * c + 0.2 * r) - r * 0.05));
  for (int c = 0; c < cols; c++)
    pl_heatmap_set_col_label (hm, c, tokens[c % G_N_ELEMENTS (tokens)]);
  pl_heatmap_set_title (hm, "Activation patching · resid_post · gpt2");
  pl_heatmap_set_value_label (hm, "logit( Smith) − logit( Jones)");
  return hm;
}

/* The ink of the drawing lies within [0, w] x [0, h]: nothing is clipped. */
static void
assert_inside (PlHeatmap *hm)
{
  double w, h, x0, y0, iw, ih;
  cairo_surface_t *rec = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create (rec);

  pl_heatmap_get_size (hm, &w, &h);
  pl_heatmap_draw (hm, cr);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_recording_surface_ink_extents (rec, &x0, &y0, &iw, &ih);
  cairo_surface_destroy (rec);
  g_test_message ("%d x %d: size %.0f x %.0f, ink [%.1f, %.1f] - [%.1f, %.1f]",
                  pl_heatmap_get_n_rows (hm), pl_heatmap_get_n_cols (hm), w, h,
                  x0, y0, x0 + iw, y0 + ih);
  g_assert_cmpfloat (x0, >=, 0);
  g_assert_cmpfloat (y0, >=, 0);
  g_assert_cmpfloat (x0 + iw, <=, w);
  g_assert_cmpfloat (y0 + ih, <=, h);
  /* ... and it fills the figure but for a margin of a few points. */
  g_assert_cmpfloat (x0, <, 24);
  g_assert_cmpfloat (y0, <, 24);
  g_assert_cmpfloat (x0 + iw, >, w - 24);
  g_assert_cmpfloat (y0 + ih, >, h - 24);
}

static void
test_labels_inside (void)
{
  static const int shapes[][2] = { { 1, 1 }, { 1, 16 }, { 12, 11 }, { 12, 1 },
                                   { 24, 20 }, { 48, 64 } };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(PlHeatmap) hm = make_figure (shapes[i][0], shapes[i][1]);
      assert_inside (hm);
      pl_heatmap_set_font_scale (hm, 1.6);
      pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
      assert_inside (hm);
      pl_heatmap_set_row_title (hm, "A very long row title that is longer than the grid");
      pl_heatmap_set_col_title (hm, "A very long column title that runs under the colour bar");
      pl_heatmap_set_value_label (hm, "a metric label long enough to need two lines or three "
                                      "on a short colour bar");
      assert_inside (hm);
    }
}

static void
test_hit_test (void)
{
  g_autoptr(PlHeatmap) hm = make_figure (12, 11);
  double gx, gy, gw, gh, w, h;
  int row = -1, col = -1;

  pl_heatmap_get_size (hm, &w, &h);
  pl_heatmap_get_grid_rect (hm, &gx, &gy, &gw, &gh);
  g_assert_cmpfloat (gx, >, 0);
  g_assert_cmpfloat (gy, >, 0);
  g_assert_cmpfloat (gx + gw, <, w);
  g_assert_cmpfloat (gy + gh, <, h);
  double cw = gw / 11, ch = gh / 12;
  /* Square-ish cells of a sensible size. */
  g_assert_cmpfloat (ch, >=, 14);
  g_assert_cmpfloat (cw / ch, <=, 2.0);
  g_assert_cmpfloat (cw / ch, >=, 0.5);

  for (int r = 0; r < 12; r++)
    for (int c = 0; c < 11; c++)
      {
        g_assert_true (pl_heatmap_hit_test (hm, gx + (c + 0.5) * cw, gy + (r + 0.5) * ch,
                                            &row, &col));
        g_assert_cmpint (row, ==, r);
        g_assert_cmpint (col, ==, c);
      }
  g_assert_false (pl_heatmap_hit_test (hm, gx - 1, gy + 1, &row, &col));
  g_assert_false (pl_heatmap_hit_test (hm, gx + 1, gy - 1, &row, &col));
  g_assert_false (pl_heatmap_hit_test (hm, gx + gw + 1, gy + 1, &row, &col));
  g_assert_false (pl_heatmap_hit_test (hm, gx + 1, gy + gh + 1, &row, &col));
  g_assert_false (pl_heatmap_hit_test (hm, 0, 0, &row, &col));
  g_assert_false (pl_heatmap_hit_test (hm, w - 1, h / 2, &row, &col));
}

static void
test_size_grows (void)
{
  double w1, h1, w2, h2;
  g_autoptr(PlHeatmap) small = make_figure (12, 11);
  g_autoptr(PlHeatmap) more_rows = make_figure (48, 11);
  g_autoptr(PlHeatmap) more_cols = make_figure (12, 40);

  pl_heatmap_get_size (small, &w1, &h1);
  pl_heatmap_get_size (more_rows, &w2, &h2);
  g_assert_cmpfloat (h2, >, h1);
  pl_heatmap_get_size (more_cols, &w2, &h2);
  g_assert_cmpfloat (w2, >, w1);

  /* Longer labels take more room, and so does a larger font. */
  for (int c = 0; c < 11; c++)
    pl_heatmap_set_col_label (more_rows, c, "");
  pl_heatmap_get_size (more_rows, &w1, &h1);
  pl_heatmap_set_col_label (more_rows, 3, " a really very long token indeed");
  pl_heatmap_get_size (more_rows, &w2, &h2);
  g_assert_cmpfloat (w2 + h2, >, w1 + h1 + 50);
  pl_heatmap_set_font_scale (more_rows, 1.6);
  pl_heatmap_get_size (more_rows, &w1, &h1);
  g_assert_cmpfloat (w1, >, w2);
  g_assert_cmpfloat (h1, >, h2);
}

static cairo_surface_t *
read_png (const char *path)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  return s;
}

static void
test_export_png (void)
{
  g_autoptr(PlHeatmap) hm = make_figure (12, 11);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("fig.png");
  double w, h;

  pl_heatmap_get_size (hm, &w, &h);
  for (double scale = 1; scale <= 2; scale++)
    {
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, scale, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
      cairo_surface_t *s = read_png (path);
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, (int) ceil (w * scale));
      g_assert_cmpint (cairo_image_surface_get_height (s), ==, (int) ceil (h * scale));
      /* A white page: the top-left corner is in the margin. */
      guint32 corner = *(guint32 *) cairo_image_surface_get_data (s);
      g_assert_cmphex (corner & 0xffffff, ==, 0xffffff);
      cairo_surface_destroy (s);
    }
}

/* The colour of the pixel at the centre of a cell, from a PNG at scale 1. */
static guint32
cell_pixel (PlHeatmap       *hm,
            cairo_surface_t *s,
            int              r,
            int              c,
            double           dx)
{
  double gx, gy, gw, gh;

  pl_heatmap_get_grid_rect (hm, &gx, &gy, &gw, &gh);
  int x = (int) (gx + (c + 0.5 + dx) * gw / pl_heatmap_get_n_cols (hm));
  int y = (int) (gy + (r + 0.5) * gh / pl_heatmap_get_n_rows (hm));
  guint8 *row = cairo_image_surface_get_data (s) + y * cairo_image_surface_get_stride (s);
  return ((guint32 *) row)[x] & 0xffffff;
}

/* Within one step per channel: cairo's 16 to 8 bit conversion truncates. */
static void
assert_colour (guint32 got,
               guint32 want)
{
  for (int shift = 0; shift < 24; shift += 8)
    if (abs ((int) ((got >> shift) & 0xff) - (int) ((want >> shift) & 0xff)) > 1)
      g_error ("colour %06x, expected %06x", got, want);
}

static void
test_cell_colours (void)
{
  g_autoptr(PlHeatmap) hm = pl_heatmap_new (2, 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("colours.png");
  const float values[] = { -2, 0, 2, 1, NAN, NAN };   /* (2, 3) */

  pl_heatmap_set_values (hm, values);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, 1, &error));
  g_assert_no_error (error);
  cairo_surface_t *s = read_png (path);
  guint32 blue = cell_pixel (hm, s, 0, 0, 0), white = cell_pixel (hm, s, 0, 1, 0);
  guint32 red = cell_pixel (hm, s, 0, 2, 0), pink = cell_pixel (hm, s, 1, 0, 0);
  g_test_message ("blue %06x white %06x red %06x pink %06x", blue, white, red, pink);
  assert_colour (blue, 0x053061);     /* -max|v|: the darkest blue */
  assert_colour (white, 0xffffff);    /* zero */
  assert_colour (red, 0x67001f);      /* +max|v| */
  g_assert_cmpuint (pink >> 16, >, pink & 0xff);   /* +max/2: light red */

  /* Cells not computed: grey, hatched (not one flat colour across the cell). */
  gboolean varies = FALSE;
  for (double dx = -0.4; dx <= 0.4; dx += 0.05)
    {
      guint32 p = cell_pixel (hm, s, 1, 1, dx);
      guint8 r = p >> 16, g = (p >> 8) & 0xff, b = p & 0xff;
      g_assert_cmpint (abs (r - g), <=, 2);
      g_assert_cmpint (abs (g - b), <=, 2);
      g_assert_cmpint (r, >, 0x90);
      g_assert_cmpint (r, <, 0xf0);
      varies |= p != cell_pixel (hm, s, 1, 1, 0);
    }
  g_assert_true (varies);
  cairo_surface_destroy (s);

  /* Viridis: dark purple at the minimum, yellow at the maximum. */
  pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, 1, &error));
  s = read_png (path);
  assert_colour (cell_pixel (hm, s, 0, 0, 0), 0x440154);
  assert_colour (cell_pixel (hm, s, 0, 2, 0), 0xfde725);
  cairo_surface_destroy (s);
}

static void
test_selection (void)
{
  g_autoptr(PlHeatmap) hm = make_figure (4, 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("sel.png");
  double gx, gy, gw, gh;
  int differ_in = 0, differ_out = 0;

  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, 1, &error));
  cairo_surface_t *a = read_png (path);
  pl_heatmap_set_selection (hm, 2, 1);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, 1, &error));
  g_assert_no_error (error);
  cairo_surface_t *b = read_png (path);

  /* The pixels that changed are all on the selected cell's border. */
  pl_heatmap_get_grid_rect (hm, &gx, &gy, &gw, &gh);
  double x0 = gx + gw / 4, y0 = gy + 2 * gh / 4, x1 = x0 + gw / 4, y1 = y0 + gh / 4;
  int W = cairo_image_surface_get_width (a), H = cairo_image_surface_get_height (a);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gsize off = y * cairo_image_surface_get_stride (a) + 4 * x;
        if (memcmp (cairo_image_surface_get_data (a) + off,
                    cairo_image_surface_get_data (b) + off, 3) == 0)
          continue;
        if (x >= x0 - 1 && x <= x1 + 1 && y >= y0 - 1 && y <= y1 + 1)
          differ_in++;
        else
          differ_out++;
      }
  g_assert_cmpint (differ_in, >, 4 * (int) (gw / 4));
  g_assert_cmpint (differ_out, ==, 0);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}

static char *
run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, err);
  return g_steal_pointer (&out);
}

static void
test_export_vector (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (12, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_result (r);
  g_autoptr(GError) error = NULL;
  g_autofree char *svg = tmp_path ("fig.svg"), *pdf = tmp_path ("fig.pdf");
  g_autofree char *data = NULL;
  PlFigureFormat format;

  g_assert_cmpint (pl_heatmap_get_n_rows (hm), ==, 12);
  g_assert_cmpint (pl_heatmap_get_n_cols (hm), ==, 11);
  g_assert_true (pl_figure_format_from_path (svg, &format));
  g_assert_cmpint (format, ==, PL_FIGURE_SVG);
  g_assert_true (pl_heatmap_export (hm, format, svg, 1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &data, NULL, NULL));
  g_assert_true (g_str_has_prefix (data, "<?xml"));
  g_assert_nonnull (strstr (data, "<svg"));
  g_clear_pointer (&data, g_free);

  g_assert_true (pl_figure_format_from_path ("FIG.PDF", &format));
  g_assert_cmpint (format, ==, PL_FIGURE_PDF);
  g_assert_true (pl_heatmap_export (hm, format, pdf, 1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &data, NULL, NULL));
  g_assert_true (g_str_has_prefix (data, "%PDF"));

  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftoppm == NULL || pdftotext == NULL)
    {
      g_test_skip ("poppler-utils (pdftoppm, pdftotext) is not installed: "
                   "the PDF was checked by its header only");
      return;
    }
  /* poppler renders it at the natural size and finds the texts of the figure. */
  g_autofree char *prefix = tmp_path ("pdf-page");
  g_autofree char *png = g_strconcat (prefix, ".png", NULL);
  const char *ppm_argv[] = { "pdftoppm", "-png", "-r", "72", "-singlefile", pdf, prefix,
                             NULL };
  g_free (run (ppm_argv));
  cairo_surface_t *s = read_png (png);
  double w, h;
  pl_heatmap_get_size (hm, &w, &h);
  g_assert_cmpint (abs (cairo_image_surface_get_width (s) - (int) w), <=, 1);
  g_assert_cmpint (abs (cairo_image_surface_get_height (s) - (int) h), <=, 1);
  cairo_surface_destroy (s);

  /* In content order (-raw), slanted labels come one character a line: join them. */
  const char *text_argv[] = { "pdftotext", "-raw", pdf, "-", NULL };
  g_autofree char *raw = run (text_argv);
  g_auto(GStrv) lines = g_strsplit (raw, "\n", -1);
  g_autofree char *text = g_strjoinv ("", lines);
  g_test_message ("pdftotext: %s", text);
  g_assert_nonnull (strstr (text, "Activation patching · resid_post · gpt2"));
  g_assert_nonnull (strstr (text, "␣Jones/␣Smith"));   /* the column that differs */
  g_assert_nonnull (strstr (text, "␣student"));
  g_assert_nonnull (strstr (text, "Layer"));
  g_assert_nonnull (strstr (text, "Position (token)"));
  g_assert_nonnull (strstr (text, "Smith)−logit("));   /* vertical: spaces dropped */
}

static void
test_export_errors (void)
{
  g_autoptr(PlHeatmap) hm = make_figure (3, 3);
  g_autoptr(GError) error = NULL;

  g_assert_false (pl_heatmap_export (hm, PL_FIGURE_PDF, "/nonexistent/dir/fig.pdf", 1,
                                     &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/fig.pdf"));
  g_clear_error (&error);

  g_assert_false (pl_heatmap_export (hm, PL_FIGURE_PNG, "/tmp/x.png", 1e6, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (pl_figure_format_from_path ("fig.jpeg", NULL));
}

/* Exporting into a folder we may not write to fails and leaves the old figure as it
 * was. The attempt runs in a child that drops root, which would otherwise write
 * anywhere. */
static void
test_export_read_only (void)
{
  g_autoptr(PlHeatmap) hm = make_figure (3, 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tmp_path ("read-only");
  g_autofree char *path = g_build_filename (dir, "fig.png", NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, "previous figure", -1, NULL));
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (geteuid () == 0 && setuid (65534) != 0)
        _exit (3);
      gboolean ok = pl_heatmap_export (hm, PL_FIGURE_PNG, path, 2, &error);
      if (ok)
        _exit (1);
      fprintf (stderr, "%s\n", error->message);
      _exit (error->code == PL_ERROR_IO && strstr (error->message, path) ? 0 : 2);
    }
  int status;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "previous figure");
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "fig.png");
  g_assert_null (g_dir_read_name (d));

  /* The same file written where we may: replaced by a PNG. */
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, path, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpmem (contents, 4, "\x89PNG", 4);
}

/* Writes the report figures (Michelle example, 12 and 48 layers) for a person to look
 * at when PL_HEATMAP_KEEP names a folder. */
static void
test_report_figure (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (12, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_result (r);
  g_autoptr(PlHeatmap) big = make_figure (48, 64);
  g_autoptr(GError) error = NULL;
  const char *keep = g_getenv ("PL_HEATMAP_KEEP");
  const char *dir = keep ? keep : tmpdir;
  g_autofree char *p1 = g_build_filename (dir, "michelle.png", NULL);
  g_autofree char *p2 = g_build_filename (dir, "big.png", NULL);
  g_autofree char *p3 = g_build_filename (dir, "michelle-live.png", NULL);

  pl_heatmap_set_selection (hm, 3, 1);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, p1, 2, &error));
  g_assert_no_error (error);
  for (int c = 20; c < 64; c++)
    pl_heatmap_set_value (big, 40, c, NAN);
  for (int r = 41; r < 48; r++)
    for (int c = 0; c < 64; c++)
      pl_heatmap_set_value (big, r, c, NAN);
  g_assert_true (pl_heatmap_export (big, PL_FIGURE_PNG, p2, 1, &error));
  g_assert_no_error (error);
  for (int l = 5; l < 12; l++)
    for (int p = 0; p < 11; p++)
      pl_heatmap_set_value (hm, l, p, NAN);
  pl_heatmap_set_font_scale (hm, 1.6);
  g_assert_true (pl_heatmap_export (hm, PL_FIGURE_PNG, p3, 1, &error));
  g_assert_no_error (error);
  assert_inside (hm);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_chmod (dir, 0755);
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("pl-heatmap-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_chmod (tmpdir, 0755);   /* the unprivileged child must reach read-only/ */

  g_test_add_func ("/Patchlens/Heatmap/labels-inside", test_labels_inside);
  g_test_add_func ("/Patchlens/Heatmap/hit-test", test_hit_test);
  g_test_add_func ("/Patchlens/Heatmap/size-grows", test_size_grows);
  g_test_add_func ("/Patchlens/Heatmap/export-png", test_export_png);
  g_test_add_func ("/Patchlens/Heatmap/cell-colours", test_cell_colours);
  g_test_add_func ("/Patchlens/Heatmap/selection", test_selection);
  g_test_add_func ("/Patchlens/Heatmap/export-vector", test_export_vector);
  g_test_add_func ("/Patchlens/Heatmap/export-errors", test_export_errors);
  g_test_add_func ("/Patchlens/Heatmap/export-read-only", test_export_read_only);
  g_test_add_func ("/Patchlens/Heatmap/report-figure", test_report_figure);
  int ret = g_test_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  /* Free the font caches so that LeakSanitizer and valgrind see only real leaks
   * (waiting for pango's fontconfig thread to let the font map go). */
  pl_figure_free_font_caches ();
  return ret;
}
