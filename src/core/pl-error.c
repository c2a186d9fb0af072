/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pl-error.h"

G_DEFINE_QUARK (patchlens-error-quark, pl_error)
