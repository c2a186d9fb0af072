/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-figure.h: writing any cairo drawing as a PNG, SVG or PDF file: the export shared
 * by every figure (the heatmap, the logit lens, attention patterns, attribution).
 *
 *   static void draw (cairo_t *cr, gpointer data) { ... draws in [0,w] x [0,h] ... }
 *   pl_figure_export (draw, data, w, h, "Title", PL_FIGURE_PDF, "fig.pdf", 1.0, &error);
 *
 * The page is painted white first; the drawing should use black text (exports are
 * black on white whatever the screen's theme). pl-heatmap.h includes this header.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PL_FIGURE_PNG,
  PL_FIGURE_SVG,
  PL_FIGURE_PDF,
} PlFigureFormat;

typedef void (*PlFigureDrawFunc) (cairo_t *cr,
                                  gpointer data);

/* Writes atomically (temporary file then rename). width and height are in points;
 * scale multiplies the pixel size of a PNG (1.0 = 1 px per point, 2.0 for a sharp
 * figure in a report) and is ignored for SVG/PDF; title goes into a PDF's metadata
 * (may be NULL). A PNG over 32767 pixels a side is refused with a message. */
gboolean pl_figure_export           (PlFigureDrawFunc  draw,
                                     gpointer          data,
                                     double            width,
                                     double            height,
                                     const char       *title,
                                     PlFigureFormat    format,
                                     const char       *path,
                                     double            scale,
                                     GError          **error);
/* For test programs: frees pango's default font map, cairo's static caches and
 * fontconfig's (FcFini), so that LeakSanitizer and valgrind see only real leaks: once,
 * at exit, when no cairo or pango object is left. Pango's fontconfig thread may hold the font map a moment
 * longer: this waits for it (up to 2 s) and, if it is still held, leaves everything
 * to the exit, since resetting cairo under live fonts aborts. Creates the font map if
 * there was none: call it only after drawing. */
void     pl_figure_free_font_caches (void);
/* From a file name's extension (.png, .svg, .pdf); FALSE if none of these. */
gboolean pl_figure_format_from_path (const char       *path,
                                     PlFigureFormat   *format);

G_END_DECLS
