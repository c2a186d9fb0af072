/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-colormap.h: the heatmap's colour maps (a diverging blue-white-red map centred on
 * zero, and viridis) and the colour limits each one wants.
 *
 *   double vmin, vmax, rgb[3];
 *   pl_colormap_limits (PL_COLORMAP_DIVERGING, values, n, &vmin, &vmax);
 *   pl_colormap_eval (PL_COLORMAP_DIVERGING, (v - vmin) / (vmax - vmin), rgb);
 *
 * pl-heatmap.h includes this header, so users of the heatmap get PlColormap from there.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PL_COLORMAP_DIVERGING,   /* blue - white - red, centred on 0 */
  PL_COLORMAP_VIRIDIS,
} PlColormap;

/* One control point: t in [0, 1], the colour at t in [0, 1] per channel. */
typedef struct {
  double t, r, g, b;
} PlColormapStop;

/* The map's control points, t increasing from 0 to 1 (a colour bar's gradient stops). */
const PlColormapStop *pl_colormap_get_stops (PlColormap    cmap,
                                             guint        *n_stops);
/* t in [0, 1] (clamped) to a colour, linear between the stops. */
void                  pl_colormap_eval      (PlColormap    cmap,
                                             double        t,
                                             double        rgb[3]);
/* The colour limits for values (n of them, NaN and infinities skipped): symmetric
 * +-max|v| for the diverging map (so white is zero), the finite min and max for
 * viridis; a sane range when no value is finite. */
void                  pl_colormap_limits    (PlColormap    cmap,
                                             const float  *values,
                                             gsize         n,
                                             double       *vmin,
                                             double       *vmax);

G_END_DECLS
