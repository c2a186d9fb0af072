/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-figure.c: one cairo drawing to PNG, SVG or PDF bytes, written atomically.
 */
#include "config.h"

#include "pl-figure.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <cairo-svg.h>
#include <glib/gi18n-lib.h>
#include <math.h>

#include "pl-error.h"
#include "pl-write-file.h"

typedef struct {
  PlFigureDrawFunc draw;
  gpointer         data;
  double           width, height;
  const char      *title;
} Figure;

static cairo_status_t
append_to_buffer (void                *closure,
                  const unsigned char *data,
                  unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The figure on a white page: one drawing whatever the surface. */
static cairo_status_t
render_page (const Figure    *fig,
             cairo_surface_t *surface,
             double           scale)
{
  cairo_t *cr = cairo_create (surface);

  cairo_scale (cr, scale, scale);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  fig->draw (cr, fig->data);
  cairo_status_t status = cairo_status (cr);
  cairo_destroy (cr);
  return status;
}

/* Renders the figure into bytes in the given format. */
static GByteArray *
render_figure (const Figure   *fig,
               PlFigureFormat  format,
               double          scale,
               GError        **error)
{
  GByteArray *buf = g_byte_array_new ();
  cairo_surface_t *s = NULL;
  cairo_status_t status;

  if (format == PL_FIGURE_PNG)
    {
      s = cairo_image_surface_create (CAIRO_FORMAT_RGB24,
                                      (int) ceil (fig->width * scale),
                                      (int) ceil (fig->height * scale));
      status = render_page (fig, s, scale);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (s, append_to_buffer, buf);
    }
  else
    {
      if (format == PL_FIGURE_SVG)
        s = cairo_svg_surface_create_for_stream (append_to_buffer, buf, fig->width,
                                                 fig->height);
      else
        {
          s = cairo_pdf_surface_create_for_stream (append_to_buffer, buf, fig->width,
                                                   fig->height);
          cairo_pdf_surface_set_metadata (s, CAIRO_PDF_METADATA_CREATOR, "Patchlens");
          if (fig->title)
            cairo_pdf_surface_set_metadata (s, CAIRO_PDF_METADATA_TITLE, fig->title);
        }
      status = render_page (fig, s, 1.0);
      cairo_surface_finish (s);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (s);
    }
  cairo_surface_destroy (s);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, _("Could not draw the figure: %s"),
                   cairo_status_to_string (status));
      g_byte_array_unref (buf);
      return NULL;
    }
  return buf;
}

gboolean
pl_figure_export (PlFigureDrawFunc  draw,
                  gpointer          data,
                  double            width,
                  double            height,
                  const char       *title,
                  PlFigureFormat    format,
                  const char       *path,
                  double            scale,
                  GError          **error)
{
  g_return_val_if_fail (draw != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  Figure fig = { draw, data, width, height, title };

  if (format == PL_FIGURE_PNG)
    {
      /* cairo's image surfaces stop at 32767 pixels a side. */
      if (!(scale > 0) || ceil (width * scale) > 32767 || ceil (height * scale) > 32767)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       _("Cannot write “%s” at scale %g: a %.0f × %.0f point figure "
                         "would exceed 32767 pixels a side."), path, scale, width, height);
          return FALSE;
        }
    }
  else if (format != PL_FIGURE_SVG && format != PL_FIGURE_PDF)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("Unknown figure format for “%s”."), path);
      return FALSE;
    }

  g_autoptr(GByteArray) buf = render_figure (&fig, format, scale, error);
  if (buf == NULL)
    return FALSE;
  return pl_write_file_atomic (path, (const char *) buf->data, buf->len, error);
}

/* Set at the very end of the font map's finalization, after its fonts are gone. */
static gint font_map_gone;   /* atomic */

static void
on_font_map_finalized (gpointer data)
{
  g_atomic_int_set ((gint *) data, TRUE);
}

void
pl_figure_free_font_caches (void)
{
  PangoFontMap *map = pango_cairo_font_map_get_default ();

  /* Pango's fontconfig thread may hold (and then finalize) the font map a moment after
   * we drop it: qdata is freed last in finalization, so its notify says that every
   * cairo font of the map is gone, whichever thread finalized it. */
  g_object_set_data_full (G_OBJECT (map), "pl-figure-finalized", &font_map_gone,
                          on_font_map_finalized);
  pango_cairo_font_map_set_default (NULL);
  for (int i = 0; i < 2000 && !g_atomic_int_get (&font_map_gone); i++)
    g_usleep (1000);
  if (!g_atomic_int_get (&font_map_gone))
    return;
  cairo_debug_reset_static_data ();
  FcFini ();
}

gboolean
pl_figure_format_from_path (const char     *path,
                            PlFigureFormat *format)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  PlFigureFormat f;

  if (g_str_has_suffix (lower, ".png"))
    f = PL_FIGURE_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    f = PL_FIGURE_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    f = PL_FIGURE_PDF;
  else
    return FALSE;
  if (format)
    *format = f;
  return TRUE;
}
