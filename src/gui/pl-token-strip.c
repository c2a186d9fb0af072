/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-token-strip.c: the tokens as one wrapping label, each token a span with its own
 * background (alternating, accent for the differing ones), so they read like text;
 * the tooltip finds the token under the pointer through the label's Pango layout.
 */
#include "config.h"

#include "pl-token-strip.h"

#include <glib/gi18n.h>

struct _PlTokenStrip {
  GtkWidget  parent_instance;

  GtkLabel  *tokens_label;
  GtkLabel  *count_label;
  GArray    *ids;        /* gint32 */
  GPtrArray *pieces;     /* char *, as decoded */
  GArray    *differs;    /* gboolean */
  GArray    *starts;     /* int: byte offset of each token's span in the label text */
  int        n_highlighted;
};

G_DEFINE_FINAL_TYPE (PlTokenStrip, pl_token_strip, GTK_TYPE_WIDGET)

char *
pl_token_display (const char *piece)
{
  GString *s = g_string_new (NULL);

  for (const char *p = piece; *p; p++)
    {
      switch (*p)
        {
        case ' ':  g_string_append (s, "␣"); break;
        case '\n': g_string_append (s, "↵"); break;
        case '\t': g_string_append (s, "→"); break;
        case '\r': g_string_append (s, "␍"); break;
        default:   g_string_append_c (s, *p); break;
        }
    }
  return g_string_free (s, FALSE);
}

/* The token whose span holds byte index, or -1. */
static int
token_at_index (PlTokenStrip *self,
                int           index)
{
  for (guint i = self->starts->len; i-- > 0;)
    if (index >= g_array_index (self->starts, int, i))
      return (int) i;
  return -1;
}

static gboolean
on_query_tooltip (GtkWidget  *label,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    data)
{
  PlTokenStrip *self = data;
  g_autofree char *text = NULL;
  int lx, ly, index, trailing, i;

  gtk_label_get_layout_offsets (GTK_LABEL (label), &lx, &ly);
  if (keyboard ||
      !pango_layout_xy_to_index (gtk_label_get_layout (GTK_LABEL (label)),
                                 (x - lx) * PANGO_SCALE, (y - ly) * PANGO_SCALE,
                                 &index, &trailing) ||
      (i = token_at_index (self, index)) < 0)
    return FALSE;
  text = pl_token_strip_describe (self, i);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
pl_token_strip_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_TOKEN_STRIP);
  G_OBJECT_CLASS (pl_token_strip_parent_class)->dispose (object);
}

static void
pl_token_strip_finalize (GObject *object)
{
  PlTokenStrip *self = PL_TOKEN_STRIP (object);

  g_array_unref (self->ids);
  g_ptr_array_unref (self->pieces);
  g_array_unref (self->differs);
  g_array_unref (self->starts);
  G_OBJECT_CLASS (pl_token_strip_parent_class)->finalize (object);
}

static void
pl_token_strip_class_init (PlTokenStripClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_token_strip_dispose;
  G_OBJECT_CLASS (klass)->finalize = pl_token_strip_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
      "/org/patchlens/Patchlens/pl-token-strip.ui");
  gtk_widget_class_bind_template_child (widget_class, PlTokenStrip, tokens_label);
  gtk_widget_class_bind_template_child (widget_class, PlTokenStrip, count_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tokenstrip");
}

static void
pl_token_strip_init (PlTokenStrip *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->pieces = g_ptr_array_new_with_free_func (g_free);
  self->differs = g_array_new (FALSE, FALSE, sizeof (gboolean));
  self->starts = g_array_new (FALSE, FALSE, sizeof (int));
  g_signal_connect (self->tokens_label, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  pl_token_strip_clear (self);
}

GtkWidget *
pl_token_strip_new (void)
{
  return g_object_new (PL_TYPE_TOKEN_STRIP, NULL);
}

void
pl_token_strip_clear (PlTokenStrip *self)
{
  g_array_set_size (self->ids, 0);
  g_ptr_array_set_size (self->pieces, 0);
  g_array_set_size (self->differs, 0);
  g_array_set_size (self->starts, 0);
  self->n_highlighted = 0;
  gtk_label_set_text (self->tokens_label, "");
  gtk_label_set_text (self->count_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->tokens_label), FALSE);
}

/* Pango markup: each token a span; the byte offset of each token's text in the
 * label's plain text goes to self->starts. A thin space separates tokens so wrapping
 * can happen between them. */
static char *
build_markup (PlTokenStrip *self)
{
  GString *markup = g_string_new (NULL);
  gsize plain = 0;

  for (guint i = 0; i < self->ids->len; i++)
    {
      g_autofree char *shown = pl_token_display (g_ptr_array_index (self->pieces, i));
      g_autofree char *escaped = g_markup_escape_text (shown, -1);
      gboolean d = g_array_index (self->differs, gboolean, i);
      int start;

      if (i > 0)
        {
          g_string_append (markup, "\u2009");   /* thin space, a break opportunity */
          plain += strlen ("\u2009");
        }
      start = (int) plain;
      g_array_append_val (self->starts, start);
      g_string_append_printf (markup, d
          ? "<span background=\"#3584e4\" bgalpha=\"45%%\" weight=\"bold\">%s</span>"
          : "<span background=\"%s\" bgalpha=\"22%%\">%s</span>",
          d ? escaped : (i % 2 ? "#9141ac" : "#2190a4"), escaped);
      plain += strlen (shown);
    }
  return g_string_free (markup, FALSE);
}

void
pl_token_strip_set_tokens (PlTokenStrip       *self,
                           const gint32       *ids,
                           const char * const *pieces,
                           int                 n,
                           const gboolean     *differs)
{
  g_autofree char *markup = NULL;

  pl_token_strip_clear (self);
  for (int i = 0; i < n; i++)
    {
      gboolean d = differs != NULL && differs[i];

      g_array_append_val (self->ids, ids[i]);
      g_ptr_array_add (self->pieces, g_strdup (pieces[i]));
      g_array_append_val (self->differs, d);
      self->n_highlighted += d;
    }
  if (n == 0)
    return;
  markup = build_markup (self);
  gtk_label_set_markup (self->tokens_label, markup);
  gtk_widget_set_visible (GTK_WIDGET (self->tokens_label), TRUE);
  {
    g_autofree char *count = g_strdup_printf (ngettext ("%d token", "%d tokens", n), n);
    gtk_label_set_text (self->count_label, count);
  }
}

int
pl_token_strip_get_n_tokens (PlTokenStrip *self)
{
  return (int) self->ids->len;
}

int
pl_token_strip_get_n_highlighted (PlTokenStrip *self)
{
  return self->n_highlighted;
}

const char *
pl_token_strip_get_piece (PlTokenStrip *self,
                          int           i)
{
  if (i < 0 || (guint) i >= self->ids->len)
    return NULL;
  return g_ptr_array_index (self->pieces, i);
}

gboolean
pl_token_strip_get_differs (PlTokenStrip *self,
                            int           i)
{
  if (i < 0 || (guint) i >= self->ids->len)
    return FALSE;
  return g_array_index (self->differs, gboolean, i);
}

char *
pl_token_strip_describe (PlTokenStrip *self,
                         int           i)
{
  g_autofree char *shown = NULL;

  if (i < 0 || (guint) i >= self->ids->len)
    return NULL;
  shown = pl_token_display (g_ptr_array_index (self->pieces, i));
  /* Translators: tooltip of a token: its position, id and text */
  return g_strdup_printf (_("Position %d · id %d · “%s”"), i,
                          g_array_index (self->ids, gint32, i), shown);
}
