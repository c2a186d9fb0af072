/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-colormap.c: the heatmap's colour maps as tables of stops (matplotlib's reversed
 * RdBu and viridis), their linear interpolation, and the colour limits of each map.
 */
#include "config.h"

#include "pl-colormap.h"

#include <math.h>

/* matplotlib's RdBu reversed (ColorBrewer's 11 classes): blue for negative, red for
 * positive, with pure white in the middle so a zero effect reads as "nothing". */
static const PlColormapStop rdbu_stops[] = {
  { 0.0, 0x05 / 255., 0x30 / 255., 0x61 / 255. },
  { 0.1, 0x21 / 255., 0x66 / 255., 0xac / 255. },
  { 0.2, 0x43 / 255., 0x93 / 255., 0xc3 / 255. },
  { 0.3, 0x92 / 255., 0xc5 / 255., 0xde / 255. },
  { 0.4, 0xd1 / 255., 0xe5 / 255., 0xf0 / 255. },
  { 0.5, 1.0, 1.0, 1.0 },
  { 0.6, 0xfd / 255., 0xdb / 255., 0xc7 / 255. },
  { 0.7, 0xf4 / 255., 0xa5 / 255., 0x82 / 255. },
  { 0.8, 0xd6 / 255., 0x60 / 255., 0x4d / 255. },
  { 0.9, 0xb2 / 255., 0x18 / 255., 0x2b / 255. },
  { 1.0, 0x67 / 255., 0x00 / 255., 0x1f / 255. },
};

/* matplotlib's viridis table (_cm_listed.py), every 16th of its 256 entries. */
static const PlColormapStop viridis_stops[] = {
  {   0 / 255., 0.267004, 0.004874, 0.329415 },
  {  16 / 255., 0.282327, 0.094955, 0.417331 },
  {  32 / 255., 0.278826, 0.175490, 0.483397 },
  {  48 / 255., 0.258965, 0.251537, 0.524736 },
  {  64 / 255., 0.229739, 0.322361, 0.545706 },
  {  80 / 255., 0.199430, 0.387607, 0.554642 },
  {  96 / 255., 0.172719, 0.448791, 0.557885 },
  { 112 / 255., 0.149039, 0.508051, 0.557250 },
  { 128 / 255., 0.127568, 0.566949, 0.550556 },
  { 144 / 255., 0.120638, 0.625828, 0.533488 },
  { 160 / 255., 0.157851, 0.683765, 0.501686 },
  { 176 / 255., 0.246070, 0.738910, 0.452024 },
  { 192 / 255., 0.369214, 0.788888, 0.382914 },
  { 208 / 255., 0.515992, 0.831158, 0.294279 },
  { 224 / 255., 0.678489, 0.863742, 0.189503 },
  { 240 / 255., 0.845561, 0.887322, 0.099702 },
  { 255 / 255., 0.993248, 0.906157, 0.143936 },
};

const PlColormapStop *
pl_colormap_get_stops (PlColormap cmap,
                       guint     *n_stops)
{
  if (cmap == PL_COLORMAP_VIRIDIS)
    {
      *n_stops = G_N_ELEMENTS (viridis_stops);
      return viridis_stops;
    }
  *n_stops = G_N_ELEMENTS (rdbu_stops);
  return rdbu_stops;
}

void
pl_colormap_eval (PlColormap cmap,
                  double     t,
                  double     rgb[3])
{
  guint n;
  const PlColormapStop *s = pl_colormap_get_stops (cmap, &n);
  guint i = 1;

  t = CLAMP (t, 0.0, 1.0);
  while (i < n - 1 && t > s[i].t)
    i++;
  double f = (t - s[i - 1].t) / (s[i].t - s[i - 1].t);
  f = CLAMP (f, 0.0, 1.0);
  rgb[0] = s[i - 1].r + f * (s[i].r - s[i - 1].r);
  rgb[1] = s[i - 1].g + f * (s[i].g - s[i - 1].g);
  rgb[2] = s[i - 1].b + f * (s[i].b - s[i - 1].b);
}

void
pl_colormap_limits (PlColormap   cmap,
                    const float *values,
                    gsize        n,
                    double      *vmin,
                    double      *vmax)
{
  double lo = INFINITY, hi = -INFINITY, m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double v = values[i];
      if (!isfinite (v))
        continue;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      m = MAX (m, fabs (v));
    }
  if (cmap == PL_COLORMAP_DIVERGING)
    {
      if (!(m > 0))
        m = 1;
      *vmin = -m;
      *vmax = m;
    }
  else if (!(lo <= hi))
    {
      *vmin = 0;
      *vmax = 1;
    }
  else if (lo == hi)
    {
      *vmin = lo - 0.5;
      *vmax = hi + 0.5;
    }
  else
    {
      *vmin = lo;
      *vmax = hi;
    }
}
