/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-fake-hub.h: a fake Hugging Face hub for the download tests (test-download,
 * test-gui-download). A SoupServer on 127.0.0.1 (an ephemeral port; nothing leaves the
 * machine) runs in its own thread and GMainContext, so a test may block on a download
 * or iterate its own main loop meanwhile. How to use:
 *
 *   GBytes *files[4] = { config, vocab, merges, model };   // as pl_fake_hub_files
 *   PlFakeHub *hub = pl_fake_hub_new ("tiny", files);
 *   pl_download_model_from (pl_fake_hub_get_base (hub), "tiny", dest, ...);
 *   pl_fake_hub_free (hub);
 *
 * It serves /openai-community/REPO/resolve/main/FILE: the three small files directly
 * (honouring "bytes=N-" with a 206, or a 416 past the end), and model.safetensors as a
 * 302 to /cdn/model.safetensors carrying X-Linked-Etag (its SHA-256) and X-Linked-Size,
 * like the real hub. /openai-community/gated/... answers 401 (X-Error-Code GatedRepo),
 * another repository 404, another file of REPO 404 (X-Error-Code EntryNotFound).
 * pl_fake_hub_set makes it misbehave on demand.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlFakeHub PlFakeHub;

/* The four files of a model, in the order pl_fake_hub_new takes their bytes. */
extern const char *const pl_fake_hub_files[4];

/* How the hub answers from now on; all zero: well. */
typedef struct {
  gboolean not_found;      /* 404 for every path, with no X-Error-Code */
  gsize    cut_after;      /* close the next CDN body after this many bytes (once) */
  gboolean ignore_range;   /* the CDN answers 200 with the whole file to a Range */
  gboolean corrupt;        /* the CDN flips one byte of the model (hash unchanged) */
  gsize    chunk;          /* the CDN body in chunks of this many bytes (0: 4 KiB)... */
  gulong   delay_us;       /* ...this far apart for a GET; 0: no pause */
} PlFakeHubBehaviour;

/* Starts serving files (as pl_fake_hub_files; the hub refs them) for the repository
 * openai-community/repo; returns once it listens. */
PlFakeHub  *pl_fake_hub_new              (const char   *repo,
                                          GBytes *const files[4]);
/* Stops the server, joins its thread, frees everything. */
void        pl_fake_hub_free             (PlFakeHub    *hub);

/* "http://127.0.0.1:PORT", for pl_download_model_from or HF_ENDPOINT. */
const char *pl_fake_hub_get_base         (PlFakeHub    *hub);
/* The model's SHA-256 in hex, as its X-Linked-Etag announces it. */
const char *pl_fake_hub_get_model_sha256 (PlFakeHub    *hub);

void        pl_fake_hub_set              (PlFakeHub                *hub,
                                          const PlFakeHubBehaviour *behaviour);

/* The next CDN body stops after bytes of the model until pl_fake_hub_release: the
 * download provably cannot finish meanwhile. pl_fake_hub_is_holding says when it waits
 * there (and wakes the default main context as it starts to). */
void        pl_fake_hub_hold_at          (PlFakeHub    *hub,
                                          gsize         bytes);
gboolean    pl_fake_hub_is_holding       (PlFakeHub    *hub);
void        pl_fake_hub_release          (PlFakeHub    *hub);

/* Requests to /cdn/model.safetensors so far: all of them, and the GETs among them. */
guint       pl_fake_hub_cdn_requests     (PlFakeHub    *hub);
guint       pl_fake_hub_cdn_gets         (PlFakeHub    *hub);
/* The Range header of the i-th CDN request, "" if none (newly allocated). */
char       *pl_fake_hub_cdn_range        (PlFakeHub    *hub,
                                          guint         i);

G_END_DECLS
